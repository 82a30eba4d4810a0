"""The directory as data·inclusion open data (schema v1, package `data-inclusion-schema`).

Export: validated organisations become `Structure`s, their active services `Service`s. Every
object is validated by the package in strict mode (its warnings are errors) before it leaves.
A record created here has the town's source (the slug of its name) and the id "<source>--<local id>";
an imported record keeps its producer's `source`, id, `lien_source` and `zone_eligibilite` (less
the codes that cannot exist: `vocabulary.zone_codes`).

Import: the two JSON files are read whole and every object validated before anything is
written; then organisations and services are created or updated by id, in one transaction.
A bad file changes nothing and gets French messages naming the object and the field.
What the schema lets through but cannot be true is dropped and counted in the report's notes: zone
codes that cannot exist (`vocabulary.zone_codes`), coordinates off the globe (`coordinates`).

Quality: `quality_report` scores exported services with the package's own `score_qualite`
(the score data·inclusion shows its users), 1.0 for a complete service.
"""

import datetime
import json
import re
from dataclasses import dataclass, field

import pydantic
from data_inclusion.schema import v1
from data_inclusion.schema.v1 import score_qualite
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from email_validator import EmailNotValidError, validate_email

from villesolidaire.core.tenancy import site_url
from villesolidaire.core.text import count_of, is_plural
from villesolidaire.core.validation import first_errors
from villesolidaire.partners import vocabulary
from villesolidaire.partners.models import (
    ORGANISATION_WORKFLOW,
    Organisation,
    OrganisationStatus,
    OrganisationType,
    Service,
)
from villesolidaire.territory.geocoding import quartier_for
from villesolidaire.territory.models import Town

STRICT = {"ignore_warnings": False}
DEFAULT_SOURCE = "ville-solidaire"
MAX_OBJECTS = 20000
# The best `score_qualite`: the mean of criteria that each score 1.0 at best.
QUALITY_MAX = 1.0
# No data·inclusion value for a CCAS: the schema's advice is "communes".
RESEAUX_BY_TYPE = {OrganisationType.CCAS: ["communes"], OrganisationType.MUNICIPAL_SERVICE: ["communes"]}


class ImportRefused(Exception):
    """The files were not imported; `errors` lists why, in French, for people."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:5]))
        self.errors = errors

    @property
    def heading(self) -> str:
        """« Import refusé, rien n'a été importé : 2 erreurs. », counting every message."""
        return f"Import refusé, rien n'a été importé : {count_of(len(self.errors), 'erreur')}."

    def first(self, limit: int) -> list[str]:
        """The first `limit` messages, then « … et 3 autres erreurs. » for those left out."""
        return first_errors(self.errors, limit)


@dataclass
class ImportReport:
    structures_created: int = 0
    structures_updated: int = 0
    services_created: int = 0
    services_updated: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """« 1 structure créée, 0 mise à jour ; 2 services créés, 1 mis à jour », for the page and the command."""
        return (
            f"{count_of(self.structures_created, 'structure créée', 'structures créées')}, "
            f"{count_of(self.structures_updated, 'mise à jour', 'mises à jour')} ; "
            f"{count_of(self.services_created, 'service créé', 'services créés')}, "
            f"{count_of(self.services_updated, 'mis à jour', 'mis à jour')}"
        )


def data_source(town: Town | None = None) -> str:
    town = town if town is not None else Town.current()
    return (slugify(town.name) if town else "") or DEFAULT_SOURCE


# Export -----------------------------------------------------------------------------------------


def _date_maj(moment: datetime.datetime) -> datetime.date:
    # The package refuses dates after its own today (the machine's date, not Paris').
    return min(timezone.localdate(moment), datetime.date.today())  # noqa: DTZ011 (the package compares with it)


def _email(value: str) -> str | None:
    """Only addresses the schema accepts: demo addresses on .invalid are left out."""
    if not value:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return value


def _phone(value) -> str | None:
    return value.as_e164 if value else None


