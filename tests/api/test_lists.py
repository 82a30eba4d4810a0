"""Lists: pages, constant query counts, filters, sync by updated_since and ETag, rate limits."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    ResidentFactory,
    SupportFactory,
    TownFactory,
    VolunteerFactory,
)
from tests.factories.campaigns import campaign_for
from tests.factories.crises import EpisodeFactory
from tests.factories.needs import NeedFactory, ShiftFactory
from tests.factories.partners import OrganisationFactory, ServiceFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.api.throttling import PerKeyThrottle
from villesolidaire.help_requests.models import HelpRequest

GROWERS = {
    "/api/v1/help-requests/": lambda: HelpRequestFactory(),
    "/api/v1/residents/": lambda: ResidentFactory(),
    "/api/v1/volunteers/": lambda: VolunteerFactory(categories=[], skills=[]),
    "/api/v1/supports/": lambda: SupportFactory(),
    "/api/v1/missions/": lambda: MissionFactory(scheduled_at=timezone.now()),
    "/api/v1/needs/": lambda: ShiftFactory(need=NeedFactory()),
    "/api/v1/organisations/": lambda: OrganisationFactory(),
    "/api/v1/services/": lambda: ServiceFactory(),
}


def queries_of(caller, path: str) -> int:
    caller.get(path)  # the key's last use is written once a minute at most: not in the count
    with CaptureQueriesContext(connection) as captured:
        assert caller.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", list(GROWERS))
def test_a_list_costs_the_same_queries_for_3_rows_or_30(api, path):
    caller = api(role=Role.COORDINATOR)
    for _ in range(3):
        GROWERS[path]()
    few = queries_of(caller, path)
    for _ in range(27):
        GROWERS[path]()
    assert queries_of(caller, path) == few


def test_campaign_figures_cost_the_same_queries_for_1_campaign_or_5(api):
    caller = api(role=Role.COORDINATOR)
    campaign_for(EpisodeFactory())
    one = queries_of(caller, "/api/v1/campaigns/")
    for _ in range(4):
        campaign_for(EpisodeFactory())
    assert queries_of(caller, "/api/v1/campaigns/") == one


def test_pages_of_fifty_and_a_chosen_size_up_to_two_hundred(api, category):
    HelpRequestFactory.create_batch(55, category=category)
    caller = api(role=Role.OPERATOR)
    first = caller.get("/api/v1/help-requests/").json()
    assert first["count"] == 55 and len(first["results"]) == 50 and first["next"].endswith("page=2")
    assert len(caller.get("/api/v1/help-requests/", {"page": 2}).json()["results"]) == 5
    assert len(caller.get("/api/v1/help-requests/", {"page_size": 10}).json()["results"]) == 10
    assert len(caller.get("/api/v1/help-requests/", {"page_size": 200}).json()["results"]) == 55
    assert caller.get("/api/v1/help-requests/", {"page_size": 10000}).status_code == 400  # past the maximum
    missing = caller.get("/api/v1/help-requests/", {"page": 99})
    assert missing.status_code == 404 and "Page inexistante" in missing.json()["detail"]
    assert caller.get("/api/v1/help-requests/", {"page": "abc"}).status_code == 400


def test_updated_since_gives_what_changed(api):
    old, recent = HelpRequestFactory.create_batch(2)
    HelpRequest.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=2))
    caller = api(role=Role.OPERATOR)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    ids = [row["id"] for row in caller.get("/api/v1/help-requests/", {"updated_since": since}).json()["results"]]
    assert ids == [recent.pk]
    wrong = caller.get("/api/v1/help-requests/", {"updated_since": "hier"})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "updated_since"


def test_filters_of_the_requests_list(api, category):
    urgent = HelpRequestFactory(category=category, urgency="critical")
    HelpRequestFactory(urgency="normal")
    caller = api(role=Role.OPERATOR)
    by_category = caller.get("/api/v1/help-requests/", {"category": category.slug}).json()
    assert [row["id"] for row in by_category["results"]] == [urgent.pk]
    assert caller.get("/api/v1/help-requests/", {"urgency": "critical"}).json()["count"] == 1
    assert caller.get("/api/v1/help-requests/", {"status": "nimportequoi"}).status_code == 400


def test_an_unchanged_answer_is_a_304_with_its_etag(api):
    help_request = HelpRequestFactory()
    caller = api(role=Role.OPERATOR)
    path = f"/api/v1/help-requests/{help_request.pk}/"
    first = caller.get(path)
    etag = first["ETag"]
    assert etag
    unchanged = caller.get(path, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    HelpRequest.objects.filter(pk=help_request.pk).update(description="Autre chose.")
    assert caller.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_each_key_has_its_own_rate_limit(api):
    limited = api(role=Role.OPERATOR, rate_per_minute=3)
    other = api(role=Role.OPERATOR)
    answers = [limited.get("/api/v1/help-requests/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = limited.get("/api/v1/help-requests/")
    assert refused.has_header("Retry-After") and refused.json()["detail"]
    assert other.get("/api/v1/help-requests/").status_code == 200


def test_calls_without_a_key_are_limited_per_address(api, monkeypatch):
    monkeypatch.setattr(PerKeyThrottle, "THROTTLE_RATES", {"anonymous": "2/min"})
    anonymous = api(token=None)
    answers = [anonymous.get("/api/v1/help-categories/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


@pytest.mark.parametrize("path", ["/api/v1/help-requests/abc/", "/api/v1/help-requests/99999999999999999999/"])
def test_odd_identifiers_are_404s(api, path):
    assert api(role=Role.OPERATOR).get(path).status_code == 404


def test_odd_but_valid_moments_ids_and_pages_are_told_apart_from_invalid_ones(api):
    """Found by the schemathesis run: an offset PostgreSQL refuses and a huge id were 500s; an empty
    or non-numeric page fell back silently to the first page."""
    caller = api()
    TownFactory()
    OrganisationFactory()
    far_offset = caller.get("/api/v1/organisations/", {"updated_since": "2020-04-08T11:28:42-18:09"})
    assert far_offset.status_code == 200 and far_offset.json()["count"] == 1
    past_the_end = caller.get("/api/v1/organisations/", {"updated_since": "9999-12-31T23:00:00-05:00"})
    assert past_the_end.status_code == 400 and past_the_end.json()["errors"][0]["field"] == "updated_since"
    huge_id = caller.get("/api/v1/services/", {"organisation": "-1407812357381736493804945408"})
    assert huge_id.status_code == 400 and huge_id.json()["errors"][0]["field"] == "organisation"
    for page in ("", "0", "true", "1.5"):
        answer = caller.get("/api/v1/organisations/", {"page": page})
        assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "page", page
    too_big = caller.get("/api/v1/organisations/", {"page_size": "201"})
    assert too_big.status_code == 400 and too_big.json()["errors"][0]["field"] == "page_size"
    assert too_big.json()["errors"][0]["message"] == "Indiquez un nombre entier entre 1 et 200."
    far_page = caller.get("/api/v1/organisations/", {"page": "abc"}).json()["errors"][0]["message"]
    assert far_page == "Indiquez un nombre entier entre 1 et 10 000 000."
    assert caller.get("/api/v1/organisations/", {"page": "1", "page_size": "200"}).status_code == 200
    empty_choice = caller.get("/api/v1/needs/", {"status": ""})
    assert empty_choice.status_code == 400 and "omettez ce paramètre" in empty_choice.json()["errors"][0]["message"]
    # A NUL character is refused in French like on the pages, not dropped (the name asked was not « Dupont »).
    nul = caller.get("/api/v1/volunteers/", {"q": "Du\x00pont"})
    assert nul.status_code == 400 and nul.json()["errors"] == [
        {"field": "q", "message": "Le caractère nul n’est pas autorisé."}
    ]


def test_an_unknown_api_address_or_method_answers_in_json(api):
    caller = api()
    unknown = caller.get("/api/v1/nulle-part/")
    assert unknown.status_code == 404 and unknown["Content-Type"] == "application/json"
    assert unknown.json() == {"detail": "Adresse inconnue de l'API : voir /api/v1/reference/.", "errors": []}
    assert caller.get("/api/v1/needs/%C2%84/").status_code == 404
    trace = caller.client.generic("TRACE", "/api/v1/organisations/1/", HTTP_AUTHORIZATION=f"Bearer {caller.token}")
    assert trace.status_code == 405 and trace.json()["detail"] == "Méthode TRACE non permise sur cette adresse."
    anonymous_delete = caller.client.delete("/api/v1/needs/1/")
    assert anonymous_delete.status_code == 405
    # A POST to an address the API does not have: the same JSON 404 (no CSRF page; found by schemathesis).
    caller.client.handler.enforce_csrf_checks = True
    posted = caller.post("/api/v1/volunteers/%C2%84/status/", {"status": "registered"})
    assert posted.status_code == 404 and posted["Content-Type"] == "application/json"


def test_an_api_address_without_its_final_slash_is_sent_to_it(api):
    """The catch-all takes every /api/ address, so it does what Django's APPEND_SLASH would have."""
    caller = api()
    listed = caller.get("/api/v1/help-requests", {"status": "new", "page_size": "10"})
    assert listed.status_code == 301 and listed["Location"] == "/api/v1/help-requests/?status=new&page_size=10"
    assert caller.get("/api/v1/help-requests", {"status": "new"}, follow=True).json()["count"] == 0
    assert caller.get("/api/v1/reference")["Location"] == "/api/v1/reference/"
    assert caller.client.head("/api/v1/organisations")["Location"] == "/api/v1/organisations/"
    assert caller.get("/api/v1/openapi.json").status_code == 200  # an address without a slash of its own
    # Another method would lose its body on the way: a 404 that says what is missing.
    posted = caller.post("/api/v1/help-requests", {"category": "courses"})
    assert posted.status_code == 404 and posted["Content-Type"] == "application/json"
    assert posted.json() == {
        "detail": "Adresse incomplète : il manque la « / » finale (/api/v1/help-requests/).",
        "errors": [],
    }


@pytest.mark.parametrize("path", ["/api/v1/nulle-part", "/api/v1/help-requests/1/nulle-part", "/api/nulle-part"])
def test_an_unknown_api_address_without_a_final_slash_stays_unknown(api, path):
    caller = api()
    for response in (caller.get(path), caller.post(path, {})):
        assert response.status_code == 404, (path, response.status_code)
        assert response.json()["detail"] == "Adresse inconnue de l'API : voir /api/v1/reference/."
