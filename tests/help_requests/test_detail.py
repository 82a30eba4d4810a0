import html

import pytest
from django.urls import reverse

from tests.factories import HelpRequestFactory, SupportFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests.enums import ClosureReason, Status
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.help_requests.services import help_request_transition


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def help_request(category):
    return HelpRequestFactory(category=category, description="Courses du mardi")


def transition(client, help_request, **data):
    return client.post(reverse("help_requests:transition", args=[help_request.pk]), data)


def test_detail_shows_request_resident_history_actions_and_supports(client, operator, help_request, town):
    support = SupportFactory(help_request=help_request)
    help_request_transition(help_request=help_request, target=Status.QUALIFIED, by=operator, note="Rappelée")
    response = client.get(reverse("help_requests:detail", args=[help_request.pk]))
    text = page(response)
    assert response.status_code == 200
    assert "Courses du mardi" in text and help_request.resident.last_name in text
    assert "Nouvelle → Qualifiée" in text and str(operator) in text and "Rappelée" in text
    assert 'value="searching"' in text and 'value="closed"' in text and 'value="supported"' not in text
    assert str(support.volunteer) in text


def test_allowed_transition_is_logged_with_the_user(client, operator, help_request, town):
    response = transition(client, help_request, target="qualified", note="Besoin confirmé")
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == Status.QUALIFIED
    step = help_request.transitions.get()
    assert (step.from_status, step.to_status, step.by, step.note) == (
        Status.NEW,
        Status.QUALIFIED,
        operator,
        "Besoin confirmé",
    )


def test_forbidden_transition_is_refused_and_not_logged(client, operator, help_request, town):
    response = transition(client, help_request, target="supported")
    assert response.status_code == 400
    assert "Passage impossible" in page(response)
    help_request.refresh_from_db()
    assert help_request.status == Status.NEW and not help_request.transitions.exists()


def test_closing_requires_a_reason(client, operator, help_request, town):
    response = transition(client, help_request, target="closed")
    assert response.status_code == 400
    assert "Choisissez un motif pour clôturer la demande." in page(response)
    assert HelpRequest.objects.get().status == Status.NEW
    transition(client, help_request, target="closed", closure_reason=ClosureReason.REFERRED)
    help_request.refresh_from_db()
    assert (help_request.status, help_request.closure_reason) == (Status.CLOSED, ClosureReason.REFERRED)


def test_service_refuses_closing_without_reason(help_request):
    with pytest.raises(TransitionNotAllowed):
        help_request_transition(help_request=help_request, target=Status.CLOSED, by=None)


def test_reopen_from_searching_back_to_qualified(help_request, operator):
    for target in (Status.QUALIFIED, Status.SEARCHING, Status.QUALIFIED):
        help_request_transition(help_request=help_request, target=target, by=operator)
    assert [t.to_status for t in help_request.transitions.all()] == ["qualified", "searching", "qualified"]


def test_edit_while_open_and_not_once_closed(client, operator, help_request, category, town):
    url = reverse("help_requests:edit", args=[help_request.pk])
    data = {
        "category": category.pk,
        "description": "Courses et pharmacie",
        "urgency": "high",
        "time_window": "pm",
        "recurrence": "weekly",
        "channel": "hotline",
        "person_agrees": "yes",
    }
    assert client.post(url, {**data, "description": "<i>x</i>"}).status_code == 200
    assert HelpRequest.objects.get().description == "Courses du mardi"
    assert client.post(url, data).status_code == 302
    help_request.refresh_from_db()
    assert (help_request.description, help_request.recurrence, help_request.status) == (
        "Courses et pharmacie",
        "weekly",
        Status.NEW,
    )
    help_request_transition(
        help_request=help_request, target=Status.CLOSED, by=operator, closure_reason=ClosureReason.DONE
    )
    client.post(url, {**data, "description": "Trop tard"})
    assert HelpRequest.objects.get().description == "Courses et pharmacie"


@pytest.mark.parametrize("name", ["detail", "edit", "transition"])
def test_volunteer_gets_404_and_anonymous_goes_to_login(client, help_request, name):
    url = reverse(f"help_requests:{name}", args=[help_request.pk])
    assert reverse("accounts:login") in client.get(url).url
    login_staff(client, staff_user(Role.VOLUNTEER))
    assert client.get(url).status_code == 404


def test_unknown_request_is_404(client, operator):
    assert client.get(reverse("help_requests:detail", args=[999999])).status_code == 404


def test_open_request_links_to_matching_and_closed_one_does_not(client, operator, help_request, town):
    matching_url = reverse("matching:request_matching", args=[help_request.pk])
    assert matching_url in page(client.get(reverse("help_requests:detail", args=[help_request.pk])))
    help_request_transition(help_request=help_request, target=Status.CLOSED, by=operator, closure_reason="done")
    assert matching_url not in page(client.get(reverse("help_requests:detail", args=[help_request.pk])))
