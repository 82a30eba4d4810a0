"""Bulk actions on the coordinators' list: validate or pause several volunteers, invite them."""

import datetime

from django.urls import reverse
from django.utils import timezone

from tests.confirmation import confirmation_token, post_and_confirm
from tests.factories import QuartierFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.trainings import TrainingModuleFactory, TrainingSessionFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.notifications.models import Message
from villesolidaire.trainings.models import TrainingInvitation
from villesolidaire.volunteers.enums import Status

BULK_URL = reverse("volunteers:bulk_action")
LIST_URL = reverse("volunteers:list")


def test_list_has_checkboxes_and_the_select_all_count(client, coordinator):
    VolunteerFactory.create_batch(3)
    page = client.get(LIST_URL, {"status": Status.REGISTERED}).content.decode()
    assert page.count('name="volunteers"') == 3
    assert "Appliquer à tous les 3 volontaires correspondant au filtre" in page
    assert '<input type="hidden" name="status" value="registered">' in page


def test_validating_ticked_volunteers_confirms_then_validates_each_through_the_workflow(client, coordinator):
    first, second = VolunteerFactory(), VolunteerFactory()
    untouched = VolunteerFactory()
    data = {"action": "validate", "volunteers": [first.pk, second.pk], "reason": "Entretien fait"}

    page, response = post_and_confirm(client, BULK_URL, data, follow=True)

    html = page.content.decode()
    assert "Vous allez envoyer ce message à 2 personnes" in html and "validé·e comme volontaire" in html
    for volunteer in (first, second):
        volunteer.refresh_from_db()
        assert volunteer.status == Status.ACTIVE and volunteer.validated_at
        change = volunteer.status_changes.latest("at")
        assert (change.from_status, change.to_status, change.by, change.note) == (
            "registered",
            "active",
            coordinator,
            "Entretien fait",
        )
    untouched.refresh_from_db()
    assert untouched.status == Status.REGISTERED
    assert Message.objects.filter(kind="volunteer_validated").count() == 2
    assert "2 volontaires validé·es." in response.content.decode()


def test_without_confirmation_nothing_changes_and_nothing_is_sent(client, coordinator):
    volunteers = VolunteerFactory.create_batch(2)
    data = {"action": "validate", "volunteers": [v.pk for v in volunteers]}
    page = client.post(BULK_URL, data)
    assert page.status_code == 200
    forged = client.post(BULK_URL, {**data, "confirmation": "faux"}, follow=True)
    assert "confirmation non reconnue" in forged.content.decode()
    # A token shown for other people does not confirm this list.
    other = VolunteerFactory()
    client.post(
        BULK_URL, {**data, "volunteers": [volunteers[0].pk, other.pk], "confirmation": confirmation_token(page)}
    )
    assert not Message.objects.filter(kind="volunteer_validated").exists()
    assert all(v.status == Status.REGISTERED for v in type(volunteers[0]).objects.all())


def test_select_all_matching_the_filter_and_the_summary_names_the_refused(client, coordinator):
    north = QuartierFactory(name="Nord")
    in_north = [VolunteerFactory(quartier=north) for _ in range(3)]
    already_active = VolunteerFactory(quartier=north, active=True)
    no_charter = VolunteerFactory(quartier=north, charter_accepted_at=None, last_name="Sanscharte")
    elsewhere = VolunteerFactory()
    data = {"action": "validate", "tous": "1", "quartier": north.pk}

    page, response = post_and_confirm(client, BULK_URL, data, follow=True)

    assert "Vous allez envoyer ce message à 5 personnes" in page.content.decode()
    html = response.content.decode()
    assert "3 volontaires validé·es." in html
    assert "2 non modifié·e(s)" in html and "Sanscharte" in html and "charte" in html
    assert response.redirect_chain[-1][0] == f"{LIST_URL}?quartier={north.pk}"
    for volunteer in in_north:
        volunteer.refresh_from_db()
        assert volunteer.status == Status.ACTIVE
    for volunteer, status in ((no_charter, Status.REGISTERED), (elsewhere, Status.REGISTERED)):
        volunteer.refresh_from_db()
        assert volunteer.status == status
    already_active.refresh_from_db()
    assert already_active.status == Status.ACTIVE


def test_pausing_sends_nothing_but_is_confirmed_too(client, coordinator):
    volunteers = [VolunteerFactory(active=True) for _ in range(2)]
    data = {"action": "pause", "volunteers": [v.pk for v in volunteers]}
    page = client.post(BULK_URL, data)
    assert "Confirmer : mettre en pause" in page.content.decode()
    assert all(v.status == Status.ACTIVE for v in type(volunteers[0]).objects.all())
    client.post(BULK_URL, {**data, "confirmation": confirmation_token(page)})
    assert set(type(volunteers[0]).objects.values_list("status", flat=True)) == {Status.PAUSED}
    assert not Message.objects.exists()


def test_bad_input_gets_a_french_message(client, coordinator):
    response = client.post(BULK_URL, {"action": "validate"}, follow=True)
    assert "Cochez au moins un·e volontaire" in response.content.decode()
    response = client.post(BULK_URL, {"action": "delete", "volunteers": ["1"]}, follow=True)
    assert "Action non reconnue" in response.content.decode()
    response = client.post(BULK_URL, {"action": "validate", "volunteers": ["abc"]}, follow=True)
    assert response.status_code == 200


def test_bulk_action_is_for_coordinators_only(client):
    volunteer = VolunteerFactory()
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.post(BULK_URL, {"action": "validate", "volunteers": [volunteer.pk]}).status_code == 404
    volunteer.refresh_from_db()
    assert volunteer.status == Status.REGISTERED


def test_bulk_post_queries_grow_by_a_constant_per_volunteer(client, coordinator, django_assert_max_num_queries):
    def run(count):
        volunteers = [VolunteerFactory() for _ in range(count)]
        data = {"action": "pause", "volunteers": [v.pk for v in volunteers]}
        for volunteer in volunteers:
            volunteer.status = Status.ACTIVE
            volunteer.save()
        token = confirmation_token(client.post(BULK_URL, data))
        return data, token

    data, token = run(2)
    with django_assert_max_num_queries(60):
        client.post(BULK_URL, {**data, "confirmation": token})
    data, token = run(10)
    # The confirmation page itself reads the selection in one query, however many are ticked.
    with django_assert_max_num_queries(12):
        client.post(BULK_URL, data)
    with django_assert_max_num_queries(10 * 25 + 20):
        client.post(BULK_URL, {**data, "confirmation": token})


def test_inviting_from_the_list_chooses_the_module_then_confirms(client, coordinator):
    module = TrainingModuleFactory(title="Premiers secours")
    TrainingSessionFactory(module=module, starts_at=timezone.now() + datetime.timedelta(days=5))
    volunteers = [VolunteerFactory(active=True) for _ in range(3)]
    url = reverse("trainings:volunteers_invite")
    data = {"volunteers": [v.pk for v in volunteers]}
    choose = client.post(url, data)
    assert choose.status_code == 200 and "Premiers secours" in choose.content.decode()
    page, response = post_and_confirm(client, url, {**data, "module": module.pk})
    assert "Vous allez envoyer ce message à 3 personnes" in page.content.decode()
    assert response.status_code == 302
    assert TrainingInvitation.objects.filter(module=module).count() == 3
    assert Message.objects.filter(kind="training_invitation").count() == 3
