"""Training pages: coordinators' pages, the volunteer's own trainings, the invitation link."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import HelpCategoryFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.trainings import (
    SessionRegistrationFactory,
    TrainingModuleFactory,
    TrainingSessionFactory,
    VolunteerTrainingFactory,
)
from villesolidaire.accounts.enums import Role
from villesolidaire.matching.index import index_volunteer
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.notifications.models import Message
from villesolidaire.trainings import services
from villesolidaire.trainings.enums import RegistrationStatus, SessionStatus
from villesolidaire.trainings.models import SessionRegistration, TrainingModule, TrainingSession, VolunteerTraining


def text(response) -> str:
    return response.content.decode()


# Coordinators -----------------------------------------------------------------------------------


def test_create_a_module_required_for_a_category(staff_client):
    category = HelpCategoryFactory(name="Accompagnement test")
    response = staff_client.post(
        reverse("trainings:module_create"),
        {
            "title": "Médiation et écoute",
            "mode": "in_person",
            "duration_minutes": "180",
            "validity_months": "24",
            "is_active": "on",
            "required_for_categories": [category.pk],
        },
    )
    module = TrainingModule.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("trainings:module_detail", args=[module.pk])
    assert list(module.required_for_categories.all()) == [category]
    assert list(category.required_trainings.all()) == [module]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "mode": "in_person", "duration_minutes": "60"}, "Indiquez l&#x27;intitulé du module."),
        ({"title": "En ligne", "mode": "online", "duration_minutes": "60"}, "Un module en ligne a besoin du lien"),
        ({"title": "X", "mode": "in_person", "duration_minutes": "deux"}, "Indiquez une durée en minutes"),
        (
            {"title": "X", "mode": "in_person", "duration_minutes": "60", "validity_months": "999"},
            "La validité va de 1 à 240 mois",
        ),
        ({"title": "<b>X</b>", "mode": "in_person", "duration_minutes": "60"}, "ne sont pas autorisés"),
        (
            {"title": "X", "mode": "in_person", "duration_minutes": "60", "required_for_categories": ["999999"]},
            "rechargez la page",
        ),
    ],
)
def test_bad_module_input_is_refused_with_a_french_message(staff_client, data, message):
    response = staff_client.post(reverse("trainings:module_create"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert not TrainingModule.objects.exists()


def test_create_a_session_and_bad_dates(staff_client):
    module = TrainingModuleFactory()
    url = reverse("trainings:session_create", args=[module.pk])
    start = timezone.localtime() + datetime.timedelta(days=10)
    data = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Mairie",
        "capacity": "12",
    }
    response = staff_client.post(url, data)
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and session.capacity == 12 and session.status == SessionStatus.PLANNED

    bad = staff_client.post(url, {**data, "ends_at": data["starts_at"], "capacity": "0", "place": ""})
    assert bad.status_code == 400
    for message in ("La fin doit venir après le début.", "Au moins 1 place.", "Indiquez le lieu de la session"):
        assert message in text(bad)
    past = staff_client.post(url, {**data, "starts_at": "01/01/2020 10:00", "ends_at": "01/01/2020 12:00"})
    assert "Une nouvelle session se prévoit dans le futur." in text(past)
    garbage = staff_client.post(url, {**data, "starts_at": "demain"})
    assert "Date et heure attendues" in text(garbage)
    assert TrainingSession.objects.count() == 1


def test_register_volunteers_then_record_attendance_without_javascript(staff_client, coordinator):
    session = TrainingSessionFactory(capacity=1)
    first, second = (
        VolunteerFactory(active=True, last_name="Zébulon"),
        VolunteerFactory(active=True, last_name="Zébulon"),
    )
    detail = staff_client.get(reverse("trainings:session_detail", args=[session.pk]), {"q": "Zébulon"})
    assert f'value="{first.pk}"' in text(detail) and f'value="{second.pk}"' in text(detail)
    response = staff_client.post(
        reverse("trainings:session_register", args=[session.pk]), {"volunteers": [first.pk, second.pk]}, follow=True
    )
    assert "1 volontaire inscrit·e(s)" in text(response) and "liste d&#x27;attente" in text(response)
    assert Message.objects.filter(kind="training_session_registered").count() == 2
    assert sorted(session.registrations.values_list("status", flat=True)) == sorted(
        [RegistrationStatus.REGISTERED, RegistrationStatus.WAITING]
    )
    assert set(session.registrations.values_list("volunteer_id", flat=True)) == {first.pk, second.pk}

    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    url = reverse("trainings:session_attendance", args=[session.pk])
    registrations = {r.volunteer_id: r for r in session.registrations.all()}
    page = staff_client.get(url)
    assert page.status_code == 200 and 'type="radio"' in text(page)
    response = staff_client.post(
        url, {f"presence_{registrations[first.pk].pk}": "present", f"presence_{registrations[second.pk].pk}": "absent"}
    )
    assert response.status_code == 302
    assert list(VolunteerTraining.objects.values_list("volunteer_id", flat=True)) == [first.pk]
    assert SessionRegistration.objects.get(volunteer=second).status == RegistrationStatus.ABSENT


def test_attendance_bad_input(staff_client):
    session = TrainingSessionFactory(past=True)
    registration = SessionRegistrationFactory(session=session)
    url = reverse("trainings:session_attendance", args=[session.pk])
    empty = staff_client.post(url, {})
    assert empty.status_code == 400 and "Indiquez la présence d&#x27;au moins une personne." in text(empty)
    odd = staff_client.post(url, {f"presence_{registration.pk}": "peut-être"})
    assert odd.status_code == 400 and "Choisissez « Présent·e » ou « Absent·e »." in text(odd)
    assert not VolunteerTraining.objects.exists()


def test_record_an_online_completion(staff_client):
    module = TrainingModuleFactory(online=True)
    volunteer = VolunteerFactory(active=True, last_name="Quenouille")
    index_volunteer(volunteer)
    url = reverse("trainings:record_completion", args=[module.pk])
    assert f'value="{volunteer.pk}"' in text(staff_client.get(url, {"q": "Quenouille"}))
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    refused = staff_client.post(url, {"volunteers": [volunteer.pk], "completed_on": future})
    assert refused.status_code == 400 and "futur" in text(refused)
    response = staff_client.post(url, {"volunteers": [volunteer.pk], "completed_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert VolunteerMatchProfile.objects.get(volunteer=volunteer).trainings_mask == module.mask


def test_holders_and_expiring_soon_lists(staff_client):
    today = timezone.localdate()
    module = TrainingModuleFactory()
    soon = VolunteerTrainingFactory(
        module=module,
        completed_on=today - datetime.timedelta(days=700),
        expires_on=today + datetime.timedelta(days=20),
    )
    renewed = VolunteerTrainingFactory(
        module=module,
        completed_on=today - datetime.timedelta(days=700),
        expires_on=today + datetime.timedelta(days=10),
    )
    VolunteerTrainingFactory(
        module=module, volunteer=renewed.volunteer, completed_on=today, expires_on=today + datetime.timedelta(days=730)
    )
    later = VolunteerTrainingFactory(module=module, expires_on=today + datetime.timedelta(days=500))
    expired = VolunteerTrainingFactory(
        module=module, completed_on=today - datetime.timedelta(days=800), expires_on=today - datetime.timedelta(days=1)
    )
    url = reverse("trainings:module_holders", args=[module.pk])
    everyone = text(staff_client.get(url))
    for training in (soon, renewed, later):
        assert str(training.volunteer) in everyone
    assert str(expired.volunteer) not in everyone
    expiring = text(staff_client.get(url, {"filtre": "bientot"}))
    assert str(soon.volunteer) in expiring
    assert str(renewed.volunteer) not in expiring and str(later.volunteer) not in expiring


def test_invite_expiring_holders_from_the_list(staff_client):
    module = TrainingModuleFactory()
    volunteer = VolunteerTrainingFactory(module=module).volunteer
    back = reverse("trainings:module_holders", args=[module.pk]) + "?filtre=bientot"
    response = staff_client.post(
        reverse("trainings:module_invite", args=[module.pk]),
        {"volunteers": [volunteer.pk], "retour": back},
        follow=True,
    )
    assert "Aucune session à venir avec des places" in text(response)
    TrainingSessionFactory(module=module)
    response = staff_client.post(
        reverse("trainings:module_invite", args=[module.pk]),
        {"volunteers": [volunteer.pk], "retour": "https://evil.example/"},
    )
    assert response["Location"] == reverse("trainings:module_detail", args=[module.pk])
    assert Message.objects.filter(kind="training_invitation").count() == 1


def test_session_cancel_and_registration_cancel_by_a_coordinator(staff_client):
    session = TrainingSessionFactory()
    registration = SessionRegistrationFactory(session=session)
    staff_client.post(reverse("trainings:registration_cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    staff_client.post(reverse("trainings:session_cancel", args=[session.pk]), {"note": "Salle inondée"})
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.changes.last().note == "Salle inondée"


def test_module_delete_refused_when_used(staff_client):
    module = VolunteerTrainingFactory().module
    response = staff_client.post(reverse("trainings:module_delete", args=[module.pk]), follow=True)
    assert "ne peut pas être supprimé" in text(response) and TrainingModule.objects.filter(pk=module.pk).exists()


@pytest.mark.parametrize("url_name", ["module_list", "session_list"])
def test_operators_and_volunteers_get_404(client, url_name):
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(reverse(f"trainings:{url_name}")).status_code == 404
    client.force_login(VolunteerFactory(active=True).user)
    assert client.get(reverse(f"trainings:{url_name}")).status_code == 404


def _modules(count):
    category = HelpCategoryFactory()
    for _ in range(count):
        module = TrainingModuleFactory(required_for=[category])
        VolunteerTrainingFactory(module=module)
        TrainingSessionFactory(module=module)


def _sessions(count):
    module = TrainingModuleFactory()
    for _ in range(count):
        SessionRegistrationFactory(session=TrainingSessionFactory(module=module))


def _holders(count):
    module = TrainingModule.objects.first() or TrainingModuleFactory()
    for _ in range(count):
        VolunteerTrainingFactory(module=module, expires_on=timezone.localdate() + datetime.timedelta(days=10))
    return module


def _registrations(count):
    session = TrainingSession.objects.first() or TrainingSessionFactory(capacity=100)
    for _ in range(count):
        SessionRegistrationFactory(session=session)
    return session


@pytest.mark.parametrize(
    ("url", "build"),
    [
        (lambda: reverse("trainings:module_list"), _modules),
        (lambda: reverse("trainings:session_list"), _sessions),
        (lambda: reverse("trainings:module_holders", args=[_holders(0).pk]), _holders),
        (lambda: reverse("trainings:module_holders", args=[_holders(0).pk]) + "?filtre=bientot", _holders),
        (lambda: reverse("trainings:session_detail", args=[_registrations(0).pk]), _registrations),
        (lambda: reverse("trainings:session_attendance", args=[_registrations(0).pk]), _registrations),
    ],
)
def test_list_query_counts_do_not_grow_with_rows(staff_client, django_assert_num_queries, url, build):
    build(1)
    target = url()
    staff_client.get(target)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert staff_client.get(target).status_code == 200
    build(15)
    with django_assert_num_queries(len(one.captured_queries)):
        assert staff_client.get(target).status_code == 200


# Volunteers -------------------------------------------------------------------------------------


@pytest.fixture
def volunteer(client):
    volunteer = VolunteerFactory(active=True)
    client.force_login(volunteer.user)
    return volunteer


def test_my_trainings_shows_only_my_own(client, volunteer):
    mine = VolunteerTrainingFactory(volunteer=volunteer, module=TrainingModuleFactory(title="Mon module"))
    VolunteerTrainingFactory(module=TrainingModuleFactory(title="Module d'un autre"))
    other_registration = SessionRegistrationFactory(session=TrainingSessionFactory(module=mine.module))
    open_session = TrainingSessionFactory(module=TrainingModuleFactory(title="Module ouvert"))
    page = text(client.get(reverse("trainings:my_trainings")))
    assert "Mon module" in page and "Module d&#x27;un autre" not in page
    assert reverse("trainings:self_register", args=[open_session.pk]) in page
    assert reverse("trainings:self_cancel", args=[other_registration.pk]) not in page


def test_volunteer_registers_and_cancels_and_cannot_touch_others(client, volunteer):
    session = TrainingSessionFactory()
    response = client.post(reverse("trainings:self_register", args=[session.pk]), follow=True)
    assert "Vous êtes inscrit·e" in text(response)
    mine = SessionRegistration.objects.get(volunteer=volunteer)
    assert reverse("trainings:self_cancel", args=[mine.pk]) in text(response)

    other = SessionRegistrationFactory(session=session)
    assert client.post(reverse("trainings:self_cancel", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == RegistrationStatus.REGISTERED
    client.post(reverse("trainings:self_cancel", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED
    # GET does not change anything; unknown sessions are 404.
    assert client.get(reverse("trainings:self_register", args=[session.pk])).status_code == 405
    assert client.post(reverse("trainings:self_register", args=[999999])).status_code == 404


def test_anonymous_is_sent_to_the_magic_link_page(client):
    response = client.get(reverse("trainings:my_trainings"))
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:magic_link_request")


def _render_tag(user, volunteer) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load trainings_tags %}{% volunteer_trainings volunteer %}").render(
        Context({"request": request, "volunteer": volunteer, "csrf_token": "x"})
    )


def test_tag_shows_own_trainings_to_the_volunteer_read_only_to_coordinators_and_nothing_to_others(
    django_assert_num_queries,
):
    volunteer = VolunteerFactory(active=True)
    VolunteerTrainingFactory(volunteer=volunteer, module=TrainingModuleFactory(title="Premiers secours"))
    registration = SessionRegistrationFactory(volunteer=volunteer)
    TrainingSessionFactory()

    with django_assert_num_queries(3):
        own = _render_tag(volunteer.user, volunteer)
    assert "Mes formations" in own and "Premiers secours" in own and "M'inscrire" in own
    assert reverse("trainings:self_cancel", args=[registration.pk]) in own

    coordinator = staff_user()
    coordinator.roles  # noqa: B018 - roles are read once per user, before counting
    with django_assert_num_queries(2):
        staff = _render_tag(coordinator, volunteer)
    assert "Premiers secours" in staff and "M'inscrire" not in staff
    assert reverse("trainings:session_detail", args=[registration.session_id]) in staff

    assert _render_tag(VolunteerFactory(active=True).user, volunteer).strip() == ""
    assert _render_tag(staff_user(Role.OPERATOR), volunteer).strip() == ""


def test_tag_query_count_does_not_grow(django_assert_num_queries):
    volunteer = VolunteerFactory(active=True)
    for _ in range(6):
        VolunteerTrainingFactory(volunteer=volunteer)
        SessionRegistrationFactory(volunteer=volunteer)
        TrainingSessionFactory()
    with django_assert_num_queries(3):
        _render_tag(volunteer.user, volunteer)


# Invitation link --------------------------------------------------------------------------------


def test_invitation_link_registers_without_login(client, coordinator):
    module = TrainingModuleFactory(title="Médiation et écoute")
    session = TrainingSessionFactory(module=module)
    volunteer = VolunteerFactory(active=True)
    services.invite_to_next_session(volunteers=[volunteer], module=module, by=coordinator)
    sent = Message.objects.get(kind="training_invitation").outgoing_body()
    url = re.search(r"/formations/invitation/[\w-]+/", sent).group()
    invitation = volunteer.training_invitations.get()

    page = client.get(url)
    assert page.status_code == 200 and "Médiation et écoute" in text(page)
    assert not SessionRegistration.objects.exists()  # a link preview registers nobody

    bad = client.post(url, {"session": "abc"})
    assert bad.status_code == 400 and "Choisissez une des sessions proposées." in text(bad)
    foreign = client.post(url, {"session": TrainingSessionFactory().pk})
    assert foreign.status_code == 400 and not SessionRegistration.objects.exists()

    response = client.post(url, {"session": session.pk})
    assert response.status_code == 200 and "vous êtes inscrit·e" in text(response)
    registration = SessionRegistration.objects.get()
    assert registration.volunteer == volunteer and registration.invited_at == invitation.created_at
    invitation.refresh_from_db()
    assert invitation.registration == registration
    assert client.get(reverse("trainings:invitation", args=["jeton-inconnu"])).status_code == 404
