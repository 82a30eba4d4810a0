import uuid

import pytest
from django.core.management import CommandError, call_command

from tests.territory.ban_sample import (
    ADDRESSES,
    HEADER,
    WITH_IDS_AFTER_ID,
    WITH_IDS_AT_END,
    ban_line,
    ban_uuid,
    write_ban,
)
from villesolidaire.territory.geocoding import OfflineBanGeocoder, geocode
from villesolidaire.territory.models import BanAddress


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_ban", *map(str, args), stdout=out)
    return out.getvalue()


def test_imports_a_ban_file(tmp_path):
    out = run(write_ban(tmp_path / "adresses-99.csv"))
    assert BanAddress.objects.count() == len(ADDRESSES)
    address = BanAddress.objects.get(ban_id="99001_0010_00008_bis")
    assert (address.numero, address.rep, address.nom_voie, address.code_postal) == (
        "8",
        "bis",
        "Rue de la Paix",
        "99100",
    )
    assert (address.code_insee, address.nom_commune) == ("99001", "Bourg-Solidaire")
    assert (address.longitude, address.latitude) == (-1.6797, 48.1099)
    assert address.search_text == "rue de la paix bourg solidaire"
    assert address.label == "8 bis Rue de la Paix 99100 Bourg-Solidaire"
    # The classic file has no BAN identifiers, and these rows no former commune.
    assert (address.id_ban_adresse, address.code_insee_ancienne_commune, address.nom_ancienne_commune) == (
        None,
        "",
        "",
    )
    assert BanAddress.objects.get(ban_id="99001_0050_00010").search_text == "place de l eglise bourg solidaire"
    assert f"{len(ADDRESSES)} adresses importées ({len(ADDRESSES)} nouvelles, 0 mises à jour)" in out


def test_imports_a_gzipped_file_with_a_byte_order_mark(tmp_path):
    run(write_ban(tmp_path / "adresses-99.csv.gz", compress=True, bom=True))
    assert BanAddress.objects.count() == len(ADDRESSES)


def test_commune_filter(tmp_path):
    out = run(write_ban(tmp_path / "adresses-99.csv"), "--commune", "99002")
    assert list(BanAddress.objects.values_list("nom_commune", flat=True)) == ["Val-Voisin"]
    assert f"{len(ADDRESSES) - 1} lignes d'autres communes ignorées" in out


def test_reimport_updates_existing_addresses(tmp_path):
    run(write_ban(tmp_path / "v1.csv"))
    moved = [(*row[:7], -1.0, 47.0) if row[0] == "99001_0010_00012" else row for row in ADDRESSES]
    moved.append(("99001_0060_00001", "1", "", "Impasse Neuve", "99100", "99001", "Bourg-Solidaire", -1.6, 48.1))
    out = run(write_ban(tmp_path / "v2.csv", rows=moved), "--batch-size", "3")
    assert BanAddress.objects.count() == len(ADDRESSES) + 1
    address = BanAddress.objects.get(ban_id="99001_0010_00012")
    assert (address.longitude, address.latitude) == (-1.0, 47.0)
    assert "(1 nouvelles, 11 mises à jour)" in out


def test_duplicate_ids_in_one_batch_keep_the_last(tmp_path):
    rows = [ADDRESSES[0], (*ADDRESSES[0][:7], -2.0, 47.5)]
    run(write_ban(tmp_path / "dup.csv", rows=rows))
    assert BanAddress.objects.get().longitude == -2.0


def test_malformed_rows_are_skipped_and_counted(tmp_path):
    good = ban_line(*ADDRESSES[0])
    bad_lines = [
        "99001_0010_00099;;99;;Rue courte",  # too few columns
        good.replace("-1.68", "abc", 1).replace("99001_0010_00012", "99001_0010_00098", 1),  # bad longitude
        ban_line("99001_0010_00097", "97", "", "", "99100", "99001", "Bourg-Solidaire", -1.68, 48.11),  # no street
        ban_line("99001_0010_00096", "96", "", "Rue X", "9910", "99001", "Bourg-Solidaire", -1.68, 48.11),  # postcode
        ban_line(
            "99001_0010_00095", "95", "", "Rue X", "99100", "99001", "Bourg-Solidaire", -1.68, 148.11
        ),  # latitude
        ban_line("99001_0010_00094", "94", "", "Rue X", "99100", "99001", "Bourg-Solidaire", float("nan"), 48.11),
        "",  # blank line
    ]
    out = run(write_ban(tmp_path / "adresses-99.csv", rows=[ADDRESSES[0]], extra_lines=bad_lines))
    assert list(BanAddress.objects.values_list("ban_id", flat=True)) == ["99001_0010_00012"]
    assert "6 lignes mal formées ignorées" in out


