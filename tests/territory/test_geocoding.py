import json

import pytest

from tests.factories import QuartierFactory, ResidentFactory, TownFactory
from tests.fake_server import closed_port_url
from villesolidaire.territory import geocoding
from villesolidaire.territory.geocoding import GeoplateformeGeocoder, OfflineBanGeocoder, geocode, locate, quartier_for

pytestmark = pytest.mark.usefixtures("ban")


def square(lon, lat, half=0.005):
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def first(query, **kwargs):
    results = OfflineBanGeocoder().search(query, **kwargs)
    return results[0] if results else None


class TestOfflineGeocoder:
    def test_exact_address_with_postcode_and_city(self):
        result = first("12 rue de la Paix 99100 Bourg-Solidaire")
        assert result.label == "12 Rue de la Paix 99100 Bourg-Solidaire"
        assert result.ban_id == "99001_0010_00012"
        assert (result.latitude, result.longitude) == (48.11, -1.68)
        assert result.score >= 0.9

    def test_postcode_picks_the_right_commune(self):
        assert first("12 rue de la Paix 99200").city == "Val-Voisin"
        assert first("12 rue de la Paix", citycode="99002").city == "Val-Voisin"

    def test_number_with_repetition(self):
        assert first("8 bis rue de la Paix").ban_id == "99001_0010_00008_bis"
        assert first("8b rue de la paix").ban_id == "99001_0010_00008_bis"
        assert first("8 rue de la Paix").ban_id == "99001_0010_00008"

    @pytest.mark.parametrize(
        "query, label",
        [
            ("1 bd Victor Hugo", "1 Boulevard Victor Hugo 99100 Bourg-Solidaire"),
            ("7 av du gal Leclerc", "7 Avenue du Général Leclerc 99100 Bourg-Solidaire"),
            ("2 r st exupery", "2 Rue Saint-Exupéry 99100 Bourg-Solidaire"),
            ("10 PLACE DE L'EGLISE", "10 Place de l'Église 99100 Bourg-Solidaire"),
            ("10, place de l’église, bourg solidaire", "10 Place de l'Église 99100 Bourg-Solidaire"),
        ],
    )
    def test_abbreviations_accents_and_case(self, query, label):
        assert first(query).label == label

    def test_street_only_answers_streets(self):
        results = OfflineBanGeocoder().search("rue de la paix")
        assert results[0].label == "Rue de la Paix 99100 Bourg-Solidaire"
        assert results[0].housenumber == ""
        assert results[0].ban_id == "99001_0010"
        assert results[0].as_feature()["properties"]["type"] == "street"
        # The street "Rue de la Paix" ranks above "Rue de la Paix Prolongée".
        labels = [result.label for result in results]
        assert labels.index("Rue de la Paix 99100 Bourg-Solidaire") < labels.index(
            "Rue de la Paix Prolongée 99100 Bourg-Solidaire"
        )
        # Position: the middle of the street's numbers.
        assert 48.1098 < results[0].latitude < 48.1101

    def test_unknown_number_falls_back_to_the_street(self):
        result = first("999 rue de la Paix Bourg-Solidaire")
        assert result.label == "Rue de la Paix 99100 Bourg-Solidaire"
        assert result.housenumber == ""
        assert result.score >= geocoding.MIN_SCORE

    def test_autocomplete_prefixes(self):
        assert first("5 boulevard vict").label == "5 Boulevard Victor Hugo 99100 Bourg-Solidaire"

    @pytest.mark.parametrize(
        "query",
        [
            "",
            "  ",
            "12",
            "de la",
            "rue inconnue du tout",
            "x" * 5000,
            "🏠🏠🏠",
            "\x00\x01",
            "٣٥٠٠٠ ١٢ rue",
            "'; DROP TABLE territory_banaddress; --",
            "%_%_%",
        ],
    )
    def test_odd_queries_never_fail(self, query):
        assert isinstance(OfflineBanGeocoder().search(query), list)

    def test_limit(self):
        assert len(OfflineBanGeocoder().search("bourg solidaire", limit=2)) == 2


