"""The data·inclusion value lists (package `data-inclusion-schema`, v1) as Django choices, and the
codes of a `zone_eligibilite` (`zone_codes`, shared by the service form and the import).

The lists are read from the package, never copied: a new release that adds a thématique
shows up here without a code change. Labels are the package's own French labels.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from data_inclusion.schema import v1

from villesolidaire.territory.models import INSEE_COMMUNE


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
MOBILISABLE_PAR_LABELS = dict(MOBILISABLE_PAR_CHOICES)
LINK_MODE = v1.ModeMobilisation.UTILISER_LIEN_MOBILISATION.value
FRAIS_CHOICES = _choices(v1.Frais)
TYPE_SERVICE_CHOICES = _choices(v1.TypeService)


def thematique_label(value: str) -> str:
    """Label of a thématique with its catégorie: « Équipement et alimentation : Alimentation »."""
    categorie = CATEGORIE_LABELS.get(value.split("--")[0], "")
    label = THEMATIQUE_LABELS.get(value, value)
    return f"{categorie} : {label}" if categorie else label


# `zone_eligibilite`: codes of the INSEE Code officiel géographique. The schema only checks their
# length (any 5 letters pass as a commune); the directory keeps the codes that can exist, as
# data·inclusion does when it drops the others.
ZONE_CODE = re.compile(
    rf"^(?:{INSEE_COMMUNE}"  # a commune (99xxx: a country)
    r"|0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB]|97[1-8]"  # a department: no 20, Corsica is 2A and 2B
    r"|\d{9}"  # an EPCI, by its SIREN
    r"|france)$",
    re.ASCII,
)
MAX_ZONE_CODES = 300
TOO_MANY_ZONE_CODES = f"{MAX_ZONE_CODES} codes au plus."


@dataclass(frozen=True)
class ZoneCodes:
    codes: list[str]  # as stored: upper case (« 2A »), « france » in lower case, once each, in order
    unknown: list[str]  # what cannot be a code, normalised the same way


def zone_codes(words: Iterable[str]) -> ZoneCodes:
    """The codes of a zone typed in a form or read from a file, sorted into known and unknown."""
    codes: list[str] = []
    unknown: list[str] = []
    for word in words:
        word = word.strip()
        code = "france" if word.lower() == "france" else word.upper()
        if code and code not in codes and code not in unknown:
            (codes if ZONE_CODE.match(code) else unknown).append(code)
    return ZoneCodes(codes=codes, unknown=unknown)
