import pytest
from django.core.management import CommandError, call_command

from tests.territory.ban_sample import ADDRESSES, HEADER, ban_line, write_ban
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
    "header",
    [
        HEADER.replace(";", ","),
        HEADER.replace("nom_voie", "voie"),
        "id_fantoir;id;" + HEADER[len("id;id_fantoir;") :],
        "",
    ],
)
def test_wrong_header_imports_nothing(tmp_path, header):
    path = write_ban(tmp_path / "mauvais.csv", header=header)
    with pytest.raises(CommandError, match="n'a pas l'en-tête d'un fichier BAN"):
        run(path)
    assert not BanAddress.objects.exists()


def test_other_bad_inputs_get_french_errors(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        run(tmp_path / "absent.csv")
    with pytest.raises(CommandError, match="Code INSEE invalide"):
        run(write_ban(tmp_path / "a.csv"), "--commune", "Rennes")
    not_gzip = tmp_path / "faux.csv.gz"
    not_gzip.write_text(HEADER, encoding="utf-8")
    with pytest.raises(CommandError, match="Fichier illisible"):
        run(not_gzip)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\n" + ban_line(*ADDRESSES[9])).encode("latin-1"))
    with pytest.raises(CommandError, match="Fichier illisible"):
        run(latin1)
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
