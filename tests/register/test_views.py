import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import QuartierFactory, ResidentFactory
from tests.factories.register import RegisterEntryFactory, RegisterExtrasFactory
from tests.pdf import pdf_text
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.register.models import EntryStatus, Ground, Origin, RegisterEntry, RegisterExtras, RemovalReason

TODAY = timezone.localdate()


def _valid(**overrides) -> dict:
    data = {
        "request_date": TODAY.isoformat(),
        "origin": Origin.SELF,
        "last_name": "Lefèvre",
        "first_names": "Jeanne Marie",
        "birth_date": "1941-07-14",
        "ground": Ground.AGE_65,
        "disability_benefit": "",
        "address": "12 rue des Lilas",
        "address_complement": "",
        "postcode": "99001",
        "city": "Bourg-Solidaire",
        "phone": "01 99 00 12 34",
        "home_care_service": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "notes": "",
        "third_party_name": "",
        "third_party_capacity": "",
    }
    data.update(overrides)
    return data


def _last_audit() -> AuditEntry:
    return AuditEntry.objects.order_by("-pk").first()


# Read paths are logged with the actor ----------------------------------------------------------


def test_list_is_logged_with_the_actor(officer_client, officer):
    RegisterEntryFactory.create_batch(3)
    response = officer_client.get(reverse("register:list"))
    assert response.status_code == 200
    entry = _last_audit()
    assert (entry.actor, entry.action, entry.object_type) == (officer, AuditAction.LIST, "register.RegisterEntry")


def test_search_by_name_is_logged_without_the_searched_text(officer_client, officer):
    target = RegisterEntryFactory(last_name="Dupont-Lefèvre", first_names="Élise")
    RegisterEntryFactory(last_name="Martin")
    response = officer_client.get(reverse("register:list"), {"last_name": "dupont lefevre", "first_names": "ELISE"})
    assert list(response.context["page_obj"].object_list) == [target]
    entry = _last_audit()
    assert (entry.actor, entry.action) == (officer, AuditAction.SEARCH)
    assert "nom et prénoms" in entry.detail
    assert "dupont" not in entry.detail.lower() and "elise" not in entry.detail.lower()