def _text(value: str, minimum: int = 1) -> str | None:
    value = (value or "").strip()
    return value if len(value) >= minimum else None


def _citycode(record) -> str | None:
    # BAN ids start with the commune's INSEE code: "99123_0042_00012".
    code = (record.ban_id or "").split("_")[0]
    return code if len(code) == 5 and code.isalnum() else None


def organisation_page(organisation: Organisation) -> str:
    """The organisation's public page on this site (the directory's « fiche »)."""
    return site_url() + reverse("partners:public_organisation", args=[organisation.pk])


def service_page(service: Service) -> str:
    """A service has no page of its own: its place on its organisation's page."""
    return f"{organisation_page(service.organisation)}#service-{service.pk}"


def _within(value, bound: float) -> bool:
    return value is not None and -bound <= value <= bound  # False for NaN too


def coordinates(latitude, longitude) -> tuple[float, float] | tuple[None, None]:
    """Both coordinates when both are on the globe (latitude −90…90, longitude −180…180), else neither:
    the schema takes any number, and a point off the map would be published again as it came."""
    if _within(latitude, 90) and _within(longitude, 180):
        return latitude, longitude
    return None, None


def _address_block(record) -> dict:
    latitude, longitude = coordinates(record.latitude, record.longitude)
    return {
        "adresse": _text(record.address),
        "complement_adresse": _text(record.address_complement),
        "code_postal": _text(record.postcode),
        "commune": _text(record.city),
        "code_insee": _citycode(record),
        "latitude": latitude,
        "longitude": longitude,
    }


def organisation_data_id(organisation: Organisation, source: str) -> str:
    return organisation.data_id or f"{source}--{organisation.pk}"


def service_data_id(service: Service, source: str) -> str:
    return service.data_id or f"{source}--service-{service.pk}"


def structure_dict(organisation: Organisation, source: str) -> dict:
    """`source` is the town's: an imported organisation keeps its own (`data_source`)."""
    data = {
        "source": organisation.data_source or source,
        "id": organisation_data_id(organisation, source),
        "nom": organisation.name.strip(),
        "date_maj": _date_maj(organisation.updated_at),
        "lien_source": organisation.source_url or organisation_page(organisation),
        "description": _text(organisation.description, 5),
        "siret": organisation.siret or None,
        **_address_block(organisation),
        "telephone": _phone(organisation.phone),
        "courriel": _email(organisation.email),
        "site_web": organisation.website or None,
        "horaires_accueil": _text(organisation.opening_hours),
        "accessibilite_lieu": organisation.accessibility_url or None,
        "reseaux_porteurs": RESEAUX_BY_TYPE.get(organisation.type),
    }
    return v1.Structure.model_validate(data, context=STRICT).model_dump(mode="json")


def _zone(service: Service, town: Town | None) -> list[str] | None:
    """As stored; a service created here without one is open to the town's commune, an imported
    one keeps what its producer gave (nothing included)."""
    if service.eligibility_zone:
        return list(service.eligibility_zone)
    if service.data_source:
        return None
    return [town.insee_code] if town and town.insee_code else None