@pytest.mark.parametrize(
    "header, missing",
    [
        (HEADER.replace(";", ","), "colonnes manquantes : id, numero, rep, nom_voie, code_postal, code_insee, "),
        (HEADER.replace("nom_voie", "voie"), "colonnes manquantes : nom_voie. "),
        (HEADER.replace(";lon;lat;", ";longitude;latitude;"), "colonnes manquantes : lon, lat. "),
        ("", "colonnes manquantes : id, numero, "),
    ],
)
def test_wrong_header_imports_nothing(tmp_path, header, missing):
    path = write_ban(tmp_path / "mauvais.csv", header=header)
    with pytest.raises(CommandError, match="n'a pas l'en-tête d'un fichier BAN") as refused:
        run(path)
    assert missing in str(refused.value)
    assert not BanAddress.objects.exists()


def test_a_comma_separated_file_is_told_so(tmp_path):
    with pytest.raises(CommandError, match="séparateur « , » au lieu de « ; »"):
        run(write_ban(tmp_path / "virgules.csv", header=HEADER.replace(";", ",")))


@pytest.mark.parametrize("columns", [WITH_IDS_AT_END, WITH_IDS_AFTER_ID], ids=["ids-at-end", "ids-after-id"])
def test_imports_the_file_with_ids(tmp_path, columns):
    out = run(write_ban(tmp_path / "adresses-with-ids-99.csv.gz", columns=columns, compress=True))
    assert f"{len(ADDRESSES)} adresses importées ({len(ADDRESSES)} nouvelles" in out
    address = BanAddress.objects.get(ban_id="99001_0010_00008_bis")
    assert address.id_ban_adresse == uuid.UUID(ban_uuid("99001_0010_00008_bis"))
    assert (address.numero, address.rep, address.nom_voie, address.code_postal, address.code_insee) == (
        "8",
        "bis",
        "Rue de la Paix",
        "99100",
        "99001",
    )
    assert (address.longitude, address.latitude) == (-1.6797, 48.1099)
    assert address.label == "8 bis Rue de la Paix 99100 Bourg-Solidaire"
    assert BanAddress.objects.filter(id_ban_adresse__isnull=True).count() == 0


def test_columns_are_read_by_name_in_any_order(tmp_path):
    columns = list(reversed(WITH_IDS_AT_END))
    run(write_ban(tmp_path / "adresses-99.csv", columns=columns))
    address = BanAddress.objects.get(ban_id="99001_0010_00012")
    assert (address.numero, address.nom_voie, address.nom_commune, address.longitude, address.latitude) == (
        "12",
        "Rue de la Paix",
        "Bourg-Solidaire",
        -1.68,
        48.11,
    )
    assert BanAddress.objects.count() == len(ADDRESSES)


def test_a_bad_ban_identifier_keeps_the_address(tmp_path):
    line = ban_line(*ADDRESSES[0], columns=WITH_IDS_AT_END)
    broken = line.replace(ban_uuid(ADDRESSES[0][0]), "pas-un-uuid")
    run(write_ban(tmp_path / "ids.csv", rows=[], extra_lines=[broken], columns=WITH_IDS_AT_END))
    assert BanAddress.objects.get().id_ban_adresse is None


def marseille_row(ban_id, code_insee, commune, code_postal):
    return (ban_id, "1", "", "Rue de la République", code_postal, code_insee, commune, 5.37, 43.30)


MARSEILLE_AND_AIX = [
    marseille_row("13201_7950_00001", "13201", "Marseille 1er Arrondissement", "13001"),
    marseille_row("13208_7950_00001", "13208", "Marseille 8e Arrondissement", "13008"),
    marseille_row("13216_7950_00001", "13216", "Marseille 16e Arrondissement", "13016"),
    marseille_row("13001_7950_00001", "13001", "Aix-en-Provence", "13100"),  # 13001 is Aix, not Marseille
]


