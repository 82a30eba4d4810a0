import pytest
from django.urls import reverse

from villesolidaire.core.text import fold
from villesolidaire.territory.models import BanAddress

pytestmark = pytest.mark.usefixtures("ban")
URL = reverse("territory:address_search")


def test_json_answer_has_the_national_geocoder_shape(client):
    response = client.get(URL, {"q": "12 rue de la paix bourg", "limit": 3})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert (data["query"], data["limit"], data["licence"]) == ("12 rue de la paix bourg", 3, "ETALAB-2.0")
    feature = data["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [-1.68, 48.11]}
    props = feature["properties"]
    assert props["label"] == "12 Rue de la Paix 99100 Bourg-Solidaire"
    assert (props["housenumber"], props["name"], props["street"]) == ("12", "12 Rue de la Paix", "Rue de la Paix")
    assert (props["postcode"], props["citycode"], props["city"]) == ("99100", "99001", "Bourg-Solidaire")
    assert (props["id"], props["type"]) == ("99001_0010_00012", "housenumber")
    assert 0 < props["score"] <= 1


def test_citycode_filter(client):
    data = client.get(URL, {"q": "12 rue de la paix", "citycode": "99002"}).json()
    assert [f["properties"]["city"] for f in data["features"]] == ["Val-Voisin"]


def test_htmx_gets_datalist_options(client):
    response = client.get(URL, {"address": "8 bis rue de la paix"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith("<option")
    assert 'value="8 bis Rue de la Paix"' in html
    assert 'data-postcode="99100"' in html
    assert 'data-city="Bourg-Solidaire"' in html
    assert ">8 bis Rue de la Paix 99100 Bourg-Solidaire</option>" in html


def test_address_field_widget_targets_the_datalist():
    from villesolidaire.territory.forms import AddressFieldsMixin

    html = str(AddressFieldsMixin()["address"])
    assert 'list="adresses-suggerees"' in html
    assert f'hx-get="{URL}"' in html
    assert "data-vs-address" in html


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "ab"},
        {"q": "x" * 5000},
        {"q": "🏠" * 300},
        {"q": "\x00\u202e\ufffd"},
        {"q": "<script>alert(1)</script>"},
        {"q": "rue", "limit": "abc"},
        {"q": "rue", "limit": "-5"},
        {"q": "rue", "limit": "1e9"},
        {"q": "rue", "citycode": "x" * 99},
    ],
)
def test_short_or_absurd_queries_never_fail(client, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["query"]) <= 200
    assert 1 <= data["limit"] <= 20
    html = client.get(URL, params, HTTP_HX_REQUEST="true").content.decode()
    assert "<script>" not in html


def test_short_query_returns_nothing(client):
    assert client.get(URL, {"q": "ru"}).json()["features"] == []


def test_post_is_refused(client):
    assert client.post(URL, {"q": "rue"}).status_code == 405


def test_app_js_fills_postcode_and_city_from_the_chosen_option():
    from pathlib import Path

    from django.conf import settings

    script = Path(settings.BASE_DIR, "villesolidaire/core/static/vs/js/app.js").read_text(encoding="utf-8")
    for needle in ("[data-vs-address]", "[data-vs-postcode]", "[data-vs-city]", "dataset.postcode", "dataset.city"):
        assert needle in script
    assert "eval(" not in script and "innerHTML" not in script


HALF_TYPED_STREETS = [
    ("99001_0060_00003", "3", "", "Passage des Tilleuls"),
    ("99001_0070_00005", "5", "", "Résidence les Glycines"),
    ("99001_0080_00001", "1", "", "Galerie Marchande"),
    ("99001_0090_00009", "9", "", "Rue de la Résistance"),
]


@pytest.fixture
def half_typed_streets():
    BanAddress.objects.bulk_create(
        BanAddress(
            ban_id=ban_id,
            numero=numero,
            rep=rep,
            nom_voie=nom_voie,
            code_postal="99100",
            code_insee="99001",
            nom_commune="Bourg-Solidaire",
            longitude=-1.67,
            latitude=48.11,
            search_text=fold(f"{nom_voie} Bourg-Solidaire"),
        )
        for ban_id, numero, rep, nom_voie in HALF_TYPED_STREETS
    )


def _streets(client, query) -> list[str]:
    return [f["properties"]["street"] for f in client.get(URL, {"q": query, "limit": 10}).json()["features"]]


@pytest.mark.usefixtures("half_typed_streets")
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("pass", {"Passage des Tilleuls"}),
        ("passa", {"Passage des Tilleuls"}),
        ("res", {"Résidence les Glycines", "Rue de la Résistance"}),
        ("rés", {"Résidence les Glycines", "Rue de la Résistance"}),
        ("rue de la res", {"Rue de la Résistance"}),
        ("gal", {"Galerie Marchande", "Avenue du Général Leclerc"}),
        ("3 pass", {"Passage des Tilleuls"}),
    ],
)
def test_a_half_typed_word_still_proposes_its_streets(client, typed, expected):
    """The last word is matched as typed too: « res » is the start of « résidence » and of
    « résistance », not only the abbreviation of the first."""
    assert expected <= set(_streets(client, typed))


@pytest.mark.usefixtures("half_typed_streets")
def test_abbreviations_still_work_as_whole_words(client):
    assert "Avenue du Général Leclerc" in _streets(client, "av du gal leclerc")
    assert _streets(client, "bd victor")[0] == "Boulevard Victor Hugo"
