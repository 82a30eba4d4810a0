from django.db import models


class SurveyChannel(models.TextChoices):
    LINK = "link", "Lien par SMS ou e-mail"
    CALL = "call", "Appel de l'accueil"


# How a quote is signed in the bilan: its side only, never a name.
SIGNATURES: dict[str, list[str]] = {
    "resident": ["une personne aidée", "une habitante", "un habitant"],
    "volunteer": ["un·e volontaire", "une volontaire", "un volontaire"],
}
