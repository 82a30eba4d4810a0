"""Writes on the partner directory: proposals, accounts, validation, held changes.

A partner never changes what the public sees by itself: once its organisation is validated,
each edit becomes a `PendingChange` that a coordinator approves (then it is applied) or rejects.
Every status change and every decision is logged with who and when.
"""

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.core.tenancy import site_url
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests.enums import ClosureReason
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.help_requests.services import help_request_transition
from villesolidaire.missions.models import Support
from villesolidaire.missions.services import support_hand_over as missions_support_hand_over
from villesolidaire.notifications.models import Message
from villesolidaire.notifications.services import PersonalLink, email_send
from villesolidaire.partners.models import (
    CHANGE_WORKFLOW,
    ORGANISATION_WORKFLOW,
    ChangeKind,
    ChangeStatus,
    Handover,
    Organisation,
    OrganisationContact,
    OrganisationMember,
    OrganisationStatus,
    PendingChange,
    Referral,
    Service,
)
from villesolidaire.territory.geocoding import locate
from villesolidaire.territory.models import Town

ADDRESS_FIELDS = ("address", "address_complement", "postcode", "city")
ORGANISATION_FIELDS = (
    "name",
    "type",
    "siret",
    "rna",
    "description",
    "phone",
    "email",
    "website",
    "opening_hours",
    "accessibility_url",
    *ADDRESS_FIELDS,
)
SERVICE_FIELDS = (
    "name",
    "description",
    "type",
    "thematiques",
    "publics",
    "publics_precisions",
    "access_conditions",
    "modes_accueil",
    "modes_mobilisation",
    "mobilisable_par",
    "mobilisation_url",
    "mobilisation_precisions",
    "eligibility_zone",
    "frais",
    "frais_precisions",
    "opening_hours",
    "contact_name",
    "phone",
    "email",
    "is_active",
    *ADDRESS_FIELDS,
)


# Values -----------------------------------------------------------------------------------------


def jsonable_values(cleaned_data: dict, fields: Iterable[str]) -> dict:
    """The form's values as JSON (phone numbers in E.164, lists kept), for a PendingChange."""
    values = {}
    for name in fields:
        if name not in cleaned_data:
            continue
        value = cleaned_data[name]
        if hasattr(value, "as_e164"):
            value = value.as_e164
        elif value is None:
            value = ""
        elif isinstance(value, (list, tuple, set)):
            value = list(value)
        values[name] = value
    return values


def _current(record, name: str):
    value = getattr(record, name)
    return value.as_e164 if hasattr(value, "as_e164") else value


def differs(record, values: dict, fields: Iterable[str]) -> bool:
    """Whether applying `values` would change `record` (None and "" are the same)."""
    return any(
        _current(record, name) != values[name] and not (_current(record, name) is None and values[name] == "")
        for name in fields
        if name in values
    )


def _apply(record, values: dict, fields: Iterable[str]) -> bool:
    """Set the given fields; geocode when the address changed. Returns whether anything changed."""
    changed, address_changed = False, False
    for name in fields:
        if name not in values:
            continue
        current = _current(record, name)
        if current != values[name] and not (current is None and values[name] == ""):
            setattr(record, name, values[name])
            changed = True
            address_changed = address_changed or name in ADDRESS_FIELDS
    if address_changed:
        if record.address:
            locate(record)
        else:
            _clear_location(record)
    return changed


def _clear_location(record) -> None:
    record.is_located = False
    record.ban_id = ""
    record.latitude = record.longitude = None
    record.quartier = None


# Organisations ----------------------------------------------------------------------------------


def _partner_user(*, email: str, first_name: str, last_name: str, by: User | None) -> User:
    """A partner account without a password: it sets one from the invitation link.

    The e-mail is unique on User; a concurrent creation raises IntegrityError and rolls back.
    """
    user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    RoleGrant.objects.create(user=user, role=Role.PARTNER, granted_by=by)
    return user


