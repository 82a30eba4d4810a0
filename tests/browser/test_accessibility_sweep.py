"""axe-core over the pages the journey does not cross, on the demo town's varied data."""

from django.core.management import call_command

from tests.browser.helpers import audit, staff_sign_in
from tests.factories import staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.missions.enums import SupportStatus
from villesolidaire.missions.models import Support
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import magic_link_url


def test_staff_and_volunteer_pages_have_no_serious_violation(page, live_server):
    call_command("seed_demo", "--seed", "7", verbosity=0)
    coordinator = staff_user(Role.COORDINATOR, email="audit@example.org")
    assert coordinator.pk
    request = HelpRequest.objects.order_by("pk").first()
    resident = Resident.objects.active().order_by("pk").first()
    volunteer = Volunteer.objects.filter(status=Status.ACTIVE).order_by("pk").first()
    support = Support.objects.filter(status=SupportStatus.ACTIVE).order_by("pk").first()

    staff_sign_in(page, "audit@example.org")
    staff_pages = [
        "/gestion/demandes/",
        f"/gestion/demandes/{request.pk}/",
        f"/gestion/demandes/{request.pk}/modifier/",
        "/gestion/habitants/",
        f"/gestion/habitants/{resident.pk}/",
        f"/gestion/habitants/{resident.pk}/modifier/",
        f"/gestion/habitants/{resident.pk}/fusionner/",
        "/gestion/volontaires/",
        "/gestion/volontaires/?statut=registered",
        f"/gestion/volontaires/{volunteer.pk}/",
        "/gestion/soutiens/",
        f"/gestion/soutiens/{support.pk}/",
        "/gestion/envois/",
        "/gestion/envois/echecs/",
        "/gestion/a-rappeler/",
    ]
    for path in staff_pages:
        response = page.goto(path)
        assert response.status == 200, path
        audit(page)

    volunteer_page = page.context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    volunteer_page.console_errors = []
    volunteer_page.on(
        "console", lambda msg: volunteer_page.console_errors.append(msg.text) if msg.type == "error" else None
    )
    volunteer_page.set_viewport_size({"width": 375, "height": 812})
    volunteer_page.goto(magic_link_url(volunteer=volunteer).replace("http://127.0.0.1:8000", ""))
    for path in ["/mon-espace/", "/mon-espace/profil/", "/mon-espace/desistement/", "/mon-espace/connexion/"]:
        response = volunteer_page.goto(path)
        assert response.status == 200, path
        audit(volunteer_page)
    volunteer_page.context.close()