def service_dict(service: Service, source: str, town: Town | None) -> dict:
    """`source` is the town's: an imported service keeps its own (`data_source`)."""
    place = service.place
    data = {
        "source": service.data_source or source,
        "structure_id": organisation_data_id(service.organisation, source),
        "id": service_data_id(service, source),
        "nom": service.name.strip(),
        "description": service.description.strip(),
        "lien_source": service.source_url or service_page(service),
        "date_maj": _date_maj(service.updated_at),
        "type": service.type or None,
        "thematiques": sorted(service.thematiques) or None,
        "publics": sorted(service.publics) or None,
        "publics_precisions": _text(service.publics_precisions),
        "conditions_acces": _text(service.access_conditions),
        "frais": service.frais or None,
        "frais_precisions": _text(service.frais_precisions),
        **_address_block(place),
        "telephone": _phone(service.phone),
        "courriel": _email(service.email),
        "modes_accueil": sorted(service.modes_accueil) or None,
        "modes_mobilisation": sorted(service.modes_mobilisation) or None,
        "mobilisable_par": sorted(service.mobilisable_par) or None,
        "lien_mobilisation": service.mobilisation_url or None,
        "mobilisation_precisions": _text(service.mobilisation_precisions),
        "contact_nom_prenom": _text(service.contact_name),
        "horaires_accueil": _text(service.opening_hours),
        "zone_eligibilite": _zone(service, town),
    }
    dumped = v1.Service.model_validate(data, context=STRICT).model_dump(mode="json")
    # Sets come out in hash order: sort them so two exports of the same data are identical.
    for key in ("thematiques", "publics", "modes_accueil", "modes_mobilisation", "mobilisable_par"):
        if dumped.get(key):
            dumped[key] = sorted(dumped[key])
    return dumped


def export_structures(source: str | None = None) -> list[dict]:
    source = source or data_source()
    organisations = Organisation.objects.validated().order_by("pk")
    rows = [structure_dict(organisation, source) for organisation in organisations]
    for row in rows:
        if row.get("reseaux_porteurs"):
            row["reseaux_porteurs"] = sorted(row["reseaux_porteurs"])
    return rows


def export_services(source: str | None = None) -> list[dict]:
    town = Town.current()
    source = source or data_source(town)
    services = Service.objects.public().select_related("organisation").order_by("organisation_id", "pk")
    return [service_dict(service, source, town) for service in services]


# Quality ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityReport:
    """The data·inclusion quality score of each exported service (`score_qualite`, 0 to 1)."""

    scores: dict[str, float]
    # The criteria below their best, by service id: what to fill in to reach QUALITY_MAX.
    missing: dict[str, list[str]]

    @property
    def count(self) -> int:
        return len(self.scores)

    @property
    def mean(self) -> float | None:
        return round(sum(self.scores.values()) / len(self.scores), 3) if self.scores else None

    @property
    def at_maximum(self) -> int:
        return sum(1 for score in self.scores.values() if score >= QUALITY_MAX)

    def summary(self) -> str:
        if not self.scores:
            return "Score de qualité data·inclusion : aucun service publié."
        return (
            f"Score de qualité data·inclusion des services : moyenne {number_format(self.mean, 3)} sur 1 ; "
            f"{count_of(self.at_maximum, 'service')} sur {self.count} au maximum."
        )


def quality_score(row: dict) -> tuple[float, dict[str, float | None]]:
    """The package's score of one exported service, and each criterion's (None: not applicable)."""
    service = v1.Service.model_validate(row)
    try:
        return score_qualite.score(service)
    except ValueError:  # a criterion the package cannot score (out of its ranges): the worst
        return 0.0, {}


def quality_report(rows: list[dict]) -> QualityReport:
    scores, missing = {}, {}
    for row in rows:
        score, criteria = quality_score(row)
        scores[row["id"]] = score
        below = sorted(name for name, value in criteria.items() if value is not None and value < QUALITY_MAX)
        if below or score < QUALITY_MAX:
            missing[row["id"]] = below
    return QualityReport(scores=scores, missing=missing)


# Import -----------------------------------------------------------------------------------------


def _load(raw: bytes | str, label: str) -> list:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        message = f"Le fichier des {label} n'est pas un JSON lisible (encodage UTF-8, syntaxe JSON)."
        raise ImportRefused([message]) from error
    except RecursionError as error:  # thousands of nested brackets: no data·inclusion file is like that
        raise ImportRefused([f"Le fichier des {label} est imbriqué trop profondément pour être lu."]) from error
    if not isinstance(data, list):
        raise ImportRefused([f"Le fichier des {label} doit contenir une liste d'objets (format data·inclusion)."])
    if len(data) > MAX_OBJECTS:
        raise ImportRefused([f"Le fichier des {label} contient plus de {MAX_OBJECTS} objets."])
    return data


