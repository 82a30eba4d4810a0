from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MissionFactory, SupportFactory, VolunteerFactory
from tests.volunteers.conftest import lilas_address, signup_data
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.notifications.models import Message, MessageStatus
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import magic_link_url

SPACE_URL = reverse("volunteers:space")
EDIT_URL = reverse("volunteers:profile_edit")
# session, user, volunteer twice (guard, then with skills + categories), roles, town, supports, missions.
# Core space (10), shifts (2), neighbour networks (1), trainings (3).
SPACE_QUERIES = 16


@pytest.fixture
def volunteer(groceries):
    return VolunteerFactory(
        active=True, categories=[groceries], email="lea@example.org", user__email="lea@example.org"
    )


@pytest.fixture
def signed_in(client, volunteer):
    client.force_login(volunteer.user)
    return client


def support_for(volunteer):
    # Reference categories already use the low bits: reuse one rather than let the factory collide.
    return SupportFactory(volunteer=volunteer, help_request__category=HelpCategory.objects.get(slug="courses"))


def edit_data(**overrides) -> dict:
    data = signup_data(email="lea@example.org", phone="06 98 11 22 33")
    data.pop("gdpr_acknowledged"), data.pop("charter_accepted")
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_space_shows_status_profile_and_pause_button(signed_in, volunteer):
    html = signed_in.get(SPACE_URL).content.decode()
    assert html.count("<h1") == 1
    assert volunteer.first_name in html
    assert reverse("volunteers:pause_self") in html


def test_space_lists_supports_and_missions(signed_in, volunteer):
    support = support_for(volunteer)
    MissionFactory(support=support, status=MissionStatus.DONE)
    planned = MissionFactory(support=support, scheduled_at=timezone.now() + timezone.timedelta(days=2))
    other = MissionFactory(support=support_for(VolunteerFactory(first_name="Zébulon")))
    # A name no random one can share (Faker once gave the volunteer and this resident the same).
    other.support.resident.first_name = "Ézéchielle-Test"
    other.support.resident.save(update_fields=["first_name"])
    html = signed_in.get(SPACE_URL).content.decode()
    assert str(support.help_request.category) in html
    assert "Réalisée" in html and "Prévue" in html
    assert "Ézéchielle-Test" not in html
    assert html.count("<article") == 1
    assert reverse("missions:mission_report", args=[planned.pk]) in html


def test_a_mission_not_started_offers_to_see_it_or_ask_another_date_not_to_report_it(signed_in, volunteer):
    support = support_for(volunteer)
    coming = MissionFactory(support=support, scheduled_at=timezone.now() + timezone.timedelta(days=2))
    due = MissionFactory(support=support, scheduled_at=timezone.now() - timezone.timedelta(hours=1))
    html = signed_in.get(SPACE_URL).content.decode()
    assert html.count("Rendre compte de la mission du") == 1
    assert f'<a href="{reverse("missions:mission_report", args=[due.pk])}">Rendre compte' in html
    assert f'<a href="{reverse("missions:mission_report", args=[coming.pk])}">Voir la mission du' in html
    assert f'<a href="{reverse("missions:mission_reschedule", args=[coming.pk])}">Demander un autre créneau' in html
    assert reverse("missions:mission_reschedule", args=[due.pk]) not in html


def test_space_query_count_does_not_grow_with_missions(signed_in, volunteer, django_assert_num_queries):
    MissionFactory(support=support_for(volunteer))
    with django_assert_num_queries(SPACE_QUERIES):
        signed_in.get(SPACE_URL)
    for _ in range(3):
        MissionFactory.create_batch(3, support=support_for(volunteer))
    with django_assert_num_queries(SPACE_QUERIES):
        signed_in.get(SPACE_URL)


def test_edit_profile_relocates_reindexes_and_syncs_the_account(signed_in, volunteer, driving):
    lilas_address(longitude=-1.60, latitude=48.20)
    response = signed_in.post(
        EDIT_URL, edit_data(email="lea.nouvelle@example.org", availability=["sun_eve"], max_distance_km="9")
    )
    assert response.status_code == 302, response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.email == "lea.nouvelle@example.org" and volunteer.user.email == "lea.nouvelle@example.org"
    assert volunteer.is_located and volunteer.latitude == 48.20
    profile = VolunteerMatchProfile.objects.get(volunteer=volunteer)
    assert profile.latitude == 48.20 and profile.max_distance_km == 9
    assert profile.availability_mask == 1 << 20
    assert profile.skills_mask == driving.mask


def test_edit_keeps_coordinates_when_the_address_is_unchanged(signed_in, volunteer):
    data = edit_data(
        address=volunteer.address, postcode=volunteer.postcode, city=volunteer.city, address_complement=""
    )
    signed_in.post(EDIT_URL, data)
    volunteer.refresh_from_db()
    assert volunteer.is_located and volunteer.latitude == 48.11


def test_edit_with_anothers_phone_is_refused(signed_in, volunteer):
    VolunteerFactory(phone="+33698112233")
    response = signed_in.post(EDIT_URL, edit_data())
    assert response.status_code == 200
    assert "Un compte volontaire existe déjà avec ce numéro" in response.content.decode()