def test_search_by_phone_in_any_format(officer_client):
    target = RegisterEntryFactory(phone="+33199001234")
    RegisterEntryFactory(phone="+33199005678")
    by_contact = RegisterEntryFactory(with_contacts=True)
    response = officer_client.get(reverse("register:list"), {"phone": "01.99.00.12.34"})
    assert list(response.context["page_obj"].object_list) == [target]
    assert _last_audit().detail.startswith("recherche par téléphone")
    assert "1234" not in _last_audit().detail
    response = officer_client.get(reverse("register:list"), {"phone": "01 99 00 11 22"})
    assert list(response.context["page_obj"].object_list) == [by_contact]


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("abc", "Tapez un numéro de téléphone, en chiffres"),
        ("06 12 ab", "Tapez un numéro de téléphone, en chiffres"),
        ("06 12", "Numéro incomplet : tapez le numéro entier"),
    ],
)
def test_a_phone_search_that_cannot_be_a_number_says_so_in_french(officer_client, typed, error):
    RegisterEntryFactory(phone="+33199001234")
    response = officer_client.get(reverse("register:list"), {"phone": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "0 inscription" not in html and "Corrigez la recherche ci-dessus" in html  # not a silent empty result


def test_a_search_finding_nobody_says_it_in_the_singular(officer_client):
    RegisterEntryFactory(phone="+33199001234")
    html = officer_client.get(reverse("register:list"), {"phone": "01 99 00 99 99"}).content.decode()
    assert "0 inscription trouvée," in html


def test_filters(officer_client):
    RegisterEntryFactory(ground=Ground.AGE_65)
    disabled = RegisterEntryFactory(
        ground=Ground.DISABLED_ADULT, disability_benefit="aah", birth_date=datetime.date(1980, 1, 1)
    )
    removed = RegisterEntryFactory(status=EntryStatus.REMOVED, removal_reason=RemovalReason.DEATH)
    late = RegisterEntryFactory(status=EntryStatus.RECEIVED, request_date=TODAY - datetime.timedelta(days=20))
    url = reverse("register:list")
    assert list(officer_client.get(url, {"ground": Ground.DISABLED_ADULT}).context["page_obj"].object_list) == [
        disabled
    ]
    assert removed not in officer_client.get(url).context["page_obj"].object_list
    assert list(officer_client.get(url, {"status": "removed"}).context["page_obj"].object_list) == [removed]
    response = officer_client.get(url, {"ack_due": "yes"})
    assert list(response.context["page_obj"].object_list) == [late]
    assert "en retard" in response.content.decode()
    assert officer_client.get(url, {"status": "nonsense"}).status_code == 200


def test_list_query_count_does_not_grow_with_rows(officer_client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for rows in (5, 45):
        RegisterEntryFactory.create_batch(rows, quartier=QuartierFactory())
        with CaptureQueriesContext(connection) as queries:
            response = officer_client.get(reverse("register:list"))
        assert len(response.context["page_obj"].object_list) == min(50, 5 if rows == 5 else 50)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(10):
        officer_client.get(reverse("register:list"), {"phone": "01 99 00 00 01", "ground": "age_65"})


def test_detail_logs_the_fields_shown(officer_client, officer):
    entry = RegisterEntryFactory()
    RegisterExtrasFactory(entry=entry)
    response = officer_client.get(reverse("register:detail", args=[entry.pk]))
    assert response.status_code == 200
    assert entry.last_name in response.content.decode()
    log = _last_audit()
    assert (log.actor, log.action, log.object_id) == (officer, AuditAction.VIEW, str(entry.pk))
    assert "birth_date" in log.fields and "extras.door_code" in log.fields


@pytest.mark.parametrize(
    "url_name,action",
    [
        ("register:acknowledgement_letter", AuditAction.PRINT),
        ("register:confirmation_letter", AuditAction.PRINT),
        ("register:dossier", AuditAction.VIEW),
    ],
)
def test_documents_and_dossier_are_logged(officer_client, officer, url_name, action):
    entry = RegisterEntryFactory(acknowledged_at=timezone.now())
    response = officer_client.get(reverse(url_name, args=[entry.pk]))
    assert response.status_code == 200
    log = _last_audit()
    assert (log.actor, log.action, log.object_id) == (officer, action, str(entry.pk))


def test_lists_of_due_work_are_logged(officer_client, officer):
    RegisterEntryFactory(received=True)
    RegisterEntryFactory(confirmed_on=None)
    for name in ("register:acknowledgements_due", "register:confirmation_due"):
        before = AuditEntry.objects.count()
        assert officer_client.get(reverse(name)).status_code == 200
        assert AuditEntry.objects.count() == before + 1
        assert _last_audit().actor == officer
    response = officer_client.get(reverse("register:confirmation_due"), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert _last_audit().action == AuditAction.PRINT


# Create, duplicates, correction ----------------------------------------------------------------


def test_create_then_duplicate_is_refused_then_confirmed(officer_client, officer):
    response = officer_client.post(reverse("register:create"), _valid())
    entry = RegisterEntry.objects.get()
    assert response.status_code == 302
    assert (entry.status, entry.created_by, entry.last_name) == (EntryStatus.RECEIVED, officer, "Lefèvre")
    assert entry.acknowledgement_due_on == TODAY + datetime.timedelta(days=8)
    assert entry.transitions.get().to_status == EntryStatus.RECEIVED
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(entry.pk), actor=officer).exists()

    again = officer_client.post(
        reverse("register:create"), _valid(last_name="LEFEVRE", first_names="jeanne marie", phone="")
    )
    assert again.status_code == 400
    assert "semble déjà inscrite" in again.content.decode()
    same_phone = officer_client.post(
        reverse("register:create"), _valid(last_name="Lefèvre", first_names="Paul", birth_date="1939-01-01")
    )
    assert "semble déjà inscrite" in same_phone.content.decode()
    assert RegisterEntry.objects.count() == 1
    spouse = officer_client.post(
        reverse("register:create"), _valid(first_names="Paul", birth_date="1939-01-01", confirm_other_person="on")
    )
    assert spouse.status_code == 302
    assert RegisterEntry.objects.count() == 2


def test_third_party_request_needs_name_and_capacity(officer_client):
    response = officer_client.post(reverse("register:create"), _valid(origin=Origin.THIRD_PARTY))
    content = response.content.decode()
    assert response.status_code == 400
    assert "exige son nom" in content and "exige sa qualité" in content
    ok = officer_client.post(
        reverse("register:create"),
        _valid(origin=Origin.THIRD_PARTY, third_party_name="Marc Dupré", third_party_capacity="voisin"),
    )
    assert ok.status_code == 302
    assert RegisterEntry.objects.get().third_party_capacity == "voisin"


def test_unknown_address_is_kept_and_flagged(officer_client):
    officer_client.post(reverse("register:create"), _valid(address="3 impasse Introuvable", postcode="", city=""))
    entry = RegisterEntry.objects.get()
    assert entry.address == "3 impasse Introuvable"
    assert not entry.is_located and entry.quartier is None
    assert "non localisée" in officer_client.get(reverse("register:detail", args=[entry.pk])).content.decode()


def test_correction_logs_changed_fields(officer_client, officer):
    entry = RegisterEntryFactory(request_date=TODAY)
    data = _valid(
        last_name=entry.last_name,
        first_names=entry.first_names,
        birth_date="1940-05-01",
        phone="06 12 34 56 78",
        address=entry.address,
    )
    response = officer_client.post(reverse("register:edit", args=[entry.pk]), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.phone == "+33612345678" and entry.has_mobile
    log = AuditEntry.objects.filter(action=AuditAction.UPDATE).get()
    assert "phone" in log.fields and log.actor == officer


# Transitions ----------------------------------------------------------------------------------


def test_acknowledge_registers_and_produces_the_letter(officer_client, officer):
    entry = RegisterEntryFactory(received=True)
    response = officer_client.post(reverse("register:acknowledge", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REGISTERED and entry.acknowledged_at is not None
    transition = entry.transitions.get()
    assert (transition.from_status, transition.to_status, transition.by) == ("received", "registered", officer)
    letter = officer_client.get(reverse("register:acknowledgement_letter", args=[entry.pk]))
    assert "vaut accord" in " ".join(pdf_text(letter.content).split())
    # A second acknowledgement is refused with a French message.
    again = officer_client.post(reverse("register:acknowledge", args=[entry.pk]), follow=True)
    assert "Passage impossible" in again.content.decode()


@pytest.mark.parametrize("reason", [RemovalReason.REQUEST, RemovalReason.DEATH, RemovalReason.MOVED_OUT])
def test_removal_erases_personal_data_and_keeps_the_trace(officer_client, officer, reason):
    resident = ResidentFactory()
    entry = RegisterEntryFactory(
        with_contacts=True,
        notes="Rappeler le matin",
        resident=resident,
        resident_link_consent_on=datetime.date(2025, 3, 1),
    )
    RegisterExtrasFactory(entry=entry)
    name = entry.last_name
    response = officer_client.post(reverse("register:remove", args=[entry.pk]), {"reason": reason, "confirm": "on"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REMOVED and entry.removal_reason == reason and entry.removed_on == TODAY
    for field in (
        "last_name",
        "first_names",
        "address",
        "phone",
        "emergency_contact_name",
        "home_care_service",
        "notes",
    ):
        assert getattr(entry, field) == "", field
    assert entry.birth_date is None and entry.birth_year is None
    assert entry.resident is None and entry.last_name_index == "" and entry.phone_index == ""
    assert not RegisterExtras.objects.filter(entry=entry).exists()
    assert entry.transitions.get().to_status == EntryStatus.REMOVED
    assert AuditEntry.objects.filter(action=AuditAction.TRANSITION, object_id=str(entry.pk), actor=officer).exists()
    page = officer_client.get(reverse("register:detail", args=[entry.pk])).content.decode()
    assert "effacées" in page and name not in page


def test_removal_needs_confirmation(officer_client):
    entry = RegisterEntryFactory()
    response = officer_client.post(reverse("register:remove", args=[entry.pk]), {"reason": RemovalReason.DEATH})
    assert response.status_code == 400 and "Cochez la case" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REGISTERED and entry.last_name


def test_objection_removes_with_reason_objection(officer_client):
    entry = RegisterEntryFactory(received=True, origin=Origin.CARSAT)
    officer_client.post(
        reverse("register:objection", args=[entry.pk]),
        {"reason": RemovalReason.OBJECTION, "confirm": "on", "on": TODAY.isoformat()},
    )
    entry.refresh_from_db()
    assert (entry.status, entry.removal_reason, entry.objection_on) == ("removed", "objection", TODAY)


def test_yearly_confirmation(officer_client, officer):
    stale = RegisterEntryFactory(confirmed_on=TODAY - datetime.timedelta(days=400))
    fresh = RegisterEntryFactory(confirmed_on=TODAY - datetime.timedelta(days=10))
    due = officer_client.get(reverse("register:confirmation_due")).context["page_obj"].object_list
    assert stale in due and fresh not in due
    officer_client.post(reverse("register:confirm", args=[stale.pk]), {"next": "due"})
    stale.refresh_from_db()
    assert stale.confirmed_on == TODAY
    assert stale not in officer_client.get(reverse("register:confirmation_due")).context["page_obj"].object_list


def test_confirmation_due_since_a_chosen_date_and_bad_dates_never_fail(officer_client):
    older = RegisterEntryFactory(confirmed_on=TODAY - datetime.timedelta(days=100))
    recent = RegisterEntryFactory(confirmed_on=TODAY - datetime.timedelta(days=10))
    url = reverse("register:confirmation_due")

    def due(**params):
        return list(officer_client.get(url, params).context["page_obj"].object_list)

    assert due() == []  # a year ago by default
    assert due(since=(TODAY - datetime.timedelta(days=50)).isoformat()) == [older]
    assert due(since=(TODAY - datetime.timedelta(days=5)).strftime("%d/%m/%Y")) == [older, recent]
    assert due(since=(TODAY + datetime.timedelta(days=30)).isoformat()) == [older, recent]  # never after today
    response = officer_client.get(url, {"since": "pas une date", "page": "zz"})
    assert response.status_code == 200
    assert "Date invalide : utilisez le format jj/mm/aaaa." in response.content.decode()
    assert list(response.context["page_obj"].object_list) == []  # the default date applies


# Rights, extras, resident link ------------------------------------------------------------------


def test_dossier_html_and_json(officer_client, officer):
    entry = RegisterEntryFactory(last_name="Ngô", first_names="Thị Lan")
    RegisterExtrasFactory(entry=entry)
    officer_client.get(reverse("register:detail", args=[entry.pk]))
    html = officer_client.get(reverse("register:dossier", args=[entry.pk])).content.decode()
    assert "Ngô" in html and "4521B" in html and "Consultation d&#x27;une fiche" in html
    response = officer_client.get(reverse("register:dossier", args=[entry.pk]), {"format": "json"})
    data = json.loads(response.content)
    assert data["inscription"]["Nom"] == "Ngô"
    assert data["informations_complémentaires"]["Code d'accès à l'immeuble"] == "4521B"
    assert any(a["action"] == "Consultation d'une fiche" for a in data["accès_journalisés"])
    assert _last_audit().action == AuditAction.EXPORT


def test_extras_need_a_consent_date_and_withdrawal_deletes_them(officer_client):
    entry = RegisterEntryFactory()
    url = reverse("register:extras", args=[entry.pk])
    response = officer_client.post(url, {"lives_alone": "on", "door_code": "1234"})
    assert response.status_code == 400 and "date de l&#x27;accord" in response.content.decode()
    assert not RegisterExtras.objects.exists()
    officer_client.post(url, {"consent_on": TODAY.isoformat(), "lives_alone": "on", "door_code": "1234"})
    extras = RegisterExtras.objects.get()
    assert extras.lives_alone and extras.door_code == "1234"
    officer_client.post(reverse("register:extras_withdraw", args=[entry.pk]))
    assert not RegisterExtras.objects.exists()


def test_link_resident_needs_consent(officer_client):
    entry = RegisterEntryFactory()
    resident = ResidentFactory(last_name="Quénard", first_name="Lucie")
    url = reverse("register:link_resident", args=[entry.pk])
    page = officer_client.get(url, {"q": "Quénard"})
    assert "Quénard" in page.content.decode()
    refused = officer_client.post(url + "?q=Quénard", {"resident": resident.pk})
    assert refused.status_code == 400
    entry.refresh_from_db()
    assert entry.resident is None
    officer_client.post(url, {"resident": resident.pk, "consent_on": TODAY.isoformat()})
    entry.refresh_from_db()
    assert entry.resident == resident and entry.resident_link_consent_on == TODAY
    officer_client.post(reverse("register:unlink_resident", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.resident is None
