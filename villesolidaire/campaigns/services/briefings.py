"""Briefings: when an episode starts, the coordinator asks a filtered set of volunteers whether
they are available, collects their answers (SMS « 1 »/« 2 » through the SMS webhook, or the
Oui/Non buttons of the e-mail's no-login link) and brings back to active, in one action, those
in reserve or paused who said yes (through the volunteers' workflow, each change logged)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.models import Briefing, BriefingAnswer, BriefingRecipient
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.core.confirmation import SendPreview, check_confirmation, preview
from villesolidaire.core.fields import link_expired, link_token
from villesolidaire.core.tenancy import site_url
from villesolidaire.crises.models import Episode, EpisodeStatus
from villesolidaire.notifications.services import PersonalLink, contact_send
from villesolidaire.register.models import phone_e164
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import BulkResult, volunteers_change_status_each

BRIEFING_SEND = "briefing"
BRIEFING_KIND = "volunteer_briefing"
# Statuses a briefing may go to, and those a « yes » brings back to active.
AUDIENCE_STATUSES = (VolunteerStatus.RESERVE, VolunteerStatus.PAUSED, VolunteerStatus.ACTIVE)
WAKEABLE = (VolunteerStatus.RESERVE, VolunteerStatus.PAUSED)
# An SMS answer counts for the latest briefing sent to the volunteer within this delay.
ANSWER_WINDOW = timedelta(days=3)
MAX_RECIPIENTS = 2000


def briefing_audience(*, statuses: Iterable[str], quartiers: Iterable = ()):
    """Volunteers with these statuses (and in these quartiers, when given) who can be reached."""
    statuses = [status for status in statuses if status in AUDIENCE_STATUSES]
    queryset = Volunteer.objects.filter(status__in=statuses, anonymised_at__isnull=True).exclude(phone="", email="")
    quartiers = list(quartiers)
    if quartiers:
        queryset = queryset.filter(quartier__in=quartiers)
    return queryset.order_by("pk")


def briefing_sms_text(text: str) -> str:
    return render_to_string("campaigns/messages/briefing_sms.txt", {"text": text.strip()}).strip()


def briefing_preview(*, episode: Episode, volunteer_ids: list[int], text: str) -> SendPreview:
    return preview(
        action=f"{BRIEFING_SEND}:{episode.pk}",
        recipients=volunteer_ids,
        text=briefing_sms_text(text),
        channel_note=(
            "Par SMS aux volontaires qui ont un mobile ; par e-mail aux autres, avec deux boutons « Oui » et « Non »."
        ),
    )


def answer_link(recipient: BriefingRecipient) -> PersonalLink:
    return PersonalLink(f"{site_url()}{reverse('campaigns:briefing_answer', args=[link_token(recipient)])}")


def answer_link_expired(recipient: BriefingRecipient, now: datetime | None = None) -> bool:
    return link_expired(recipient.briefing.sent_at, hours=ANSWER_WINDOW.total_seconds() / 3600, now=now)


@transaction.atomic
def briefing_send(
    *,
    episode: Episode,
    volunteer_ids: list[int],
    text: str,
    audience: str,
    by: User,
    confirmation: str = "",
    now: datetime | None = None,
) -> Briefing:
    """Send the briefing to these volunteers (SMS, else e-mail with Oui/Non buttons). Needs the
    token of `briefing_preview` for the same volunteers and text (SendNotConfirmed otherwise)."""
    now = now or timezone.now()
    text = text.strip()
    if episode.status != EpisodeStatus.ONGOING:
        raise CampaignError("Cet épisode est clos : on ne mobilise plus pour lui.")
    if not volunteer_ids:
        raise CampaignError("Aucun·e volontaire ne correspond à ces critères.")
    if len(volunteer_ids) > MAX_RECIPIENTS:
        raise CampaignError(f"Au plus {MAX_RECIPIENTS} volontaires par message : affinez les critères.")
    check_confirmation(
        action=f"{BRIEFING_SEND}:{episode.pk}",
        recipients=volunteer_ids,
        text=briefing_sms_text(text),
        token=confirmation,
    )
    briefing = Briefing.objects.create(episode=episode, text=text, audience=audience[:300], sent_by=by, sent_at=now)
    BriefingRecipient.objects.bulk_create(
        [BriefingRecipient(briefing=briefing, volunteer_id=volunteer_id) for volunteer_id in volunteer_ids]
    )
    for recipient in briefing.recipients.select_related("volunteer"):
        _send(recipient, briefing)
    return briefing


def _send(recipient: BriefingRecipient, briefing: Briefing) -> None:
    volunteer = recipient.volunteer
    link = answer_link(recipient)
    contact_send(
        email=volunteer.email,
        phone=volunteer.phone.as_e164 if volunteer.phone else "",
        subject="Êtes-vous disponible ? La commune mobilise ses volontaires",
        email_template="campaigns/messages/briefing_email.txt",
        sms_template="campaigns/messages/briefing_sms.txt",
        context={"volunteer": volunteer, "text": briefing.text, "link": link},
        kind=BRIEFING_KIND,
    )


def briefing_answer_record(*, recipient: BriefingRecipient, answer: str, now: datetime | None = None) -> None:
    """A volunteer's answer (the latest one counts: someone may say no, then yes)."""
    if answer not in BriefingAnswer.values:
        raise CampaignError("Réponse non reconnue : choisissez « Oui » ou « Non ».")
    recipient.answer, recipient.answered_at = answer, now or timezone.now()
    recipient.save(update_fields=["answer", "answered_at"])


@transaction.atomic
def briefing_sms_reply(*, sender: str, text: str, now: datetime | None = None) -> bool:
    """An SMS answer to the latest briefing sent to this mobile within ANSWER_WINDOW, read as
    the SMS wave's « 1 » is. Returns whether it was recorded (False: not a briefing answer)."""
    now = now or timezone.now()
    answer = rules.yes_no_reply(text)
    e164 = phone_e164(sender)
    if answer is None or not e164:
        return False
    recipient = (
        BriefingRecipient.objects.select_for_update()
        .filter(volunteer__phone=e164, briefing__sent_at__gte=now - ANSWER_WINDOW)
        .order_by("-briefing__sent_at", "-pk")
        .first()
    )
    if recipient is None:
        return False
    briefing_answer_record(recipient=recipient, answer=answer, now=now)
    return True


def to_reactivate(briefing: Briefing):
    """Volunteers who answered yes and are in reserve or paused."""
    return Volunteer.objects.filter(
        briefings__briefing=briefing, briefings__answer=BriefingAnswer.YES, status__in=WAKEABLE
    ).order_by("last_name", "first_name", "pk")


def briefing_reactivate(*, briefing: Briefing, by: User) -> BulkResult:
    """Bring back to active every volunteer in reserve or paused who answered yes, each through
    the volunteers' workflow (one transaction each; the refused come back with their reason).
    No message is sent: they have just said they are available."""
    note = f"Réponse « oui » au message de mobilisation du {timezone.localtime(briefing.sent_at):%d/%m/%Y}"
    return volunteers_change_status_each(
        volunteers=list(to_reactivate(briefing)), to_status=VolunteerStatus.ACTIVE, by=by, reason=note
    )
