"""The default bilan kept rendered (reporting.snapshots, decision 0019): computed by the job or at a
view that finds no fresh copy, shown with its time, recomputed on demand; other choices live."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import VolunteerFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.reporting import snapshots
from villesolidaire.reporting.models import BilanSnapshot
from villesolidaire.reporting.selectors import MISSIONS_DONE


def _registered(html: str) -> str:
    """The « inscrit·es » headline figure as the page shows it."""
    start = html.index('data-figure="registered">') + len('data-figure="registered">')
    return html[start : html.index("<", start)]


@pytest.fixture
def coordinator_client(client):
    login_staff(client, staff_user(Role.COORDINATOR))
    return client


@pytest.fixture
def two_this_year():
    VolunteerFactory.create_batch(2, created_at=timezone.now() - datetime.timedelta(hours=1))


def test_first_view_computes_and_keeps_the_default_the_next_reads_it(coordinator_client, two_this_year):
    with CaptureQueriesContext(connection) as computed:
        first = coordinator_client.get(reverse("reporting:dashboard")).content.decode()
    snapshot = BilanSnapshot.objects.get()
    assert snapshot.key == f"annee-{timezone.localdate().year}:{timezone.localdate().isoformat()}"
    assert _registered(first) == "2"
    with CaptureQueriesContext(connection) as kept:
        second = coordinator_client.get(reverse("reporting:dashboard")).content.decode()
    assert _registered(second) == "2"
    # The kept copy spares every figure's query: what is left is the session, the chooser and the copy.
    assert len(kept) < len(computed) - 20
    assert "Chiffres arrêtés le" in second and "Recalculer maintenant" in second


def test_a_new_sign_up_shows_after_the_job_or_recalculer(coordinator_client, two_this_year):
    coordinator_client.get(reverse("reporting:dashboard"))
    VolunteerFactory(created_at=timezone.now())
    assert _registered(coordinator_client.get(reverse("reporting:dashboard")).content.decode()) == "2"

    call_command("refresh_bilan", stdout=open("/dev/null", "w"))
    assert _registered(coordinator_client.get(reverse("reporting:dashboard")).content.decode()) == "3"

    VolunteerFactory(created_at=timezone.now())
    response = coordinator_client.post(reverse("reporting:refresh"), follow=True)
    html = response.content.decode()
    assert "Bilan recalculé" in html and _registered(html) == "4"
    assert BilanSnapshot.objects.count() == 1


def test_a_stale_copy_is_computed_again(coordinator_client, two_this_year):
    coordinator_client.get(reverse("reporting:dashboard"))
    VolunteerFactory(created_at=timezone.now())
    BilanSnapshot.objects.update(computed_at=timezone.now() - snapshots.MAX_AGE - datetime.timedelta(seconds=1))
    assert _registered(coordinator_client.get(reverse("reporting:dashboard")).content.decode()) == "3"
    assert BilanSnapshot.objects.get().computed_at > timezone.now() - datetime.timedelta(minutes=1)


def test_yesterdays_copy_is_never_shown_and_is_dropped(coordinator_client, two_this_year):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    BilanSnapshot.objects.create(
        key=f"annee-{yesterday.year}:{yesterday.isoformat()}",
        computed_at=timezone.now(),
        seconds=0.1,
        html='<p data-figure="registered">999</p>',
    )
    assert _registered(coordinator_client.get(reverse("reporting:dashboard")).content.decode()) == "2"
    assert list(BilanSnapshot.objects.values_list("key", flat=True)) == [
        f"annee-{timezone.localdate().year}:{timezone.localdate().isoformat()}"
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"period": "tout", "compare": "on"},
        {"compare": ""},  # this year without the comparison
        {"compare": "on", "figure": "registered"},  # another chart figure
    ],
)
def test_other_choices_are_computed_at_each_view_and_never_kept(coordinator_client, two_this_year, params):
    if "period" not in params:
        params = {"period": f"annee-{timezone.localdate().year}", **params}
    coordinator_client.get(reverse("reporting:dashboard"), params)
    VolunteerFactory(created_at=timezone.now())
    html = coordinator_client.get(reverse("reporting:dashboard"), params).content.decode()
    assert _registered(html) == "3"
    assert "Chiffres arrêtés le" not in html
    assert not BilanSnapshot.objects.exists()


def test_the_default_chosen_in_the_form_reads_the_same_copy(coordinator_client, two_this_year):
    coordinator_client.get(reverse("reporting:dashboard"))
    VolunteerFactory(created_at=timezone.now())
    params = {"period": f"annee-{timezone.localdate().year}", "compare": "on", "figure": "missions_done"}
    assert _registered(coordinator_client.get(reverse("reporting:dashboard"), params).content.decode()) == "2"


def test_the_tables_are_computed_at_each_download(coordinator_client, two_this_year):
    coordinator_client.get(reverse("reporting:dashboard"))
    VolunteerFactory(created_at=timezone.now())
    response = coordinator_client.get(reverse("reporting:export_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    # This year, the year before, the difference, the trend: the new sign-up counts.
    assert ["Volontaires inscrit·es", "3", "0", "3", "en hausse : aucun l'an passé"] in rows


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.REGISTER_OFFICER])
def test_who_cannot_read_figures_cannot_recompute(client, role):
    login_staff(client, staff_user(role))
    assert client.post(reverse("reporting:refresh")).status_code == 404
    assert not BilanSnapshot.objects.exists()


def test_a_get_recomputes_nothing_and_leads_to_the_bilan(coordinator_client):
    # After signing in again, the login's `next` brings the browser here by GET: to the bilan,
    # nothing recalculated.
    before = BilanSnapshot.objects.count()
    response = coordinator_client.get(reverse("reporting:refresh"))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:dashboard")
    assert BilanSnapshot.objects.count() == before


def test_an_official_reads_the_copy_and_may_recompute(client, two_this_year):
    login_staff(client, staff_user(Role.OFFICIAL))
    response = client.post(reverse("reporting:refresh"), follow=True)
    assert response.status_code == 200 and _registered(response.content.decode()) == "2"


def test_the_command_says_how_long_it_took():
    out = []

    class Out:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("refresh_bilan", stdout=Out())
    assert "Bilan par défaut recalculé en" in "".join(out)
    assert BilanSnapshot.objects.get().seconds > 0


def test_the_chart_choice_shows_the_figure_the_default_bilan_draws(coordinator_client):
    # « Afficher le bilan » without touching anything must keep the same charts (and the kept copy).
    page = coordinator_client.get(reverse("reporting:dashboard")).content.decode()
    select = page[page.index('name="figure"') : page.index("</select>", page.index('name="figure"'))]
    assert f'<option value="{MISSIONS_DONE}" selected>' in select


def test_a_form_from_a_stale_page_gets_a_french_page_with_the_way_back(coordinator_client):
    # The bilan opened, then signed out and in again elsewhere: its token no longer matches.
    coordinator_client.handler.enforce_csrf_checks = True
    response = coordinator_client.post(reverse("reporting:refresh"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Cette page était trop ancienne" in page and "rien n'a été enregistré" in page
    assert not BilanSnapshot.objects.exists()
