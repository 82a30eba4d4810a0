"""Every staff page refuses anonymous visitors and volunteers, whatever its URL.

Anonymous visitors are sent to the staff login; a signed-in volunteer gets a 404 (never a
hint that the page exists, never someone else's data). New URLs are covered automatically.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import HelpRequestFactory, SupportFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.crises import EpisodeFactory
from tests.factories.needs import NeedFactory
from villesolidaire.campaigns.models import Briefing
from villesolidaire.needs.models import NeedNotification

STAFF_PREFIXES = ("gestion/",)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _concrete(route: str) -> str:
    """Turn a route like 'gestion/demandes/<int:pk>/' into a URL with plausible values."""
    import re

    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<(str|slug):[^>]+>", "x", route)
    route = re.sub(r"<[^>]+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$")


STAFF_URLS = sorted(
    {_concrete(route) for route, _ in _walk(get_resolver().url_patterns) if route.startswith(STAFF_PREFIXES)}
)


def test_there_are_staff_pages_to_protect():
    assert len(STAFF_URLS) >= 10, STAFF_URLS


@pytest.mark.parametrize("url", STAFF_URLS)
def test_anonymous_visitors_are_sent_to_login(client, url):
    # The permission check runs before the method check: even a 405 would reveal the page.
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith("/comptes/connexion/"), (url, response["Location"])


@pytest.mark.parametrize("url", STAFF_URLS)
def test_volunteers_get_404_on_staff_pages(client, url):
    volunteer = VolunteerFactory(active=True)
    client.force_login(volunteer.user)
    assert client.get(url).status_code == 404, url
    assert client.post(url, {}).status_code == 404, url


# Role matrix of the pages of bulk actions, mass messages and relays to partners (issue 11):
# each page answers its roles and gives every other staff role a 404, on real objects.
STAFF_ROLES = ("coordinator", "operator", "register_officer", "auditor", "partner")


def _bulk_pages():
    briefing = Briefing.objects.create(episode=EpisodeFactory(), text="Disponible ?")
    notification = NeedNotification.objects.create(need=NeedFactory(), recipient_count=60)
    coordinators, desk = {"coordinator"}, {"coordinator", "operator"}
    return [
        ("get", "/gestion/volontaires/", {}, coordinators),
        ("post", "/gestion/volontaires/action-groupee/", {"action": "pause"}, coordinators),
        ("post", "/gestion/formations/inviter-des-volontaires/", {}, coordinators),
        ("get", "/gestion/besoins/envois/", {}, coordinators),
        ("post", f"/gestion/besoins/envois/{notification.pk}/decision/", {}, coordinators),
        ("get", "/gestion/mobilisation/", {}, coordinators),
        ("get", f"/gestion/mobilisation/{briefing.pk}/", {}, coordinators),
        ("post", f"/gestion/mobilisation/{briefing.pk}/reactiver/", {}, coordinators),
        ("get", f"/gestion/demandes/{HelpRequestFactory().pk}/orienter/", {}, desk),
        ("get", f"/gestion/soutiens/{SupportFactory().pk}/transmettre/", {}, coordinators),
    ]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_bulk_and_relay_pages_answer_their_roles_only(client, role):
    login_staff(client, staff_user(role))
    for method, url, data, allowed in _bulk_pages():
        status = getattr(client, method)(url, data).status_code
        if role in allowed:
            assert status in (200, 302), (role, url, status)
        else:
            assert status == 404, (role, url, status)
