"""The bilan of one commune of an intercommunal service (issue 13).

Each commune's figures are exactly its quartiers' rows of the whole bilan, figure by figure; the
form offers the choice only where there are communes; a bad choice is refused in French.
"""

import datetime
import html

import pytest
from django.urls import reverse

from tests.factories import login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.reporting.bilan import build_bilan, custom_period, within_commune
from villesolidaire.reporting.forms import BilanForm
from villesolidaire.reporting.selectors import FIGURES
from villesolidaire.territory.models import Commune

YEAR_2025 = {"period": "dates", "start": "2025-01-01", "end": "2025-12-31"}


@pytest.fixture
def two_communes(known_data):
    alpha = Commune.objects.create(name="Alpha-sur-Rance", insee_code="35001")
    beta = Commune.objects.create(name="Beta-les-Bois", insee_code="35002")
    known_data["nord"].commune = alpha
    known_data["nord"].save()
    known_data["sud"].commune = beta
    known_data["sud"].save()
    return alpha, beta, known_data


def test_each_communes_figures_are_its_quartiers_rows_of_the_whole(two_communes):
    alpha, beta, data = two_communes
    chosen = custom_period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    whole = build_bilan(chosen, compare=False)
    rows = {row.key: row for row in whole.board.by_quartier}
    for commune, quartier in ((alpha, data["nord"]), (beta, data["sud"])):
        part = build_bilan(within_commune(chosen, commune), compare=False)
        for code, _label in FIGURES:
            assert part.board.total(code) == rows[quartier.pk].get(code), (commune.name, code)
        assert [row.key for row in part.board.by_quartier] == [quartier.pk]
        assert part.chosen.title.endswith(commune.name)
    # Something happened in both communes: the split is not trivially empty.
    assert all(rows[q.pk].get("requests") for q in (data["nord"], data["sud"]))


def test_a_year_earlier_is_compared_for_the_same_commune(two_communes):
    alpha, _beta, _data = two_communes
    chosen = within_commune(custom_period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)), alpha)
    bilan = build_bilan(chosen)
    assert bilan.previous_period.quartiers == chosen.period.quartiers


def test_the_page_offers_the_communes_and_shows_one(client, two_communes):
    alpha, _beta, _data = two_communes
    login_staff(client, staff_user(Role.COORDINATOR))
    page = client.get(reverse("reporting:dashboard"), {**YEAR_2025, "commune": alpha.pk}).content.decode()
    assert "Toutes les communes" in page
    assert "Alpha-sur-Rance" in page and "Chiffres de cette commune" in page
    assert "Sud" not in page.split("Par quartier", 1)[-1].split("</table>", 1)[0]
    refused = client.get(reverse("reporting:dashboard"), {**YEAR_2025, "commune": "999999"})
    assert "Cette commune n'existe pas" in html.unescape(refused.content.decode())
    download = client.get(reverse("reporting:export_csv"), {**YEAR_2025, "commune": "abc"})
    assert download.status_code == 400


def test_a_towns_own_ccas_has_no_commune_to_choose(known_data):
    assert "commune" not in BilanForm(YEAR_2025).fields
