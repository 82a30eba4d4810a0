"""API Engagement feed: our feed read back by our importer, a real-format fixture, bad feeds."""

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import TownFactory, login_staff, staff_user
from tests.factories.needs import NeedFactory, ShiftFactory
from tests.factories.partners import OrganisationFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.needs.feeds import FeedError, build_feed, feed_needs, import_missions, parse_feed
from villesolidaire.needs.models import ApiDomain, Need, NeedStatus, Remote, Shift

FIXTURE = Path(__file__).parent / "fixtures" / "api_engagement.xml"


@pytest.fixture(autouse=True)
def _town():
    TownFactory(insee_code="35238")


def summary(need: Need) -> dict:
    shifts = list(need.shifts.all())
    return {
        "title": need.title,
        "description": need.description,
        "address": need.address,
        "city": need.city,
        "postcode": need.postcode,
        "latitude": need.latitude,
        "longitude": need.longitude,
        "api_domain": need.api_domain,
        "remote": need.remote,
        "schedule": need.schedule,
        "open_to_minors": need.open_to_minors,
        "reduced_mobility_accessible": need.reduced_mobility_accessible,
        "start": min(s.starts_at for s in shifts),
        "end": max(s.ends_at for s in shifts),
        "places": sum(s.places for s in shifts),
        "organisation": need.poster_name,
    }