# pydantic writes its messages in English: each kind the schema can raise is told in French here
# (with its figures, from the error's context), and the package's own checks are French already.
FRENCH_ERRORS = {
    "missing": "champ obligatoire manquant",
    "string_type": "un texte est attendu",
    "string_pattern_mismatch": "format invalide",
    "list_type": "une liste est attendue",
    "set_type": "une liste est attendue",
    "int_type": "un nombre entier est attendu",
    "int_parsing": "un nombre entier est attendu",
    "float_type": "un nombre est attendu",
    "float_parsing": "un nombre est attendu",
    "finite_number": "un nombre est attendu",
    "bool_type": "vrai ou faux est attendu",
    "bool_parsing": "vrai ou faux est attendu",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_inexact": "une date AAAA-MM-JJ est attendue",
    "url_type": "une adresse web est attendue",
    "url_parsing": "adresse web invalide",
    "url_syntax_violation": "adresse web invalide",
    "url_too_long": "adresse web trop longue",
    "url_scheme": "l'adresse web doit commencer par https:// ou http://",
    "extra_forbidden": "champ inconnu du schéma",
    "model_type": "un objet est attendu",
    "model_attributes_type": "un objet est attendu",
    "dict_type": "un objet est attendu",
}
INVALID_EMAIL = "adresse e-mail invalide (ou sur un domaine réservé comme .invalid ou .test)"
# Unknown kinds (a new pydantic or package release): the field is named by the message's start.
UNKNOWN_ERROR = "valeur refusée par le schéma data·inclusion"
# A field whose values may take several forms: pydantic tries each and reports each failure; one
# message tells what the forms are.
SEVERAL_FORMS = {
    "zone_eligibilite": "codes admis : commune (ex. 35238), département (ex. 35, 2A), intercommunalité "
    "(SIREN à 9 chiffres), pays (99xxx) ou « france »",
}
OTHER_FORMS = "aucune des formes admises par le schéma data·inclusion"
# The expected values listed in a message, up to this many (a thématique has a hundred).
LISTED_VALUES = 15


def _shown(value) -> str:
    """The value refused, « quoted », when it is short text; empty otherwise."""
    return f"« {value} » " if isinstance(value, str) and 0 < len(value) <= 60 else ""


def _french(detail: dict) -> str:
    kind = detail.get("type", "")
    context = detail.get("ctx") or {}
    if kind in FRENCH_ERRORS:
        return FRENCH_ERRORS[kind]
    if kind == "value_error" and str(detail.get("msg", "")).startswith("value is not a valid email address"):
        return INVALID_EMAIL  # pydantic's e-mail check, in English with email_validator's reason
    if kind in ("value_error", "assertion_error") and isinstance(context.get("error"), Exception):
        return str(context["error"])  # raised by the schema's own validators, in French
    if kind == "avertissement":
        return str(detail.get("msg", ""))  # the schema's warnings (strict mode), in French
    if kind == "string_too_short":
        return f"texte trop court : au moins {count_of(context.get('min_length', 1), 'caractère')}"
    if kind == "string_too_long":
        return f"texte trop long : au plus {count_of(context.get('max_length', 0), 'caractère')}"
    if kind == "too_short":  # a list (or set)
        return f"liste trop courte : au moins {count_of(context.get('min_length', 1), 'valeur')}"
    if kind == "too_long":
        return f"liste trop longue : au plus {count_of(context.get('max_length', 0), 'valeur')}"
    if kind in ("enum", "literal_error"):
        values = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        listed = ", ".join(f"« {value} »" for value in values)
        known = f" (valeurs admises : {listed})" if values and len(values) <= LISTED_VALUES else ""
        return f"valeur {_shown(detail.get('input'))}inconnue du référentiel data·inclusion{known}"
    return UNKNOWN_ERROR


