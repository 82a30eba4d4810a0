"""Importing API Engagement feeds as tolerantly as API Engagement's own importer: feeds in the
shapes of JeVeuxAider, Service Civique and the reference repository's examples, with the odd
missions real feeds carry; per-mission skips, withdrawals, the town's territory."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import TownFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.needs.feed_import import FeedError, import_missions, parse_feed, parse_feed_date
from villesolidaire.needs.models import Need, NeedStatus, NeedTransition, Shift
from villesolidaire.territory.models import Commune, Town

FIXTURES = Path(__file__).parent / "fixtures"
JEVEUXAIDER = FIXTURES / "jeveuxaider.xml"
SERVICE_CIVIQUE = FIXTURES / "service_civique.xml"
PARIS = datetime.timezone(datetime.timedelta(hours=2))


@pytest.fixture(autouse=True)
def _town():
    TownFactory(insee_code="35238", name="Rennes")


def local(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat()


def test_a_jeveuxaider_feed_with_odd_missions_imports_each_good_one_and_reports_the_others():
    report = import_missions(JEVEUXAIDER.read_bytes())

    assert (report.source, report.created, report.updated, report.withdrawn, report.outside) == (
        "JeVeuxAider.gouv.fr",
        3,
        0,
        0,
        ["jva-1004"],
    )
    assert report.skipped == [
        "Mission n° 5 (jva-1005) ignorée : le domaine « pirates » n'est pas une valeur d'API Engagement.",
        "Mission n° 6 (jva-1006) ignorée : le titre est trop court (un seul mot).",
        "Mission n° 7 ignorée : l'identifiant <clientId> est manquant.",
    ]
    assert (
        "3 missions créées, 0 déjà connue (mise à jour), 0 retirée du flux, 3 ignorées ; "
        "1 mission hors du territoire, non importée." == report.summary
    )
    assert set(Need.objects.values_list("client_id", flat=True)) == {"jva-1001", "jva-1002", "jva-1003"}
    assert set(Need.objects.values_list("feed_source", flat=True)) == {"JeVeuxAider.gouv.fr"}


def test_rfc_2822_dates_zero_places_several_addresses_and_organisation_ids():
    import_missions(JEVEUXAIDER.read_bytes())
    seniors = Need.objects.get(client_id="jva-1001")
    shift = seniors.shifts.get()
    assert (local(shift.starts_at), local(shift.ends_at)) == ("2030-06-15T09:00:00+02:00", "2030-09-15T18:00:00+02:00")
    assert shift.places == 1  # 0 places: one, as API Engagement reads it
    # The first address is in Marseille; the one shown is the one in the town.
    assert (seniors.address, seniors.postcode, seniors.city) == ("12 rue de la Solidarité", "35000", "Rennes")
    assert (seniors.latitude, seniors.longitude, seniors.is_located) == (48.1113, -1.68, True)
    assert (seniors.organisation_name, seniors.organisation_rna) == (
        "Les Petits Frères des Pauvres & Cie",
        "W751005224",
    )
    assert (seniors.organisation_siren, seniors.organisation_siret) == ("775665888", "77566588800123")
    assert seniors.reduced_mobility_accessible and not seniors.open_to_minors
    assert seniors.status == NeedStatus.PUBLISHED and seniors.is_external


def test_an_html_description_is_kept_to_a_safe_subset_and_read_as_text():
    import_missions(JEVEUXAIDER.read_bytes())
    seniors = Need.objects.get(client_id="jva-1001")
    kept = seniors.description_html
    assert "<strong>pendant la canicule</strong>" in kept and "<li>Appels de courtoisie</li>" in kept
    assert '<a href="https://www.jeveuxaider.gouv.fr/aide" rel="noopener noreferrer nofollow">Aide</a>' in kept
    for hostile in ("<script", "document.cookie", "onclick", "javascript:"):
        assert hostile not in kept
    assert seniors.description.startswith(
        "En bref :\n\nRendre visite à des personnes âgées pendant la canicule & leur"
    )
    assert "• Appels de courtoisie\n• Visites à domicile" in seniors.description
    assert "<" not in seniors.description


def test_month_first_slash_dates_the_memoire_domain_and_an_empty_location():
    import_missions(JEVEUXAIDER.read_bytes())
    food = Need.objects.get(client_id="jva-1002")
    shift = food.shifts.get()
    # "06/01/2030" is 1 June, month first, as JavaScript (and so API Engagement) reads it; a
    # date-only end lasts the whole day.
    assert (local(shift.starts_at), local(shift.ends_at)) == ("2030-06-01T00:00:00+02:00", "2030-11-01T23:59:59+01:00")
    assert (food.api_domain, food.domain, shift.places) == ("memoire-et-citoyennete", "democracy", 4)
    assert (food.is_located, food.latitude) == (False, None)
    assert (food.organisation_siren, food.organisation_siret, food.description_html) == ("351234567", "", "")
    assert food.description == "Préparer et distribuer les colis du samedi."


def test_no_start_date_means_now_and_no_end_date_an_open_ended_mission():
    before = timezone.now()
    import_missions(JEVEUXAIDER.read_bytes())
    remote = Need.objects.get(client_id="jva-1003")
    shift = remote.shifts.get()
    assert before <= shift.starts_at <= timezone.now()
    assert shift.ends_at - shift.starts_at >= datetime.timedelta(days=364)
    assert remote.remote == "full" and remote.city == "Marseille"  # done from anywhere: imported

    # Imported again later: the start stays the stored one, the open end moves on.
    stored_start = shift.starts_at
    import_missions(JEVEUXAIDER.read_bytes())
    assert Need.objects.get(client_id="jva-1003").shifts.get().starts_at == stored_start


def test_missions_outside_the_territory_are_not_imported_and_withdrawn_when_they_move_out(client):
    report = import_missions(JEVEUXAIDER.read_bytes())
    assert report.outside == ["jva-1004"] and not Need.objects.filter(client_id="jva-1004").exists()
    public_list = client.get(reverse("needs:public_list")).content.decode()
    assert "Nettoyer les calanques" not in public_list
    assert "Accompagner des seniors isolés" in public_list and "Soutien scolaire à distance" in public_list

    # The food distribution moves to Marseille: no longer this town's, withdrawn.
    moved = JEVEUXAIDER.read_text().replace(
        "<street><![CDATA[3 boulevard de la Liberté]]></street>\n        <postalCode><![CDATA[35000]]></postalCode>\n"
        "        <city><![CDATA[Rennes]]></city>",
        "<street><![CDATA[3 boulevard de la Liberté]]></street>\n        <postalCode><![CDATA[13001]]></postalCode>\n"
        "        <city><![CDATA[Marseille]]></city>",
    )
    assert moved != JEVEUXAIDER.read_text()
    report = import_missions(moved.encode())
    assert (report.outside, report.withdrawn) == (["jva-1002", "jva-1004"], 1)
    assert Need.objects.get(client_id="jva-1002").status == NeedStatus.CLOSED


def test_the_public_page_shows_the_safe_html_and_links_out(client):
    import_missions(JEVEUXAIDER.read_bytes())
    seniors = Need.objects.get(client_id="jva-1001")
    page = client.get(reverse("needs:public_detail", args=[seniors.pk])).content.decode()
    assert "<strong>pendant la canicule</strong>" in page and "&lt;strong&gt;" not in page
    assert "document.cookie" not in page and "javascript:alert" not in page
    assert 'href="https://www.jeveuxaider.gouv.fr/missions-benevolat/1001/seniors"' in page
    assert b"jva-1001" not in client.get(reverse("needs:feed")).content  # never republished


def test_a_service_civique_feed_reads_lonlat_as_latitude_then_longitude():
    report = import_missions(SERVICE_CIVIQUE.read_bytes())
    assert (report.source, report.created, report.outside, report.skipped) == (
        "Service Civique",
        1,
        ["sc-2030-0043"],
        [],
    )
    mission = Need.objects.get(client_id="sc-2030-0042")
    assert (mission.latitude, mission.longitude) == (48.1113, -1.68)
    assert (mission.address, mission.postcode, mission.city) == ("Place de la Mairie", "35000", "Rennes")
    assert (mission.organisation_siren, mission.organisation_siret, mission.organisation_rna) == (
        "213502388",
        "21350238800019",
        "",
    )
    assert mission.description == (
        "Le ou la volontaire rendra visite aux personnes âgées isolées.\n"
        "Il ou elle proposera des sorties et des activités."
    )
    shift = mission.shifts.get()
    assert (shift.starts_at, shift.ends_at.date(), shift.places) == (
        datetime.datetime(2030, 10, 1, tzinfo=datetime.UTC),
        datetime.date(2031, 5, 31),
        2,
    )
    assert not Need.objects.filter(client_id="sc-2030-0043").exists()  # in Marseille


def test_legacy_lonlat_is_longitude_first_unless_it_reads_as_france_the_other_way():
    template = (
        "<source><mission><clientId>{id}</clientId><title>Une mission test</title><description>Texte</description>"
        "<applicationUrl>https://example.org/{id}</applicationUrl><startAt>2030-01-01</startAt>"
        "<city>Ailleurs</city><remote>full</remote><lonlat>{value}</lonlat></mission></source>"
    )
    cases = {"a": "-1.68,48.11", "b": "48.11,-1.68", "c": "5.39,43.27", "d": "43.27,5.39", "e": "170.5,-45.2"}
    found = {}
    for key, value in cases.items():
        import_missions(template.format(id=key, value=value).encode(), source=f"flux-{key}")
        need = Need.objects.get(client_id=key)
        found[key] = (need.latitude, need.longitude)
    assert found == {
        "a": (48.11, -1.68),
        "b": (-1.68, 48.11),  # longitude first, as the format says: a latitude of -1.68 is read as written
        "c": (43.27, 5.39),
        "d": (43.27, 5.39),  # France told apart: the small number between 4.3 and 8 is the longitude
        "e": (-45.2, 170.5),
    }


REFERENCE_EXAMPLE_SLASH = """<?xml version="1.0" encoding="UTF-8"?>
<source>
  <publisher><![CDATA[Site d'exemple]]></publisher>
  <lastBuildDate><![CDATA[Fri, 10 March 2028 22:49:39 GMT]]></lastBuildDate>
  <mission>
    <title><![CDATA[Titre de la mission d'exemple]]></title>
    <clientId><![CDATA[4242]]></clientId>
    <description><![CDATA[Description de la mission]]></description>
    <applicationUrl><![CDATA[https://www.example.org/mission]]></applicationUrl>
    <postedAt><![CDATA[01/01/2029]]></postedAt>
    <startAt><![CDATA[01/01/2030]]></startAt>
    <endAt><![CDATA[11/01/2030]]></endAt>
    <addresses>
      <address><street><![CDATA[46 Rue Saint-Antoine]]></street><postalCode><![CDATA[75004]]></postalCode>
        <city><![CDATA[Paris]]></city><country><![CDATA[France]]></country>
        <location><lat><![CDATA[48.8541]]></lat><lon><![CDATA[2.3643]]></lon></location></address>
      <address><street><![CDATA[Quai de Loire]]></street><postalCode><![CDATA[45000]]></postalCode>
        <city><![CDATA[Orléans]]></city><country><![CDATA[France]]></country></address>
    </addresses>
    <schedule><![CDATA[1 demi-journée par semaine]]></schedule>
    <places><![CDATA[2]]></places>
    <compensationAmount><![CDATA[10]]></compensationAmount>
    <compensationUnit><![CDATA[hour]]></compensationUnit>
    <remote><![CDATA[full]]></remote>
    <domain><![CDATA[environnement]]></domain>
    <tags><![CDATA[environnement,écologie]]></tags>
    <organizationName><![CDATA[Mon asso]]></organizationName>
    <organizationRNA><![CDATA[W922000733]]></organizationRNA>
    <organizationSiren><![CDATA[332737394]]></organizationSiren>
  </mission>
</source>"""

REFERENCE_EXAMPLE_RFC2822 = """<?xml version="1.0" encoding="UTF-8" ?>
<source>
  <publisher>Nature et Partage</publisher>
  <lastBuildDate>Mon, 18 Mar 2030 10:00:00 +0100</lastBuildDate>
  <mission>
    <title><![CDATA[Nettoyage des berges du fleuve]]></title>
    <clientId><![CDATA[12345]]></clientId>
    <description><![CDATA[<h3>En bref :</h3>
      <p>Une journee de nettoyage des berges.</p>]]>
    </description>
    <applicationUrl><![CDATA[https://example.org/mission/berges]]></applicationUrl>
    <postedAt><![CDATA[Wed, 01 Mar 2030 09:00:00 +0100]]></postedAt>
    <startAt><![CDATA[Sat, 20 Apr 2030 09:00:00 +0100]]></startAt>
    <endAt><![CDATA[Sat, 20 Apr 2030 17:00:00 +0100]]></endAt>
    <addresses>
      <address><street><![CDATA[Quai de Loire]]></street><postalCode><![CDATA[45000]]></postalCode>
        <city><![CDATA[Orléans]]></city><location><lat><![CDATA[47.8951]]></lat><lon><![CDATA[1.9108]]></lon></location></address>
      <address><street><![CDATA[46 Rue Saint-Antoine]]></street><postalCode><![CDATA[75004]]></postalCode>
        <city><![CDATA[Paris]]></city><location>
        </location></address>
    </addresses>
    <places><![CDATA[30]]></places>
    <domain><![CDATA[environnement]]></domain>
    <remote><![CDATA[no]]></remote>
  </mission>
</source>"""


@pytest.mark.parametrize(
    ("content", "start", "end"),
    [
        (REFERENCE_EXAMPLE_SLASH.encode(), "2030-01-01T00:00:00+01:00", "2030-11-01T23:59:59+01:00"),
        (REFERENCE_EXAMPLE_RFC2822.encode(), "2030-04-20T10:00:00+02:00", "2030-04-20T18:00:00+02:00"),
    ],
)
def test_the_reference_repository_example_feeds_are_imported_whole(content, start, end):
    """The shapes of API Engagement's own example feeds (`api/tests/…/correct-feed.xml` with slash
    dates, `process/…/test.xml` with RFC 2822 dates and an empty location): both were refused."""
    Town.objects.update(name="Orléans")  # where both have an address
    report = import_missions(content)
    assert (report.created, report.skipped) == (1, [])
    shift = Need.objects.get().shifts.get()
    assert (local(shift.starts_at), local(shift.ends_at)) == (start, end)


def test_a_mission_that_leaves_the_feed_is_withdrawn_and_comes_back_when_listed_again():
    import_missions(JEVEUXAIDER.read_bytes())
    without_food = JEVEUXAIDER.read_text().replace("<![CDATA[jva-1002]]>", "<![CDATA[jva-9999]]>")
    report = import_missions(without_food.encode())
    assert (report.created, report.updated, report.withdrawn) == (1, 2, 1)
    food = Need.objects.get(client_id="jva-1002")
    assert food.status == NeedStatus.CLOSED
    assert NeedTransition.objects.filter(need=food, to_status=NeedStatus.CLOSED, note="Retirée du flux").exists()

    report = import_missions(JEVEUXAIDER.read_bytes())
    assert Need.objects.get(client_id="jva-1002").status == NeedStatus.PUBLISHED
    assert report.withdrawn == 1  # jva-9999 left in its turn


def test_a_skipped_mission_is_still_in_the_feed_and_is_not_withdrawn():
    import_missions(JEVEUXAIDER.read_bytes())
    broken = JEVEUXAIDER.read_text().replace("<![CDATA[06/01/2030]]>", "<![CDATA[le 1er juin]]>")
    report = import_missions(broken.encode())
    assert (
        "Mission n° 2 (jva-1002) ignorée : la date de début <startAt> « le 1er juin » "
        "est illisible ou hors de 2000–2099." in report.skipped
    )
    assert report.withdrawn == 0 and Need.objects.get(client_id="jva-1002").status == NeedStatus.PUBLISHED


def test_two_feeds_may_use_the_same_client_id_and_only_their_own_missions_are_withdrawn():
    import_missions(JEVEUXAIDER.read_bytes())
    elsewhere_but_remote = REFERENCE_EXAMPLE_RFC2822.replace("12345", "jva-1001").replace(
        "[CDATA[no]]", "[CDATA[full]]"
    )
    import_missions(elsewhere_but_remote.encode())
    assert Need.objects.filter(client_id="jva-1001").count() == 2
    assert Need.objects.filter(feed_source="JeVeuxAider.gouv.fr", status=NeedStatus.PUBLISHED).count() == 3


def test_the_import_is_idempotent():
    import_missions(JEVEUXAIDER.read_bytes())
    counts = (Need.objects.count(), Shift.objects.count(), NeedTransition.objects.count())
    report = import_missions(JEVEUXAIDER.read_bytes())
    assert (report.created, report.updated, report.withdrawn) == (0, 3, 0)
    assert (Need.objects.count(), Shift.objects.count(), NeedTransition.objects.count()) == counts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2030-06-14T09:00:00+02:00", "2030-06-14T09:00:00+02:00"),
        ("2030-06-14T07:00:00.000Z", "2030-06-14T09:00:00+02:00"),
        ("2030-06-14 09:00", "2030-06-14T09:00:00+02:00"),
        ("2030-06-14", "2030-06-14T00:00:00+02:00"),
        ("Fri, 14 Jun 2030 09:00:00 +0200", "2030-06-14T09:00:00+02:00"),
        ("Fri, 14 June 2030 07:00:00 GMT", "2030-06-14T09:00:00+02:00"),
        ("06/14/2030", "2030-06-14T00:00:00+02:00"),
        ("6/14/2030 09:30", "2030-06-14T09:30:00+02:00"),
        ("2030/06/14", "2030-06-14T00:00:00+02:00"),
        ("14 June 2030", "2030-06-14T00:00:00+02:00"),
        ("Fri, 14 Jun 2030", "2030-06-14T00:00:00+02:00"),
    ],
)
def test_dates_are_read_as_javascript_reads_them(value, expected):
    assert local(parse_feed_date(value)) == expected


@pytest.mark.parametrize(
    "value",
    [
        "14/06/2030",
        "demain",
        "2030-13-01",
        "Fri, 32 Jun 2030",
        "",
        "   ",
        "9999-12-31T23:59:59Z",
        "0001-01-01",
        "1999-12-31",
    ],
)
def test_unreadable_dates(value):
    assert parse_feed_date(value) is None


MISSION = (
    "<mission><clientId>{client_id}</clientId><title>{title}</title><description>Une description</description>"
    "<applicationUrl>https://example.org/m</applicationUrl><startAt>2030-06-14T09:00:00+02:00</startAt>"
    "<city>Rennes</city>{extra}</mission>"
)


def feed(*missions: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?><source>" + "".join(missions) + "</source>").encode()


def mission(client_id="m-1", title="Un titre correct", extra=""):
    return MISSION.format(client_id=client_id, title=title, extra=extra)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<source><mission><clientId>1</clientId>", "n'est pas un XML valide"),
        (b"", "n'est pas un XML valide"),
        (b"<missions><mission/></missions>", "commence par <source>"),
        (b"<source></source>", "aucune mission"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<source><mission><title>&lol2;</title></mission></source>",
            "DTD ou des entités",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><source><mission><title>&x;</title></mission></source>',
            "DTD ou des entités",
        ),
    ],
)
def test_a_file_that_is_not_a_feed_is_refused_whole_in_french(content, message):
    with pytest.raises(FeedError) as error:
        import_missions(content)
    assert message in " ".join(error.value.errors)
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("odd", "reason"),
    [
        (mission(title=""), "le titre <title> est manquant"),
        (mission(title="Aide"), "le titre est trop court (un seul mot)"),
        (mission(title="Aide &amp;amp;#233; aux devoirs"), "encodage"),
        (mission(extra="<domain>pirates</domain>"), "le domaine « pirates »"),
        (mission(extra="<remote>sometimes</remote>"), "<remote> « sometimes »"),
        (mission(extra="<places>-3</places>"), "le nombre de places « -3 » est négatif"),
        (mission(extra="<endAt>2030-06-13T09:00:00+02:00</endAt>"), "avant la date de début"),
        # Found by the new-user walkthrough: year 9999 broke the pages that show the mission.
        (mission().replace("2030-06-14T09:00:00+02:00", "9999-12-31T23:30:00Z"), "hors de 2000–2099"),
        (mission().replace("2030-06-14T09:00:00+02:00", "0001-01-01"), "hors de 2000–2099"),
        (
            MISSION.replace("<description>Une description</description>", "").format(
                client_id="m-1", title="Un titre", extra=""
            ),
            "description",
        ),
        (mission().replace("Une description", "<![CDATA[<p> </p><script>x</script>]]>"), "n'a pas de texte"),
        (
            MISSION.replace("https://example.org/m", "javascript:alert(1)").format(
                client_id="m-1", title="Un titre", extra=""
            ),
            "<applicationUrl>",
        ),
    ],
)
def test_an_odd_mission_is_skipped_and_named_while_the_others_are_imported(odd, reason):
    report = import_missions(feed(mission(client_id="bon-1"), odd.replace("<clientId>m-1<", "<clientId>odd-2<")))
    assert report.created == 1 and len(report.skipped) == 1
    assert report.skipped[0].startswith("Mission n° 2 (odd-2) ignorée : ") and reason in report.skipped[0]
    assert list(Need.objects.values_list("client_id", flat=True)) == ["bon-1"]


@pytest.mark.parametrize(
    ("places", "expected"), [("", 1), ("0", 1), ("trois", 1), ("2.0", 2), ("7", 7), ("99999", 10000)]
)
def test_places_as_the_reference_reads_them(places, expected):
    import_missions(feed(mission(extra=f"<places>{places}</places>")))
    assert Need.objects.get().shifts.get().places == expected


def test_parse_keeps_first_of_duplicates():
    parsed = parse_feed(feed(mission(client_id="a", title="Le premier"), mission(client_id="a", title="Le second")))
    assert [m.title for m in parsed.missions] == ["Le premier"] and parsed.duplicates == ["a"]


def test_import_missions_command(tmp_path, capsys):
    call_command("import_missions", str(JEVEUXAIDER))
    out = capsys.readouterr().out
    assert "Import du flux « JeVeuxAider.gouv.fr » terminé : 3 missions créées" in out
    assert "Mission n° 5 (jva-1005) ignorée" in out
    call_command("import_missions", str(JEVEUXAIDER), "--source", "jva-bis")
    assert Need.objects.filter(feed_source="jva-bis").count() == 3
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<source><mission>")
    with pytest.raises(CommandError, match="n'est pas un XML valide"):
        call_command("import_missions", str(bad))
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_missions", str(tmp_path / "absent.xml"))


def test_coordinator_upload_page_reports_each_skipped_mission(client):
    login_staff(client, staff_user(Role.COORDINATOR))
    target = reverse("needs:feed_import")
    assert client.get(target).status_code == 200
    response = client.post(target, {"feed": SimpleUploadedFile("flux.xml", b"<source><pas-fini>")})
    assert response.status_code == 400 and "n&#x27;est pas un XML valide" in response.content.decode()
    assert client.post(target, {}).status_code == 400
    response = client.post(target, {"feed": SimpleUploadedFile("flux.xml", JEVEUXAIDER.read_bytes()), "source": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Import du flux « JeVeuxAider.gouv.fr » terminé" in page and "3 missions créées" in page
    assert "Hors du territoire, non importées : jva-1004." in page
    assert "Mission n° 6 (jva-1006) ignorée : le titre est trop court (un seul mot)." in page
    assert Need.objects.filter(is_external=True).count() == 3


def test_the_example_feed_of_the_readme_in_the_demo_town(db):
    """docs/examples/missions-val-solidaire.xml, as a newcomer imports it after `make run`."""
    from villesolidaire.territory.demo import INSEE_CODE, TOWN_NAME

    Town.objects.all().delete()
    TownFactory(insee_code=INSEE_CODE, name=TOWN_NAME)
    content = (Path(__file__).parents[2] / "docs" / "examples" / "missions-val-solidaire.xml").read_bytes()
    report = import_missions(content)
    assert (report.created, len(report.skipped), report.outside) == (3, 2, ["exemple-vs-4"])
    assert set(Need.objects.values_list("client_id", flat=True)) == {"exemple-vs-1", "exemple-vs-2", "exemple-vs-3"}


def test_an_imported_mission_names_its_platform_and_keeps_the_dates_of_its_feed(client):
    import_missions(JEVEUXAIDER.read_bytes())
    remote = Need.objects.get(client_id="jva-1003")  # no <organizationName>
    assert remote.poster_name == "JeVeuxAider.gouv.fr"
    seniors = Need.objects.get(client_id="jva-1001")
    page = client.get(reverse("needs:public_detail", args=[seniors.pk])).content.decode()
    assert "Dates : du 15 juin 2030 au 15 septembre 2030." in page
    login_staff(client, staff_user(Role.COORDINATOR))
    answer = client.post(
        reverse("needs:staff_shift_add", args=[seniors.pk]),
        {"day": "2030-07-01", "start": "09:00", "end": "10:00", "places": "2"},
        follow=True,
    )
    assert "garde les dates de son flux" in answer.content.decode()
    assert seniors.shifts.count() == 1


def test_a_mission_a_coordinator_closed_stays_closed_while_the_feed_lists_it():
    import_missions(JEVEUXAIDER.read_bytes())
    food = Need.objects.get(client_id="jva-1002")
    food.transition(NeedStatus.CLOSED, by=None, note="Fermée par la coordination")
    report = import_missions(JEVEUXAIDER.read_bytes())
    assert (report.updated, report.kept_closed) == (2, 1)
    assert "1 laissée fermée par la commune" in report.summary
    assert Need.objects.get(client_id="jva-1002").status == NeedStatus.CLOSED


def test_missions_imported_before_feeds_had_names_are_taken_over_not_doubled():
    import_missions(JEVEUXAIDER.read_bytes())
    Need.objects.update(feed_source="")  # as the rows of an import before migration 0007
    without_food = JEVEUXAIDER.read_text().replace("<![CDATA[jva-1002]]>", "<![CDATA[jva-9999]]>")
    report = import_missions(without_food.encode())
    assert (report.created, report.updated) == (1, 2)
    assert Need.objects.filter(client_id="jva-1001").count() == 1
    assert Need.objects.get(client_id="jva-1001").feed_source == "JeVeuxAider.gouv.fr"
    # The one the feed no longer lists cannot be told apart from another feed's: left as it is.
    assert Need.objects.get(client_id="jva-1002").status == NeedStatus.PUBLISHED


def test_a_mission_another_import_created_at_the_same_moment_is_skipped_not_the_file(monkeypatch):
    import_missions(feed(mission(client_id="a")))
    # This import did not see "a" (the other one created it after this one read the feed's rows).
    monkeypatch.setattr("villesolidaire.needs.feed_import._known_missions", lambda source, ids: {})
    report = import_missions(feed(mission(client_id="a"), mission(client_id="b")))
    assert (report.created, report.skipped) == (
        1,
        ["Mission a ignorée : importée au même moment par un autre import du flux."],
    )
    assert sorted(Need.objects.values_list("client_id", flat=True)) == ["a", "b"]


def test_an_encoded_new_line_in_a_title_is_a_space():
    import_missions(feed(mission(title="Aide&amp;#10;aux   devoirs")))
    assert Need.objects.get().title == "Aide aux devoirs"


def test_a_feed_with_no_name_credits_an_outside_organisation():
    import_missions(feed(mission()))
    need = Need.objects.get()
    assert (need.feed_source, need.poster_name) == ("flux", "Une organisation extérieure")


def test_a_commune_the_intercommunal_service_serves_is_in_the_territory():
    Commune.objects.create(name="Saint-Jacques-de-la-Lande", insee_code="35281")
    report = import_missions(
        feed(
            mission(client_id="ici"),
            mission(client_id="voisine").replace("<city>Rennes</city>", "<city>Saint-Jacques-de-la-Lande</city>"),
            mission(client_id="loin").replace("<city>Rennes</city>", "<city>Brest</city>"),
        )
    )
    assert (report.created, report.outside) == (2, ["loin"])


@pytest.mark.parametrize("end", ["2030-06-14", "14 June 2030", "Fri, 14 Jun 2030"])
def test_a_date_only_end_is_the_whole_day_however_it_is_written(end):
    report = import_missions(feed(mission(extra=f"<endAt>{end}</endAt>").replace("2030-06-14T09:00:00+02:00", end)))
    assert (report.created, report.skipped) == (1, [])
    shift = Need.objects.get().shifts.get()
    assert (local(shift.starts_at), local(shift.ends_at)) == ("2030-06-14T00:00:00+02:00", "2030-06-14T23:59:59+02:00")


def test_an_unreadable_end_date_is_told_in_the_report(client):
    content = feed(mission(client_id="m-9", extra="<endAt>9999-12-31</endAt>"))
    report = import_missions(content)
    assert report.created == 1 and report.notes == [
        "Mission m-9 : la date de fin <endAt> « 9999-12-31 » est illisible ou hors de 2000–2099 : sans date de fin."
    ]
    login_staff(client, staff_user(Role.COORDINATOR))
    page = client.post(reverse("needs:feed_import"), {"feed": SimpleUploadedFile("flux.xml", content)})
    assert "« 9999-12-31 » est illisible" in page.content.decode()
