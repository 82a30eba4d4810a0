"""API Engagement feed we publish, read back by our importer (tests/needs/test_feed_import.py reads others')."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import TownFactory
from tests.factories.needs import NeedFactory, ShiftFactory
from tests.factories.partners import OrganisationFactory
from villesolidaire.needs.feed_import import import_missions, parse_feed
from villesolidaire.needs.feeds import build_feed, feed_needs
from villesolidaire.needs.models import ApiDomain, Need, NeedStatus, Remote


@pytest.fixture(autouse=True)
def _town():
    TownFactory(insee_code="35238", name="Bourg-Solidaire")


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
    assert b"<organizationSiren>12345678900011</organizationSiren>" in content  # the SIRET, kept
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


def test_feed_lists_only_open_published_needs():
    open_need = NeedFactory()
    ShiftFactory(need=open_need)
    closed = NeedFactory(status=NeedStatus.CLOSED)
    ShiftFactory(need=closed)
    assert list(feed_needs()) == [open_need]
    assert build_feed([]).startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<source")


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
