"""A coordinator changes or clears the crisis episode of a request (its supports and missions
follow) or of a need; others get a 404, a wrong choice a French error."""

import html

from django.urls import reverse
from django.utils import timezone

from tests.factories import HelpRequestFactory, MissionFactory, SupportFactory
from tests.factories.crises import EpisodeFactory
from tests.factories.needs import NeedFactory
from villesolidaire.audit.models import AuditEntry

WRONG_CHOICE = "Cet épisode n'existe pas : choisissez-en un dans la liste."


def text(response) -> str:
    return html.unescape(response.content.decode())


def post_request_episode(client, help_request, value):
    return client.post(reverse("help_requests:episode", args=[help_request.pk]), {"episode": value})


def test_the_request_page_shows_the_episode_form_to_a_coordinator(client, coordinator, town):
    episode = EpisodeFactory(title="Canicule de juillet")
    help_request = HelpRequestFactory(episode=episode)
    page = text(client.get(reverse("help_requests:detail", args=[help_request.pk])))
    assert "Épisode de crise" in page and "Aucun épisode" in page
    assert f'<option value="{episode.pk}" selected>' in page


def test_a_coordinator_moves_a_request_and_what_followed_it(client, coordinator, town):
    old, new = EpisodeFactory(title="Ancien"), EpisodeFactory(title="Nouveau")
    other = EpisodeFactory(title="Autre")
    help_request = HelpRequestFactory(episode=old)
    support = SupportFactory(help_request=help_request, episode=old)
    following = MissionFactory(support=support, episode=old)
    kept = MissionFactory(support=support, episode=other, scheduled_at=timezone.now())  # linked on its own
    unrelated = SupportFactory(episode=old)

    response = post_request_episode(client, help_request, new.pk)

    assert response.status_code == 302
    assert "Demande rattachée à l'épisode « Nouveau" in text(client.get(response.url))
    for row in (help_request, support, following, kept, unrelated):
        row.refresh_from_db()
    assert help_request.episode == support.episode == following.episode == new
    assert kept.episode == other and unrelated.episode == old
    entry = AuditEntry.objects.get(object_type="help_requests.HelpRequest", object_id=str(help_request.pk))
    assert entry.actor == coordinator and entry.fields == ["episode"]
    assert "Ancien" in entry.detail and "Nouveau" in entry.detail


def test_a_coordinator_clears_a_requests_episode(client, coordinator, town):
    episode = EpisodeFactory()
    help_request = HelpRequestFactory(episode=episode)
    support = SupportFactory(help_request=help_request, episode=episode)
    response = post_request_episode(client, help_request, "")
    assert response.status_code == 302
    help_request.refresh_from_db()
    support.refresh_from_db()
    assert help_request.episode is None and support.episode is None


def test_an_unknown_episode_is_a_french_error_not_a_500(client, coordinator, town):
    episode = EpisodeFactory()
    help_request = HelpRequestFactory(episode=episode)
    for value in (episode.pk + 999, "abc", "1; DROP TABLE"):
        response = post_request_episode(client, help_request, value)
        assert response.status_code == 400
        assert WRONG_CHOICE in text(response)
    help_request.refresh_from_db()
    assert help_request.episode == episode
    assert not AuditEntry.objects.filter(object_type="help_requests.HelpRequest").exists()


def test_an_operator_cannot_change_the_episode(client, operator, town):
    episode = EpisodeFactory()
    help_request = HelpRequestFactory()
    response = post_request_episode(client, help_request, episode.pk)
    assert response.status_code == 404
    help_request.refresh_from_db()
    assert help_request.episode is None
    page = text(client.get(reverse("help_requests:detail", args=[help_request.pk])))
    assert "Aucun épisode" not in page and reverse("help_requests:episode", args=[help_request.pk]) not in page


def test_a_get_on_the_episode_address_is_refused(client, coordinator, town):
    response = client.get(reverse("help_requests:episode", args=[HelpRequestFactory().pk]))
    assert response.status_code == 405


def test_a_coordinator_changes_and_clears_a_needs_episode(client, coordinator):
    episode = EpisodeFactory(title="Grand froid")
    need = NeedFactory()
    url = reverse("needs:staff_episode", args=[need.pk])
    page = text(client.get(reverse("needs:staff_detail", args=[need.pk])))
    assert "Aucun épisode" in page and url in page

    response = client.post(url, {"episode": episode.pk})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.episode == episode
    assert AuditEntry.objects.get(object_type="needs.Need", object_id=str(need.pk)).fields == ["episode"]

    client.post(url, {"episode": ""})
    need.refresh_from_db()
    assert need.episode is None


def test_a_needs_unknown_episode_is_a_french_error(client, coordinator):
    need = NeedFactory()
    response = client.post(reverse("needs:staff_episode", args=[need.pk]), {"episode": "999999"})
    assert response.status_code == 400
    assert WRONG_CHOICE in text(response)


def test_an_operator_cannot_change_a_needs_episode(client, operator):
    need = NeedFactory()
    response = client.post(reverse("needs:staff_episode", args=[need.pk]), {"episode": EpisodeFactory().pk})
    assert response.status_code == 404
    need.refresh_from_db()
    assert need.episode is None
