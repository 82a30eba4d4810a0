"""The call screen a caller can work from: everything to try when nobody answers, calls in a row."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import QuartierFactory, login_staff
from tests.factories.campaigns import accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory
from villesolidaire.audit.models import AuditEntry
from villesolidaire.campaigns.enums import EscalationKind, EscalationResult, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, EscalationStep
from villesolidaire.campaigns.services.call_queue import take_next_call
from villesolidaire.campaigns.services.calls import record_attempt
from villesolidaire.core.templatetags.french import tel_links
from villesolidaire.core.text import french_phone


@pytest.fixture
def setup():
    quartier = QuartierFactory(name="Les Tilleuls")
    entries = [
        RegisterEntryFactory(quartier=quartier, with_contacts=True, address_complement="Bâtiment B, 3e étage")
        for _ in range(6)
    ]
    manager = officer()
    past = timezone.now() - datetime.timedelta(minutes=5)
    campaign = campaign_for(episode_with(), by=manager, now=past)
    return {"campaign": campaign, "entries": entries, "officer": manager}


def _take(client, campaign):
    caller = accredited_caller()
    login_staff(client, caller)
    client.post(reverse("campaigns:call_next", args=[campaign.pk]))
    target = CallTarget.objects.select_related("entry").get(campaign=campaign, locked_by=caller)
    return caller, target


@pytest.mark.parametrize(
    ("stored", "shown", "dialable"),
    [
        ("+33199007171", "01 99 00 71 71", "+33199007171"),
        ("+33639981234", "06 39 98 12 34", "+33639981234"),
        ("01 99 00 71 71", "01 99 00 71 71", "+33199007171"),
        ("+3225551234", "+32 2 555 12 34", "+3225551234"),
        ("", "", ""),
    ],
)
def test_numbers_are_shown_with_french_spacing_and_dialled_in_full(stored, shown, dialable):
    assert french_phone(stored) == (shown, dialable)


def test_the_screen_shows_address_quartier_dialable_numbers_emergency_contact_and_home_care(client, setup):
    _caller, target = _take(client, setup["campaign"])
    entry = target.entry
    page = client.get(reverse("campaigns:call", args=[setup["campaign"].pk])).content.decode()
    assert entry.address in page and "Bâtiment B, 3e étage" in page and "99001 Bourg-Solidaire" in page
    assert "Les Tilleuls" in page
    shown, dialable = french_phone(entry.phone)
    assert f'<a href="tel:{dialable}" class="tel">{shown}</a>' in page
    assert "Claire Martin (fille)" in page
    assert '<a href="tel:+33199001122" class="tel">01 99 00 11 22</a>' in page
    assert 'SAAD du Val — <a href="tel:+33199006010" class="tel">01 99 00 60 10</a>' in page
    # Each opening is in the audit log, with the emergency fields read.
    audit = AuditEntry.objects.filter(detail__startswith="Écran d'appel").latest("pk")
    assert {"emergency_contact_phone", "home_care_service", "address"} <= set(audit.fields)


def test_the_screen_shows_this_campaigns_attempts_and_the_last_campaigns(client, setup):
    campaign = setup["campaign"]
    caller, target = _take(client, campaign)
    entry = target.entry
    # The same person was called in an earlier campaign, where the caller left a note.
    earlier = campaign_for(episode_with(), by=setup["officer"], now=timezone.now() - datetime.timedelta(days=30))
    earlier.created_at = timezone.now() - datetime.timedelta(days=30)
    earlier.save()
    earlier_target = CallTarget.objects.get(campaign=earlier, entry=entry)
    CallAttempt.objects.create(
        target=earlier_target,
        caller=caller,
        started_at=timezone.now() - datetime.timedelta(days=30),
        ended_at=timezone.now() - datetime.timedelta(days=30),
        outcome=Outcome.REACHED_FINE,
        notes="Sa fille passe le mardi",
    )
    CallAttempt.objects.create(
        target=target,
        caller=caller,
        started_at=timezone.now() - datetime.timedelta(hours=3),
        ended_at=timezone.now() - datetime.timedelta(hours=3),
        outcome=Outcome.VOICEMAIL,
    )
    page = client.get(reverse("campaigns:call", args=[campaign.pk])).content.decode()
    assert "Dans cette campagne" in page and "Messagerie" in page
    assert f"Campagne précédente : {earlier.title}" in page and "Sa fille passe le mardi" in page


def test_after_saving_the_next_call_opens_by_itself_unless_the_caller_opts_out(client, setup):
    campaign = setup["campaign"]
    caller, first = _take(client, campaign)
    url = reverse("campaigns:call", args=[campaign.pk])
    assert re.search(r'name="next_call"[^>]*checked', client.get(url).content.decode())
    response = client.post(url, {"outcome": Outcome.REACHED_FINE, "next_call": "on"})
    assert response.status_code == 302 and response["Location"] == url
    second = CallTarget.objects.get(campaign=campaign, locked_by=caller)
    assert second.pk != first.pk
    page = client.get(url).content.decode()
    assert second.entry.last_name.upper() in page
    # Unticked: the caller pauses after this call only; the next call is chained again by default.
    client.post(url, {"outcome": Outcome.REACHED_FINE})
    assert not CallTarget.objects.filter(campaign=campaign, locked_by=caller).exists()
    client.post(reverse("campaigns:call_next", args=[campaign.pk]))
    assert re.search(r'name="next_call"[^>]*checked', client.get(url).content.decode())


def test_an_unreachable_person_is_escalated_through_the_emergency_contact_shown_on_screen(client, setup):
    campaign = setup["campaign"]
    caller, target = _take(client, campaign)
    response = client.post(
        reverse("campaigns:call_emergency_contact", args=[campaign.pk]),
        {
            "contact-outcome": Outcome.NO_ANSWER,
            "contact-result": EscalationResult.RESOLVED,
            "contact-notes": "Sa fille l'a eue au téléphone ce matin",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    attempt = CallAttempt.objects.get(target=target)
    assert attempt.outcome == Outcome.NO_ANSWER and attempt.caller == caller
    step = EscalationStep.objects.get(target=target)
    assert step.kind == EscalationKind.EMERGENCY_CONTACT and step.done_by == caller
    assert step.result == EscalationResult.RESOLVED and step.result_notes == "Sa fille l'a eue au téléphone ce matin"
    assert target.status == TargetStatus.REACHED and target.escalated_at is not None
    assert target.locked_by is None
    statuses = list(target.transitions.values_list("to_status", flat=True).order_by("pk"))
    assert statuses[-2:] == [TargetStatus.ESCALATED, TargetStatus.REACHED]


def test_no_news_from_the_emergency_contact_opens_the_next_step_for_the_officer(client, setup):
    campaign = setup["campaign"]
    _caller, target = _take(client, campaign)
    client.post(
        reverse("campaigns:call_emergency_contact", args=[campaign.pk]),
        {"contact-outcome": Outcome.WRONG_NUMBER, "contact-result": EscalationResult.NO_NEWS},
    )
    target.refresh_from_db()
    assert target.status == TargetStatus.ESCALATED
    kinds = list(EscalationStep.objects.filter(target=target).order_by("pk").values_list("kind", "done_at"))
    assert kinds[0][0] == EscalationKind.EMERGENCY_CONTACT and kinds[0][1] is not None
    assert kinds[1] == (EscalationKind.HOME_CARE, None)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"contact-outcome": Outcome.REACHED_FINE, "contact-result": EscalationResult.RESOLVED},
        {"contact-outcome": Outcome.NO_ANSWER, "contact-result": "peut-etre"},
        {"contact-outcome": Outcome.NO_ANSWER, "contact-result": EscalationResult.RESOLVED, "contact-notes": "<b>"},
    ],
)
def test_bad_emergency_contact_input_is_refused_in_french_and_nothing_is_saved(client, setup, data):
    campaign = setup["campaign"]
    _caller, target = _take(client, campaign)
    response = client.post(reverse("campaigns:call_emergency_contact", args=[campaign.pk]), data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert not CallAttempt.objects.exists() and not EscalationStep.objects.exists()
    target.refresh_from_db()
    assert target.status == TargetStatus.PENDING


def test_without_emergency_contact_the_form_is_not_offered_and_the_service_refuses(client):
    RegisterEntryFactory()
    campaign = campaign_for(episode_with(), now=timezone.now() - datetime.timedelta(minutes=5))
    _caller, target = _take(client, campaign)
    page = client.get(reverse("campaigns:call", args=[campaign.pk])).content.decode()
    assert "contact-outcome" not in page and "Sans personne à prévenir" in page
    response = client.post(
        reverse("campaigns:call_emergency_contact", args=[campaign.pk]),
        {"contact-outcome": Outcome.NO_ANSWER, "contact-result": EscalationResult.RESOLVED},
    )
    assert response.status_code == 400 and "Aucune personne à prévenir" in response.content.decode()
    assert not CallAttempt.objects.exists()


def test_a_caller_without_the_lease_cannot_record_an_emergency_contact_call(client, setup):
    campaign = setup["campaign"]
    other = accredited_caller()
    target = take_next_call(campaign, other)
    login_staff(client, accredited_caller())
    response = client.post(
        reverse("campaigns:call_emergency_contact", args=[campaign.pk]),
        {"contact-outcome": Outcome.NO_ANSWER, "contact-result": EscalationResult.RESOLVED},
    )
    assert response.status_code == 302
    assert not CallAttempt.objects.exists()
    record_attempt(target=target, caller=other, outcome=Outcome.REACHED_FINE)


def test_the_unreached_list_puts_escalations_first_then_not_reached_then_overdue(client, setup):
    campaign = setup["campaign"]
    targets = list(CallTarget.objects.filter(campaign=campaign).order_by("rank", "pk"))
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    # Queue order would put these in the opposite order: overdue first, escalated last.
    CallTarget.objects.filter(pk=targets[0].pk).update(next_call_at=long_ago)
    CallTarget.objects.filter(pk=targets[1].pk).update(failed_attempts=1, next_call_at=long_ago)
    CallTarget.objects.filter(pk=targets[2].pk).update(status=TargetStatus.ESCALATED, next_call_at=None)
    login_staff(client, setup["officer"])
    page = client.get(reverse("campaigns:unreached", args=[campaign.pk])).content.decode()
    positions = [page.index(t.entry.last_name.upper()) for t in (targets[2], targets[1], targets[0])]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SAAD — 01.99.00.60.30", 'SAAD — <a href="tel:+33199006030" class="tel">01 99 00 60 30</a>'),
        (
            "Infirmière +33 6 39 98 12 34 le matin",
            'Infirmière <a href="tel:+33639981234" class="tel">06 39 98 12 34</a> le matin',
        ),
        ("Code 12345 <b>", "Code 12345 &lt;b&gt;"),
    ],
)
def test_numbers_in_free_text_become_dialable_and_the_rest_stays_escaped(text, expected):
    assert tel_links(text) == expected