def _after_colon(text: str) -> str:
    """A sentence placed after « champ : » starts lower-case: « Le numéro… » → « le numéro… », « L'adresse… »
    → « l'adresse… »; an acronym (« SIRET… », « URL… ») is kept."""
    if len(text) >= 2 and text[0].isupper() and (text[1].islower() or text[1] in "'’"):
        return text[0].lower() + text[1:]
    return text


def _location(loc: tuple) -> tuple[str, bool]:
    """« champ « publics », valeur n° 2 », and whether pydantic tried several forms of the value: the
    names it gives each form (« constrained-str », « literal['france'] ») are its own, not the file's."""
    if not loc:
        return "objet", False
    positions = [f"valeur n° {part + 1}" for part in loc[1:] if isinstance(part, int)]
    several_forms = any(isinstance(part, str) for part in loc[1:])
    return ", ".join([f"champ « {loc[0]} »", *positions]), several_forms


def _messages(error: pydantic.ValidationError, what: str) -> list[str]:
    """One French sentence per field in error (pydantic may report one value several times)."""
    messages = []
    for detail in error.errors():
        where, several_forms = _location(tuple(detail.get("loc", ())))
        if several_forms:
            forms = SEVERAL_FORMS.get(str(detail["loc"][0]), OTHER_FORMS)
            text = f"valeur {_shown(detail.get('input'))}non reconnue ({forms})"
        else:
            text = _french(detail)
        messages.append(f"{what} : {where} : {_after_colon(text.rstrip('. '))}.")
    return list(dict.fromkeys(messages))[:5]


def _validate(rows: list, model, label: str) -> list:
    objects, errors = [], []
    for position, row in enumerate(rows, start=1):
        identifier = row.get("id") if isinstance(row, dict) else None
        what = f"{label} n° {position}" + (f" (id {identifier})" if identifier else "")
        try:
            objects.append(model.model_validate(row, context=STRICT))
        except pydantic.ValidationError as error:
            errors += _messages(error, what)
    seen = set()
    for position, obj in enumerate(objects, start=1):
        if obj.id in seen:
            errors.append(f"{label} n° {position} : l'id « {obj.id} » apparaît deux fois.")
        seen.add(obj.id)
    return objects, errors


def _moment(day: datetime.date) -> datetime.datetime:
    # Noon, Paris time: the date read back (`date_maj`) is the same in any time zone nearby.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def _place(record, obj) -> None:
    record.address = obj.adresse or ""
    record.address_complement = obj.complement_adresse or ""
    record.postcode = obj.code_postal or ""
    record.city = obj.commune or ""
    record.latitude, record.longitude = coordinates(obj.latitude, obj.longitude)
    record.is_located = record.latitude is not None
    record.ban_id = ""
    if obj.code_insee:
        # Keeps the commune code (read back by `_citycode`); not a real BAN id.
        record.ban_id = f"{obj.code_insee}_import"[:60]
    record.quartier = quartier_for(record.latitude, record.longitude) if record.is_located else None


def _str_url(value) -> str:
    return str(value) if value else ""


def _producer_page(value) -> str:
    """An imported `lien_source`, emptied when it starts with this site's own `site_url()`: a file
    this site exported, read back here, links to the pages of the records it was made from, and the
    next export links to the new record's page instead. Any other site's page is kept, another
    town's running Ville Solidaire included."""
    url = _str_url(value)
    return "" if url.startswith(site_url() + "/") else url