@pytest.mark.parametrize(
    "communes, kept",
    [
        (["13055"], ["13201", "13208", "13216"]),
        (["13208"], ["13208"]),
        (["13001"], ["13001"]),
        (["13208,13001", "--commune", "13216"], ["13001", "13208", "13216"]),
        ([" 13201 , 13216 "], ["13201", "13216"]),
    ],
)
def test_commune_codes_and_arrondissements(tmp_path, communes, kept):
    out = run(write_ban(tmp_path / "adresses-13.csv", rows=MARSEILLE_AND_AIX), "--commune", *communes)
    assert sorted(BanAddress.objects.values_list("code_insee", flat=True)) == kept
    assert f"{len(MARSEILLE_AND_AIX) - len(kept)} lignes d'autres communes ignorées" in out
    assert "Aucune adresse de la commune" not in out


def test_a_code_with_no_address_in_the_file_is_told(tmp_path):
    out = run(write_ban(tmp_path / "adresses-13.csv", rows=MARSEILLE_AND_AIX), "--commune", "13055,83137")
    assert BanAddress.objects.count() == 3
    assert "Aucune adresse de la commune 83137 dans ce fichier" in out
    assert "commune 13055" not in out


def test_the_town_code_of_marseille_finds_its_arrondissements(tmp_path):
    run(write_ban(tmp_path / "adresses-13.csv", rows=MARSEILLE_AND_AIX))
    found = OfflineBanGeocoder().search("1 rue de la République", limit=10, citycode="13055")
    assert sorted(result.citycode for result in found) == ["13201", "13208", "13216"]


@pytest.mark.parametrize("code", ["Rennes", "1305", "130555", "2C001", "13055;13001"])
def test_an_invalid_commune_code_is_refused(tmp_path, code):
    with pytest.raises(CommandError, match=f"Code INSEE invalide : « {code} »"):
        run(write_ban(tmp_path / "a.csv"), "--commune", f"13055,{code}")
    assert not BanAddress.objects.exists()


def test_corsican_codes_are_accepted_in_either_case(tmp_path):
    rows = [("2A004_0100_00001", "1", "", "Cours Napoléon", "20000", "2A004", "Ajaccio", 8.73, 41.92)]
    out = run(write_ban(tmp_path / "adresses-2A.csv", rows=rows), "--commune", "2a004")
    assert list(BanAddress.objects.values_list("code_insee", flat=True)) == ["2A004"]
    assert "0 lignes d'autres communes ignorées" in out


# Val-Neuf (99050), a commune nouvelle, merged Saint-Aubin (99051) and Les Hauts (99052) into the
# former Val-Neuf: each had its Rue de l'Église.
VAL_NEUF = [
    (
        "99050_0100_00003",
        "3",
        "",
        "Rue de l'Église",
        "99500",
        "99050",
        "Val-Neuf",
        0.10,
        49.10,
        "99051",
        "Saint-Aubin",
    ),
    ("99050_0200_00003", "3", "", "Rue de l'Église", "99500", "99050", "Val-Neuf", 0.20, 49.20, "99052", "Les Hauts"),
    ("99050_0300_00003", "3", "", "Rue de l'Église", "99500", "99050", "Val-Neuf", 0.30, 49.30, "99050", "Val-Neuf"),
    ("99050_0400_00001", "1", "", "Rue du Moulin", "99500", "99050", "Val-Neuf", 0.11, 49.11, "99051", "Saint-Aubin"),
]


def test_commune_nouvelle_keeps_the_former_commune(tmp_path):
    run(write_ban(tmp_path / "adresses-99.csv", rows=VAL_NEUF, columns=WITH_IDS_AT_END))
    saint_aubin = BanAddress.objects.get(ban_id="99050_0100_00003")
    assert (saint_aubin.code_insee, saint_aubin.nom_commune) == ("99050", "Val-Neuf")
    assert (saint_aubin.code_insee_ancienne_commune, saint_aubin.nom_ancienne_commune) == ("99051", "Saint-Aubin")
    assert saint_aubin.search_text == "rue de l eglise val neuf saint aubin"
    assert saint_aubin.label == "3 Rue de l'Église, Saint-Aubin 99500 Val-Neuf"
    # The commune déléguée that kept the new commune's name is not named twice.
    chef_lieu = BanAddress.objects.get(ban_id="99050_0300_00003")
    assert chef_lieu.nom_ancienne_commune == "Val-Neuf"
    assert chef_lieu.search_text == "rue de l eglise val neuf"
    assert chef_lieu.label == "3 Rue de l'Église 99500 Val-Neuf"


