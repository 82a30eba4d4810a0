"""Choices of the campaigns app, shared by the models and the pure rules (rules.py)."""

from django.db import models


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", "En cours"
    PAUSED = "paused", "En pause"
    CLOSED = "closed", "Close"


class TargetStatus(models.TextChoices):
    """Where one person stands in a campaign."""

    PENDING = "pending", "À appeler"
    REACHED = "reached", "Jointe"
    ESCALATED = "escalated", "En escalade"
    CLOSED = "closed", "Close (hospitalisée, absente ou refus)"


class Outcome(models.TextChoices):
    """Outcome of one contact attempt (phone call or SMS reply)."""

    REACHED_FINE = "reached_fine", "Jointe — va bien"
    REACHED_NEEDS_HELP = "reached_help", "Jointe — besoin d'aide"
    NO_ANSWER = "no_answer", "Pas de réponse"
    VOICEMAIL = "voicemail", "Messagerie"
    WRONG_NUMBER = "wrong_number", "Faux numéro"
    HOSPITALISED = "hospitalised", "Hospitalisée"
    ABSENT = "absent", "Absente (pas à son domicile)"
    REFUSED = "refused", "Refus"
    # Only from the SMS wave: the person answered something other than "1".
    SMS_OTHER_REPLY = "sms_other", "Réponse SMS à vérifier"


# Outcomes a caller can choose on the call screen (the SMS-only one is left out).
CALL_OUTCOMES = [choice for choice in Outcome.choices if choice[0] != Outcome.SMS_OTHER_REPLY]
REACHED_OUTCOMES = frozenset({Outcome.REACHED_FINE, Outcome.REACHED_NEEDS_HELP})
FAILED_OUTCOMES = frozenset({Outcome.NO_ANSWER, Outcome.VOICEMAIL})
# Not reached at all: the caller may turn at once to the person to notify (call screen).
UNREACHABLE_OUTCOMES = frozenset({Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.WRONG_NUMBER})
# The person is out of this campaign's calls: hospitalised, away from home, or refuses the calls.
CLOSING_OUTCOMES = frozenset({Outcome.HOSPITALISED, Outcome.ABSENT, Outcome.REFUSED})


class AttemptChannel(models.TextChoices):
    PHONE = "phone", "Appel téléphonique"
    SMS = "sms", "Réponse au SMS"
    ESCALATION = "escalation", "Escalade"


class EscalationKind(models.TextChoices):
    """The ladder, in order. Steps without data (no emergency contact…) are skipped."""

    EMERGENCY_CONTACT = "emergency_contact", "Appeler la personne à prévenir"
    HOME_CARE = "home_care", "Appeler le service d'aide à domicile"
    HOME_VISIT = "home_visit", "Visite à domicile"
    SAMU = "samu", "Appeler le 15 (SAMU)"


class EscalationResult(models.TextChoices):
    RESOLVED = "resolved", "Nouvelles rassurantes : la personne va bien"
    TAKEN_IN_CHARGE = "taken_in_charge", "Prise en charge (secours, hospitalisation, famille sur place)"
    NO_NEWS = "no_news", "Pas de nouvelles : étape suivante"


class Advice(models.TextChoices):
    DRINK = "drink", "Boire de l'eau régulièrement sans attendre d'avoir soif"
    SHUTTERS = "shutters", "Fermer volets et fenêtres le jour, aérer la nuit"
    COOL_BODY = "cool_body", "Se rafraîchir (douche, linge humide)"
    AVOID_EFFORT = "avoid_effort", "Éviter les efforts et les sorties aux heures chaudes"
    COOLED_ROOM_INFO = "cooled_room_info", "Lieux rafraîchis de la commune"
    HOTLINE = "hotline", "Canicule info service 0 800 06 66 66 et le 15 en cas d'urgence"


class Action(models.TextChoices):
    COOLED_ROOM = "cooled_room", "Accueil en salle rafraîchie"
    FAN = "fan", "Prêt d'un ventilateur"
    VISIT = "visit", "Visite à domicile"
    HELP_REQUEST = "help_request", "Demande d'aide créée"


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", "Oui / non"
    NUMBER = "number", "Nombre"
    CHOICE = "choice", "Choix dans une liste"
    TEXT = "text", "Texte libre"
