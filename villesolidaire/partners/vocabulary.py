"""The data·inclusion value lists (package `data-inclusion-schema`, v1) as Django choices.

The lists are read from the package, never copied: a new release that adds a thématique
shows up here without a code change. Labels are the package's own French labels.
"""

from data_inclusion.schema import v1


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]


def _thematique_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Thématiques grouped by their catégorie (`<catégorie>--<sous-thème>`), for <optgroup>s."""
    labels = {categorie.value: categorie.label for categorie in v1.Categorie}
    groups: dict[str, list[tuple[str, str]]] = {}
    for thematique in v1.Thematique:
        groups.setdefault(thematique.value.split("--")[0], []).append((thematique.value, thematique.label))
    ordered = sorted(groups.items(), key=lambda item: labels.get(item[0], item[0]))
    return [(labels.get(key, key), values) for key, values in ordered]


THEMATIQUE_CHOICES = _thematique_choices()
THEMATIQUE_LABELS = {member.value: member.label for member in v1.Thematique}
CATEGORIE_LABELS = {member.value: member.label for member in v1.Categorie}
PUBLIC_CHOICES = _choices(v1.Public)
PUBLIC_LABELS = dict(PUBLIC_CHOICES)
TOUS_PUBLICS = v1.Public.TOUS_PUBLICS.value
MODE_ACCUEIL_CHOICES = _choices(v1.ModeAccueil)
MODE_MOBILISATION_CHOICES = _choices(v1.ModeMobilisation)
MOBILISABLE_PAR_CHOICES = _choices(v1.PersonneMobilisatrice)
LINK_MODE = v1.ModeMobilisation.UTILISER_LIEN_MOBILISATION.value
FRAIS_CHOICES = _choices(v1.Frais)
TYPE_SERVICE_CHOICES = _choices(v1.TypeService)


def thematique_label(value: str) -> str:
    """Label of a thématique with its catégorie: « Équipement et alimentation : Alimentation »."""
    categorie = CATEGORIE_LABELS.get(value.split("--")[0], "")
    label = THEMATIQUE_LABELS.get(value, value)
    return f"{categorie} : {label}" if categorie else label