def _organisation_from(structure: v1.Structure, existing: Organisation | None) -> Organisation:
    organisation = existing or Organisation(status=OrganisationStatus.VALIDATED, created_at=timezone.now())
    organisation.data_id = structure.id
    organisation.data_source = structure.source
    organisation.source_url = _producer_page(structure.lien_source)
    organisation.name = structure.nom
    organisation.description = structure.description or ""
    organisation.siret = structure.siret or ""
    organisation.phone = structure.telephone or ""
    organisation.email = str(structure.courriel or "")
    organisation.website = _str_url(structure.site_web)
    organisation.opening_hours = structure.horaires_accueil or ""
    organisation.accessibility_url = _str_url(structure.accessibilite_lieu)
    if not existing:
        reseaux = {r.value for r in structure.reseaux_porteurs or ()}
        municipal = "communes" in reseaux
        organisation.type = OrganisationType.MUNICIPAL_SERVICE if municipal else OrganisationType.ASSOCIATION
    _place(organisation, structure)
    organisation.updated_at = _moment(structure.date_maj)
    return organisation


def _same_place(service: v1.Service, organisation: Organisation) -> bool:
    return (
        (service.adresse or "") == organisation.address
        and (service.code_postal or "") == organisation.postcode
        and (service.complement_adresse or "") == organisation.address_complement
        and (service.commune or "") == organisation.city
    )


def _service_from(obj: v1.Service, organisation: Organisation, existing: Service | None, zone: list[str]) -> Service:
    """`zone`: the codes of `zone_eligibilite` the directory keeps (`vocabulary.zone_codes`)."""
    service = existing or Service(created_at=timezone.now())
    service.organisation = organisation
    service.data_id = obj.id
    service.data_source = obj.source
    service.source_url = _producer_page(obj.lien_source)
    service.name, service.description = obj.nom, obj.description
    service.type = obj.type.value if obj.type else ""
    service.thematiques = sorted(t.value for t in obj.thematiques or ())
    service.publics = sorted(p.value for p in obj.publics or ())
    service.publics_precisions = (obj.publics_precisions or "")[:500]
    service.access_conditions = (obj.conditions_acces or "")[:500]
    service.frais = obj.frais.value if obj.frais else ""
    service.frais_precisions = (obj.frais_precisions or "")[:300]
    service.modes_accueil = sorted(m.value for m in obj.modes_accueil or ())
    service.modes_mobilisation = sorted(m.value for m in obj.modes_mobilisation or ())
    service.mobilisable_par = sorted(p.value for p in obj.mobilisable_par or ())
    service.mobilisation_url = _str_url(obj.lien_mobilisation)
    service.eligibility_zone = zone
    service.mobilisation_precisions = (obj.mobilisation_precisions or "")[:500]
    service.contact_name = (obj.contact_nom_prenom or "")[:150]
    service.phone = obj.telephone or ""
    service.email = str(obj.courriel or "")
    service.opening_hours = (obj.horaires_accueil or "")[:255]
    service.is_active = True
    if _same_place(obj, organisation):
        # At the organisation's address: keep it blank so that a move of the organisation moves it.
        service.address = service.address_complement = service.postcode = service.city = service.ban_id = ""
        service.latitude = service.longitude = service.quartier = None
        service.is_located = False
    else:
        _place(service, obj)
    service.updated_at = _moment(obj.date_maj)
    return service


def _zone_errors(zones: dict[str, vocabulary.ZoneCodes]) -> list[str]:
    """More codes than the service form takes would make the service impossible to edit here."""
    return [
        f"Service « {service_id} » : zone d'éligibilité : {vocabulary.TOO_MANY_ZONE_CODES}"
        for service_id, zone in zones.items()
        if len(zone.codes) > vocabulary.MAX_ZONE_CODES
    ]


def _dropped_codes_note(zones: dict[str, vocabulary.ZoneCodes]) -> str | None:
    """The codes that cannot exist are left out, as data·inclusion does: say which (each once, the first
    five named) and from how many services."""
    dropped = [zone.unknown for zone in zones.values() if zone.unknown]
    if not dropped:
        return None
    distinct = list(dict.fromkeys(code for codes in dropped for code in codes))
    examples = ", ".join(f"« {code} »" for code in distinct[:5]) + (", …" if len(distinct) > 5 else "")
    removed = "retirés" if is_plural(len(distinct)) else "retiré"
    return (
        f"Zone d'éligibilité : {count_of(len(distinct), 'code non reconnu', 'codes non reconnus')} ({examples}) "
        f"{removed} de {count_of(len(dropped), 'service')}, comme le fait data·inclusion."
    )