def test_geocoding_by_the_former_commune_name(tmp_path):
    run(write_ban(tmp_path / "adresses-99.csv", rows=VAL_NEUF))
    for found in (geocode("3 rue de l'Église Saint-Aubin"), geocode("3 rue de l'eglise", city="Saint-Aubin")):
        assert found.ban_id == "99050_0100_00003"
        assert found.label == "3 Rue de l'Église, Saint-Aubin 99500 Val-Neuf"
        assert (found.city, found.citycode, found.former_city, found.former_citycode) == (
            "Val-Neuf",
            "99050",
            "Saint-Aubin",
            "99051",
        )
    assert geocode("3 rue de l'Église Les Hauts").ban_id == "99050_0200_00003"
    street = OfflineBanGeocoder().search("rue de l'église saint aubin")[0]
    assert street.label == "Rue de l'Église, Saint-Aubin 99500 Val-Neuf"
    assert {key: street.as_feature()["properties"][key] for key in ("city", "oldcity", "oldcitycode")} == {
        "city": "Val-Neuf",
        "oldcity": "Saint-Aubin",
        "oldcitycode": "99051",
    }


def test_the_former_commune_code_selects_its_rows(tmp_path):
    out = run(write_ban(tmp_path / "adresses-99.csv", rows=VAL_NEUF), "--commune", "99051")
    assert sorted(BanAddress.objects.values_list("ban_id", flat=True)) == ["99050_0100_00003", "99050_0400_00001"]
    assert "2 lignes d'autres communes ignorées" in out
    run(write_ban(tmp_path / "adresses-99.csv", rows=VAL_NEUF), "--commune", "99050")
    assert BanAddress.objects.count() == len(VAL_NEUF)


