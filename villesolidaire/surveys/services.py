"""Writes of the evaluation app: quotes offered and edited, questionnaire waves started and answered.

A wave (`wave_start`) asks the volunteers who had a mission done in its period through a link
that opens their own answer page only (`answer_link`: the project's no-login key, its digest in
`SurveyRecipient.token_hash`, valid until the wave closes, used once), sent by SMS or, without a
mobile, by e-mail; and the residents who had a support during the period through a call task
for the desk (most have no mobile nor internet), whose operator types the answers in. Starting
a wave for several people needs the confirmation of `wave_preview` (core/confirmation.py). The
stored messages carry no name and no key (the link is a `PersonalLink`).
"""

import datetime
import re

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from villesolidaire.core.confirmation import SendPreview, check_confirmation, preview
from villesolidaire.core.fields import link_token
from villesolidaire.core.service_errors import duplicate_refused
from villesolidaire.core.tenancy import site_url
from villesolidaire.core.text import count_of, fold
from villesolidaire.missions.enums import EvaluationAuthor
from villesolidaire.missions.models import Evaluation, Mission, Support
from villesolidaire.notifications.models import CallTask
from villesolidaire.notifications.services import PersonalLink, call_task_create, call_task_done, contact_send
from villesolidaire.residents.models import Resident
from villesolidaire.surveys.enums import SIGNATURES, SurveyChannel
from villesolidaire.surveys.models import Quote, SurveyRecipient, SurveyWave
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer

SURVEY_WAVE_SEND = "survey_wave"
INVITATION_KIND = "survey_invitation"
CALL_KIND = "survey_call"
CALL_REASON = (
    "Questionnaire du CCAS : demander son avis à la personne (4 questions courtes), puis saisir ses réponses."
)
CALL_DONE_OUTCOME = "Questionnaire : réponses saisies."


class SurveyError(Exception):
    """A wave or an answer that cannot be recorded. The message is French, for users."""


class QuoteError(Exception):
    """A quote that cannot be saved (a name left in it). The message is French, for users."""


# Periods -----------------------------------------------------------------------------------------


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[first local midnight, midnight after the last day): a period's days, both included."""
    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return first, after


def missions_done_in(start: datetime.date, end: datetime.date) -> QuerySet:
    """Missions done whose date falls in the period (the wave's and the synthesis' « mission »)."""
    first, after = period_bounds(start, end)
    return Mission.objects.done().filter(scheduled_at__gte=first, scheduled_at__lt=after)


def supports_during(start: datetime.date, end: datetime.date) -> QuerySet:
    """Supports going on at some moment of the period: started before its end, not ended before it."""
    first, after = period_bounds(start, end)
    return Support.objects.filter(started_at__lt=after).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=first))


def wave_volunteers(start: datetime.date, end: datetime.date) -> QuerySet:
    """Volunteers to ask: a mission done in the period, still reachable (not withdrawn nor anonymised)."""
    return (
        Volunteer.objects.filter(pk__in=missions_done_in(start, end).values("support__volunteer_id"))
        .exclude(status=VolunteerStatus.WITHDRAWN)
        .filter(anonymised_at__isnull=True)
        .exclude(phone="", email="")
        .order_by("pk")
    )


def wave_residents(start: datetime.date, end: datetime.date) -> QuerySet:
    """Residents to call: a support during the period (their file, not a merged duplicate)."""
    return Resident.objects.active().filter(pk__in=supports_during(start, end).values("resident_id")).order_by("pk")


# Waves -------------------------------------------------------------------------------------------


def _check_period(start: datetime.date, end: datetime.date, today: datetime.date) -> None:
    if start > end:
        raise SurveyError("La période commence après sa fin : vérifiez les dates.")
    if start > today:
        raise SurveyError("La période n'a pas commencé : on interroge sur ce qui a eu lieu.")
    if SurveyWave.objects.filter(period_start=start, period_end=end).exists():
        raise SurveyError("Un questionnaire a déjà été lancé pour cette période.")


def invitation_text() -> str:
    """The SMS every volunteer reads (no name in it; the link stands as « [lien personnel] »)."""
    return render_to_string("surveys/messages/survey_sms.txt", {"link": "[lien personnel]"}).strip()


def _recipient_keys(volunteers: list[int], residents: list[int]) -> list[str]:
    return [f"v{pk}" for pk in volunteers] + [f"r{pk}" for pk in residents]


