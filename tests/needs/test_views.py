"""Pages: partner and coordinator spaces (scoping, 404s), volunteer links and space, bad input,
query counts that do not grow with rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import TownFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.needs import NEED_FORM_DATA, NeedFactory, ShiftFactory, SignupFactory
from tests.factories.partners import OrganisationFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.core.choices import AVAILABILITY, ENGAGEMENT_DOMAINS
from villesolidaire.core.fields import link_token
from villesolidaire.needs.models import Need, NeedInvitation, NeedStatus, Shift, ShiftSignup, SignupStatus
from villesolidaire.partners.models import OrganisationStatus


@pytest.fixture(autouse=True)
def _town():
    TownFactory()


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Banque alimentaire")


@pytest.fixture
def partner(client, organisation):
    user = partner_of(organisation)
    login_staff(client, user)
    return user


def url(name, *args):
    return reverse(f"needs:{name}", args=args)


# ---------------------------------------------------------------- partner space


def test_partner_creates_a_need_for_its_organisation_only(client, partner, organisation):
    other = OrganisationFactory()
    response = client.post(url("partner_create"), NEED_FORM_DATA | {"organisation": other.pk})
    assert response.status_code == 400
    assert (
        "Vous ne pouvez pas poster pour cette organisation" in response.content.decode()
        or "Sélectionnez un choix valide" in response.content.decode()
    )
    assert not Need.objects.exists()
    response = client.post(url("partner_create"), NEED_FORM_DATA | {"organisation": organisation.pk})
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == url("partner_detail", need.pk)
    assert (need.organisation, need.status, need.created_by) == (organisation, NeedStatus.DRAFT, partner)
    assert need.transitions.get().to_status == NeedStatus.DRAFT


def test_partner_sees_only_its_needs_and_gets_404_on_others(client, partner, organisation):
    own = NeedFactory(organisation=organisation, title="Notre tri")
    others = NeedFactory(organisation=OrganisationFactory(), title="Tri d'une autre asso")
    town = NeedFactory(title="Fête des voisins de la commune")
    page = client.get(url("partner_list")).content.decode()
    assert "Notre tri" in page and "autre asso" not in page and "Fête des voisins" not in page
    assert client.get(url("partner_detail", own.pk)).status_code == 200
    shift = ShiftFactory(need=others)
    signup = SignupFactory(shift=shift)
    for need in (others, town):
        assert client.get(url("partner_detail", need.pk)).status_code == 404
        assert client.get(url("partner_edit", need.pk)).status_code == 404
        assert client.post(url("partner_status", need.pk), {"statut": "cancelled"}).status_code == 404
        assert client.post(url("partner_notify", need.pk)).status_code == 404
    # Another organisation's sign-up, even through our own need's URL.
    assert client.post(url("partner_signup_confirm", own.pk, signup.pk)).status_code == 404
    assert client.post(url("partner_signup_confirm", others.pk, signup.pk)).status_code == 404
    assert client.get(url("partner_signup_attendance", own.pk, signup.pk)).status_code == 404
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED
    others.refresh_from_db()
    assert others.status == NeedStatus.PUBLISHED


def test_partner_sees_its_sign_ups_and_confirms(client, partner, organisation):
    shift = ShiftFactory(need=NeedFactory(organisation=organisation))
    signup = SignupFactory(
        shift=shift, status=SignupStatus.PENDING, volunteer__first_name="Aïcha", volunteer__phone="+33639980078"
    )
    page = client.get(url("partner_detail", shift.need_id)).content.decode()
    assert "Aïcha" in page
    assert '<a href="tel:+33639980078" class="tel">06 39 98 00 78</a>' in page
    response = client.post(url("partner_signup_confirm", shift.need_id, signup.pk))
    assert response.status_code == 302
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED and signup.confirmed_by == partner


def test_unvalidated_organisation_cannot_publish(client, organisation):
    organisation.status = OrganisationStatus.PENDING
    organisation.save()
    login_staff(client, partner_of(organisation))
    need = NeedFactory(organisation=organisation, status=NeedStatus.DRAFT)
    ShiftFactory(need=need)
    response = client.post(url("partner_status", need.pk), {"statut": "published"}, follow=True)
    assert "pas encore validée" in response.content.decode()
    need.refresh_from_db()
    assert need.status == NeedStatus.DRAFT


def test_coordinators_are_not_partners_and_partners_are_not_coordinators(client, partner):
    assert client.get(url("staff_list")).status_code == 404
    client.logout()
    login_staff(client, staff_user(Role.COORDINATOR))
    assert client.get(url("partner_list")).status_code == 404


def test_a_volunteer_gets_404_in_the_partner_space(client):
    client.force_login(VolunteerFactory(active=True).user)
    assert client.get(url("partner_list")).status_code == 404


# ---------------------------------------------------------------- coordinator space


def test_coordinator_posts_a_town_need_adds_a_shift_publishes_and_announces(
    client, coordinator, django_capture_on_commit_callbacks
):
    response = client.post(url("staff_create"), NEED_FORM_DATA | {"organisation": ""})
    need = Need.objects.get()
    assert response.status_code == 302 and need.organisation is None and need.poster_name == "La commune"
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        url("staff_shift_add", need.pk), {"day": day.isoformat(), "start": "09:00", "end": "12:00", "places": "4"}
    )
    shift = Shift.objects.get()
    assert timezone.localtime(shift.starts_at).hour == 9 and shift.places == 4
    client.post(url("staff_status", need.pk), {"statut": "published"})
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED
    weekday = AVAILABILITY.bit_of(f"{['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][day.weekday()]}_am")
    VolunteerFactory(
        active=True,
        domains=ENGAGEMENT_DOMAINS.bit_of("solidarity"),
        availability=weekday,
        is_located=False,
        latitude=None,
        longitude=None,
    )
    page = client.get(url("staff_detail", need.pk)).content.decode()
    assert "Prévenir 1 volontaire" in page
    assert "0 volontaire déjà prévenu·e (jamais deux fois)" in page  # French: singular for 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("staff_notify", need.pk))
    assert NeedInvitation.objects.filter(need=need).count() == 1


def test_a_need_with_every_upcoming_shift_full_offers_no_send_and_says_why(client, coordinator):
    """The page offered « Prévenir N volontaires » for a need whose slots were all taken (the send
    was then refused): it now says why nobody is told, until a place frees up."""
    need = NeedFactory(title="Tri complet")
    shift = ShiftFactory(need=need, places=2)
    ShiftFactory(need=need, starts_at=timezone.now() - datetime.timedelta(days=2))  # past, with room
    SignupFactory(shift=shift, status=SignupStatus.CONFIRMED)
    SignupFactory(shift=shift, status=SignupStatus.PENDING)
    SignupFactory(shift=shift, status=SignupStatus.WAITING)
    VolunteerFactory(active=True, domains=ENGAGEMENT_DOMAINS.bit_of("solidarity"), availability=(1 << 21) - 1)
    page = client.get(url("staff_detail", need.pk)).content.decode()
    assert "Prévenir 1 volontaire" not in page and 'action="' + url("staff_notify", need.pk) not in page
    assert "Tous les créneaux sont complets" in page and "Ajoutez un créneau ou des places" in page
    shift.signups.filter(status=SignupStatus.PENDING).update(status=SignupStatus.CANCELLED)
    page = client.get(url("staff_detail", need.pk)).content.decode()
    assert "Prévenir 1 volontaire" in page and "Tous les créneaux sont complets" not in page


def test_coordinator_sees_every_need(client, coordinator):
    NeedFactory(organisation=OrganisationFactory(), title="Besoin partenaire")
    NeedFactory(title="Besoin de la commune")
    page = client.get(url("staff_list")).content.decode()
    assert "Besoin partenaire" in page and "Besoin de la commune" in page


# A day to come, within the ten years a shift may be planned ahead.
SOON = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2020-01-01", "start": "09:00", "end": "12:00", "places": "3"}, "passé"),
        ({"day": "demain", "start": "09:00", "end": "12:00", "places": "3"}, "Date attendue"),
        ({"day": SOON, "start": "12:00", "end": "09:00", "places": "3"}, "après le début"),
        ({"day": SOON, "start": "09:00", "end": "12:00", "places": "0"}, "Au moins une place"),
        ({"day": SOON, "start": "9h", "end": "12:00", "places": "3"}, "Heure attendue"),
    ],
)
def test_bad_shift_input_is_explained_and_nothing_saved(client, coordinator, data, message):
    need = NeedFactory(status=NeedStatus.DRAFT)
    response = client.post(url("staff_shift_add", need.pk), data)
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert not Shift.objects.exists()
    # What was typed comes back, to be corrected rather than typed again.
    assert f'value="{data["start"]}"' in page and f'value="{data["places"]}"' in page


@pytest.mark.parametrize("day", ["9999-12-31", "31/12/9999", "0001-01-01"])
def test_a_shift_in_a_far_year_is_refused_in_french(client, coordinator, day):
    need = NeedFactory(status=NeedStatus.DRAFT)
    response = client.post(
        url("staff_shift_add", need.pk), {"day": day, "start": "09:00", "end": "12:00", "places": "3"}
    )
    assert response.status_code == 400
    latest = datetime.date(timezone.localdate().year + 10, 12, 31)
    assert f"Indiquez une date entre le 01/01/2000 et le {latest:%d/%m/%Y}." in response.content.decode()
    assert not Shift.objects.exists()


def test_a_shift_already_dated_31_12_9999_does_not_break_the_need_pages(client, coordinator):
    need = NeedFactory(status=NeedStatus.PUBLISHED)
    starts_at = datetime.datetime(9999, 12, 31, 9, tzinfo=timezone.get_current_timezone())
    ShiftFactory(need=need, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=3))
    assert client.get(url("staff_detail", need.pk)).status_code == 200
    assert client.get(url("public_detail", need.pk)).status_code == 200


def test_need_lists_keep_30_per_page(client, organisation, settings):
    settings.VS_PAGE_SIZE = 5  # the needs lists do not follow the default page size
    assert client.get(url("public_list")).context["page_obj"].paginator.per_page == 30
    login_staff(client, staff_user(Role.COORDINATOR))
    assert client.get(url("staff_list")).context["page_obj"].paginator.per_page == 30
    login_staff(client, partner_of(organisation))
    assert client.get(url("partner_list")).context["page_obj"].paginator.per_page == 30


def test_bad_need_input_is_explained(client, coordinator):
    response = client.post(
        url("staff_create"), NEED_FORM_DATA | {"title": "", "domain": "inconnu", "api_domain": "pirates"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Donnez un titre au besoin." in page and "Ce domaine n&#x27;existe pas." in page
    assert not Need.objects.exists()


def test_attendance_page_records_hours_and_refuses_bad_hours(client, coordinator):
    start = timezone.now() - datetime.timedelta(hours=5)
    shift = ShiftFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    signup = SignupFactory(shift=shift)
    target = url("staff_signup_attendance", shift.need_id, signup.pk)
    response = client.post(target, {"attended": "1", "hours": "-2"})
    assert response.status_code == 400 and "Pas d&#x27;heures négatives." in response.content.decode()
    response = client.post(target, {"attended": "1", "hours": "abc"})
    assert response.status_code == 400
    assert client.post(target, {"attended": "1", "hours": ""}).status_code == 302
    signup.refresh_from_db()
    assert signup.attended and signup.hours == 3


def test_staff_cancel_promotes_and_says_so(client, coordinator):
    shift = ShiftFactory(places=1)
    holder = SignupFactory(shift=shift)
    waiting = SignupFactory(shift=shift, status=SignupStatus.WAITING, volunteer__first_name="Bertrand")
    response = client.post(url("staff_signup_cancel", shift.need_id, holder.pk), follow=True)
    assert "Bertrand" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == SignupStatus.PENDING


# ---------------------------------------------------------------- volunteers


def test_invitation_link_signs_up_without_login_and_cancels(client):
    shift = ShiftFactory(places=1)
    volunteer = VolunteerFactory(active=True)
    invitation = NeedInvitation.objects.create(need=shift.need, volunteer=volunteer)
    link_token(invitation)
    link = url("invitation", invitation.token)
    assert client.get(link).status_code == 200
    assert not ShiftSignup.objects.exists()  # GET never signs up (link previews)
    response = client.post(link, {"creneau": shift.pk, "action": "inscrire"}, follow=True)
    assert "Votre inscription est enregistrée" in response.content.decode()
    signup = ShiftSignup.objects.get()
    assert (signup.volunteer, signup.status) == (volunteer, SignupStatus.PENDING)
    client.post(link, {"creneau": shift.pk, "action": "annuler"})
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CANCELLED


@pytest.mark.parametrize(
    "data",
    [{"creneau": "abc", "action": "inscrire"}, {"creneau": "999999", "action": "inscrire"}, {"action": "inscrire"}],
)
def test_invitation_bad_shift_is_a_clear_400(client, data):
    shift = ShiftFactory()
    invitation = NeedInvitation.objects.create(need=shift.need, volunteer=VolunteerFactory(active=True))
    link_token(invitation)
    response = client.post(url("invitation", invitation.token), data)
    assert response.status_code == 400 and "Créneau introuvable" in response.content.decode()
    assert not ShiftSignup.objects.exists()


def test_invitation_cannot_reach_another_needs_shift(client):
    shift, other_shift = ShiftFactory(), ShiftFactory()
    invitation = NeedInvitation.objects.create(need=shift.need, volunteer=VolunteerFactory(active=True))
    link_token(invitation)
    response = client.post(url("invitation", invitation.token), {"creneau": other_shift.pk, "action": "inscrire"})
    assert response.status_code == 400 and not ShiftSignup.objects.exists()


def test_unknown_tokens_are_404(client):
    assert client.get(url("invitation", "nope")).status_code == 404
    assert client.get(url("signup_link", "nope")).status_code == 404


def test_sign_up_link_shows_waiting_position_and_cancels(client):
    shift = ShiftFactory(places=1)
    SignupFactory(shift=shift)
    SignupFactory(shift=shift, status=SignupStatus.WAITING)
    mine = SignupFactory(shift=shift, status=SignupStatus.WAITING)
    page = client.get(url("signup_link", mine.token)).content.decode()
    assert "n° 2 sur la liste d'attente" in page
    client.post(url("signup_link", mine.token), {"action": "annuler"})
    mine.refresh_from_db()
    assert mine.status == SignupStatus.CANCELLED


def test_public_pages_show_no_personal_data(client):
    shift = ShiftFactory(places=2)
    SignupFactory(shift=shift, volunteer__first_name="Zébulon", volunteer__last_name="Secret")
    NeedFactory(status=NeedStatus.DRAFT, title="Brouillon caché")
    listing = client.get(url("public_list")).content.decode()
    assert shift.need.title in listing and "Brouillon caché" not in listing
    page = client.get(url("public_detail", shift.need_id)).content.decode()
    assert "1 place libre" in page and "Zébulon" not in page and "Secret" not in page
    draft = Need.objects.get(title="Brouillon caché")
    assert client.get(url("public_detail", draft.pk)).status_code == 404


def test_volunteer_signs_up_from_the_space_and_sees_only_own_sign_ups(client):
    shift = ShiftFactory()
    volunteer = VolunteerFactory(active=True)
    SignupFactory(shift=shift, volunteer__first_name="Autrui")
    client.force_login(volunteer.user)
    response = client.post(url("space_signup", shift.need_id), {"creneau": shift.pk, "action": "inscrire"})
    assert response.status_code == 302
    assert ShiftSignup.objects.get(volunteer=volunteer).status == SignupStatus.PENDING
    page = client.get(url("my_shifts")).content.decode()
    assert shift.need.title in page and "Autrui" not in page


def test_space_sign_up_needs_a_volunteer(client):
    shift = ShiftFactory()
    assert (
        client.post(url("space_signup", shift.need_id), {"creneau": shift.pk, "action": "inscrire"}).status_code == 302
    )
    login_staff(client, staff_user(Role.COORDINATOR))
    assert (
        client.post(url("space_signup", shift.need_id), {"creneau": shift.pk, "action": "inscrire"}).status_code == 404
    )
    assert not ShiftSignup.objects.exists()


def test_volunteer_shifts_tag_shows_upcoming_and_hours():
    from django.template import Context, Template

    volunteer = VolunteerFactory(active=True)
    SignupFactory(volunteer=volunteer, shift=ShiftFactory(need=NeedFactory(title="Fête des voisins")))
    start = timezone.now() - datetime.timedelta(days=3)
    SignupFactory(
        volunteer=volunteer,
        attended=True,
        hours=2.5,
        shift=ShiftFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3)),
    )
    html = Template("{% load needs_tags %}{% volunteer_shifts volunteer %}").render(Context({"volunteer": volunteer}))
    assert "Fête des voisins" in html and "2,5 h" in html and "(1 créneau)" in html
    newcomer = VolunteerFactory(active=True)
    html = Template("{% load needs_tags %}{% volunteer_shifts volunteer %}").render(Context({"volunteer": newcomer}))
    assert "Pas encore d'heures de bénévolat" in html and "0 créneaux" not in html


# ---------------------------------------------------------------- query counts


def _needs_with_signups(count, organisation=None):
    for _ in range(count):
        shift = ShiftFactory(need=NeedFactory(organisation=organisation))
        SignupFactory(shift=shift)
        ShiftFactory(need=shift.need)


@pytest.mark.parametrize("rows", [1, 8])
def test_partner_list_query_count(client, partner, organisation, rows, django_assert_max_num_queries):
    _needs_with_signups(rows, organisation)
    with django_assert_max_num_queries(12):
        assert client.get(url("partner_list")).status_code == 200


@pytest.mark.parametrize("rows", [1, 8])
def test_staff_list_and_detail_query_count(client, coordinator, rows, django_assert_max_num_queries):
    _needs_with_signups(rows)
    need = Need.objects.first()
    for _ in range(rows):
        ShiftFactory(need=need)
        SignupFactory(shift=need.shifts.last())
    with django_assert_max_num_queries(12):
        assert client.get(url("staff_list")).status_code == 200
    with django_assert_max_num_queries(23):  # 22 + the crisis episodes to choose from
        assert client.get(url("staff_detail", need.pk)).status_code == 200


@pytest.mark.parametrize("rows", [1, 8])
def test_public_pages_query_count(client, rows, django_assert_max_num_queries):
    _needs_with_signups(rows)
    with django_assert_max_num_queries(6):
        assert client.get(url("public_list")).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(url("feed")).status_code == 200


def test_reading_sign_ups_is_logged(client, partner, organisation):
    from villesolidaire.audit.models import AuditEntry

    shift = ShiftFactory(need=NeedFactory(organisation=organisation))
    client.get(url("partner_detail", shift.need_id))
    assert not AuditEntry.objects.exists()  # nobody signed up: no personal data shown
    SignupFactory(shift=shift)
    client.get(url("partner_detail", shift.need_id))
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_id) == (partner, "view", str(shift.need_id))


def test_management_list_filters_by_status_and_reports_an_unknown_one(client, coordinator):
    NeedFactory(title="Besoin publié", status=NeedStatus.PUBLISHED)
    NeedFactory(title="Besoin brouillon", status=NeedStatus.DRAFT)
    page = client.get(url("staff_list"), {"statut": NeedStatus.DRAFT}).content.decode()
    assert "Besoin brouillon" in page and "Besoin publié" not in page
    assert '<option value="draft" selected>' in page
    response = client.get(url("staff_list"), {"statut": "<script>", "page": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sélectionnez un choix valide" in page and "<script>" not in page
    assert "Besoin brouillon" in page and "Besoin publié" in page  # an unknown status filters nothing


def test_need_and_signup_links_expire_with_a_french_page(client, settings):
    shift = ShiftFactory(places=1)
    invitation = NeedInvitation.objects.create(need=shift.need, volunteer=VolunteerFactory(active=True))
    link_token(invitation)
    NeedInvitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=settings.VS_LINK_MAX_AGE_DAYS + 1)
    )
    for response in (
        client.get(url("invitation", invitation.token)),
        client.post(url("invitation", invitation.token), {"creneau": shift.pk, "action": "inscrire"}),
    ):
        assert response.status_code == 410 and "Ce lien n'est plus valable" in response.content.decode()
    assert not ShiftSignup.objects.exists()
    signup = SignupFactory()
    Shift.objects.filter(pk=signup.shift_id).update(
        starts_at=timezone.now() - datetime.timedelta(days=5), ends_at=timezone.now() - datetime.timedelta(days=4)
    )
    response = client.post(url("signup_link", signup.token), {"action": "annuler"})
    assert response.status_code == 410 and signup.volunteer.last_name not in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED
    assert signup.token not in signup.token_hash and len(signup.token_hash) == 64