@transaction.atomic
def organisation_propose(
    *,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    email: str,
    phone="",
    function: str = "",
) -> Organisation:
    """Public « proposer une structure » form: a pending organisation, its contact person and
    a partner account that becomes usable (invitation e-mail) once a coordinator validates.

    The form does not tell who has an account: when the e-mail already signs in somewhere, the
    proposal is kept without a new account, its log tells the coordinator, and the owner of the
    address is told (the date and nothing typed) instead of receiving the acknowledgement."""
    known = User.objects.filter(email__iexact=email).exists()
    note = "Proposée par le formulaire public"
    _organisation_save_new(
        organisation,
        status=OrganisationStatus.PENDING,
        by=None,
        note=note + (" ; l'adresse du contact a déjà un compte : aucun compte n'a été créé" if known else ""),
    )
    OrganisationContact.objects.create(
        organisation=organisation,
        name=f"{first_name} {last_name}".strip(),
        function=function,
        phone=phone,
        email=email,
    )
    if known or not _proposed_partner_account(organisation, email=email, first_name=first_name, last_name=last_name):
        _tell_the_address_owner(email)
    else:
        email_send(
            to=email,
            subject="Votre proposition de structure",
            template="partners/messages/proposal_received_email.txt",
            context={"organisation": organisation, "first_name": first_name, **_town_context()},
            kind="partner_proposal",
        )
    _tell_the_service(organisation)
    return organisation


def _proposed_partner_account(organisation: Organisation, *, email: str, first_name: str, last_name: str) -> bool:
    """The proposer's account, waiting for validation; False when a concurrent creation took
    the e-mail between the check and the insert (the savepoint keeps the proposal)."""
    try:
        with transaction.atomic():
            user = _partner_user(email=email, first_name=first_name, last_name=last_name, by=None)
    except IntegrityError:
        return False
    OrganisationMember.objects.create(organisation=organisation, user=user)
    return True


KNOWN_ADDRESS_KIND = "partner_proposal_known_address"
KNOWN_ADDRESS_COOLDOWN = timedelta(days=1)


def _tell_the_address_owner(email: str) -> None:
    """At most one notice per address and day: anyone can type someone else's address."""
    if Message.objects.sent_recently(email, kind=KNOWN_ADDRESS_KIND, within=KNOWN_ADDRESS_COOLDOWN):
        return
    email_send(
        to=email,
        subject="Proposition de structure avec votre adresse e-mail",
        template="partners/messages/proposal_known_address_email.txt",
        context={"day": timezone.localdate(), **_town_context()},
        kind=KNOWN_ADDRESS_KIND,
    )


def _organisation_save_new(organisation: Organisation, *, status: str, by: User | None, note: str) -> None:
    """Save a new organisation in its first status, placed on the map, and start its log."""
    organisation.status = status
    organisation.created_at = organisation.updated_at = timezone.now()
    locate(organisation)
    organisation.save()
    ORGANISATION_WORKFLOW.log_creation(organisation, by=by, note=note)


def _tell_the_service(organisation: Organisation) -> None:
    """The CCAS learns of a new proposal by e-mail (the town's contact address), not by chance."""
    town = Town.current()
    if town and town.contact_email:
        email_send(
            to=town.contact_email,
            subject=f"Structure à valider : {organisation.name}",
            template="partners/messages/proposal_to_review_email.txt",
            context={
                "organisation": organisation,
                "review_url": site_url() + reverse("partners:organisation_detail", args=[organisation.pk]),
            },
            kind="partner_proposal_review",
        )