def _wave_people(start: datetime.date, end: datetime.date) -> tuple[list[int], list[int]]:
    return (
        list(wave_volunteers(start, end).values_list("pk", flat=True)),
        list(wave_residents(start, end).values_list("pk", flat=True)),
    )


def wave_preview(*, period_start: datetime.date, period_end: datetime.date) -> SendPreview:
    """What the coordinator confirms: how many people, the SMS, and who is called instead."""
    _check_period(period_start, period_end, timezone.localdate())
    volunteers, residents = _wave_people(period_start, period_end)
    if not volunteers and not residents:
        raise SurveyError("Personne à interroger sur cette période : aucune mission réalisée ni aucun soutien.")
    return preview(
        action=f"{SURVEY_WAVE_SEND}:{period_start:%Y-%m-%d}:{period_end:%Y-%m-%d}",
        recipients=_recipient_keys(volunteers, residents),
        text=invitation_text(),
        channel_note=(
            f"Ce SMS (ou un e-mail, sans mobile) à {count_of(len(volunteers), 'volontaire')} ; "
            f"{count_of(len(residents), 'habitant·e')} à appeler par l'accueil, qui saisira les réponses "
            "(appels à passer)."
        ),
    )


def answer_link(recipient: SurveyRecipient) -> PersonalLink:
    return PersonalLink(site_url() + reverse("surveys:answer", args=[link_token(recipient)]))


@transaction.atomic
def wave_start(
    *,
    period_start: datetime.date,
    period_end: datetime.date,
    by,
    confirmation: str = "",
    now: datetime.datetime | None = None,
) -> SurveyWave:
    """Start a wave: one link per volunteer (SMS, else e-mail) and one call task per resident.
    Needs the token of `wave_preview` for the same people and text (SendNotConfirmed otherwise)."""
    now = now or timezone.now()
    _check_period(period_start, period_end, timezone.localdate(now))
    volunteers, residents = _wave_people(period_start, period_end)
    check_confirmation(
        action=f"{SURVEY_WAVE_SEND}:{period_start:%Y-%m-%d}:{period_end:%Y-%m-%d}",
        recipients=_recipient_keys(volunteers, residents),
        text=invitation_text(),
        token=confirmation,
    )
    if not volunteers and not residents:
        raise SurveyError("Personne à interroger sur cette période : aucune mission réalisée ni aucun soutien.")
    with duplicate_refused(SurveyError("Un questionnaire a déjà été lancé pour cette période.")):
        wave = SurveyWave.objects.create(
            period_start=period_start,
            period_end=period_end,
            started_at=now,
            started_by=by,
            closes_at=now + datetime.timedelta(days=settings.VS_LINK_MAX_AGE_DAYS),
        )
    for volunteer in Volunteer.objects.filter(pk__in=volunteers).order_by("pk"):
        recipient = SurveyRecipient.objects.create(
            wave=wave, side=EvaluationAuthor.VOLUNTEER, volunteer=volunteer, channel=SurveyChannel.LINK
        )
        contact_send(
            email=volunteer.email,
            phone=volunteer.phone,
            subject="Votre avis sur votre engagement de volontaire",
            email_template="surveys/messages/survey_email.txt",
            sms_template="surveys/messages/survey_sms.txt",
            context={"link": answer_link(recipient), "closes_at": wave.closes_at},
            kind=INVITATION_KIND,
        )
    for resident in Resident.objects.filter(pk__in=residents).order_by("pk"):
        task = call_task_create(resident=resident, reason=CALL_REASON, kind=CALL_KIND)
        SurveyRecipient.objects.create(
            wave=wave, side=EvaluationAuthor.RESIDENT, resident=resident, channel=SurveyChannel.CALL, call_task=task
        )
    return wave


# Answers -----------------------------------------------------------------------------------------


