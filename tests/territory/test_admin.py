import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import TownFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.territory.models import Quartier, Town, contrast_ratio

RING = [[-1.69, 48.10], [-1.67, 48.10], [-1.67, 48.12], [-1.69, 48.12], [-1.69, 48.10]]


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("colour", ["#1d4e89", "#000000", "#767676", "#b00020"])
def test_dark_primary_colours_are_accepted(colour):
    Town(name="Bourg", insee_code="99001", primary_colour=colour).full_clean()


@pytest.mark.parametrize("colour", ["#ffff00", "#777777", "#6fa8dc", "#ffffff"])
def test_light_primary_colours_are_refused_in_french(colour):
    with pytest.raises(ValidationError) as caught:
        Town(name="Bourg", insee_code="99001", primary_colour=colour).full_clean()
    message = caught.value.message_dict["primary_colour"][0]
    assert "Contraste insuffisant avec le texte blanc" in message
    assert "4.5:1" in message


def test_invalid_hex_gets_the_format_message_only():
    with pytest.raises(ValidationError) as caught:
        Town(name="Bourg", insee_code="99001", primary_colour="bleu").full_clean()
    assert caught.value.message_dict["primary_colour"] == ["Couleur attendue au format #RRGGBB."]


@pytest.mark.parametrize(
    "geojson, message",
    [
        ("{pas du json", "ce n'est pas du JSON valide"),
        (json.dumps({"type": "Point", "coordinates": [1, 2]}), "GeoJSON attendu"),
        (json.dumps({"type": "Polygon"}), "il manque les coordonnées"),
        (json.dumps({"type": "Polygon", "coordinates": [RING[:-1]]}), "doit être fermé"),
        (json.dumps({"type": "Polygon", "coordinates": [RING[:3]]}), "au moins 4 points"),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[48.1, 200.0], *RING[1:-1], [48.1, 200.0]]]}),
            "hors des limites",
        ),
        (json.dumps({"type": "Polygon", "coordinates": [[["a", "b"], *RING[1:]]]}), "paire de nombres"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "aucun polygone"),
        (json.dumps([1, 2]), "GeoJSON attendu"),
    ],
)
def test_bad_quartier_boundaries_are_refused_in_french(geojson, message):
    with pytest.raises(ValidationError) as caught:
        Quartier(name="Centre", code="centre", boundary_geojson=geojson).full_clean()
    assert message in caught.value.message_dict["boundary_geojson"][0]
    assert caught.value.message_dict["boundary_geojson"][0].startswith("Contour invalide : ")


@pytest.mark.parametrize(
    "geojson",
    [
        {"type": "Polygon", "coordinates": [RING]},
        {"type": "MultiPolygon", "coordinates": [[RING]]},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [RING]}},
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [RING]}}],
        },
    ],
)
def test_valid_boundaries_fill_the_centre(geojson):
    quartier = Quartier(name="Centre", code="centre", boundary_geojson=json.dumps(geojson))
    quartier.full_clean()
    assert quartier.centre_latitude == pytest.approx(48.11)
    assert quartier.centre_longitude == pytest.approx(-1.68)


def test_empty_boundary_is_allowed():
    Quartier(name="Centre", code="centre", boundary_geojson="").full_clean()


@pytest.fixture
def admin_client(client):
    login_staff(client, staff_user(Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_admin_refuses_a_broken_quartier_contour(admin_client):
    response = admin_client.post(
        reverse("admin:territory_quartier_add"),
        {"name": "Centre", "code": "centre", "boundary_geojson": "{pas du json"},
    )
    assert response.status_code == 200
    assert "Contour invalide : ce n&#x27;est pas du JSON valide" in response.content.decode()
    assert not Quartier.objects.exists()


def test_admin_refuses_a_light_primary_colour(admin_client):
    town = TownFactory()
    data = {
        "name": town.name,
        "insee_code": town.insee_code,
        "service_name": "CCAS",
        "programme_name": "Volontaires",
        "primary_colour": "#ffdd00",
        "accent_colour": "#b3541e",
        "accessibility_status": "partiel",
        "need_notification_approval_threshold": "30",
    }
    response = admin_client.post(reverse("admin:territory_town_change", args=[town.pk]), data)
    assert response.status_code == 200
    assert "Contraste insuffisant avec le texte blanc" in response.content.decode()
    town.refresh_from_db()
    assert town.primary_colour == "#1d4e89"
    data["primary_colour"] = "#0b3d2e"
    response = admin_client.post(reverse("admin:territory_town_change", args=[town.pk]), data)
    assert response.status_code == 302
    town.refresh_from_db()
    assert town.primary_colour == "#0b3d2e"
    # The threshold above which a partner's need notification waits for a coordinator.
    assert town.need_notification_approval_threshold == 30
