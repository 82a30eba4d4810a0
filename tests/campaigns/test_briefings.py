"""Waking the reserve when an episode starts: a confirmed message to a filtered set of
volunteers, answers by SMS (through the campaigns' SMS webhook) or by the e-mail's link, and
the bulk reactivation of those in reserve or paused who said yes."""

import re

import pytest
from django.urls import reverse

from tests.confirmation import confirmation_token, post_and_confirm
from tests.factories import QuartierFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.crises import episode_with
from villesolidaire.accounts.enums import Role
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.models import Briefing, BriefingAnswer, BriefingRecipient
from villesolidaire.campaigns.services.briefings import briefing_send
from villesolidaire.core.confirmation import SendNotConfirmed
from villesolidaire.notifications.models import Message
from villesolidaire.volunteers.enums import Status

TOKEN = "jeton-de-test-tres-long-0123456789"
LIST_URL = reverse("campaigns:briefing_list")


@pytest.fixture(autouse=True)
def _token(settings):
    settings.VS_SMS_INBOUND_TOKEN = TOKEN


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("1", "yes"),
        (" Oui ! ", "yes"),
        ("OUI merci", "yes"),
        ("2", "no"),
        ("non.", "no"),
        ("peut-être", None),
        ("", None),
    ],
)
def test_yes_no_reply(text, answer):
    assert rules.yes_no_reply(text) == answer


def reserve(**kwargs):
    return VolunteerFactory(status=Status.RESERVE, **kwargs)


def test_briefing_is_confirmed_then_sent_to_the_filtered_volunteers(client, coordinator):
    episode = episode_with()
    north = QuartierFactory(name="Nord")
    in_reserve = [reserve(quartier=north), reserve(quartier=north, phone="")]
    paused_north = VolunteerFactory(status=Status.PAUSED, quartier=north)
    reserve()  # another quartier
    VolunteerFactory(active=True, quartier=north)  # active: not in the chosen statuses
    data = {"episode": episode.pk, "statuses": ["reserve", "paused"], "quartiers": [north.pk], "text": "Canicule."}

    page = client.post(LIST_URL, data)
    html = page.content.decode()
    assert "Vous allez envoyer ce message à 3 personnes" in html and "Répondez 1 pour OUI" in html
    assert not Briefing.objects.exists() and not Message.objects.exists()
    client.post(LIST_URL, {**data, "confirmation": confirmation_token(page)})

    briefing = Briefing.objects.get()
    assert set(briefing.recipients.values_list("volunteer_id", flat=True)) == {
        in_reserve[0].pk,
        in_reserve[1].pk,
        paused_north.pk,
    }
    assert Message.objects.filter(kind="volunteer_briefing", channel="sms").count() == 2
    email = Message.objects.get(kind="volunteer_briefing", channel="email")
    assert "/mobilisation/reponse/" in email.outgoing_body() and "[lien personnel]" in email.body


def test_the_send_service_refuses_without_confirmation():
    episode = episode_with()
    ids = [reserve().pk, reserve().pk]
    with pytest.raises(SendNotConfirmed):
        briefing_send(episode=episode, volunteer_ids=ids, text="Canicule.", audience="", by=staff_user())
    assert not Briefing.objects.exists() and not Message.objects.exists()


def _sent(client, volunteers):
    episode = episode_with()
    data = {"episode": episode.pk, "statuses": ["reserve", "paused", "active"], "text": "Canicule rouge demain."}
    post_and_confirm(client, LIST_URL, data)
    return Briefing.objects.get()


def test_sms_and_link_answers_then_bulk_reactivation(client, coordinator):
    yes_by_sms, no_by_sms, yes_by_link = reserve(), reserve(), reserve(phone="")
    paused_yes, active_yes = VolunteerFactory(status=Status.PAUSED), VolunteerFactory(active=True)
    briefing = _sent(client, None)
    webhook = reverse("campaigns:sms_inbound", args=[TOKEN])
    for volunteer, text in ((yes_by_sms, "1"), (no_by_sms, "non"), (paused_yes, "oui"), (active_yes, "1")):
        client.post(webhook, {"from": volunteer.phone.as_e164, "text": text})
    # The e-mail's link: GET shows, POST answers.
    email = Message.objects.get(kind="volunteer_briefing", channel="email")
    path = re.search(r"https?://[^/]+(/mobilisation/reponse/[\w-]+/)", email.outgoing_body()).group(1)
    assert "Oui, je suis disponible" in client.get(path).content.decode()
    assert BriefingRecipient.objects.get(volunteer=yes_by_link).answer == ""
    client.post(path, {"reponse": "yes"})
    answers = dict(briefing.recipients.values_list("volunteer_id", "answer"))
    assert answers == {
        yes_by_sms.pk: BriefingAnswer.YES,
        no_by_sms.pk: BriefingAnswer.NO,
        yes_by_link.pk: BriefingAnswer.YES,
        paused_yes.pk: BriefingAnswer.YES,
        active_yes.pk: BriefingAnswer.YES,
    }

    detail = client.get(reverse("campaigns:briefing_detail", args=[briefing.pk])).content.decode()
    assert "Réactiver 3 volontaires" in detail
    response = client.post(reverse("campaigns:briefing_reactivate", args=[briefing.pk]), follow=True)
    assert "3 volontaires de nouveau actif·ves" in response.content.decode()
    for volunteer, status in (
        (yes_by_sms, Status.ACTIVE),
        (yes_by_link, Status.ACTIVE),
        (paused_yes, Status.ACTIVE),
        (no_by_sms, Status.RESERVE),
    ):
        volunteer.refresh_from_db()
        assert volunteer.status == status
    change = yes_by_sms.status_changes.latest("at")
    assert (change.from_status, change.to_status, change.by) == ("reserve", "active", coordinator)
    assert "mobilisation" in change.note


def test_an_unrelated_sms_records_nothing(client, coordinator):
    volunteer = reserve()
    briefing = _sent(client, None)
    client.post(
        reverse("campaigns:sms_inbound", args=[TOKEN]), {"from": volunteer.phone.as_e164, "text": "Qui êtes-vous ?"}
    )
    assert briefing.recipients.get().answer == ""


def test_briefing_pages_are_for_coordinators(client):
    login_staff(client, staff_user(Role.REGISTER_OFFICER))
    assert client.get(LIST_URL).status_code == 404


def test_the_briefing_page_and_its_errors_are_in_french(client, coordinator):
    episode_with()
    assert "Nouveau message" in client.get(LIST_URL).content.decode()
    response = client.post(LIST_URL, {"statuses": ["inconnu"], "text": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "Écrivez le message." in html and "Statut non reconnu." in html
    nobody = client.post(
        LIST_URL,
        {"episode": Briefing.episode.field.related_model.objects.get().pk, "statuses": ["reserve"], "text": "x"},
    )
    assert nobody.status_code == 400 and "Aucun·e volontaire ne correspond" in nobody.content.decode()
