"""Writes on neighbour networks: networks, referents, neighbours and their consent, state
records, alerts (which become help requests through the help_requests services)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from villesolidaire.accounts.models import User
from villesolidaire.core.service_errors import duplicate_refused
from villesolidaire.help_requests.enums import Channel, Consent
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.help_requests.services import help_request_create
from villesolidaire.neighbours.enums import NETWORK_WORKFLOW, ConsentAction, NetworkKind, NetworkStatus
from villesolidaire.neighbours.models import (
    Alert,
    ConsentEvent,
    Neighbour,
    Network,
    StateRecord,
)
from villesolidaire.notifications.models import Message
from villesolidaire.notifications.services import contact_send
from villesolidaire.residents.models import Resident
from villesolidaire.residents.services import resident_find_or_create
from villesolidaire.territory.geocoding import locate
from villesolidaire.territory.models import Town
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import magic_link_url

NETWORK_FIELDS = ("name", "kind", "address", "address_complement", "postcode", "city")
NEIGHBOUR_FIELDS = ("first_name", "last_name", "location", "phone", "mobile")
STATE_RECORD_FIELDS = (
    "visited_on",
    "households_count",
    "living_alone_count",
    "isolated_count",
    "place_notes",
    "existing_links",
    "missing_links",
    "needs_spotted",
    "notes",
)
_HOUSE_NUMBER = re.compile(r"^\d{1,5}\s*(bis|ter|quater|[a-z])?$", re.IGNORECASE)
DUPLICATE_VISIT = "Un état des lieux existe déjà pour ce réseau à cette date : choisissez la date de la visite."
RESIDENT_NOTE = "Fiche ouverte depuis le réseau de voisinage « {network} » (alerte du ou de la référent·e)."
NO_CONSENT = "Cette personne n'a pas (ou plus) donné son accord : l'alerte n'a pas été enregistrée."


# Networks -------------------------------------------------------------------------------------


def _apply(network: Network, data: dict, *, relocate: bool) -> None:
    for name in NETWORK_FIELDS:
        if name in data:
            setattr(network, name, data[name] or "")
    if relocate:
        locate(network)
    # The geocoder's quartier wins; the one chosen by hand places an address it does not know.
    if not network.is_located:
        network.quartier = data.get("quartier")


@transaction.atomic
def network_create(*, data: dict, by: User) -> Network:
    network = Network(created_by=by, status=NetworkStatus.ACTIVE)
    _apply(network, data, relocate=True)
    network.save()
    NETWORK_WORKFLOW.log_creation(network, by=by, note="Création du réseau")
    return network


@transaction.atomic
def network_update(*, network: Network, data: dict, address_changed: bool = True) -> Network:
    """Edit a network; the address is geocoded again only when it changed."""
    locked = Network.objects.select_for_update().get(pk=network.pk)
    _apply(locked, data, relocate=address_changed)
    locked.save()
    return locked


def _check_referent(volunteer: Volunteer | None, label: str) -> None:
    if volunteer is not None and not Volunteer.objects.active().filter(pk=volunteer.pk).exists():
        raise ValidationError(f"{label} doit être un·e volontaire actif·ve.")


@transaction.atomic
def network_set_referents(
    *, network: Network, referent: Volunteer, co_referent: Volunteer | None, by: User
) -> Network:
    """Name the referent (and optionally a co-referent): active volunteers, two different people."""
    if referent is None:
        raise ValidationError("Choisissez le ou la référent·e.")
    _check_referent(referent, "Le ou la référent·e")
    _check_referent(co_referent, "Le ou la co-référent·e")
    if co_referent is not None and co_referent.pk == referent.pk:
        raise ValidationError("Le ou la co-référent·e doit être une autre personne que le ou la référent·e.")
    locked = Network.objects.select_for_update().get(pk=network.pk)
    before = {locked.referent_id, locked.co_referent_id}
    locked.referent, locked.co_referent = referent, co_referent
    locked.save(update_fields=["referent", "co_referent"])
    # Only people newly named hear about it: saving the same choice again sends nothing.
    for volunteer, role in ((referent, "référent·e"), (co_referent, "co-référent·e")):
        if volunteer is not None and volunteer.pk not in before:
            _notify_named(volunteer=volunteer, network=locked, role=role)
    return locked


def _notify_named(*, volunteer: Volunteer, network: Network, role: str) -> Message | None:
    """Tell the volunteer, with a sign-in link that opens the network in their space."""
    town = Town.current()
    phone = to_python(volunteer.phone) if volunteer.phone else None
    context = {
        "volunteer": volunteer,
        "network": network,
        "role": role,
        "service": town.service_name if town else "CCAS",
        "link": magic_link_url(
            volunteer=volunteer, next_path=reverse("neighbours:referent_network", args=[network.pk])
        ),
    }
    return contact_send(
        email=volunteer.email,
        phone=phone.as_e164 if phone and phone.is_valid() else None,
        subject=f"Vous êtes {role} du réseau de voisinage « {network.name} »",
        email_template="neighbours/messages/referent_named_email.txt",
        sms_template="neighbours/messages/referent_named_sms.txt",
        context=context,
        kind="neighbours_referent_named",
    )


@transaction.atomic
def network_change_status(*, network: Network, to_status: str, by: User, reason: str = "") -> Network:
    """The only way a network's status changes: checked against the workflow and logged."""
    return NETWORK_WORKFLOW.apply(network, to_status, by=by, note=reason[:300])


