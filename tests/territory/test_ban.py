"""territory/ban.py, pure: which rows `--commune` keeps, the text the geocoder searches."""

import pytest

from tests.territory.ban_sample import ADDRESSES, WITH_IDS_AT_END, ban_line
from villesolidaire.territory.ban import BAN_COLUMNS, INSEE, BanLayout, CommuneFilter, parse_row, search_text
from villesolidaire.territory.models import INSEE_COMMUNE, insee_code

CLASSIC = BanLayout.from_header(BAN_COLUMNS)
WITH_IDS = BanLayout.from_header(WITH_IDS_AT_END)


def row(*address, columns=BAN_COLUMNS) -> list[str]:
    return ban_line(*address, columns=columns).split(";")


def address(ban_id: str, code_insee: str, former_code: str = "") -> tuple:
    former = (former_code, "Ancienne") if former_code else ()
    return (ban_id, "1", "", "Rue Haute", "99100", code_insee, "Commune", 0.1, 49.1, *former)


def test_a_commune_keeps_its_own_rows_and_tells_the_codes_met():
    communes = CommuneFilter(["99001", "99002"], CLASSIC)
    assert communes.keeps(row(*ADDRESSES[0]))
    assert not communes.keeps(row(*address("99003_0001_00001", "99003")))
    assert communes.not_found() == ["99002"]
    assert communes.keeps(row(*ADDRESSES[-1]))  # Val-Voisin, 99002
    assert communes.not_found() == []


def test_paris_lyon_and_marseille_keep_their_arrondissements():
    communes = CommuneFilter(["75056"], CLASSIC)
    assert communes.keeps(row(*address("75115_0001_00001", "75115")))
    assert not communes.keeps(row(*address("75121_0001_00001", "75121")))  # no 21st arrondissement
    assert communes.not_found() == []
    # An arrondissement asked alone keeps only its rows.
    assert not CommuneFilter(["75115"], CLASSIC).keeps(row(*address("75116_0001_00001", "75116")))


def test_a_former_commune_keeps_its_rows_in_the_commune_nouvelle():
    communes = CommuneFilter(["99051"], WITH_IDS)
    assert communes.keeps(row(*address("99050_0100_00003", "99050", "99051"), columns=WITH_IDS_AT_END))
    assert not communes.keeps(row(*address("99050_0200_00003", "99050", "99052"), columns=WITH_IDS_AT_END))
    assert communes.not_found() == []


def test_a_layout_without_the_former_commune_column_reads_the_commune_code_only():
    columns = [name for name in BAN_COLUMNS if name != "code_insee_ancienne_commune"]
    communes = CommuneFilter(["99051"], BanLayout.from_header(columns))
    assert communes.former_position is None
    assert not communes.keeps(row(*address("99050_0100_00003", "99050", "99051"), columns=columns))
    assert communes.not_found() == ["99051"]


@pytest.mark.parametrize(
    "street, commune, former, expected",
    [
        ("Rue de l'Église", "Val-Neuf", "Saint-Aubin", "rue de l eglise val neuf saint aubin"),
        ("Rue de l'Église", "Val-Neuf", "Val-Neuf", "rue de l eglise val neuf"),
        ("Rue de l'Église", "Val-Neuf", "VAL NEUF", "rue de l eglise val neuf"),  # the same once folded
        ("Rue de l'Église", "Val-Neuf", "", "rue de l eglise val neuf"),
        ("Rue de l'Église", "Val-Neuf", " - ", "rue de l eglise val neuf"),  # nothing left once folded
    ],
)
def test_search_text_names_a_former_commune_once(street, commune, former, expected):
    assert search_text(street, commune, former) == expected


def test_parse_row_needs_the_layout_of_its_file():
    parsed = parse_row(row(*ADDRESSES[0], columns=WITH_IDS_AT_END), WITH_IDS)
    assert (parsed.ban_id, parsed.nom_voie, parsed.id_ban_adresse is not None) == (
        "99001_0010_00012",
        "Rue de la Paix",
        True,
    )
    assert parse_row(row(*ADDRESSES[0]), CLASSIC).id_ban_adresse is None


@pytest.mark.parametrize("code", ["35238", "2A004", "2B033", "99001"])
def test_one_insee_pattern_for_the_model_and_the_ban_file(code):
    insee_code(code)
    assert INSEE.match(code) and INSEE.pattern == f"^({INSEE_COMMUNE})$"


@pytest.mark.parametrize("code", ["3523", "2C004", "2a004", "３５２３８"])
def test_what_is_no_insee_code_in_a_ban_file(code):
    assert not INSEE.match(code)
