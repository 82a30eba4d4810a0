"""Offer messages say when and how urgent; proposing to several volunteers needs its confirmation."""

import datetime
import re

import pytest

from tests.factories import HelpCategoryFactory, HelpRequestFactory, ResidentFactory, VolunteerFactory, staff_user
from villesolidaire.core.confirmation import SendNotConfirmed
from villesolidaire.help_requests.enums import TimeWindow, Urgency
from villesolidaire.matching.models import Proposal, ProposalOffer
from villesolidaire.matching.offer_text import urgency_phrase, when_phrase
from villesolidaire.matching.selectors import Candidate
from villesolidaire.matching.services import proposal_create, proposal_preview
from villesolidaire.notifications.models import Message
from villesolidaire.notifications.sms import fits_one_sms, is_gsm7

TODAY = datetime.date(2026, 7, 14)


@pytest.mark.parametrize(
    ("start", "window", "expected"),
    [
        (None, TimeWindow.ANY, "dès que possible"),
        (TODAY, TimeWindow.EVENING, "aujourd'hui, en soirée"),
        (TODAY + datetime.timedelta(days=1), TimeWindow.MORNING, "demain, le matin"),
        (datetime.date(2026, 7, 20), TimeWindow.AFTERNOON, "dès le 20/07, l'après-midi"),
        (datetime.date(2026, 7, 1), TimeWindow.ANY, "dès que possible"),  # a date already past
    ],
)
def test_when_phrase(start, window, expected):
    assert when_phrase(start, window, TODAY) == expected


def test_urgency_phrase():
    assert urgency_phrase(Urgency.CRITICAL).startswith("TRÈS URGENT")
    assert urgency_phrase(Urgency.HIGH).startswith("URGENT")
    assert urgency_phrase(Urgency.NORMAL) == "dans la semaine"


def _request(**kwargs):
    return HelpRequestFactory(
        category=HelpCategoryFactory(name="Courses", bit=41), resident=ResidentFactory(with_mobile=True), **kwargs
    )


def test_offer_sms_says_when_and_how_urgent_in_one_sms():
    help_request = _request(urgency=Urgency.CRITICAL, time_window=TimeWindow.MORNING)
    volunteer = VolunteerFactory(active=True, first_name="Anne")
    proposal_create(
        help_request=help_request,
        candidates=[Candidate(volunteer_id=volunteer.pk, score=1.0, distance_km=1.0)],
        by=staff_user(),
    )
    sms = Message.objects.get(kind="proposal_offer")
    sent = sms.outgoing_body()
    assert "Courses" in sms.body and "TRES URGENT" in sms.body and "le matin" in sms.body
    assert re.search(r"/reponse/[\w-]+/\?reponse=accepter", sent)
    assert is_gsm7(sent) and fits_one_sms(sent), (len(sent), sent)


def test_proposing_to_several_without_confirmation_sends_and_saves_nothing():
    help_request = _request()
    volunteers = [VolunteerFactory(active=True) for _ in range(3)]
    candidates = [Candidate(volunteer_id=v.pk, score=1.0, distance_km=1.0) for v in volunteers]
    with pytest.raises(SendNotConfirmed):
        proposal_create(help_request=help_request, candidates=candidates, by=staff_user())
    shown_for_two = proposal_preview(help_request=help_request, volunteer_ids=[v.pk for v in volunteers[:2]])
    with pytest.raises(SendNotConfirmed, match="a changé"):
        proposal_create(
            help_request=help_request, candidates=candidates, by=staff_user(), confirmation=shown_for_two.token
        )
    assert not Proposal.objects.exists() and not ProposalOffer.objects.exists() and not Message.objects.exists()
    help_request.refresh_from_db()
    assert help_request.status == "new"

    shown = proposal_preview(help_request=help_request, volunteer_ids=[v.pk for v in volunteers])
    assert shown.count == 3 and "[Prénom]" in shown.text and "[lien personnel]" in shown.text
    _proposal, offers = proposal_create(
        help_request=help_request, candidates=candidates, by=staff_user(), confirmation=shown.token
    )
    assert len(offers) == 3 and Message.objects.filter(kind="proposal_offer").count() == 3