def test_other_bad_inputs_get_french_errors(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        run(tmp_path / "absent.csv")
    with pytest.raises(CommandError, match="Code INSEE invalide"):
        run(write_ban(tmp_path / "a.csv"), "--commune", "Rennes")
    not_gzip = tmp_path / "faux.csv.gz"
    not_gzip.write_text(HEADER, encoding="utf-8")
    with pytest.raises(CommandError, match=r"Fichier illisible : le fichier compressé \(.gz\) est abîmé"):
        run(not_gzip)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\n" + ban_line(*ADDRESSES[9])).encode("latin-1"))
    with pytest.raises(CommandError, match="Fichier illisible : il n'est pas encodé en UTF-8"):
        run(latin1)
    with pytest.raises(CommandError, match="est un dossier"):
        run(tmp_path)
    with pytest.raises(CommandError, match="--commune est vide"):
        run(write_ban(tmp_path / "b.csv"), "--commune", "")
    assert not BanAddress.objects.exists()


def test_large_file_is_streamed_in_batches(tmp_path):
    rows = [
        (
            f"99001_{street:04d}_{number:05d}",
            str(number),
            "",
            f"Rue numéro {street}",
            "99100",
            "99001",
            "Bourg-Solidaire",
            -1.68 + number / 10000,
            48.11 + street / 10000,
        )
        for street in range(60)
        for number in range(1, 201)
    ]
    path = write_ban(tmp_path / "adresses-99.csv.gz", rows=rows, compress=True)
    out = run(path, "--batch-size", "5000")
    assert BanAddress.objects.count() == 12000
    assert "12000 adresses importées" in out


def test_an_invalid_commune_code_is_told_with_the_expected_form(tmp_path):
    with pytest.raises(CommandError, match=r"« 1305 »\. Code INSEE attendu : 5 caractères \(ex\. 35238\)\."):
        run(write_ban(tmp_path / "a.csv"), "--commune", "1305")


def renamed(address: tuple, ban_id: str, nom_voie: str) -> tuple:
    return (ban_id, *address[1:3], nom_voie, *address[4:])


def with_stable_id_of(address: tuple, previous_ban_id: str) -> str:
    """A line of the file "with ids" whose `id_ban_adresse` is the one it had under `previous_ban_id`."""
    return ban_line(*address, columns=WITH_IDS_AT_END).replace(ban_uuid(address[0]), ban_uuid(previous_ban_id))


def test_a_renamed_street_keeps_its_rows_by_the_stable_identifier(tmp_path):
    run(write_ban(tmp_path / "v1.csv", columns=WITH_IDS_AT_END))
    before = BanAddress.objects.get(ban_id="99001_0010_00012")
    # The council renames the street: the BAN gives the address a new `id`, the same `id_ban_adresse`.
    new = renamed(ADDRESSES[0], "99001_0090_00012", "Rue Simone Veil")
    lines = [with_stable_id_of(new, ADDRESSES[0][0])]
    out = run(write_ban(tmp_path / "v2.csv", rows=ADDRESSES[1:], extra_lines=lines, columns=WITH_IDS_AT_END))
    assert BanAddress.objects.count() == len(ADDRESSES)
    after = BanAddress.objects.get(id_ban_adresse=before.id_ban_adresse)
    assert (after.pk, after.ban_id, after.nom_voie) == (before.pk, "99001_0090_00012", "Rue Simone Veil")
    assert after.search_text == "rue simone veil bourg solidaire"
    assert not BanAddress.objects.filter(ban_id=ADDRESSES[0][0]).exists()
    assert f"(0 nouvelles, {len(ADDRESSES)} mises à jour)" in out
    assert geocode("12 rue Simone Veil").ban_id == "99001_0090_00012"


def test_without_a_stable_identifier_the_ban_id_still_matches(tmp_path):
    run(write_ban(tmp_path / "v1.csv"))  # classic file: no id_ban_adresse stored
    pk = BanAddress.objects.get(ban_id="99001_0010_00012").pk
    run(write_ban(tmp_path / "v2.csv", columns=WITH_IDS_AT_END))
    assert BanAddress.objects.get(ban_id="99001_0010_00012").pk == pk
    assert BanAddress.objects.count() == len(ADDRESSES)
    assert not BanAddress.objects.filter(id_ban_adresse__isnull=True).exists()


def test_two_addresses_swapping_their_ids_in_one_batch(tmp_path):
    first, second = ADDRESSES[0], ADDRESSES[1]
    run(write_ban(tmp_path / "v1.csv", rows=[first, second], columns=WITH_IDS_AT_END))
    pks = dict(BanAddress.objects.values_list("ban_id", "pk"))
    lines = [
        with_stable_id_of(renamed(first, second[0], "Rue de la Paix"), first[0]),
        with_stable_id_of(renamed(second, first[0], "Rue de la Paix"), second[0]),
    ]
    run(write_ban(tmp_path / "v2.csv", rows=[], extra_lines=lines, columns=WITH_IDS_AT_END))
    assert dict(BanAddress.objects.values_list("ban_id", "pk")) == {first[0]: pks[second[0]], second[0]: pks[first[0]]}
    assert BanAddress.objects.get(ban_id=first[0]).numero == second[1]


def test_a_row_read_in_between_under_the_new_id_is_not_kept_twice(tmp_path):
    run(write_ban(tmp_path / "v1.csv", rows=[ADDRESSES[0]], columns=WITH_IDS_AT_END))
    kept = BanAddress.objects.get()
    new = renamed(ADDRESSES[0], "99001_0090_00012", "Rue Simone Veil")
    run(write_ban(tmp_path / "classic.csv", rows=[new]))  # a file without ids: a second row
    assert BanAddress.objects.count() == 2
    run(
        write_ban(
            tmp_path / "v2.csv",
            rows=[],
            extra_lines=[with_stable_id_of(new, ADDRESSES[0][0])],
            columns=WITH_IDS_AT_END,
        )
    )
    assert list(BanAddress.objects.values_list("pk", "ban_id")) == [(kept.pk, "99001_0090_00012")]


def test_copies_of_one_address_under_its_stable_identifier_become_one_row(tmp_path):
    run(write_ban(tmp_path / "v1.csv", rows=[ADDRESSES[0]], columns=WITH_IDS_AT_END))
    old = BanAddress.objects.get()
    # An address renamed twice, imported before the stable id was matched: three rows, one stable id.
    for ban_id in ("99001_0080_00012", "99001_0090_00012"):
        old.pk, old.ban_id = None, ban_id
        old.save()
    new = renamed(ADDRESSES[0], "99001_0090_00012", "Rue Simone Veil")
    lines = [with_stable_id_of(new, ADDRESSES[0][0])]
    run(write_ban(tmp_path / "v2.csv", rows=[], extra_lines=lines, columns=WITH_IDS_AT_END))
    assert list(BanAddress.objects.values_list("ban_id", "nom_voie")) == [("99001_0090_00012", "Rue Simone Veil")]
