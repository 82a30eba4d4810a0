"""A request referred to a named partner organisation, a support handed over to an association:
through the lower apps' workflows, recorded in partners (layers), shown and counted."""

import datetime

from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    ResidentFactory,
    SupportFactory,
    login_staff,
    staff_user,
)
from tests.factories.partners import OrganisationFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.enums import ClosureReason
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.missions.enums import MissionStatus, SupportStatus
from villesolidaire.notifications.models import Message
from villesolidaire.partners.models import Handover, OrganisationStatus, Referral
from villesolidaire.reporting.selectors import Period, Relay, partner_relays


def test_operator_refers_a_request_to_a_named_partner(client):
    operator = staff_user(Role.OPERATOR)
    login_staff(client, operator)
    organisation = OrganisationFactory(name="Secours populaire")
    help_request = HelpRequestFactory()
    url = reverse("partners:request_refer", args=[help_request.pk])
    assert "Secours populaire" in client.get(url).content.decode()

    response = client.post(url, {"organisation": organisation.pk, "note": "Aide alimentaire"})

    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.CLOSED and help_request.closure_reason == ClosureReason.REFERRED
    last = help_request.transitions.order_by("at", "pk").last()
    assert last.to_status == "closed" and last.by == operator and "Secours populaire" in last.note
    referral = Referral.objects.get()
    assert (referral.organisation, referral.referred_by, referral.note) == (organisation, operator, "Aide alimentaire")
    detail = client.get(reverse("help_requests:detail", args=[help_request.pk])).content.decode()
    assert "Clôturée : Orientée vers Secours populaire</span>" in detail
    assert "vers un partenaire vers" not in detail  # one « vers », naming the organisation
    # Already closed: the page is gone, nothing more is recorded.
    assert client.post(url, {"organisation": organisation.pk}).status_code == 404


def test_a_suspended_organisation_or_bad_input_is_refused_in_french(client):
    login_staff(client, staff_user(Role.OPERATOR))
    suspended = OrganisationFactory(status=OrganisationStatus.SUSPENDED)
    help_request = HelpRequestFactory()
    url = reverse("partners:request_refer", args=[help_request.pk])
    for data in ({"organisation": suspended.pk}, {"organisation": "abc"}, {}):
        response = client.post(url, data)
        assert response.status_code == 400
    assert "pas validée par la commune" in client.post(url, {"organisation": suspended.pk}).content.decode()
    help_request.refresh_from_db()
    assert help_request.status != RequestStatus.CLOSED and not Referral.objects.exists()


def test_coordinator_hands_a_support_over_to_an_association(client):
    coordinator = staff_user(Role.COORDINATOR)
    login_staff(client, coordinator)
    organisation = OrganisationFactory(name="Les Petits Frères des Pauvres")
    help_request = HelpRequestFactory(status=RequestStatus.SUPPORTED, resident=ResidentFactory(with_mobile=True))
    support = SupportFactory(help_request=help_request)
    planned = MissionFactory(support=support, scheduled_at=timezone.now() + datetime.timedelta(days=3))
    url = reverse("partners:support_hand_over", args=[support.pk])

    response = client.post(url, {"organisation": organisation.pk, "note": "Fin du dispositif"})

    assert response.status_code == 302
    support.refresh_from_db()
    assert support.status == SupportStatus.HANDED_OVER and support.ended_at
    step = support.transitions.order_by("at", "pk").last()
    assert (step.from_status, step.to_status, step.by) == ("active", "handed_over", coordinator)
    planned.refresh_from_db()
    assert planned.status == MissionStatus.CANCELLED
    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.CLOSED and help_request.closure_reason == ClosureReason.REFERRED
    handover = Handover.objects.get()
    assert handover.organisation == organisation and handover.handed_over_by == coordinator
    told = Message.objects.get(kind="support_handed_over")
    assert "Les Petits Frères des Pauvres" in told.body
    # The volunteer is told not to come to the cancelled mission.
    volunteer_told = Message.objects.get(kind="missions_cancelled", recipient=support.volunteer.phone.as_e164)
    assert "transmis à une association" in volunteer_told.body and "ne vous déplacez pas" in volunteer_told.body
    page = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert "Transmis à une association" in page
    assert client.post(url, {"organisation": organisation.pk}).status_code == 404  # no longer active


def test_relays_are_counted_per_organisation_on_the_dashboard(client):
    first, second = OrganisationFactory(name="Alpha"), OrganisationFactory(name="Bêta")
    by = staff_user(Role.COORDINATOR)
    for organisation in (first, first, second):
        Referral.objects.create(help_request=HelpRequestFactory(), organisation=organisation, referred_by=by)
    Handover.objects.create(support=SupportFactory(), organisation=second, handed_over_by=by)
    assert partner_relays(Period()) == [Relay("Alpha", 2, 0), Relay("Bêta", 1, 1)]
    login_staff(client, by)
    page = client.get(reverse("reporting:dashboard"), {"period": "tout"}).content.decode()
    assert "Demandes orientées" in page and '<th scope="row">Alpha</th>' in page


def test_relay_pages_refuse_the_wrong_roles(client):
    help_request = HelpRequestFactory()
    support = SupportFactory()
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(reverse("partners:support_hand_over", args=[support.pk])).status_code == 404
    login_staff(client, staff_user(Role.REGISTER_OFFICER))
    assert client.get(reverse("partners:request_refer", args=[help_request.pk])).status_code == 404
