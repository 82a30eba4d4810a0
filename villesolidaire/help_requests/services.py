"""Writes on help requests: intake (hotline, public form), edits and status changes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.services import record_episode_change
from villesolidaire.core.counts import fold_deltas
from villesolidaire.core.hooks import Hook
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.crises.models import Episode
from villesolidaire.crises.selectors import episode_for
from villesolidaire.help_requests.enums import WORKFLOW, Channel, Status
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.notifications.services import resident_inform
from villesolidaire.residents.models import Resident
from villesolidaire.residents.services import resident_create, resident_find_or_create
from villesolidaire.territory.models import Town

RECEIVED_TEXT = "Votre demande n° {number} a bien été enregistrée. Le CCAS revient vers vous très vite. {hotline}"

# A step the matching app adds (connected in its AppConfig.ready(); this app cannot import it).
stopped_searching = Hook(
    "A request stops looking for a volunteer (closed, or back to qualified), in the transition: "
    "run(help_request=, by=). Matching withdraws its open proposal."
)

help_request_created = Hook(
    "A request was recorded (any channel), in the same transaction: run(help_request=). The API queues its webhooks."
)
episode_changed = Hook(
    "A coordinator moved a request to another crisis episode (or to none), in the same transaction: "
    "run(help_request=, old_episode_id=). Missions moves the supports and missions still on the old one."
)


@transaction.atomic
def help_request_create(*, resident: Resident, data: dict, channel: str, by: User | None) -> HelpRequest:
    """Create a request in status "new", log its first transition and tell the resident."""
    help_request = HelpRequest(
        **{**data, "resident": resident, "channel": channel, "created_by": by, "status": Status.NEW}
    )
    help_request.full_clean(exclude=["resident", "category", "created_by"])
    # Raised during the crisis episode under way that day over the resident's quartier, if any.
    help_request.episode = episode_for(timezone.localdate(help_request.created_at), resident.quartier_id)
    help_request.save()
    WORKFLOW.log_creation(help_request, by=by)
    help_request_created.run(help_request=help_request)
    # A need found by a watch caller was agreed with the person on the line: a written trace by SMS
    # is welcome, but no operator must call them back only to say what they were just told.
    if channel != Channel.OUTREACH or resident.sms_number:
        resident_inform(
            resident=resident, text=received_text(help_request), kind="request_received", help_request=help_request
        )
    return help_request


def received_text(help_request: HelpRequest) -> str:
    town = Town.current()
    hotline = f"Numéro unique : {town.hotline_phone}" if town and town.hotline_phone else ""
    return RECEIVED_TEXT.format(number=help_request.pk, hotline=hotline).strip()


@transaction.atomic
def help_request_intake(
    *, resident: Resident | None, new_person: dict | None, data: dict, channel: str = Channel.HOTLINE, by: User
) -> HelpRequest:
    """The hotline screen's single POST: the new file (if any) and the request, all or nothing."""
    if resident is None:
        resident = resident_create(data=new_person or {}, by=by)
    return help_request_create(resident=resident, data=data, channel=channel, by=by)


@transaction.atomic
def help_request_submit_public(*, person: dict, data: dict, for_someone_else: bool) -> HelpRequest:
    """The public form: a known phone number attaches the request to that person's file."""
    resident, _created = resident_find_or_create(data=person, by=None)
    channel = Channel.THIRD_PARTY if for_someone_else else Channel.WEB
    return help_request_create(resident=resident, data=data, channel=channel, by=None)


@transaction.atomic
def help_request_update(*, help_request: HelpRequest, data: dict) -> HelpRequest:
    """Edit the request's details; a closed request is frozen."""
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if locked.status == Status.CLOSED:
        raise ValidationError("Cette demande est clôturée : elle ne peut plus être modifiée.")
    for name, value in data.items():
        setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def help_request_transition(
    *, help_request: HelpRequest, target: str, by: User, note: str = "", closure_reason: str = ""
) -> HelpRequest:
    """Change status through the workflow; closing needs a reason from ClosureReason.

    A request that stops looking for a volunteer (closed, or back to "qualifiée") withdraws its
    open proposal, so the accept links already sent answer "plus ouverte"."""
    if target == Status.CLOSED and not closure_reason:
        raise TransitionNotAllowed("Choisissez un motif pour clôturer la demande.")
    help_request.transition(target, by=by, note=note, closure_reason=closure_reason)
    if target in (Status.CLOSED, Status.QUALIFIED):
        stopped_searching.run(help_request=help_request, by=by)
    return help_request


@transaction.atomic
def help_request_set_episode(
    *, help_request: HelpRequest, episode: Episode | None, by: User, request=None
) -> HelpRequest:
    """Link the request to another crisis episode, or to none (a closed request too: the episode
    is what the bilan counts it under). Its supports and missions that had the old episode
    follow (`episode_changed`); the change is written to the audit log."""
    locked = HelpRequest.objects.select_for_update(of=("self",)).select_related("episode").get(pk=help_request.pk)
    old = locked.episode
    if (old and old.pk) == (episode and episode.pk):
        return locked
    locked.episode = episode
    locked.save(update_fields=["episode", "updated_at"])
    episode_changed.run(help_request=locked, old_episode_id=old.pk if old else None)
    record_episode_change(target=locked, old=old, new=episode, by=by, request=request)
    return locked


# Summing the counts' deltas in one statement (as volunteers.services.FOLD_COUNTS): rows appended
# meanwhile by other transactions are outside its snapshot, neither deleted nor summed.
FOLD_COUNTS = """
WITH folded AS (
    DELETE FROM help_requests_requestcount RETURNING month, quartier_id, category_id, since, requests, residents
), summed AS (
    INSERT INTO help_requests_requestcount (month, quartier_id, category_id, since, requests, residents)
    SELECT month, quartier_id, category_id, since, SUM(requests), SUM(residents)
    FROM folded
    GROUP BY month, quartier_id, category_id, since
    HAVING SUM(requests) <> 0 OR SUM(residents) <> 0
    RETURNING 1
)
SELECT (SELECT count(*) FROM folded), (SELECT count(*) FROM summed)
"""


def fold_request_counts() -> tuple[int, int]:
    """Sum the deltas the triggers appended to RequestCount into one row per key (decision 0017), so the bilan
    reads a bounded number of rows (core.counts.fold_deltas)."""
    return fold_deltas(FOLD_COUNTS)