def answer_record(
    *,
    recipient: SurveyRecipient,
    rating: int,
    usefulness: int | None = None,
    kept_link: bool | None = None,
    comment: str = "",
    quote_consent: bool = False,
    by=None,
    now: datetime.datetime | None = None,
) -> SurveyRecipient:
    """Store a person's answers, once, while the wave is open. An operator's entry (`by`) also
    marks the call as made. SurveyError when already answered or closed."""
    now = now or timezone.now()
    with transaction.atomic():
        recipient = SurveyRecipient.objects.select_for_update().select_related("wave").get(pk=recipient.pk)
        if recipient.answered_at is not None:
            raise SurveyError("Les réponses à ce questionnaire sont déjà enregistrées. Merci !")
        if recipient.link_expired(now):
            raise SurveyError("Ce questionnaire est clos : les réponses ne sont plus recueillies.")
        comment = comment.strip()[:1000]
        recipient.answered_at = now
        recipient.satisfaction = rating
        recipient.usefulness = usefulness
        recipient.kept_link = kept_link
        recipient.comment = comment
        recipient.quote_consent = bool(quote_consent and comment)
        recipient.recorded_by = by
        recipient.save(
            update_fields=[
                "answered_at",
                "satisfaction",
                "usefulness",
                "kept_link",
                "comment",
                "quote_consent",
                "recorded_by",
            ]
        )
        if recipient.quote_consent:
            Quote.objects.create(
                answer=recipient, side=recipient.side, given_at=now, signature=SIGNATURES[recipient.side][0]
            )
        if recipient.call_task_id and by is not None:
            call_task_done(call_task=CallTask(pk=recipient.call_task_id), by=by, outcome=CALL_DONE_OUTCOME)
    return recipient


# Quotes ------------------------------------------------------------------------------------------


def quote_offer_evaluation(*, evaluation: Evaluation) -> None:
    """missions.evaluation_recorded: a consented comment becomes a quote for the CCAS to review."""
    quote_offer_evaluations([evaluation])


def quote_offer_evaluations(evaluations: list[Evaluation]) -> int:
    """The consented comments among `evaluations` become quotes to review (one query); how many."""
    quotes = [
        Quote(evaluation=e, side=e.author, given_at=e.created_at, signature=SIGNATURES[e.author][0])
        for e in evaluations
        if e.quote_consent and e.comment
    ]
    Quote.objects.bulk_create(quotes)
    return len(quotes)


def _names_around(quote: Quote) -> list[str]:
    """First and last names of the people a quote could name: both sides of the evaluated
    support; for a wave's answer, the person and the other side of their supports in the period."""
    if quote.evaluation_id:
        support = Support.objects.select_related("resident", "volunteer").get(pk=quote.evaluation.support_id)
        people = [support.resident, support.volunteer]
    else:
        answer = SurveyRecipient.objects.select_related("wave", "volunteer", "resident").get(pk=quote.answer_id)
        supports = supports_during(answer.wave.period_start, answer.wave.period_end).select_related(
            "resident", "volunteer"
        )
        if answer.volunteer_id:
            people = [answer.volunteer, *(s.resident for s in supports.filter(volunteer_id=answer.volunteer_id))]
        else:
            people = [answer.resident, *(s.volunteer for s in supports.filter(resident_id=answer.resident_id))]
    return [name for person in people for name in (person.first_name, person.last_name) if name]


def names_in(text: str, names: list[str]) -> list[str]:
    """The names (as written in the files) that `text` contains as whole words, accents and
    case aside: « Marie-Thérèse » is found in « marie therese est venue »."""
    folded = f" {fold(text)} "
    found = []
    for name in names:
        key = fold(name)
        if len(key) >= 2 and re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", folded) and name not in found:
            found.append(name)
    return found


def quote_save(*, quote: Quote, text: str, signature: str, selected: bool, by) -> Quote:
    """Save the CCAS's anonymised text; refused (QuoteError) while it contains a name of the
    people concerned. A quote without text cannot be selected."""
    text = text.strip()[:600]
    if signature not in SIGNATURES[quote.side]:
        raise QuoteError("Choisissez une signature parmi celles proposées.")
    found = names_in(text, _names_around(quote))
    if found:
        raise QuoteError(
            "Citation non enregistrée : le texte contient un nom ("
            + ", ".join(f"« {name} »" for name in found)
            + "). Retirez-le ou remplacez-le, par exemple par « la bénévole » ou « ma voisine »."
        )
    if selected and not text:
        raise QuoteError("Écrivez le texte anonymisé avant de retenir la citation pour le bilan.")
    quote.text = text
    quote.signature = signature
    quote.selected = selected
    quote.edited_by = by
    quote.edited_at = timezone.now()
    quote.save(update_fields=["text", "signature", "selected", "edited_by", "edited_at"])
    return quote
