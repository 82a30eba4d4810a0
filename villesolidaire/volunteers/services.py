"""Writes on volunteers: sign-up, profile changes, status changes, withdrawal, magic links.

The public sign-up reveals nothing about who is registered: a contact already known creates
nothing, its owner is told by message, and the visitor gets the same answer as a new volunteer.

Every status change goes through `volunteer_change_status`, which checks the workflow
table (WORKFLOW.apply), logs a VolunteerStatusChange (who, when, why) and re-indexes the volunteer for
matching, in one transaction. Messages are queued and leave after commit.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode
from uuid import uuid4

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_parameters

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.core.confirmation import SendPreview, check_confirmation, preview
from villesolidaire.core.counts import fold_deltas
from villesolidaire.core.hooks import Hook
from villesolidaire.core.tenancy import site_url, town_scope
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.notifications.models import Message, MessageStatus
from villesolidaire.notifications.services import PersonalLink, contact_send, email_send, sms_send
from villesolidaire.territory.geocoding import locate
from villesolidaire.territory.models import Town
from villesolidaire.volunteers.enums import WORKFLOW, Status
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer

# Tokens are scoped: a magic link opens the volunteer space and nothing else.
MAGIC_LINK_SCOPE = "volunteers:space"
SYNTHETIC_EMAIL_DOMAIN = "sans-email.invalid"
# One magic link per recipient per window: the request form must not become an SMS cannon.
MAGIC_LINK_COOLDOWN = timedelta(minutes=2)
# A sign-up with a known contact tells its owner at most once a day, whichever web process takes
# it (the limits' counters may live in each process's memory; the message log is shared).
SIGNUP_ATTEMPT_KIND = "volunteer_signup_attempt"
SIGNUP_ATTEMPT_COOLDOWN = timedelta(days=1)
ANONYMOUS_FIRST_NAME = "Volontaire"
ANONYMOUS_LAST_NAME = "anonymisé·e"

# Steps the upper apps add (connected in their AppConfig.ready(); volunteers cannot import them).
volunteer_registered = Hook("A volunteer signed up: run(volunteer=, skills=). Matching indexes them.")
volunteer_changed = Hook("Something matching reads changed: run(volunteer=). Matching re-indexes them.")
volunteer_withdrawn = Hook(
    "A volunteer withdrew, inside the status change: run(volunteer=, by=). Trainings and needs give their "
    "seats in upcoming sessions and shifts to the people waiting."
)
volunteer_activity = Hook(
    "Where volunteers were last active: run(since=, sources=). Each step appends to the list `sources` "
    "querysets of `volunteer_id` values active at or after `since` (missions, shifts, trainings, offers); "
    "volunteers/inactivity.py excludes them from the inactive."
)


def synthetic_email() -> str:
    return f"{uuid4().hex}@{SYNTHETIC_EMAIL_DOMAIN}"


def magic_link_url(*, volunteer: Volunteer, next_path: str = "") -> PersonalLink:
    """Absolute link that signs the volunteer in and opens their space (or `next_path`)."""
    params = get_parameters(volunteer.user, scope=town_scope(MAGIC_LINK_SCOPE))
    if next_path:
        params["suivant"] = next_path
    return PersonalLink(f"{site_url()}{reverse('volunteers:space')}?{urlencode(params)}")


def _e164(phone) -> str:
    """Phone numbers print in national format (settings); messages are addressed in E.164."""
    return phone.as_e164 if phone else ""


def town_context() -> dict:
    town = Town.remembered()
    return {
        "programme": town.programme_name if town else "Volontaires Solidaires",
        "town_name": town.name if town else "",
    }


def _notify(*, volunteer: Volunteer, kind: str, template: str, subject: str, **context) -> Message | None:
    """Reach the volunteer by SMS when they gave a mobile, else by e-mail."""
    context = {"volunteer": volunteer, "link": magic_link_url(volunteer=volunteer), **town_context(), **context}
    return contact_send(
        email=volunteer.email,
        phone=_e164(volunteer.phone),
        subject=subject,
        email_template=f"volunteers/messages/{template}_email.txt",
        sms_template=f"volunteers/messages/{template}_sms.txt",
        context=context,
        kind=kind,
    )


def volunteer_sign_up(
    *, volunteer: Volunteer, skills: Iterable, categories: Iterable, recruitment_call: RecruitmentCall | None
) -> Volunteer | None:
    """The public sign-up: a new account, or nothing when the e-mail or mobile is already known.

    In the second case the owner of that contact is told that someone tried (the date and the
    sign-in page, nothing else) and None is returned; the caller answers exactly as for a new
    sign-up, so the form does not tell who is registered. Both paths geocode the address and
    queue one message, so that the time taken tells little (the new account's inserts remain).

    No query asks first whether the contact is known: the unique e-mail of User and the unique
    mobile of Volunteer refuse it, and the refusal rolls the whole account back (two queries fewer
    on every new sign-up; a race between two sign-ups with one contact ends the same way).
    """
    email, phone = volunteer.email, _e164(volunteer.phone)
    try:
        return volunteer_register(
            volunteer=volunteer, skills=skills, categories=categories, recruitment_call=recruitment_call
        )
    except IntegrityError as error:
        if not _contact_taken(error):
            raise  # any other constraint is a bug to see, not a known contact to hide
    signup_attempt_notify(email=email, phone=phone)  # nothing was written
    return None


# The unique constraints a known contact trips: accounts' e-mail, volunteers' mobile (PostgreSQL
# names them; SQLite's message names the columns).
_CONTACT_CONSTRAINTS = {"accounts_user_email_key", "volunteer_unique_mobile"}
_CONTACT_COLUMNS = ("accounts_user.email", "volunteers_volunteer.phone")


def _contact_taken(error: IntegrityError) -> bool:
    """Whether a failed sign-up write hit the unique e-mail or mobile, and nothing else."""
    diagnostic = getattr(error.__cause__, "diag", None)
    if diagnostic is not None and diagnostic.constraint_name:
        return diagnostic.constraint_name in _CONTACT_CONSTRAINTS
    return any(column in str(error) for column in _CONTACT_COLUMNS)


def signup_attempt_notify(*, email: str = "", phone: str = "") -> list[Message]:
    """Tell the owner of each known contact that someone tried to sign up with it.

    The message gives the date and the sign-in page, never a sign-in link (whoever typed the
    contact may read the messages sent to it) nor anything that was typed. Silent for an unknown
    contact, an account that cannot sign in, or a contact told within SIGNUP_ATTEMPT_COOLDOWN."""
    context = {"day": timezone.localdate(), **town_context()}
    sent = []
    owner = _email_owner(email) if email else None
    if owner is not None and not _recently_sent(email, kind=SIGNUP_ATTEMPT_KIND, within=SIGNUP_ATTEMPT_COOLDOWN):
        sent.append(
            email_send(
                to=email,
                subject="Tentative d'inscription avec votre adresse e-mail",
                template="volunteers/messages/signup_attempt_email.txt",
                context={**context, "sign_in_url": _sign_in_url(owner)},
                kind=SIGNUP_ATTEMPT_KIND,
            )
        )
    volunteer = Volunteer.objects.filter(phone=phone).select_related("user").first() if phone else None
    if (
        volunteer is not None
        and volunteer.user.is_active
        and not _recently_sent(phone, kind=SIGNUP_ATTEMPT_KIND, within=SIGNUP_ATTEMPT_COOLDOWN)
    ):
        sent.append(
            sms_send(
                to=phone,
                template="volunteers/messages/signup_attempt_sms.txt",
                context={**context, "sign_in_url": _sign_in_url(volunteer.user)},
                kind=SIGNUP_ATTEMPT_KIND,
            )
        )
    return sent


def _email_owner(email: str) -> User | None:
    """The active account this e-mail signs in (a volunteer's, or a staff or partner account)."""
    volunteer = Volunteer.objects.filter(email=email).select_related("user").first()
    user = volunteer.user if volunteer else User.objects.filter(email=email).first()
    return user if user is not None and user.is_active else None


def _sign_in_url(user: User) -> str:
    """The page where this account signs in: staff and partners with their password and second
    factor, volunteers by asking for a link."""
    name = (
        "accounts:login" if user.is_staff_member or not hasattr(user, "volunteer") else "volunteers:magic_link_request"
    )
    return f"{site_url()}{reverse(name)}"


def volunteer_register(
    *, volunteer: Volunteer, skills: Iterable, categories: Iterable, recruitment_call: RecruitmentCall | None
) -> Volunteer:
    """Create the account of a new volunteer from an unsaved, validated Volunteer.

    The e-mail is unique on User and the mobile on Volunteer: a contact already taken raises
    IntegrityError and rolls everything back. The address is geocoded first, outside the
    transaction (reads only); then one transaction writes each row once, the welcome message's
    task included (notifications.services), so a sign-up is one commit.
    """
    locate(volunteer)
    with transaction.atomic():
        return _register(volunteer=volunteer, skills=skills, categories=categories, recruitment_call=recruitment_call)


def _register(
    *, volunteer: Volunteer, skills: Iterable, categories: Iterable, recruitment_call: RecruitmentCall | None
) -> Volunteer:
    now = timezone.now()
    user = User.objects.create_user(
        email=volunteer.email or synthetic_email(), first_name=volunteer.first_name, last_name=volunteer.last_name
    )
    RoleGrant.objects.create(user=user, role=Role.VOLUNTEER)
    volunteer.user = user
    volunteer.status = Status.REGISTERED
    volunteer.recruitment_call = recruitment_call
    volunteer.created_at = volunteer.gdpr_notice_accepted_at = volunteer.charter_accepted_at = now
    skills, categories = list(skills), list(categories)
    volunteer.categories_mask = categories_mask_of(categories)
    volunteer.save()
    # add() on a new row is one INSERT per relation, without first reading the (empty) current set.
    volunteer.skills.add(*skills)
    volunteer.categories.add(*categories)
    WORKFLOW.log_creation(volunteer, by=user, note="Inscription en ligne")
    volunteer_registered.run(volunteer=volunteer, skills=skills)
    _notify(
        volunteer=volunteer, kind="volunteer_signup", template="signup", subject="Votre inscription comme volontaire"
    )
    return volunteer


@transaction.atomic
def volunteer_update_profile(
    *, volunteer: Volunteer, skills: Iterable, categories: Iterable, address_changed: bool
) -> Volunteer:
    """Save profile edits made by the volunteer (already applied to `volunteer`)."""
    if address_changed:
        locate(volunteer)
    categories = list(categories)
    volunteer.categories_mask = categories_mask_of(categories)
    volunteer.save()
    volunteer.skills.set(skills)
    volunteer.categories.set(categories)
    _sync_user(volunteer)
    volunteer_changed.run(volunteer=volunteer)
    return volunteer


def categories_mask_of(categories: Iterable[HelpCategory]) -> int:
    """The `categories_mask` of a volunteer accepting these categories (their bits OR-ed)."""
    mask = 0
    for category in categories:
        mask |= category.mask
    return mask


def refresh_categories_masks(volunteer_ids: Iterable[int] | None = None, *, batch_size: int = 2000) -> int:
    """Rewrite `categories_mask` from the link rows, for writers that create links in bulk (demo
    towns, bench); everyone when `volunteer_ids` is None. Returns the rows changed."""
    volunteers = Volunteer.objects.all() if volunteer_ids is None else Volunteer.objects.filter(pk__in=volunteer_ids)
    links = Volunteer.categories.through.objects.filter(volunteer__in=volunteers.values("pk"))
    masks: dict[int, int] = defaultdict(int)
    for volunteer_id, bit in links.values_list("volunteer_id", "helpcategory__bit"):
        masks[volunteer_id] |= 1 << bit
    stale = [
        Volunteer(pk=pk, categories_mask=masks[pk])
        for pk, mask in volunteers.values_list("pk", "categories_mask").iterator(chunk_size=batch_size)
        if mask != masks[pk]
    ]
    Volunteer.objects.bulk_update(stale, ["categories_mask"], batch_size=batch_size)
    return len(stale)


def _sync_user(volunteer: Volunteer) -> None:
    """Keep the sign-in account's e-mail and name in step with the profile."""
    user = volunteer.user
    email = volunteer.email or (user.email if user.email.endswith(f"@{SYNTHETIC_EMAIL_DOMAIN}") else synthetic_email())
    user.email, user.first_name, user.last_name = email, volunteer.first_name, volunteer.last_name
    user.save(update_fields=["email", "first_name", "last_name"])


@transaction.atomic
def volunteer_change_status(*, volunteer: Volunteer, to_status: str, by: User | None, reason: str = "") -> Volunteer:
    """The only way a volunteer's status changes. Raises TransitionNotAllowed (French message)."""
    # Lock the row so two coordinators clicking at once cannot both log a transition.
    locked = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
    from_status = locked.status
    WORKFLOW.check(from_status, to_status)
    validating = from_status == Status.REGISTERED and to_status == Status.ACTIVE
    if validating and locked.charter_accepted_at is None:
        raise TransitionNotAllowed("Validation impossible : ce·tte volontaire n'a pas accepté la charte.")
    if validating:
        locked.validated_at = timezone.now()
    if to_status == Status.WITHDRAWN:
        _anonymise(locked)
        # Seats held in upcoming training sessions and shifts go to the people waiting.
        volunteer_withdrawn.run(volunteer=locked, by=by)
    WORKFLOW.apply(locked, to_status, by=by, note=reason, lock=False, full_save=True)
    volunteer_changed.run(volunteer=locked)
    if validating:
        _notify(
            volunteer=locked,
            kind="volunteer_validated",
            template="validated",
            subject="Vous êtes validé·e comme volontaire",
        )
    return locked


def volunteer_validate(*, volunteer: Volunteer, by: User, reason: str = "") -> Volunteer:
    return volunteer_change_status(volunteer=volunteer, to_status=Status.ACTIVE, by=by, reason=reason)


def volunteer_pause(*, volunteer: Volunteer, by: User, reason: str = "") -> Volunteer:
    return volunteer_change_status(volunteer=volunteer, to_status=Status.PAUSED, by=by, reason=reason)


def volunteer_resume(*, volunteer: Volunteer, by: User, reason: str = "") -> Volunteer:
    """Back from a pause (the volunteer) or from the reserve (a coordinator)."""
    return volunteer_change_status(volunteer=volunteer, to_status=Status.ACTIVE, by=by, reason=reason)


def volunteer_put_in_reserve(*, volunteer: Volunteer, by: User, reason: str = "") -> Volunteer:
    return volunteer_change_status(volunteer=volunteer, to_status=Status.RESERVE, by=by, reason=reason)


def volunteer_withdraw(*, volunteer: Volunteer, by: User, reason: str = "") -> Volunteer:
    """Withdrawal erases personal data; supports and missions stay linked to the anonymised row."""
    return volunteer_change_status(volunteer=volunteer, to_status=Status.WITHDRAWN, by=by, reason=reason)


def _anonymise(volunteer: Volunteer) -> None:
    """Erase what identifies the person; keep what statistics need (status, dates, quartier,
    skills, categories, availability) so the dashboard figures do not change."""
    phone = volunteer.phone
    contacts = [contact for contact in (volunteer.email, _e164(phone), str(phone or "")) if contact]
    volunteer.first_name, volunteer.last_name = ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME
    volunteer.email, volunteer.phone, volunteer.birth_year, volunteer.skills_other = "", "", None, ""
    volunteer.address = volunteer.address_complement = volunteer.postcode = volunteer.city = volunteer.ban_id = ""
    volunteer.latitude = volunteer.longitude = None
    volunteer.is_located = False
    volunteer.consent_share_with_partners = False
    volunteer.anonymised_at = timezone.now()
    _deactivate_user(volunteer.user)
    _erase_message_log(contacts)


def _deactivate_user(user: User) -> None:
    user.email = synthetic_email()
    user.first_name = user.last_name = ""
    user.is_active = False
    # A new unusable password also revokes every magic link already sent (sesame signs it).
    user.set_unusable_password()
    user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
    user.role_grants.filter(role=Role.VOLUNTEER).delete()


def _erase_message_log(contacts: list[str]) -> None:
    """Sent messages keep their status for the figures but lose who they went to and what
    they said (they hold names and links)."""
    if contacts:
        Message.objects.filter(recipient__in=contacts).exclude(status=MessageStatus.QUEUED).update(
            recipient="(anonymisé)", subject="", body="(contenu effacé au désistement)", personal_links=""
        )


def volunteer_send_magic_link(*, email: str = "", phone: str = "") -> Message | None:
    """Send a sign-in link to the volunteer with this contact, on the channel it belongs to.

    Silent when nobody matches, when the volunteer has withdrawn or when a link was sent to
    the same address moments ago: the caller always shows the same neutral answer.
    """
    volunteer = Volunteer.objects.not_withdrawn().with_contact(email=email, phone=phone).select_related("user").first()
    recipient = email or phone
    if volunteer is None or not _may_receive_magic_link(volunteer.user) or _recently_sent(recipient):
        return None
    context = {
        "volunteer": volunteer,
        "link": magic_link_url(volunteer=volunteer),
        "max_age_minutes": settings.SESAME_MAX_AGE // 60,
    }
    return contact_send(
        email=volunteer.email if email else "",
        phone=_e164(volunteer.phone) if phone else None,
        subject="Votre lien de connexion à l'espace volontaire",
        email_template="volunteers/messages/magic_link_email.txt",
        sms_template="volunteers/messages/magic_link_sms.txt",
        context=context,
        kind="volunteer_magic_link",
    )


def _may_receive_magic_link(user: User) -> bool:
    # Staff sign in with password + second factor; a link must never bypass that.
    return user.is_active and not user.is_staff_member


def _recently_sent(
    recipient: str, *, kind: str = "volunteer_magic_link", within: timedelta = MAGIC_LINK_COOLDOWN
) -> bool:
    return Message.objects.sent_recently(recipient, kind=kind, within=within)


# Bulk status changes ----------------------------------------------------------------------------

BULK_STATUS_SEND = "volunteers_bulk_status"
# At most this many volunteers per bulk action: the page lists them all before confirming.
BULK_MAX = 200
BULK_TARGETS = {"validate": Status.ACTIVE, "pause": Status.PAUSED, "reactivate": Status.ACTIVE}


@dataclass
class BulkResult:
    changed: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (volunteer, French reason)


def bulk_status_text(action: str) -> str:
    """The message each volunteer receives (validation only; a pause or a return sends nothing)."""
    if action != "validate":
        return ""
    context = {"volunteer": {"first_name": "[Prénom]"}, "link": "[lien personnel]", **town_context()}
    return render_to_string("volunteers/messages/validated_sms.txt", context).strip()


def bulk_status_preview(*, volunteers: Iterable[Volunteer], action: str) -> SendPreview:
    return preview(
        action=f"{BULK_STATUS_SEND}:{action}",
        recipients=[volunteer.pk for volunteer in volunteers],
        text=bulk_status_text(action),
        channel_note="Par SMS aux volontaires qui ont un mobile, sinon par e-mail." if action == "validate" else "",
    )


def volunteers_change_status_many(
    *, volunteers: Iterable[Volunteer], action: str, by: User, reason: str = "", confirmation: str = ""
) -> BulkResult:
    """Validate, pause or reactivate several volunteers, each through `volunteer_change_status`.

    One transaction per volunteer, not one for all: each change is complete on its own (status,
    log, matching index, message), and one refusal (validated meanwhile by a colleague, charter
    not accepted) must not undo forty good validations; the refused ones come back with their
    reason for the summary. Needs the token of `bulk_status_preview` for the same volunteers."""
    volunteers = list(volunteers)
    if len(volunteers) > BULK_MAX:
        raise TransitionNotAllowed(f"Au plus {BULK_MAX} volontaires à la fois : affinez le filtre.")
    check_confirmation(
        action=f"{BULK_STATUS_SEND}:{action}",
        recipients=[volunteer.pk for volunteer in volunteers],
        text=bulk_status_text(action),
        token=confirmation,
    )
    return volunteers_change_status_each(volunteers=volunteers, to_status=BULK_TARGETS[action], by=by, reason=reason)


def volunteers_change_status_each(
    *, volunteers: Iterable[Volunteer], to_status: str, by: User | None, reason: str = ""
) -> BulkResult:
    """`volunteer_change_status` for each volunteer, each in its own transaction; the refused
    ones come back with their reason. Callers that send messages check their confirmation first."""
    result = BulkResult()
    for volunteer in volunteers:
        try:
            result.changed.append(
                volunteer_change_status(volunteer=volunteer, to_status=to_status, by=by, reason=reason)
            )
        except TransitionNotAllowed as refusal:
            result.refused.append((volunteer, str(refusal)))
    return result


# Summing the counts' deltas: one statement, so rows appended meanwhile by other transactions (not
# in its snapshot) are neither deleted nor summed, and stay for the next run. Two runs at once:
# the second skips the rows the first deleted, and does not see the first's sums.
FOLD_COUNTS = """
WITH folded AS (
    DELETE FROM volunteers_volunteercount RETURNING month, quartier_id, status, category_bit, n
), summed AS (
    INSERT INTO volunteers_volunteercount (month, quartier_id, status, category_bit, n)
    SELECT month, quartier_id, status, category_bit, SUM(n)
    FROM folded
    GROUP BY month, quartier_id, status, category_bit
    HAVING SUM(n) <> 0
    RETURNING 1
)
SELECT (SELECT count(*) FROM folded), (SELECT count(*) FROM summed)
"""


def fold_volunteer_counts() -> tuple[int, int]:
    """Sum the deltas the trigger appended to VolunteerCount into one row per key (decision 0015), so the bilan
    reads a bounded number of rows (core.counts.fold_deltas)."""
    return fold_deltas(FOLD_COUNTS)
