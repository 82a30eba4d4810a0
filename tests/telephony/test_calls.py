"""Incoming calls: the provider-neutral report and Asterisk's, the caller's file found, the call's
states, a missed call given back, the operator's screen fragment."""

import pytest
from django.urls import reverse

from tests.api.conftest import make_key
from tests.factories import QuartierFactory, ResidentFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.notifications.models import CallTask
from villesolidaire.residents.models import Resident
from villesolidaire.telephony.models import Call, CallState, CallTransition, OperatorLine
from villesolidaire.telephony.providers import ReportError, asterisk, generic
from villesolidaire.territory.scopes import set_quartier_scope

GENERIC = "/api/v1/telephony/generic/calls/"
ASTERISK = "/api/v1/telephony/asterisk/calls/"


@pytest.fixture
def switchboard(api):
    return api(role=Role.OPERATOR, scopes=["telephony:write"], name="Standard téléphonique")


def test_the_generic_report_reads_numbers_however_written():
    report = generic(
        {"call_id": "abc-1", "caller": "06 12 34 56 78", "called": "+33 1 99 00 00 00", "extension": "12"}
    )
    assert (report.call_id, report.state, report.caller, report.called, report.extension) == (
        "abc-1",
        "ringing",
        "+33612345678",
        "+33199000000",
        "12",
    )
    assert generic({"call_id": "abc-1", "caller": "anonymous"}).caller == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "call_id : obligatoire"),
        ({"call_id": "x", "state": "ringing-ish"}, "state :"),
        ({"call_id": "x" * 200}, "call_id : 120 caractères au plus"),
        ({"call_id": ["x"]}, "call_id : texte attendu"),
        ([1, 2], "objet JSON"),
    ],
)
def test_a_report_we_cannot_read_is_refused_with_the_field(data, message):
    with pytest.raises(ReportError, match=message):
        generic(data)


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({"event": "ringing"}, "ringing"),
        ({"event": "answered", "agent": "12"}, "answered"),
        ({"event": "hangup", "dialstatus": "ANSWER"}, "ended"),
        ({"event": "hangup", "dialstatus": "NOANSWER"}, "missed"),
        ({"event": "hangup", "dialstatus": "busy"}, "missed"),
    ],
)
def test_asterisk_events(fields, state):
    report = asterisk({"uniqueid": "1733570000.42", "callerid": "0612345678", "exten": "0199000000", **fields})
    assert report.state == state and report.caller == "+33612345678" and report.call_id == "1733570000.42"


def test_a_ringing_call_finds_the_callers_file(switchboard):
    resident = ResidentFactory(phone="+33199001234")
    response = switchboard.post(GENERIC, {"call_id": "c1", "caller": "01 99 00 12 34", "called": "0199000000"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": Call.objects.get().pk,
        "state": "ringing",
        "resident": resident.pk,
        "call_task": None,
    }


def test_the_call_moves_along_its_states_and_late_events_change_nothing(switchboard):
    for state in ("ringing", "answered", "ringing", "ended", "answered"):
        assert switchboard.post(GENERIC, {"call_id": "c2", "caller": "0612345678", "state": state}).status_code == 200
    call = Call.objects.get()
    assert call.state == CallState.ENDED
    assert [row.to_status for row in CallTransition.objects.filter(call=call).order_by("pk")] == [
        "ringing",
        "answered",
        "ended",
    ]
    assert not CallTask.objects.exists()


def test_a_missed_call_from_a_known_caller_is_given_back(switchboard):
    resident = ResidentFactory(phone="+33199001234")
    switchboard.post(GENERIC, {"call_id": "c3", "caller": "0199001234"})
    switchboard.post(GENERIC, {"call_id": "c3", "caller": "0199001234", "state": "missed"})
    switchboard.post(GENERIC, {"call_id": "c3", "caller": "0199001234", "state": "missed"})  # repeated: once
    task = CallTask.objects.get()
    assert task.resident == resident and task.kind == "missed_call" and "Appel manqué" in task.reason


def test_a_missed_call_from_an_unknown_number_opens_a_file_with_the_number(switchboard):
    # Form fields, as Asterisk's CURL() posts them.
    response = switchboard.client.post(
        ASTERISK,
        "uniqueid=9.2&callerid=0612345678&event=hangup&dialstatus=NOANSWER",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {switchboard.token}",
    )
    assert response.status_code == 200, response.content
    resident = Resident.objects.get()
    assert resident.mobile.as_e164 == "+33612345678" and CallTask.objects.get().resident == resident


def test_a_withheld_number_gives_no_call_back(switchboard):
    switchboard.post(GENERIC, {"call_id": "c4", "state": "missed"})
    assert Call.objects.get().state == CallState.MISSED and not CallTask.objects.exists()


@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        ("/api/v1/telephony/inconnu/calls/", {"call_id": "x"}, 404),
        (GENERIC, {"state": "missed"}, 400),
        (GENERIC, "pas du JSON", 400),
        (GENERIC, [1], 400),
    ],
)
def test_bad_reports_are_refused_clearly(switchboard, path, payload, status):
    response = switchboard.post(path, payload)
    assert response.status_code == status and response.json()["detail"]
    for error in response.json()["errors"]:  # a field's name, or "" for the whole report
        assert error["field"] in ("", "call_id", "state"), error
    assert not Call.objects.exists()