GEOCODEJSON = {
    "type": "FeatureCollection",
    "version": "draft",
    "attribution": "BAN",
    "licence": "ETALAB-2.0",
    "query": "8 bd du port",
    "filters": {},
    "center": [2.290084, 49.897443],
    "limit": 5,
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.290084, 49.897443]},
            "properties": {
                "label": "8 Boulevard du Port 80000 Amiens",
                "score": 0.49,
                "housenumber": "8",
                "id": "80021_6590_00008",
                "name": "8 Boulevard du Port",
                "postcode": "80000",
                "citycode": "80021",
                "x": 648952.58,
                "y": 6977867.25,
                "city": "Amiens",
                "district": None,
                "context": "80, Somme, Hauts-de-France",
                "type": "housenumber",
                "importance": 0.67,
                "street": "Boulevard du Port",
                "distance": 0,
            },
        },
        {"type": "Feature", "geometry": None, "properties": {"label": "sans géométrie"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["a"]}, "properties": {}},
    ],
}


class TestGeoplateforme:
    def test_request_and_geocodejson_answer(self, fake_server):
        server = fake_server([(200, GEOCODEJSON)])
        results = GeoplateformeGeocoder(base_url=server.url + "/geocodage", timeout=2).search(
            "8 bd du port", limit=3, citycode="80021"
        )
        (request,) = server.requests
        assert request.path == "/geocodage/search"
        assert request.query["q"] == ["8 bd du port"]
        assert request.query["limit"] == ["3"]
        assert request.query["citycode"] == ["80021"]
        (result,) = results  # the two malformed features are skipped
        assert result.label == "8 Boulevard du Port 80000 Amiens"
        assert (result.housenumber, result.street, result.postcode, result.city) == (
            "8",
            "Boulevard du Port",
            "80000",
            "Amiens",
        )
        assert (result.ban_id, result.citycode, result.score) == ("80021_6590_00008", "80021", 0.49)
        assert (result.longitude, result.latitude) == (2.290084, 49.897443)

    @pytest.mark.parametrize(
        "answer",
        [(500, {"error": "boom"}), (429, {}), (200, b"<html>not json"), (200, [1, 2]), (200, {"features": "nope"})],
    )
    def test_failures_give_no_result(self, fake_server, answer):
        server = fake_server([answer])
        assert GeoplateformeGeocoder(base_url=server.url, timeout=2).search("8 bd du port") == []

    def test_unreachable_gives_no_result(self):
        assert GeoplateformeGeocoder(base_url=closed_port_url(), timeout=2).search("8 bd du port") == []

    def test_selected_by_setting_and_score_threshold(self, settings, fake_server):
        confident = json.loads(json.dumps(GEOCODEJSON))
        confident["features"][0]["properties"]["score"] = 0.89
        server = fake_server([(200, GEOCODEJSON), (200, confident)])
        settings.GEOCODER_BACKEND, settings.GEOCODER_URL = "geoplateforme", server.url
        resident = ResidentFactory.build(address="8 bd du port", postcode="", city="")
        assert not locate(resident)  # score 0.49: too uncertain to place the person
        assert locate(resident)
        assert (resident.ban_id, resident.postcode, resident.city) == ("80021_6590_00008", "80000", "Amiens")


