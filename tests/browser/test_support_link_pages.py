"""The support's own link on a phone: report a started mission, ask another date for one to come (axe-core)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible
from tests.factories import HelpRequestFactory, ResidentFactory, SupportFactory, TownFactory
from villesolidaire.missions import services
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import RescheduleRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_works_from_the_support_link_on_a_phone(page, live_server):
    TownFactory()
    support = SupportFactory(help_request=HelpRequestFactory(resident=ResidentFactory(with_mobile=True)))
    started = services.mission_plan(
        support=support, scheduled_at=timezone.now() - timedelta(hours=1), by=None, inform=False
    )
    to_come = services.mission_plan(
        support=support, scheduled_at=timezone.now() + timedelta(days=2), by=None, inform=False
    )
    path = services.support_link_issue(support=support)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(path)
    assert_accessible(page)

    # The mission to come: no report, another date instead.
    page.get_by_role("link", name="Demander un autre créneau").click()
    assert_accessible(page)
    wished = timezone.localtime() + timedelta(days=4)
    page.get_by_label("Nouvelle date et heure souhaitées").fill(wished.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Message pour la coordination").fill("La personne préfère le matin.")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.get_by_text("pas encore commencé").wait_for()
    assert_accessible(page)
    assert RescheduleRequest.objects.get().mission == to_come

    # The started one: its report.
    page.goto(path)
    page.get_by_role("link", name="Envoyer le compte rendu").click()
    page.get_by_label("Oui, c'est fait").check()
    page.get_by_label("Durée (en minutes)").fill("40")
    page.get_by_role("button", name="Envoyer le compte rendu").click()
    page.get_by_text("Ce que vous avez indiqué").wait_for()
    assert_accessible(page)
    started.refresh_from_db()
    assert started.status == MissionStatus.DONE