# Neighbours and consent -----------------------------------------------------------------------


@transaction.atomic
def neighbour_add(
    *, network: Network, data: dict, by: User, consent_method: str = "", consent_at: datetime.datetime | None = None
) -> Neighbour:
    """Add a neighbour; when their consent was already collected, record it at once."""
    neighbour = Neighbour(network=network, created_by=by, resident=data.get("resident"))
    for name in NEIGHBOUR_FIELDS:
        setattr(neighbour, name, data.get(name) or "")
    neighbour.save()
    if consent_method:
        consent_record(neighbour=neighbour, method=consent_method, at=consent_at or timezone.now(), by=by)
        neighbour.refresh_from_db()
    return neighbour


@transaction.atomic
def neighbour_update(*, neighbour: Neighbour, data: dict) -> Neighbour:
    """Correct a neighbour's name, door or phones, or link their resident file."""
    locked = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
    for name in NEIGHBOUR_FIELDS:
        setattr(locked, name, data.get(name) or "")
    locked.resident = data.get("resident")
    locked.save()
    return locked


@transaction.atomic
def consent_record(*, neighbour: Neighbour, method: str, at: datetime.datetime, by: User, note: str = "") -> Neighbour:
    """The neighbour agrees (orally to the CCAS, or in writing) to be followed by the referent."""
    locked = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
    if locked.has_consent:
        raise ValidationError("L'accord de cette personne est déjà enregistré.")
    locked.consent_given_at, locked.consent_method, locked.consent_recorded_by = at, method, by
    locked.consent_withdrawn_at = None
    locked.save(update_fields=["consent_given_at", "consent_method", "consent_recorded_by", "consent_withdrawn_at"])
    ConsentEvent.objects.create(
        neighbour=locked, action=ConsentAction.GIVEN, method=method, effective_at=at, note=note[:300], by=by
    )
    return locked


@transaction.atomic
def consent_withdraw(*, neighbour: Neighbour, by: User, note: str = "") -> Neighbour:
    """From now on the referent no longer sees this neighbour; the history stays with the CCAS."""
    locked = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
    if not locked.has_consent:
        raise ValidationError("Cette personne n'a pas d'accord en cours : rien à retirer.")
    now = timezone.now()
    locked.consent_withdrawn_at = now
    locked.save(update_fields=["consent_withdrawn_at"])
    ConsentEvent.objects.create(
        neighbour=locked, action=ConsentAction.WITHDRAWN, effective_at=now, note=note[:300], by=by
    )
    return locked


# State records --------------------------------------------------------------------------------


@transaction.atomic
def state_record_add(*, network: Network, data: dict, by: User) -> StateRecord:
    """Append one « état des lieux / état des liens »; the same visit cannot be filed twice."""
    record = StateRecord(network=network, author=by, author_label=(by.get_full_name() or by.email)[:170])
    for name in STATE_RECORD_FIELDS:
        value = data.get(name)
        setattr(record, name, "" if value is None and not name.endswith("_count") else value)
    with duplicate_refused(ValidationError(DUPLICATE_VISIT)):
        record.save()
    return record


# Alerts ---------------------------------------------------------------------------------------


