"""The public sign-up and the volunteer space in Chromium, audited with axe-core."""

import pytest

from tests.browser.conftest import assert_accessible
from tests.factories import TownFactory
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def call():
    from datetime import timedelta

    from django.utils import timezone

    from villesolidaire.volunteers.models import RecruitmentCall

    TownFactory()
    now = timezone.now()
    return RecruitmentCall.objects.create(
        title="Appel printemps", opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=19)
    )


def test_sign_up_on_a_phone_screen_without_errors(page, call, live_server):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/devenir-volontaire/")
    assert_accessible(page)
    page.get_by_label("Prénom").fill("Camille")
    page.locator("#id_last_name").fill("Martin")
    page.get_by_label("Téléphone mobile").fill("06 12 34 56 78")
    page.locator("#id_address").fill("4 rue des Lilas")
    page.get_by_label("Courses, médicaments, livres").check()
    page.get_by_label("lundi matin").check()
    page.get_by_label("J'ai lu l'information").check()
    page.get_by_label("J'accepte la charte").check()
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.wait_for_url("**/devenir-volontaire/merci/")
    assert Volunteer.objects.get().status == Status.REGISTERED
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_errors_are_summarised_accessibly(page, call, live_server):
    page.goto("/devenir-volontaire/")
    page.get_by_role("button", name="Envoyer mon inscription").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)


def test_magic_link_page_is_accessible(page, live_server):
    page.goto("/mon-espace/connexion/")
    assert_accessible(page)