def test_our_feed_read_by_our_importer_gives_back_the_same_needs(client):
    organisation = OrganisationFactory(name="Épicerie solidaire", rna="W351234567", siret="12345678900011")
    partner_need = NeedFactory(
        organisation=organisation,
        title="Tri & collecte <samedi>",
        description="Ligne 1\nLigne « 2 »",
        api_domain=ApiDomain.HUMANITAIRE,
        remote=Remote.POSSIBLE,
        schedule="une matinée",
        open_to_minors=True,
        latitude=48.1234567,
        longitude=-1.6543219,
    )
    first = ShiftFactory(need=partner_need, places=3)
    ShiftFactory(
        need=partner_need,
        places=2,
        starts_at=first.starts_at + datetime.timedelta(days=1),
        ends_at=first.ends_at + datetime.timedelta(days=1, hours=1),
    )
    town_need = NeedFactory(title="Fête des voisins", reduced_mobility_accessible=True)
    ShiftFactory(need=town_need, places=10)
    NeedFactory(status=NeedStatus.DRAFT, title="Brouillon")  # not published: not in the feed
    past = NeedFactory(title="Passé")
    ShiftFactory(
        need=past,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=2, hours=-2),
    )

    response = client.get(reverse("needs:feed"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    content = response.content
    assert (
        b"<clientId>villesolidaire-35238-" in content and b"<organizationRNA>W351234567</organizationRNA>" in content
    )
    assert b"<organizationSiren>123456789</organizationSiren>" in content
    expected = {need.pk: summary(need) for need in (partner_need, town_need)}
    expected[town_need.pk]["organisation"] = "Bourg-Solidaire"  # the town's name in the feed

    Need.objects.all().delete()
    report = import_missions(content)
    assert (report.created, report.updated) == (2, 0)
    imported = {need.client_id: need for need in Need.objects.all()}
    for pk, fields in expected.items():
        need = imported[f"villesolidaire-35238-{pk}"]
        assert need.is_external and need.status == NeedStatus.PUBLISHED
        assert need.application_url.endswith(reverse("needs:public_detail", args=[pk]))
        assert summary(need) == fields


def test_real_format_fixture_imports_both_address_forms_and_drops_duplicates():
    report = import_missions(FIXTURE.read_bytes())
    assert (report.created, report.updated, report.duplicates) == (2, 0, ["jva-12345"])
    food = Need.objects.get(client_id="jva-12345")
    assert food.title == "Distribuer des colis alimentaires"
    assert food.description == "Accueillir les bénéficiaires & préparer les colis <b>chaque samedi</b>."
    assert (food.address, food.city, food.postcode) == ("12 rue de la Solidarité", "Rennes", "35000")
    assert (food.latitude, food.longitude, food.is_located) == (48.1113, -1.68, True)
    assert (food.api_domain, food.domain, food.remote, food.shifts.get().places) == (
        "solidarite-insertion",
        "solidarity",
        "no",
        6,
    )
    assert food.reduced_mobility_accessible and not food.open_to_minors
    assert (food.organisation_name, food.organisation_rna, food.organisation_siren) == (
        "Les Restos du Cœur 35",
        "W353000001",
        "775671356",
    )
    shift = food.shifts.get()
    assert timezone.localtime(shift.starts_at).isoformat() == "2030-06-14T09:00:00+02:00"
    assert timezone.localtime(shift.ends_at).isoformat() == "2030-06-14T12:30:00+02:00"
    assert food.application_url == "https://www.jeveuxaider.gouv.fr/missions-benevolat/12345"

    legacy = Need.objects.get(client_id="asso-legacy-7")
    assert (legacy.address, legacy.city, legacy.postcode) == ("Quai Saint-Cyr", "Rennes", "35000")
    assert (legacy.latitude, legacy.longitude) == (48.1097, -1.6921)
    assert (legacy.api_domain, legacy.domain, legacy.remote) == ("environnement", "eco", "possible")
    shift = legacy.shifts.get()
    assert timezone.localtime(shift.starts_at).date() == datetime.date(2030, 9, 20)
    assert shift.places == 1 and shift.ends_at > shift.starts_at


def test_import_is_idempotent_by_client_id_and_updates():
    import_missions(FIXTURE.read_bytes())
    changed = (
        FIXTURE.read_bytes()
        .replace(b"<places>6</places>", b"<places>8</places>")
        .replace(b"Distribuer des colis alimentaires", b"Distribuer des colis (nouveau)")
    )
    report = import_missions(changed)
    assert (report.created, report.updated) == (0, 2)
    assert Need.objects.count() == 2 and Shift.objects.count() == 2
    food = Need.objects.get(client_id="jva-12345")
    assert food.title == "Distribuer des colis (nouveau)" and food.shifts.get().places == 8


def test_imported_needs_are_public_and_link_out(client):
    import_missions(FIXTURE.read_bytes())
    need = Need.objects.get(client_id="jva-12345")
    page = client.get(reverse("needs:public_detail", args=[need.pk])).content.decode()
    assert "https://www.jeveuxaider.gouv.fr/missions-benevolat/12345" in page and "Je m&#x27;inscris" not in page
    assert b"jva-12345" not in client.get(reverse("needs:feed")).content  # never republished


MISSION = (
    """<mission><clientId>{client_id}</clientId><title>{title}</title><startAt>{start}</startAt>{extra}</mission>"""
)


def feed(*missions: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?><source>" + "".join(missions) + "</source>").encode()


def mission(client_id="m-1", title="Titre", start="2030-06-14T09:00:00+02:00", extra=""):
    return MISSION.format(client_id=client_id, title=title, start=start, extra=extra)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<source><mission><clientId>1</clientId>", "n'est pas un XML valide"),
        (b"", "n'est pas un XML valide"),
        (b"<missions><mission/></missions>", "commence par <source>"),
        (b"<source></source>", "aucune mission"),
        (feed(mission(client_id="")), "<clientId> est manquant"),
        (feed(mission(title="")), "<title> est manquant"),
        (feed(mission(start="14/06/2030")), "n'est pas au format ISO 8601"),
        (feed(mission(start="")), "<startAt> est manquante"),
        (feed(mission(extra="<endAt>2030-06-13T09:00:00+02:00</endAt>")), "avant la date de début"),
        (feed(mission(extra="<domain>pirates</domain>")), "« pirates » ne fait pas partie de la liste"),
        (feed(mission(extra="<remote>sometimes</remote>")), "no, possible ou full"),
        (feed(mission(extra="<places>trois</places>")), "nombre de places"),
        (feed(mission(extra="<applicationUrl>javascript:alert(1)</applicationUrl>")), "https://"),
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
def test_malformed_feeds_are_refused_in_french_and_nothing_is_imported(content, message):
    with pytest.raises(FeedError) as error:
        import_missions(content)
    assert message in " ".join(error.value.errors)
    assert not Need.objects.exists()


def test_one_bad_mission_rejects_the_whole_file_naming_it():
    content = feed(mission(client_id="bon-1"), mission(client_id="mauvais-2", extra="<domain>pirates</domain>"))
    with pytest.raises(FeedError) as error:
        import_missions(content)
    assert error.value.errors[0] == "Le flux est refusé, rien n'a été importé."
    assert "Mission n° 2 (mauvais-2)" in error.value.errors[1]
    assert not Need.objects.exists() and not Shift.objects.exists()


def test_a_feed_cannot_overwrite_a_town_need():
    own = NeedFactory(client_id="pris")
    with pytest.raises(FeedError, match="appartient à un besoin de la commune"):
        import_missions(feed(mission(client_id="pris", title="Piraté"), mission(client_id="autre")))
    own.refresh_from_db()
    assert own.title != "Piraté" and Need.objects.count() == 1


def test_parse_keeps_first_of_duplicates():
    parsed = parse_feed(feed(mission(client_id="a", title="Premier"), mission(client_id="a", title="Second")))
    assert [m.title for m in parsed.missions] == ["Premier"] and parsed.duplicates == ["a"]


def test_feed_lists_only_open_published_needs():
    open_need = NeedFactory()
    ShiftFactory(need=open_need)
    closed = NeedFactory(status=NeedStatus.CLOSED)
    ShiftFactory(need=closed)
    assert list(feed_needs()) == [open_need]
    assert build_feed([]).startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<source")


def test_import_missions_command(tmp_path, capsys):
    call_command("import_missions", str(FIXTURE))
    assert "2 mission(s) créée(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.xml"
    bad.write_bytes(feed(mission(title="")))
    with pytest.raises(CommandError, match="<title> est manquant"):
        call_command("import_missions", str(bad))
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_missions", str(tmp_path / "absent.xml"))


def test_coordinator_upload_page(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login_staff(client, staff_user(Role.COORDINATOR))
    target = reverse("needs:feed_import")
    assert client.get(target).status_code == 200
    response = client.post(target, {"feed": SimpleUploadedFile("flux.xml", b"<source><pas-fini>")})
    assert response.status_code == 400 and "n&#x27;est pas un XML valide" in response.content.decode()
    assert client.post(target, {}).status_code == 400
    response = client.post(target, {"feed": SimpleUploadedFile("flux.xml", FIXTURE.read_bytes())}, follow=True)
    assert "2 mission(s) créée(s)" in response.content.decode()
    assert Need.objects.filter(is_external=True).count() == 2


def test_past_shifts_are_left_out_of_dates_and_places(client):
    TownFactory()
    need = NeedFactory(status=NeedStatus.PUBLISHED)
    now = timezone.now()
    ShiftFactory(
        need=need,
        starts_at=now - datetime.timedelta(days=20),
        ends_at=now - datetime.timedelta(days=20, hours=-3),
        places=10,
    )
    upcoming = ShiftFactory(need=need, places=4)
    (mission,) = parse_feed(build_feed(feed_needs())).missions
    assert (mission.start_at, mission.places) == (upcoming.starts_at, 4)
    listed = Need.objects.with_list_data().get(pk=need.pk)
    assert listed.first_start == upcoming.starts_at and listed.shift_count == 2
    page = client.get(reverse("needs:public_list")).content.decode()
    from django.template.defaultfilters import date as date_filter

    assert f"à partir du {date_filter(timezone.localtime(upcoming.starts_at), 'l j F')}" in page
