"""/chiffres/: the town's figures for the public, opt-in, with the small-cell rule."""

import datetime
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.factories import QuartierFactory, SupportFactory, TownFactory
from villesolidaire.reporting.public import PUBLIC_FIGURES

URL = "/chiffres/"
SUPPORTS = [code for code, _label in PUBLIC_FIGURES].index("supports")


def cells(html: str) -> dict[str, str]:
    """Each shown figure by its data-cell key (year-table-row-figure or year-total-code)."""
    return {key: value.strip() for key, value in re.findall(r'data-cell="([^"]+)">([^<]*)<', html)}


@pytest.fixture
def published():
    return TownFactory(publish_figures=True)


@pytest.fixture
def supports_by_quartier():
    """This year: 2 supports for residents of Nord, 7 of Sud, 9 of Est (quartiers shown Est, Nord, Sud)."""
    quartiers = {name: QuartierFactory(name=name, code=name.lower()) for name in ("Nord", "Sud", "Est")}
    for name, count in (("Nord", 2), ("Sud", 7), ("Est", 9)):
        SupportFactory.create_batch(count, help_request__resident__quartier=quartiers[name])
    return quartiers


def test_no_page_until_the_town_publishes_its_figures(client):
    assert client.get(URL).status_code == 404  # no town yet
    town = TownFactory()
    assert town.publish_figures is False
    assert client.get(URL).status_code == 404
    assert "Chiffres de la solidarité" not in client.get("/").content.decode()
    town.publish_figures = True
    town.save()
    assert client.get(URL).status_code == 200
    home = client.get("/").content.decode()
    assert 'href="/chiffres/"' in home


def test_small_counts_are_hidden_and_the_next_smallest_of_the_column_too(client, published, supports_by_quartier):
    response = client.get(URL)
    assert response.status_code == 200
    shown = cells(response.content.decode())
    year = timezone.localdate().year
    est, nord, sud = (shown[f"{year}-quartier-{row}-{SUPPORTS}"] for row in range(3))
    assert nord == "moins de 5"  # 2: primary suppression
    # 7: secondary, or 18 - 9 would give Nord's 2 back; « moins de 5 » would be false there.
    assert sud == "masqué"
    assert est == "9"
    assert shown[f"{year}-total-supports"] == "18"
    # Last year had nothing: zeros are shown, nothing hidden.
    assert shown[f"{year - 1}-quartier-1-{SUPPORTS}"] == "0"
    assert shown[f"{year - 1}-total-supports"] == "0"
    # No shown number of the page lies strictly between 0 and the threshold.
    for key, value in shown.items():
        assert not (value.isdigit() and 0 < int(value) < 5), (key, value)


@override_settings(VS_PUBLIC_MIN_CELL=10)
def test_the_threshold_comes_from_the_setting(client, published, supports_by_quartier):
    shown = cells(client.get(URL).content.decode())
    year = timezone.localdate().year
    assert [shown[f"{year}-quartier-{row}-{SUPPORTS}"] for row in range(3)] == ["moins de 10"] * 3
    assert shown[f"{year}-total-supports"] == "18"


def test_previous_year_is_its_own_column_set(client, published):
    nord = QuartierFactory(name="Nord", code="nord")
    last_year = timezone.make_aware(
        datetime.datetime.combine(datetime.date(timezone.localdate().year - 1, 6, 1), datetime.time(12))
    )
    SupportFactory.create_batch(6, help_request__resident__quartier=nord, started_at=last_year)
    shown = cells(client.get(URL).content.decode())
    year = timezone.localdate().year
    assert shown[f"{year - 1}-quartier-0-{SUPPORTS}"] == "6"
    assert shown[f"{year - 1}-total-supports"] == "6"
    assert shown[f"{year}-total-supports"] == "0"


def test_the_page_is_the_same_for_everyone_and_may_be_cached(client, published, supports_by_quartier):
    response = client.get(URL)
    assert "public" in response["Cache-Control"] and "max-age=600" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    html = response.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "Se déconnecter" not in html


def test_tables_are_captioned_with_header_scopes(client, published, supports_by_quartier):
    html = client.get(URL).content.decode()
    assert html.count("<caption>") == 4  # two tables, two years
    assert html.count('<th scope="col"') == 4 * (1 + len(PUBLIC_FIGURES))
    assert '<th scope="row">Nord</th>' in html


def test_a_fixed_number_of_queries_then_the_cache(
    client, published, supports_by_quartier, django_assert_max_num_queries
):
    with django_assert_max_num_queries(27):  # the town, then thirteen per year
        client.get(URL)
    with django_assert_max_num_queries(1):  # the town (opt-in checked on each request)
        client.get(URL)
