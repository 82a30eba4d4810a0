"""Proposing a request to volunteers, answering by link, expiry."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.confirmation import confirmation_token, post_and_confirm
from tests.factories import (
    HelpCategoryFactory,
    HelpRequestFactory,
    QuartierFactory,
    ResidentFactory,
    TownFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from villesolidaire.accounts.enums import Role
from villesolidaire.core.fields import token_digest
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.matching.index import index_volunteer
from villesolidaire.matching.models import OfferStatus, Proposal, ProposalOffer, ProposalStatus
from villesolidaire.matching.selectors import rank_volunteers, requests_awaiting_volunteer
from villesolidaire.matching.services import (
    Outcome,
    ProposalError,
    offer_accept,
    offer_decline,
    proposal_create,
    proposal_preview,
)
from villesolidaire.missions.models import Mission, Support
from villesolidaire.notifications.models import CallTask, Message

LAT, LON = 48.11, -1.68


@pytest.fixture
def category():
    return HelpCategoryFactory(name="Courses test", bit=30, involves_money=True)


@pytest.fixture
def help_request(category):
    resident = ResidentFactory(
        with_mobile=True,
        located=True,
        latitude=LAT,
        longitude=LON,
        quartier=QuartierFactory(name="Les Tilleuls"),
        address="12 rue des Lilas",
        first_name="Odette",
    )
    return HelpRequestFactory(resident=resident, category=category, description="Courses pour la semaine.")


@pytest.fixture
def volunteers(category):
    people = [
        VolunteerFactory(
            active=True, categories=[category], latitude=LAT + 0.001 * i, longitude=LON, first_name=f"Vol{i}"
        )
        for i in range(3)
    ]
    for volunteer in people:
        index_volunteer(volunteer)
    return people


def propose(help_request, volunteers, by=None, message=""):
    ids = {v.pk for v in volunteers}
    candidates = [c for c in rank_volunteers(help_request) if c.volunteer_id in ids]
    token = proposal_preview(
        help_request=help_request, volunteer_ids=[c.volunteer_id for c in candidates], message=message
    ).token
    return proposal_create(
        help_request=help_request, candidates=candidates, by=by, message=message, confirmation=token
    )


def test_matching_page_lists_ranked_volunteers_with_explanations(client, coordinator, help_request, volunteers):
    response = client.get(reverse("matching:request_matching", args=[help_request.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 volontaires suggérés" in html
    assert "rayon accepté 5 km" in html
    assert "<meter" in html and 'style="' not in html
    assert "Élargir la recherche" in html
    assert html.index(str(volunteers[0])) < html.index(str(volunteers[2]))


def test_matching_page_is_for_coordinators_only(client, help_request):
    assert client.get(reverse("matching:request_matching", args=[help_request.pk])).status_code == 302
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(reverse("matching:request_matching", args=[help_request.pk])).status_code == 404
    login_staff(client, staff_user(Role.COORDINATOR))
    assert client.get(reverse("matching:request_matching", args=[999999])).status_code == 404


def test_propose_creates_offers_sends_links_and_moves_the_request(client, coordinator, help_request, volunteers):
    url = reverse("matching:request_matching", args=[help_request.pk])
    data = {"volunteers": [volunteers[0].pk, volunteers[1].pk], "message": "Merci d'appeler avant."}
    page, response = post_and_confirm(client, url, data)
    assert "Vous allez envoyer ce message à 2 personnes" in page.content.decode()
    assert "(le SMS ne le reprend pas) : « Merci d&#x27;appeler avant. »" in page.content.decode()
    assert response.status_code == 302
    proposal = Proposal.objects.get(help_request=help_request)
    assert proposal.status == ProposalStatus.OPEN
    assert proposal.created_by == coordinator
    assert timedelta(hours=23) < proposal.expires_at - timezone.now() <= timedelta(hours=24)
    offers = list(proposal.offers.order_by("volunteer_id"))
    assert [o.volunteer_id for o in offers] == [volunteers[0].pk, volunteers[1].pk]
    assert all(o.score > 0 and o.explanation for o in offers)
    sms = Message.objects.filter(kind="proposal_offer").order_by("pk")
    assert sms.count() == 2
    first = sms.get(recipient=volunteers[0].phone.as_e164)
    sent = first.outgoing_body()
    assert "Merci d'appeler avant." not in sent  # as the hint and the confirmation page say
    # One link in the SMS: its page asks yes or no.
    token = re.search(r"/reponse/([\w-]+)/\?reponse=accepter", sent).group(1)
    # Stored: the text shows placeholders, the row keeps only the key's digest.
    assert token not in first.body and first.body.count("[lien personnel]") == 1
    assert offers[0].token_hash == token_digest(token) != token
    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.SEARCHING
    assert [(t.from_status, t.to_status) for t in help_request.transitions.all()] == [
        ("new", "qualified"),
        ("qualified", "searching"),
    ]
    assert all(t.by == coordinator for t in help_request.transitions.all())

    # Double submit: nothing sent twice.
    response = client.post(url, {**data, "confirmation": confirmation_token(page)}, follow=True)
    assert "déjà reçu cette proposition" in response.content.decode()
    assert ProposalOffer.objects.count() == 2 and Message.objects.filter(kind="proposal_offer").count() == 2

    # Proposing again while open adds volunteers to the same proposal.
    client.post(url, {"volunteers": [volunteers[2].pk]})
    assert Proposal.objects.count() == 1 and proposal.offers.count() == 3


def test_propose_rejects_unknown_volunteers_and_empty_choice(client, coordinator, help_request, volunteers, category):
    outsider = VolunteerFactory(active=True)  # does not accept the category
    index_volunteer(outsider)
    url = reverse("matching:request_matching", args=[help_request.pk])
    response = client.post(url, {"volunteers": [outsider.pk]})
    assert response.status_code == 400
    assert "plus disponible" in response.content.decode()
    response = client.post(url, {"volunteers": []})
    assert response.status_code == 400
    assert "Choisissez au moins" in response.content.decode()
    response = client.post(url, {"volunteers": ["abc"], "message": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
    assert not Proposal.objects.exists()
    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.NEW


def test_closed_request_cannot_be_proposed(help_request, volunteers):
    help_request.transition(RequestStatus.CLOSED, by=None, closure_reason="cancelled")
    with pytest.raises(ProposalError):
        propose(help_request, volunteers)
    assert not Proposal.objects.exists()


def test_offer_page_shows_only_what_the_volunteer_needs(client, help_request, volunteers):
    _proposal, offers = propose(help_request, volunteers[:1])
    response = client.get(reverse("matching:offer_response", args=[offers[0].token]) + "?reponse=accepter")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Courses test" in html and "Les Tilleuls" in html and "Courses pour la semaine." in html
    assert "12 rue des Lilas" not in html and "Odette" not in html and help_request.resident.mobile.as_e164 not in html
    offers[0].refresh_from_db()
    assert offers[0].status == OfferStatus.PENDING  # GET never answers


def test_accept_creates_the_support_and_tells_everyone(client, help_request, volunteers):
    proposal, offers = propose(help_request, volunteers)
    mine = next(o for o in offers if o.volunteer_id == volunteers[1].pk)
    response = client.post(reverse("matching:offer_response", args=[mine.token]), {"reponse": "accepter"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Odette" in html and "12 rue des Lilas" in html
    support = Support.objects.get()
    assert (support.proposal, support.volunteer, support.resident) == (proposal, volunteers[1], help_request.resident)
    statuses = dict(ProposalOffer.objects.values_list("volunteer_id", "status"))
    assert statuses == {volunteers[0].pk: "taken", volunteers[1].pk: "accepted", volunteers[2].pk: "taken"}
    proposal.refresh_from_db()
    help_request.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.closed_at
    assert help_request.status == RequestStatus.SUPPORTED
    last = help_request.transitions.last()
    assert (last.to_status, last.by) == ("supported", volunteers[1].user)
    taken = Message.objects.filter(kind="proposal_taken")
    assert sorted(taken.values_list("recipient", flat=True)) == sorted(
        [volunteers[0].phone.as_e164, volunteers[2].phone.as_e164]
    )
    informed = Message.objects.get(kind="support_started")
    assert informed.recipient == help_request.resident.mobile.as_e164
    assert "un.e volontaire, Vol1, va vous contacter" in informed.body
    assert Mission.objects.filter(support=support, status="planned").count() == 1

    # The same volunteer accepting again sees the details again, nothing new is created.
    response = client.post(reverse("matching:offer_response", args=[mine.token]), {"reponse": "accepter"})
    assert "déjà accepté" in response.content.decode() and "12 rue des Lilas" in response.content.decode()
    # Another volunteer is too late.
    other = next(o for o in offers if o.volunteer_id == volunteers[0].pk)
    response = client.post(reverse("matching:offer_response", args=[other.token]), {"reponse": "accepter"})
    assert "Un·e autre volontaire a déjà accepté." in response.content.decode()
    assert "12 rue des Lilas" not in response.content.decode()
    assert Support.objects.count() == 1


def test_resident_without_mobile_gets_a_call_task(help_request, volunteers):
    resident = help_request.resident
    resident.mobile = ""
    resident.save()
    _proposal, offers = propose(help_request, volunteers[:1])
    result = offer_accept(offer=offers[0])
    assert result.outcome == Outcome.ACCEPTED
    task = CallTask.objects.get(kind="support_started")
    assert task.resident == resident and task.support == result.support
    assert not Message.objects.filter(kind="support_started").exists()


def test_decline_and_all_declined_shows_on_the_coordinators_panel(client, coordinator, help_request, volunteers):
    _proposal, offers = propose(help_request, volunteers[:2])
    response = client.post(reverse("matching:offer_response", args=[offers[0].token]), {"reponse": "refuser"})
    assert "vous ne pouvez pas cette fois-ci" in response.content.decode()
    offers[0].refresh_from_db()
    assert offers[0].status == OfferStatus.DECLINED
    assert not requests_awaiting_volunteer().exists()
    assert offer_decline(offer=offers[1]).outcome == Outcome.DECLINED
    assert offer_decline(offer=offers[1]).outcome == Outcome.ALREADY_DECLINED
    assert list(requests_awaiting_volunteer()) == [help_request]
    html = client.get(reverse("missions:support_list")).content.decode()
    assert "Propositions sans réponse" in html and "toutes les personnes sollicitées ont refusé" in html
    # A volunteer who declined may still change their mind while the proposal is open.
    assert offer_accept(offer=offers[1]).outcome == Outcome.ACCEPTED


@pytest.mark.parametrize("token", ["inconnu", "x" * 300, "%3Cscript%3E"])
def test_unknown_token_is_404(client, token):
    assert client.get(f"/reponse/{token}/").status_code == 404
    assert client.post(f"/reponse/{token}/", {"reponse": "accepter"}).status_code == 404


def test_odd_answer_is_a_clear_message(client, help_request, volunteers):
    _proposal, offers = propose(help_request, volunteers[:1])
    response = client.post(reverse("matching:offer_response", args=[offers[0].token]), {"reponse": "peut-être"})
    assert response.status_code == 200
    assert "Réponse non reconnue" in response.content.decode()
    assert not Support.objects.exists()


def test_accepted_offer_shows_dialable_numbers_in_french_spacing(client, help_request, volunteers):
    TownFactory(hotline_phone="01 99 00 12 34")
    resident = help_request.resident
    resident.mobile, resident.phone = "+33699001122", "+33299003344"
    resident.save()
    _proposal, offers = propose(help_request, volunteers[:1])
    html = client.post(reverse("matching:offer_response", args=[offers[0].token]), {"reponse": "accepter"})
    html = html.content.decode()
    assert '<a href="tel:+33699001122" class="tel">06 99 00 11 22</a>' in html
    assert '<a href="tel:+33299003344" class="tel">02 99 00 33 44</a>' in html
    # The town's number is typed with spaces; its link must not keep them.
    assert '<a href="tel:+33199001234" class="tel">01 99 00 12 34</a>' in html
    assert 'href="tel:01 99' not in html


def test_expiry_sweep_alerts_coordinators_and_accepting_late_is_refused(client, coordinator, help_request, volunteers):
    proposal, offers = propose(help_request, volunteers[:2])
    call_command("check_proposals", stdout=open("/dev/null", "w"))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN  # not yet due
    Proposal.objects.filter(pk=proposal.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    call_command("check_proposals", stdout=open("/dev/null", "w"))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED and proposal.expiry_alerted_at
    alerts = Message.objects.filter(kind="proposal_expired")
    assert list(alerts.values_list("recipient", flat=True)) == [coordinator.email]
    assert reverse("matching:request_matching", args=[help_request.pk]) in alerts.get().body
    # Running again alerts nobody twice.
    call_command("check_proposals", stdout=open("/dev/null", "w"))
    assert alerts.count() == 1
    response = client.post(reverse("matching:offer_response", args=[offers[0].token]), {"reponse": "accepter"})
    assert "plus ouverte" in response.content.decode()
    assert not Support.objects.exists()
    page = client.get(reverse("matching:request_matching", args=[help_request.pk])).content.decode()
    assert "Propositions sans réponse" in page and "sans réponse depuis" in page
    # The coordinator widens and proposes again: a fresh proposal.
    client.post(
        reverse("matching:request_matching", args=[help_request.pk]),
        {"volunteers": [volunteers[2].pk], "widen": "True"},
    )
    assert Proposal.objects.filter(status=ProposalStatus.OPEN).count() == 1
    assert not requests_awaiting_volunteer().exists()


def test_expiry_task_is_deferred_when_the_backend_can(
    monkeypatch, django_capture_on_commit_callbacks, help_request, volunteers
):
    from villesolidaire.matching import tasks

    calls = []

    class Deferred:
        def __init__(self, run_after):
            self.run_after = run_after

        def enqueue(self, proposal_id):
            calls.append((proposal_id, self.run_after))

    class FakeTask:
        def get_backend(self):
            return type("Backend", (), {"supports_defer": True})()

        def using(self, run_after=None):
            return Deferred(run_after)

    monkeypatch.setattr(tasks, "check_proposal_expiry", FakeTask())
    with django_capture_on_commit_callbacks(execute=True):
        proposal, _offers = propose(help_request, volunteers[:1])
    assert calls == [(proposal.pk, proposal.expires_at)]


@pytest.mark.parametrize("count", [2, 20])
def test_matching_page_query_count_is_constant(
    client, coordinator, help_request, category, django_assert_num_queries, count
):
    people = [VolunteerFactory(active=True, categories=[category], latitude=LAT, longitude=LON) for _ in range(count)]
    for volunteer in people:
        index_volunteer(volunteer)
    propose(help_request, people[:2])
    url = reverse("matching:request_matching", args=[help_request.pk])
    client.get(url)
    # 15 before trainings, + 1: the category's required trainings (prefetched with its skills).
    # A town this small is ranked by reading everyone (nearby.SCAN_BELOW), on both databases.
    with django_assert_num_queries(16):
        response = client.get(url)
    assert response.content.decode().count("Déjà sollicité·e") == 2


def test_accept_when_the_request_was_closed_meanwhile(client, help_request, volunteers):
    _proposal, offers = propose(help_request, volunteers[:1])
    help_request.transition(RequestStatus.CLOSED, by=None, closure_reason="no_follow_up")
    response = client.post(reverse("matching:offer_response", args=[offers[0].token]), {"reponse": "accepter"})
    assert "plus ouverte" in response.content.decode()
    assert not Support.objects.exists()


def test_cancelling_proposals_withdraws_the_links(client, help_request, volunteers):
    from villesolidaire.matching.services import proposals_cancel

    _proposal, offers = propose(help_request, volunteers[:2])
    assert proposals_cancel(help_request=help_request) == 1
    assert set(ProposalOffer.objects.values_list("status", flat=True)) == {OfferStatus.WITHDRAWN}
    response = client.post(reverse("matching:offer_response", args=[offers[0].token]), {"reponse": "accepter"})
    assert "plus ouverte" in response.content.decode()
    assert not Support.objects.exists()


# Links that cannot be abused (issue 10) ----------------------------------------------------------


def test_no_offer_is_accepted_after_the_deadline_even_before_the_sweep(client, help_request, volunteers):
    proposal, offers = propose(help_request, volunteers[:1])
    Proposal.objects.filter(pk=proposal.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    link = reverse("matching:offer_response", args=[offers[0].token])
    page = client.get(link).content.decode()
    assert "n'est plus ouverte" in page and "J'accepte" not in page
    assert offer_accept(offer=offers[0]).outcome == Outcome.CLOSED
    response = client.post(link, {"reponse": "accepter"})
    assert response.status_code == 200 and "n'est plus ouverte" in response.content.decode()
    assert not Support.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN  # the sweep closes it later


def test_offer_links_expire_and_then_show_nothing_personal(client, settings, help_request, volunteers):
    settings.VS_LINK_GRACE_HOURS = 48
    proposal, offers = propose(help_request, volunteers[:2])
    mine, other = offers
    mine_link = reverse("matching:offer_response", args=[mine.token])
    assert "12 rue des Lilas" in client.post(mine_link, {"reponse": "accepter"}).content.decode()
    # Within the grace the accepting volunteer still reads the contact details.
    ProposalOffer.objects.filter(pk=mine.pk).update(responded_at=timezone.now() - timedelta(hours=47))
    assert "12 rue des Lilas" in client.get(mine_link).content.decode()
    # Long after: a French page, no name, phone or address.
    ProposalOffer.objects.filter(pk=mine.pk).update(responded_at=timezone.now() - timedelta(days=30))
    Proposal.objects.filter(pk=proposal.pk).update(closed_at=timezone.now() - timedelta(days=30))
    for link in (mine_link, reverse("matching:offer_response", args=[other.token])):
        for response in (client.get(link), client.post(link, {"reponse": "accepter"})):
            html = response.content.decode()
            assert response.status_code == 410 and "Ce lien n'est plus valable" in html
            assert "Odette" not in html and "12 rue des Lilas" not in html and "Courses pour la semaine" not in html
            assert help_request.resident.mobile.as_e164 not in html


def test_no_offer_key_is_readable_in_the_database(help_request, volunteers):
    _proposal, offers = propose(help_request, volunteers)
    keys = [offer.token for offer in offers]
    stored = list(ProposalOffer.objects.values_list("token_hash", flat=True))
    assert sorted(stored) == sorted(token_digest(key) for key in keys)
    bodies = " ".join(Message.objects.values_list("body", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal_links FROM notifications_message")
        raw = " ".join(row[0] for row in cursor.fetchall())
    assert not any(key in bodies or key in stored or key in " ".join(stored) for key in keys)
    assert all(key not in raw for key in keys)  # what remains until sending is encrypted