def resident_address_for(neighbour: Neighbour, network: Network) -> dict:
    """The address of the neighbour's file: the building (door in the complement), or the house
    number put in front of the street name."""
    location = (neighbour.location or "").strip()
    address, complement = network.address, network.address_complement
    if network.kind == NetworkKind.STREET and _HOUSE_NUMBER.match(location):
        address = f"{location} {network.address}".strip()
    elif location:
        complement = ", ".join(part for part in (location, complement) if part)
    return {
        "address": address[:250],
        "address_complement": complement[:120],
        "postcode": network.postcode,
        "city": network.city,
    }


def _surviving(resident: Resident | None) -> Resident | None:
    """A file merged since it was linked: follow it to the file that holds everything now."""
    seen = set()
    while resident is not None and resident.merged_into_id is not None and resident.pk not in seen:
        seen.add(resident.pk)
        resident = resident.merged_into
    return resident


def resident_for_neighbour(*, neighbour: Neighbour, network: Network, by: User | None) -> Resident:
    """The neighbour's resident file: the linked one, else one found by phone or created."""
    resident = _surviving(neighbour.resident)
    if resident is None:
        data = {
            "first_name": neighbour.first_name,
            "last_name": neighbour.last_name,
            "any_phone": neighbour.mobile or neighbour.phone or None,
            "notes": RESIDENT_NOTE.format(network=network.name),
            **resident_address_for(neighbour, network),
        }
        resident, created = resident_find_or_create(data=data, by=by)
        if created and neighbour.mobile and neighbour.phone and not resident.phone:
            # Only one number goes through the service; keep the landline on the new file too.
            resident.phone = neighbour.phone
            resident.save(update_fields=["phone"])
    if neighbour.resident_id != resident.pk:
        neighbour.resident = resident
        neighbour.save(update_fields=["resident"])
    return resident


def _request_description(network: Network, text: str) -> str:
    return f"Alerte du réseau de voisinage « {network.name} » : {text}"[:2000]


@transaction.atomic
def alert_raise(
    *,
    network: Network,
    volunteer: Volunteer,
    text: str,
    urgency: str,
    neighbour: Neighbour | None = None,
    category: HelpCategory | None = None,
    person_agrees: str = Consent.UNKNOWN,
) -> Alert:
    """A referent raises an alert. About a neighbour, it becomes a help request (third-party
    report, the referent as reporter) on the neighbour's resident file."""
    locked = Network.objects.select_for_update().get(pk=network.pk)
    if not locked.is_active:
        raise ValidationError("Ce réseau n'est pas actif : l'alerte n'a pas été enregistrée. Appelez le CCAS.")
    if volunteer.pk not in (locked.referent_id, locked.co_referent_id):
        raise ValidationError("Seul·e le ou la référent·e du réseau peut signaler une alerte.")
    alert = Alert(network=locked, raised_by=volunteer, text=text, urgency=urgency)
    if neighbour is not None:
        # Consent may have been withdrawn since the form was shown: check it under a lock.
        neighbour = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
        if neighbour.network_id != locked.pk or not neighbour.has_consent:
            raise ValidationError(NO_CONSENT)
        if category is None:
            raise ValidationError("Choisissez le type d'aide dont la personne a besoin.")
        alert.neighbour = neighbour
        alert.help_request = _help_request_for(locked, neighbour, volunteer, text, urgency, category, person_agrees)
    alert.save()
    return alert


def _help_request_for(network, neighbour, volunteer, text, urgency, category, person_agrees) -> HelpRequest:
    by = volunteer.user
    resident = resident_for_neighbour(neighbour=neighbour, network=network, by=by)
    data = {
        "category": category,
        "description": _request_description(network, text),
        "urgency": urgency,
        "reporter_name": str(volunteer)[:120],
        "reporter_relation": f"Référent·e du réseau de voisinage « {network.name} »"[:80],
        "reporter_phone": volunteer.phone.as_national if volunteer.phone else "",
        "person_agrees": person_agrees,
    }
    return help_request_create(resident=resident, data=data, channel=Channel.NEIGHBOURS, by=by)


@transaction.atomic
def alert_mark_handled(*, alert: Alert, by: User) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.handled_at is not None:
        raise ValidationError("Cette alerte est déjà marquée comme traitée.")
    locked.handled_at, locked.handled_by = timezone.now(), by
    locked.save(update_fields=["handled_at", "handled_by"])
    return locked