def test_edit_keeping_own_email_is_accepted(signed_in, volunteer):
    response = signed_in.post(EDIT_URL, edit_data(phone=""))
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.email == volunteer.user.email == "lea@example.org"
    assert not volunteer.phone


def test_edit_removing_email_gives_the_account_a_synthetic_address(signed_in, volunteer):
    signed_in.post(EDIT_URL, edit_data(email=""))
    volunteer.refresh_from_db()
    assert volunteer.email == "" and volunteer.user.email.endswith("@sans-email.invalid")


def test_edit_bad_input_saves_nothing(signed_in, volunteer):
    before = Volunteer.objects.values().get(pk=volunteer.pk)
    response = signed_in.post(EDIT_URL, edit_data(first_name="<b>Léa</b>", phone="123"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "ne sont pas autorisés" in html and "Numéro de téléphone invalide" in html
    assert Volunteer.objects.values().get(pk=volunteer.pk) == before


def test_pause_and_resume(signed_in, volunteer):
    signed_in.post(reverse("volunteers:pause_self"))
    volunteer.refresh_from_db()
    assert volunteer.status == Status.PAUSED
    assert not VolunteerMatchProfile.objects.get(volunteer=volunteer).is_eligible
    signed_in.post(reverse("volunteers:resume_self"))
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE
    assert VolunteerMatchProfile.objects.get(volunteer=volunteer).is_eligible
    assert [c.to_status for c in volunteer.status_changes.all()] == [Status.PAUSED, Status.ACTIVE]
    assert all(c.by == volunteer.user for c in volunteer.status_changes.all())


def test_pause_needs_post(signed_in):
    assert signed_in.get(reverse("volunteers:pause_self")).status_code == 405


def test_registered_volunteer_cannot_pause(client):
    volunteer = VolunteerFactory(status=Status.REGISTERED)
    client.force_login(volunteer.user)
    response = client.post(reverse("volunteers:pause_self"), follow=True)
    assert "Passage impossible" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == Status.REGISTERED


def test_volunteer_in_reserve_cannot_reactivate_themself(client):
    volunteer = VolunteerFactory(status=Status.RESERVE)
    client.force_login(volunteer.user)
    client.post(reverse("volunteers:resume_self"))
    volunteer.refresh_from_db()
    assert volunteer.status == Status.RESERVE


def test_withdraw_needs_confirmation(signed_in, volunteer):
    response = signed_in.post(reverse("volunteers:withdraw_self"), {"reason": "Déménagement"})
    assert "Cochez la case pour confirmer" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE


def test_withdraw_anonymises_keeps_supports_and_logs_out(signed_in, volunteer):
    support = support_for(volunteer)
    MissionFactory(support=support, status=MissionStatus.DONE)
    sent = Message.objects.create(
        channel="email", recipient="lea@example.org", body="Bonjour Léa", kind="x", status=MessageStatus.SENT
    )
    old_link = magic_link_url(volunteer=volunteer)
    user_pk = volunteer.user_id

    response = signed_in.post(reverse("volunteers:withdraw_self"), {"reason": "Déménagement", "confirm": "on"})

    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == Status.WITHDRAWN and volunteer.anonymised_at
    assert (volunteer.first_name, volunteer.last_name) == ("Volontaire", "anonymisé·e")
    assert volunteer.search_name == "anonymise e volontaire"  # the folded name too
    assert volunteer.email == "" and not volunteer.phone and volunteer.address == "" and volunteer.postcode == ""
    assert volunteer.latitude is None and not volunteer.is_located and volunteer.skills_other == ""
    assert volunteer.birth_year is None
    assert volunteer.user_id == user_pk
    assert not volunteer.user.is_active and volunteer.user.email.endswith("@sans-email.invalid")
    assert volunteer.user.first_name == ""
    assert list(volunteer.supports.all()) == [support]
    assert support.missions.filter(status=MissionStatus.DONE).count() == 1
    change = volunteer.status_changes.last()
    assert (change.from_status, change.to_status, change.note) == (Status.ACTIVE, Status.WITHDRAWN, "Déménagement")
    assert not VolunteerMatchProfile.objects.filter(volunteer=volunteer).exists()
    sent.refresh_from_db()
    assert "Léa" not in sent.body and sent.recipient != "lea@example.org"
    # Logged out, and the old magic link no longer opens anything.
    assert "_auth_user_id" not in signed_in.session
    parts = urlsplit(old_link)
    assert signed_in.get(f"{parts.path}?{parts.query}").url == reverse("volunteers:magic_link_request")


def test_withdrawn_volunteer_can_sign_up_again(client, open_call, volunteer):
    client.force_login(volunteer.user)
    client.post(reverse("volunteers:withdraw_self"), {"confirm": "on"})
    response = client.post(reverse("volunteers:signup"), signup_data(email="lea@example.org"))
    assert response.status_code == 302
    assert Volunteer.objects.filter(email="lea@example.org", status=Status.REGISTERED).count() == 1


def test_staff_user_without_volunteer_profile_gets_404(client):
    from tests.factories import login_staff, staff_user

    login_staff(client, staff_user())
    assert client.get(SPACE_URL).status_code == 404
    assert client.get(EDIT_URL).status_code == 404