def test_only_a_key_with_the_telephony_scope_and_a_desk_role_reports_calls(api):
    assert api(role=Role.OPERATOR, scopes=["residents:read"]).post(GENERIC, {"call_id": "x"}).status_code == 403
    assert api(role=Role.OFFICIAL, scopes=["telephony:write"]).post(GENERIC, {"call_id": "x"}).status_code == 403
    assert api(token=None).post(GENERIC, {"call_id": "x"}).status_code == 401
    assert not Call.objects.exists()


# The operator's screen ------------------------------------------------------------------------


def screen(client, shown=None):
    return client.get(reverse("telephony:incoming"), {"shown": shown} if shown is not None else {})


def test_the_intake_screen_shows_the_caller_and_offers_a_request_for_them(client, switchboard):
    resident = ResidentFactory(first_name="Jeanne", last_name="Durand", phone="+33199001234", birth_year=1938)
    login_staff(client, staff_user(Role.OPERATOR))
    assert screen(client).content.decode().count("incoming-call") == 0
    switchboard.post(GENERIC, {"call_id": "c5", "caller": "0199001234"})
    page = screen(client).content.decode()
    assert "Appel entrant" in page and "Jeanne Durand" in page and "né·e en 1938" in page
    assert f"?q=01%2099%2000%2012%2034&amp;resident={resident.pk}" in page
    shown = page.split('name="shown" value="')[1].split('"')[0]
    assert screen(client, shown).status_code == 204  # unchanged: nothing swapped, nothing re-announced
    switchboard.post(GENERIC, {"call_id": "c5", "state": "answered"})
    assert "Appel en cours" in screen(client, shown).content.decode()
    switchboard.post(GENERIC, {"call_id": "c5", "state": "ended"})
    assert "incoming-call" not in screen(client).content.decode()


def test_an_unknown_number_is_offered_as_a_new_person(client, switchboard):
    login_staff(client, staff_user(Role.OPERATOR))
    switchboard.post(GENERIC, {"call_id": "c6", "caller": "0612345678"})
    page = screen(client).content.decode()
    assert (
        "numéro inconnu" in page and "Nouvelle personne avec ce numéro" in page and "?q=06%2012%2034%2056%2078" in page
    )


def test_an_operator_sees_the_calls_of_their_extension_and_the_unassigned_ones(client, switchboard):
    operator = staff_user(Role.OPERATOR)
    OperatorLine.objects.create(user=operator, extension="12")
    login_staff(client, operator)
    switchboard.post(GENERIC, {"call_id": "a", "caller": "0612345678", "extension": "13"})
    assert "incoming-call" not in screen(client).content.decode()
    switchboard.post(GENERIC, {"call_id": "b", "caller": "0612345679", "extension": "12"})
    switchboard.post(GENERIC, {"call_id": "c", "caller": "0612345670"})
    page = screen(client).content.decode()
    assert "06 12 34 56 79" in page and "06 12 34 56 70" in page and "06 12 34 56 78" not in page


def test_a_file_outside_a_limited_operators_quartiers_is_not_named(client, switchboard):
    north, south = QuartierFactory(name="Nord", code="nord"), QuartierFactory(name="Sud", code="sud")
    ResidentFactory(first_name="Jeanne", last_name="Durand", phone="+33199001234", quartier=south)
    operator = staff_user(Role.OPERATOR)
    set_quartier_scope(operator, [north], by=staff_user(Role.ADMIN))
    login_staff(client, operator)
    switchboard.post(GENERIC, {"call_id": "c7", "caller": "0199001234"})
    page = screen(client).content.decode()
    assert "Appel entrant" in page and "Durand" not in page


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.PARTNER, Role.AUDITOR])
def test_other_roles_do_not_see_calls(client, role):
    login_staff(client, staff_user(role))
    assert screen(client).status_code == 404


def test_keys_can_be_given_the_telephony_scope_only_to_report():
    issued = make_key(role=Role.OPERATOR, scopes=["telephony:write", "telephony:read"])
    assert issued.key.scopes == ["telephony:write"]