@transaction.atomic
def organisation_create(
    *,
    organisation: Organisation,
    by: User,
    partner_email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Organisation:
    """A coordinator adds an organisation (validated at once: the coordinator vouches for it)
    and, optionally, its partner account, which is invited to set its password."""
    _organisation_save_new(organisation, status=OrganisationStatus.VALIDATED, by=by, note="Créée par la coordination")
    if partner_email:
        partner_account_add(
            organisation=organisation, email=partner_email, first_name=first_name, last_name=last_name, by=by
        )
    return organisation


@transaction.atomic
def partner_account_add(*, organisation: Organisation, email: str, first_name: str, last_name: str, by: User) -> User:
    """Give an organisation a (new) partner account; invite it at once when the entry is validated."""
    user = _partner_user(email=email, first_name=first_name, last_name=last_name, by=by)
    OrganisationMember.objects.create(organisation=organisation, user=user)
    if organisation.status == OrganisationStatus.VALIDATED:
        partner_invite(user=user, organisation=organisation)
    return user


def password_setup_url(user: User) -> PersonalLink:
    """Django's password-reset token: single use (it changes with the password) and expires
    after PASSWORD_RESET_TIMEOUT. A personal link: the stored message shows a placeholder, so
    nobody who reads the message log (an administrator) can set the password first."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return PersonalLink(f"{site_url()}{reverse('partners:password_setup', args=[uid, token])}")


def partner_invite(*, user: User, organisation: Organisation):
    return email_send(
        to=user.email,
        subject="Votre espace partenaire",
        template="partners/messages/invitation_email.txt",
        context={"user": user, "organisation": organisation, "link": password_setup_url(user), **_town_context()},
        kind="partner_invitation",
    )


def _town_context() -> dict:
    town = Town.current()
    return {
        "town_name": town.name if town else "la commune",
        "service_name": town.service_name if town else "CCAS",
        "map_url": f"{site_url()}{reverse('partners:map')}",
    }


@transaction.atomic
def organisation_change_status(
    *,
    organisation: Organisation,
    to_status: str,
    by: User,
    reason: str = "",
) -> Organisation:
    """Validate or suspend. The row is locked: two coordinators clicking at once make one change."""
    locked = ORGANISATION_WORKFLOW.apply(organisation, to_status, by=by, note=reason)
    if to_status == OrganisationStatus.VALIDATED:
        # First validation: the partner accounts waiting for it receive their invitation.
        for member in locked.members.select_related("user"):
            if not member.user.has_usable_password():
                partner_invite(user=member.user, organisation=locked)
    return locked


# Edits by partners ------------------------------------------------------------------------------


def _hold(
    *,
    organisation: Organisation,
    kind: str,
    target_key: str,
    values: dict,
    by: User,
    service=None,
) -> PendingChange:
    """Create the pending change for this target, or replace the values of the one waiting."""
    pending = (
        PendingChange.objects.select_for_update().pending().filter(organisation=organisation, target_key=target_key)
    )
    change = pending.first()
    if change is None:
        try:
            with transaction.atomic():  # a savepoint: the constraint may refuse a concurrent twin
                change = PendingChange.objects.create(
                    organisation=organisation,
                    service=service,
                    kind=kind,
                    target_key=target_key,
                    proposed=values,
                    submitted_by=by,
                )
                CHANGE_WORKFLOW.log_creation(change, by=by, at=change.submitted_at)
                return change
        except IntegrityError:
            # Two submissions at the same instant: the other one created the row; replace its values.
            change = pending.get()
    change.proposed, change.submitted_by, change.submitted_at = values, by, timezone.now()
    change.save(update_fields=["proposed", "submitted_by", "submitted_at"])
    return change


@transaction.atomic
def organisation_submit(*, organisation: Organisation, values: dict, by: User) -> PendingChange | None:
    """A partner's edit of its entry: applied at once while the entry is not public yet,
    otherwise held for a coordinator. Returns the held change, or None when applied."""
    if organisation.status == OrganisationStatus.VALIDATED:
        if not differs(organisation, values, ORGANISATION_FIELDS):
            _withdraw(organisation, "organisation")
            return None
        return _hold(
            organisation=organisation, kind=ChangeKind.ORGANISATION, target_key="organisation", values=values, by=by
        )
    organisation_apply(organisation=organisation, values=values)
    return None


def _withdraw(organisation: Organisation, target_key: str) -> None:
    """The partner submitted the published values again: nothing left to review."""
    PendingChange.objects.pending().filter(organisation=organisation, target_key=target_key).delete()


@transaction.atomic
def service_submit(
    *,
    organisation: Organisation,
    service: Service | None,
    values: dict,
    by: User,
) -> PendingChange | None:
    """A partner's new service or edit of a service (same rule as `organisation_submit`)."""
    if organisation.status == OrganisationStatus.VALIDATED:
        if service is None:
            return _hold(
                organisation=organisation,
                kind=ChangeKind.SERVICE_CREATE,
                target_key=f"new:{secrets.token_hex(8)}",
                values=values,
                by=by,
            )
        if service.is_active and values.get("is_active") is False:
            # Taking a service off the map only hides it: no review, so a closed service
            # never stays published while it waits.
            service.is_active, service.updated_at = False, timezone.now()
            service.save(update_fields=["is_active", "updated_at"])
        if not differs(service, values, SERVICE_FIELDS):
            _withdraw(organisation, f"service:{service.pk}")
            return None
        return _hold(
            organisation=organisation,
            kind=ChangeKind.SERVICE_UPDATE,
            target_key=f"service:{service.pk}",
            values=values,
            by=by,
            service=service,
        )
    service_apply(organisation=organisation, service=service, values=values)
    return None


def organisation_apply(*, organisation: Organisation, values: dict) -> Organisation:
    if _apply(organisation, values, ORGANISATION_FIELDS):
        organisation.updated_at = timezone.now()
        organisation.save()
    return organisation


def service_apply(*, organisation: Organisation, service: Service | None, values: dict) -> Service:
    if service is None:
        service = Service(organisation=organisation)
    if _apply(service, values, SERVICE_FIELDS) or not service.pk:
        service.updated_at = timezone.now()
        service.save()
    return service


@transaction.atomic
def change_decide(*, change: PendingChange, approve: bool, by: User, reason: str = "") -> PendingChange:
    """Approve (apply the proposed values) or reject a held change, once: the row is locked."""
    locked = (
        PendingChange.objects.select_for_update(of=("self",))
        .select_related("organisation", "service")
        .get(pk=change.pk)
    )
    target = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    CHANGE_WORKFLOW.check(locked.status, target)
    if approve:
        if locked.kind == ChangeKind.ORGANISATION:
            organisation_apply(organisation=locked.organisation, values=locked.proposed)
        elif locked.kind == ChangeKind.SERVICE_UPDATE:
            if locked.service is None:
                raise TransitionNotAllowed("Le service concerné a été supprimé : refusez cette modification.")
            service_apply(organisation=locked.organisation, service=locked.service, values=locked.proposed)
        else:
            locked.service = service_apply(organisation=locked.organisation, service=None, values=locked.proposed)
    now = timezone.now()
    CHANGE_WORKFLOW.apply(
        locked,
        target,
        by=by,
        note=reason,
        at=now,
        lock=False,
        service=locked.service,
        decided_by=by,
        decided_at=now,
        decision_reason=reason[:500],
    )
    for member in locked.organisation.members.select_related("user"):
        email_send(
            to=member.user.email,
            subject="Votre modification a été examinée",
            template="partners/messages/change_decided_email.txt",
            context={"change": locked, "approved": approve, "reason": reason, **_town_context()},
            kind="partner_change_decided",
        )
    return locked


# Contacts ---------------------------------------------------------------------------------------


def contact_add(*, organisation: Organisation, contact: OrganisationContact) -> OrganisationContact:
    contact.organisation = organisation
    contact.save()
    return contact


# Relays to partners -----------------------------------------------------------------------------


def _check_may_relay(organisation: Organisation) -> None:
    if organisation.status != OrganisationStatus.VALIDATED:
        raise TransitionNotAllowed("Cette organisation n'est pas validée par la commune : choisissez-en une autre.")


@transaction.atomic
def request_refer(*, help_request: HelpRequest, organisation: Organisation, by: User, note: str = "") -> Referral:
    """Close the request « Orientée vers un partenaire » through its workflow (its open proposal
    is withdrawn) and record which organisation it went to. TransitionNotAllowed when the
    request is already closed or the organisation is not validated."""
    _check_may_relay(organisation)
    note = note.strip()[:300]
    help_request_transition(
        help_request=help_request,
        target=RequestStatus.CLOSED,
        by=by,
        note=f"Orientée vers {organisation.name}" + (f" : {note}" if note else ""),
        closure_reason=ClosureReason.REFERRED,
    )
    return Referral.objects.create(help_request=help_request, organisation=organisation, note=note, referred_by=by)


@transaction.atomic
def support_hand_over(*, support: Support, organisation: Organisation, by: User, note: str = "") -> Handover:
    """Hand the support over to this association (missions.services.support_hand_over moves it
    through the support's workflow, logged) and record which one; the resident is told who
    carries on."""
    _check_may_relay(organisation)
    note = note.strip()[:300]
    missions_support_hand_over(
        support=support,
        by=by,
        note=f"Transmis à {organisation.name}" + (f" : {note}" if note else ""),
        resident_text=(
            f"Votre accompagnement par les volontaires de la commune se termine. Il est désormais assuré par "
            f"{organisation.name}, qui va vous contacter."
        ),
    )
    return Handover.objects.create(support=support, organisation=organisation, note=note, handed_over_by=by)
