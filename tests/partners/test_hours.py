import pytest

from villesolidaire.partners.hours import opening_hours_fr


@pytest.mark.parametrize(
    ("osm", "french"),
    [
        (
            "Mo-Fr 09:00-12:00,14:00-17:30; PH off",
            "du lundi au vendredi : 9 h – 12 h et 14 h – 17 h 30 ; fermé les jours fériés",
        ),
        ("Tu,Th 14:00-18:00", "mardi, jeudi : 14 h – 18 h"),
        ("Sa 09:00-12:00; Su off", "samedi : 9 h – 12 h ; dimanche : fermé"),
        ("24/7", "tous les jours, 24 h sur 24"),
        ("08:30-12:30", "tous les jours, 8 h 30 – 12 h 30"),
    ],
)
def test_common_forms_read_in_french(osm, french):
    assert opening_hours_fr(osm) == french


@pytest.mark.parametrize("osm", ['Mo-Fr 09:00-12:00 open "sur rendez-vous"', "week 1-53 Mo 10:00-12:00", ""])
def test_anything_else_is_shown_as_typed(osm):
    assert opening_hours_fr(osm) == osm