class TestLocate:
    def test_found_address_gets_coordinates_ban_id_and_quartier(self):
        centre = QuartierFactory(name="Centre", boundary_geojson=square(-1.68, 48.11))
        QuartierFactory(name="Nord", boundary_geojson=square(-1.68, 48.13))
        resident = ResidentFactory(address="12 rue de la paix", postcode="", city="Bourg-Solidaire")
        assert locate(resident)
        resident.save()
        resident.refresh_from_db()
        assert resident.is_located
        assert (resident.latitude, resident.longitude, resident.ban_id) == (48.11, -1.68, "99001_0010_00012")
        assert resident.postcode == "99100"
        assert resident.city == "Bourg-Solidaire"
        assert resident.address == "12 rue de la paix"  # kept as typed
        assert resident.quartier == centre

    @pytest.mark.parametrize("typed", ["12 rue de la pa", "12 rue de la Pai", "12 rue d", "12 Rue des Li"])
    def test_an_unfinished_street_name_is_kept_as_typed_not_placed_elsewhere(self, typed):
        # "pa" or "li" also sit inside the commune's name and other streets: no silent guess.
        assert geocode(typed) is None

    @pytest.mark.parametrize("typed", ["12 rue de la paix", "12 r de la paix bourg solid", "12 rue de la paix 99100"])
    def test_whole_words_or_four_letter_starts_are_placed(self, typed):
        assert geocode(typed).ban_id == "99001_0010_00012"

    def test_nearest_centre_when_outside_every_contour(self):
        QuartierFactory(name="Loin", centre_latitude=48.2, centre_longitude=-1.6)
        near = QuartierFactory(name="Proche", centre_latitude=48.101, centre_longitude=-1.671)
        QuartierFactory(name="Contour ailleurs", boundary_geojson=square(-1.5, 48.3))
        resident = ResidentFactory.build(address="1 bd victor hugo", postcode="", city="")
        assert locate(resident)
        assert resident.quartier == near

    def test_no_quartier_far_from_every_centre(self):
        QuartierFactory(centre_latitude=45.0, centre_longitude=4.0)
        assert quartier_for(48.11, -1.68) is None

    def test_point_in_a_hole_is_not_in_the_quartier(self):
        outer = [[-1.70, 48.09], [-1.66, 48.09], [-1.66, 48.13], [-1.70, 48.13], [-1.70, 48.09]]
        hole = [[-1.69, 48.10], [-1.67, 48.10], [-1.67, 48.12], [-1.69, 48.12], [-1.69, 48.10]]
        QuartierFactory(name="Anneau", boundary_geojson=json.dumps({"type": "Polygon", "coordinates": [outer, hole]}))
        inner = QuartierFactory(
            name="Trou", boundary_geojson=json.dumps({"type": "MultiPolygon", "coordinates": [[hole]]})
        )
        assert quartier_for(48.11, -1.68) == inner

    def test_not_found_is_kept_as_typed_and_saved(self):
        quartier = QuartierFactory()
        resident = ResidentFactory(
            address="Lieu-dit la Grange Perdue",
            postcode="99100",
            city="Bourg-Solidaire",
            is_located=True,
            latitude=1.0,
            longitude=2.0,
            ban_id="ancien",
            quartier=quartier,
        )
        assert not locate(resident)
        resident.save()
        resident.refresh_from_db()
        assert (resident.address, resident.postcode, resident.city) == (
            "Lieu-dit la Grange Perdue",
            "99100",
            "Bourg-Solidaire",
        )
        assert not resident.is_located
        assert (resident.latitude, resident.longitude, resident.ban_id, resident.quartier) == (None, None, "", None)

    def test_misspelt_city_still_found(self):
        resident = ResidentFactory.build(address="14 rue de la paix", postcode="99100", city="Bourg-Solidère")
        assert locate(resident)
        assert resident.ban_id == "99001_0010_00014"
        assert resident.city == "Bourg-Solidère"  # what the person typed stays

    def test_street_only_prefers_the_towns_commune(self):
        TownFactory(insee_code="99002", name="Val-Voisin")
        result = geocode("12 rue de la paix")
        assert result.city == "Val-Voisin"

    def test_geocoder_crash_never_stops_a_save(self, settings):
        settings.GEOCODER_BACKEND = "tests.territory.test_geocoding.BrokenGeocoder"
        resident = ResidentFactory.build(address="12 rue de la paix")
        assert not locate(resident)
        assert not resident.is_located


class BrokenGeocoder:
    def search(self, query, limit=5, citycode=""):
        raise RuntimeError("panne")