def _off_the_globe(obj) -> bool:
    """A coordinate given off the globe: the record is imported without coordinates (`coordinates`)."""
    latitude, longitude = obj.latitude, obj.longitude
    return (latitude is not None and not _within(latitude, 90)) or (
        longitude is not None and not _within(longitude, 180)
    )


def _dropped_coordinates_note(structures: list, services: list) -> str | None:
    counts = [
        count_of(count, noun)
        for count, noun in (
            (sum(map(_off_the_globe, structures)), "structure"),
            (sum(map(_off_the_globe, services)), "service"),
        )
        if count
    ]
    if not counts:
        return None
    return (
        "Coordonnées impossibles (latitude hors de −90…90 ou longitude hors de −180…180) retirées de "
        f"{' et '.join(counts)}, sans position sur la carte."
    )


def _check_local_rules(records: list, label: str) -> list[str]:
    """The schema is looser than the directory on a few fields (lengths, OSM hours): check them
    with the models' own validators so nothing invalid reaches the database."""
    errors = []
    for record in records:
        try:
            record.full_clean(
                exclude=["organisation", "quartier", "data_id", "type"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                field = record._meta.get_field(name) if name != "__all__" else None
                errors.append(
                    f"{label} « {record.data_id} » : {field.verbose_name if field else 'objet'} : "
                    f"{_after_colon(' '.join(messages))}"
                )
    return errors


@transaction.atomic
def import_files(structures_raw: bytes | str, services_raw: bytes | str | None = None, *, by=None) -> ImportReport:
    """Create or update organisations and services by id. All or nothing (ImportRefused)."""
    structures, errors = _validate(_load(structures_raw, "structures"), v1.Structure, "Structure")
    services, service_errors = ([], [])
    if services_raw:
        services, service_errors = _validate(_load(services_raw, "services"), v1.Service, "Service")
    errors += service_errors
    if errors:
        raise ImportRefused(errors)

    existing = {o.data_id: o for o in Organisation.objects.filter(data_id__in=[s.id for s in structures])}
    report = ImportReport()
    organisations = {}
    for structure in structures:
        organisations[structure.id] = _organisation_from(structure, existing.get(structure.id))
    known = {
        o.data_id: o
        for o in Organisation.objects.filter(
            data_id__in=[s.structure_id for s in services if s.structure_id not in organisations]
        )
    }
    organisations_for_services = {**known, **organisations}
    missing = [
        f"Service « {s.id} » : la structure « {s.structure_id} » est introuvable."
        for s in services
        if s.structure_id not in organisations_for_services
    ]
    zones = {obj.id: vocabulary.zone_codes(obj.zone_eligibilite or ()) for obj in services}
    errors += missing
    errors += _zone_errors(zones)
    errors += _check_local_rules(list(organisations.values()), "Structure")
    if errors:
        raise ImportRefused(errors)

    for organisation in organisations.values():
        created = organisation.pk is None
        organisation.save()
        if created:
            ORGANISATION_WORKFLOW.log_creation(organisation, by=by, note="Import data·inclusion")
            report.structures_created += 1
        else:
            report.structures_updated += 1

    existing_services = {s.data_id: s for s in Service.objects.filter(data_id__in=[s.id for s in services])}
    records = [
        _service_from(
            obj, organisations_for_services[obj.structure_id], existing_services.get(obj.id), zones[obj.id].codes
        )
        for obj in services
    ]
    errors = _check_local_rules(records, "Service")
    if errors:
        raise ImportRefused(errors)
    for record in records:
        created = record.pk is None
        record.save()
        if created:
            report.services_created += 1
        else:
            report.services_updated += 1
    report.notes += filter(None, [_dropped_codes_note(zones), _dropped_coordinates_note(structures, services)])
    return report
