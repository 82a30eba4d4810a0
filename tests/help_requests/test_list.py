import pytest
from django.urls import reverse

from tests.factories import HelpRequestFactory, QuartierFactory, ResidentFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.enums import Channel, ClosureReason, Status, Urgency
from villesolidaire.help_requests.models import HelpCategory, HelpRequest

URL = reverse("help_requests:list")


def listed(response) -> list[int]:
    return [row.pk for row in response.context["page_obj"].object_list]


def test_urgency_codes_sort_in_urgency_order():
    # by_priority() relies on it to use the (urgency, -created_at) index.
    assert sorted(Urgency.values) == [Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL]


def test_default_list_shows_open_requests_urgent_first_then_newest(client, operator, category, town):
    old_normal = HelpRequestFactory(category=category)
    new_normal = HelpRequestFactory(category=category)
    high = HelpRequestFactory(category=category, urgency=Urgency.HIGH)
    critical = HelpRequestFactory(category=category, urgency=Urgency.CRITICAL)
    HelpRequestFactory(category=category, status=Status.CLOSED, closure_reason=ClosureReason.DONE)
    assert listed(client.get(URL)) == [critical.pk, high.pk, new_normal.pk, old_normal.pk]


def test_filters(client, operator, category, town):
    quartier = QuartierFactory()
    other_category = HelpCategory.objects.get(slug="promenade")
    in_quartier = HelpRequestFactory(
        category=category, resident=ResidentFactory(quartier=quartier, last_name="Kerjean")
    )
    web = HelpRequestFactory(category=other_category, channel=Channel.WEB, status=Status.QUALIFIED)
    closed = HelpRequestFactory(category=category, status=Status.CLOSED, closure_reason=ClosureReason.CANCELLED)
    assert listed(client.get(URL, {"quartier": quartier.pk})) == [in_quartier.pk]
    assert listed(client.get(URL, {"category": other_category.pk})) == [web.pk]
    assert listed(client.get(URL, {"channel": "web"})) == [web.pk]
    assert listed(client.get(URL, {"status": "qualified"})) == [web.pk]
    assert listed(client.get(URL, {"q": "kerjéan"})) == [in_quartier.pk]
    assert listed(client.get(URL, {"state": "closed"})) == [closed.pk]
    assert len(listed(client.get(URL, {"state": ""}))) == 3


def test_bad_filter_values_give_an_empty_list_not_an_error(client, operator, category, town):
    HelpRequestFactory(category=category)
    response = client.get(URL, {"status": "<script>", "category": "abc", "page": "999"})
    assert response.status_code == 200
    assert listed(response) == []


@pytest.mark.parametrize("rows", [3, 30])
def test_query_count_does_not_grow_with_rows(client, operator, category, town, rows, django_assert_num_queries):
    quartier = QuartierFactory()
    for _ in range(rows):
        HelpRequestFactory(category=category, resident=ResidentFactory(quartier=quartier))
    # session, user, role grants, OTP device, volunteer profile (navigation), town,
    # count, category and quartier choices, rows.
    with django_assert_num_queries(10):
        response = client.get(URL)
    assert len(listed(response)) == rows


def test_paginated_by_fifty(client, operator, category, town):
    resident = ResidentFactory()
    HelpRequest.objects.bulk_create(
        [HelpRequest(resident=resident, category=category, description="x") for _ in range(51)]
    )
    response = client.get(URL)
    assert len(listed(response)) == 50
    assert len(listed(client.get(URL, {"page": 2}))) == 1


def test_anonymous_is_sent_to_login_and_volunteer_gets_404(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    login_staff(client, staff_user(Role.VOLUNTEER))
    assert client.get(URL).status_code == 404
    assert client.get(reverse("help_requests:intake")).status_code == 404
