"""Load shedding (core/shedding.py, decision 0011): past VS_MAX_IN_FLIGHT requests in flight a request
is answered 503 at once, with Retry-After and a French page that keeps what was typed.

The limit is reached by holding the process's counter artificially (`held`), never by timing."""

import logging
import re
from html.parser import HTMLParser

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.volunteers.conftest import signup_data
from villesolidaire.core import shedding
from villesolidaire.core.shedding import SHED, LoadSheddingMiddleware, in_flight
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer

SIGNUP = "/devenir-volontaire/"
HOSTILE = "\"><script>alert(1)</script> & l'été"


@pytest.fixture(autouse=True)
def _signup_open():
    RecruitmentCall.objects.create(title="Appel ouvert")  # open from now on, without end


@pytest.fixture
def held(settings):
    """Shedding on with a limit of 2, and 2 requests already in flight in this process."""
    settings.VS_MAX_IN_FLIGHT = 2
    settings.VS_SHED_RETRY_AFTER = 10
    in_flight.count = 2
    yield
    in_flight.count = 0


class FormReader(HTMLParser):
    """The forms of a page: their method, action and (name, value) inputs, unescaped."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"method": attributes.get("method"), "action": attributes.get("action"), "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append((attributes.get("name"), attributes.get("value", ""), attributes["type"]))


def forms_of(response) -> list[dict]:
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader.forms


def shed_count(method: str) -> float:
    return SHED.labels(method)._value.get()


# A refused request ------------------------------------------------------------------------------


def test_a_get_over_the_limit_is_answered_503_at_once_without_the_database(client, held, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(SIGNUP + "?source=affiche")
    assert response.status_code == 503
    wait = int(response["Retry-After"])
    assert 10 <= wait <= 15  # VS_SHED_RETRY_AFTER plus up to half as much again
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Le service est très demandé en ce moment" in page
    assert f"Réessayez dans {wait} secondes" in page
    assert f'href="{SIGNUP}?source=affiche"' in page
    assert 'type="hidden"' not in page
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies


def test_a_refused_post_shows_back_every_value_escaped_and_saves_nothing(client, held):
    data = signup_data(first_name=HOSTILE, address="4 rue des Lilas\r\n2e étage")
    before = shed_count("POST")
    response = client.post(SIGNUP, data)

    assert response.status_code == 503
    assert Volunteer.objects.count() == 0
    assert shed_count("POST") == before + 1
    page = response.content.decode()
    assert "<script>alert(1)" not in page  # escaped, in the summary as in the hidden fields
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; l&#x27;été" in page
    assert "Votre envoi n'a pas encore été enregistré" in page
    (form,) = forms_of(response)
    assert form["method"] == "post" and form["action"] == SIGNUP
    sent_back = [(name, value) for name, value, kind in form["inputs"] if kind == "hidden"]
    expected = [
        (name, value) for name, values in data.items() for value in (values if isinstance(values, list) else [values])
    ]
    assert sorted(sent_back) == sorted(expected)


def test_the_summary_names_each_field_by_its_french_label(client, held):
    response = client.post(SIGNUP, signup_data(first_name="Camille", address="4 rue des Lilas"))
    summary = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", response.content.decode()))
    assert summary["Prénom"] == "Camille"
    assert summary["Adresse"] == "4 rue des Lilas"
    assert not any("_" in label for label in summary)  # no raw field name such as first_name


def test_sending_the_kept_form_again_once_the_surge_is_over_signs_the_person_up(held):
    client = Client(enforce_csrf_checks=True)
    in_flight.count = 0
    page = client.get(SIGNUP)
    assert page.status_code == 200
    token = next(value for name, value, _ in forms_of(page)[-1]["inputs"] if name == "csrfmiddlewaretoken")
    in_flight.count = 2
    refused = client.post(SIGNUP, {**signup_data(), "csrfmiddlewaretoken": token})
    assert refused.status_code == 503
    (form,) = forms_of(refused)
    assert ("csrfmiddlewaretoken", token) in [(name, value) for name, value, _ in form["inputs"]]

    in_flight.count = 0
    again: dict[str, list[str]] = {}
    for name, value, _ in form["inputs"]:
        again.setdefault(name, []).append(value)
    response = client.post(form["action"], again)
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:signup_thanks")
    assert Volunteer.objects.get().email == "camille.ndiaye@example.org"


def test_a_password_is_never_written_back(client, held):
    response = client.post(
        reverse("accounts:login"),
        {"username": "agent@example.org", "password": "S3cret-de-Camille", "otp_token": "123456"},
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "S3cret-de-Camille" not in page and "123456" not in page
    assert "votre mot de passe ou votre code n'a pas été conservé" in page
    (form,) = forms_of(response)
    assert [name for name, _, _ in form["inputs"]] == ["username"]


def test_an_unreadable_post_is_still_a_503_page_not_a_500(client, held, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = client.post(SIGNUP, {f"champ{i}": "x" for i in range(10)})
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 10
    assert "Votre envoi n'a pas été enregistré" in response.content.decode()
    assert forms_of(response) == []


def test_an_htmx_request_gets_the_503_and_retry_after(client, held):
    response = client.post(SIGNUP, signup_data(), headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 10


def test_refusals_are_logged_one_line_a_second_without_what_was_typed(client, held, caplog, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(shedding.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(shedding, "refusal_log", shedding.RefusalLog(every=1.0))
    with caplog.at_level(logging.WARNING):
        client.post(SIGNUP, signup_data(email="camille.secret@example.org"))  # logged at once
        client.get(SIGNUP)  # within the second: counted, not logged
        clock[0] += 0.5
        client.get(SIGNUP)
        clock[0] += 0.6
        client.get(SIGNUP)  # a second after the first line: logged, with the three since
    # Not also as ERRORs by django.request (each one would become a Sentry event in a surge).
    assert {r.name for r in caplog.records if r.levelno >= logging.WARNING} == {"villesolidaire.shedding"}
    first, second = [r for r in caplog.records if r.name == "villesolidaire.shedding"]
    assert (first.shed, first.method, first.path, first.limit) == (1, "POST", SIGNUP, 2)
    assert 10 <= first.retry_after <= 15
    assert (second.shed, second.method) == (3, "GET")
    assert "camille.secret" not in repr(first.__dict__)


def test_the_refusals_are_in_the_metrics(client, held, settings):
    settings.VS_METRICS_TOKEN = "jeton-de-test-des-metriques"
    client.get(SIGNUP)
    response = client.get("/metriques/", headers={"Authorization": "Bearer jeton-de-test-des-metriques"})
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    shed = next(line for line in lines if line.startswith('vs_http_requests_shed_total{method="GET"}'))
    assert float(shed.split()[-1]) >= 1
    assert any(line.startswith("vs_http_requests_in_flight ") for line in lines)


# Never refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sante/", "/metriques/", "/static/vs/css/app.css"])
def test_health_metrics_and_static_files_are_never_refused(client, held, path):
    before = shed_count("GET")
    response = client.get(path)
    assert "Retry-After" not in response
    assert shed_count("GET") == before


def test_shedding_off_lets_everything_through(client, held, settings):
    settings.VS_MAX_IN_FLIGHT = 0
    in_flight.count = 50
    assert client.get(SIGNUP).status_code == 200


# The counter ------------------------------------------------------------------------------------


def test_a_request_under_the_limit_is_counted_while_it_runs_and_released_after(settings):
    settings.VS_MAX_IN_FLIGHT = 2
    seen = []

    def view(request):
        seen.append(in_flight.count)
        raise RuntimeError("la vue échoue")

    middleware = LoadSheddingMiddleware(view)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().get(SIGNUP))
    assert seen == [1]
    assert in_flight.count == 0  # released even when the view fails


def test_the_limit_counts_requests_in_flight_not_requests_seen(settings):
    settings.VS_MAX_IN_FLIGHT = 1
    middleware = LoadSheddingMiddleware(lambda request: shedding.HttpResponse("ok"))
    statuses = [middleware(RequestFactory().get(SIGNUP)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]  # one after the other: never two at once
    in_flight.count = 1
    try:
        assert middleware(RequestFactory().get(SIGNUP)).status_code == 503
    finally:
        in_flight.count = 0


# Defaults (config/capacity.py, read by the settings and by gunicorn) ---------------------------


def test_shedding_is_off_in_debug_on_in_production_and_gunicorn_has_spare_threads(monkeypatch):
    from config.capacity import DEFAULT_MAX_IN_FLIGHT, max_in_flight, web_threads

    monkeypatch.delenv("VS_MAX_IN_FLIGHT", raising=False)
    monkeypatch.delenv("VS_WEB_THREADS", raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    assert max_in_flight(debug=True) == 0
    assert max_in_flight(debug=False) == DEFAULT_MAX_IN_FLIGHT >= 1
    assert web_threads() > DEFAULT_MAX_IN_FLIGHT
    monkeypatch.setenv("VS_MAX_IN_FLIGHT", "0")
    assert web_threads() == 2  # no shedding: gunicorn as before
    monkeypatch.setenv("VS_MAX_IN_FLIGHT", "3")
    monkeypatch.setenv("VS_WEB_THREADS", "12")
    assert (max_in_flight(debug=False), web_threads()) == (3, 12)


def test_a_refusal_server_refuses_every_request_but_health_and_static(client, settings):
    """VS_SHED_EVERY_REQUEST: the server nginx sends the requests over its limit to."""
    settings.VS_SHED_EVERY_REQUEST = True
    settings.VS_MAX_IN_FLIGHT = 0
    data = signup_data(first_name="Camille")
    response = client.post(SIGNUP, data)
    assert response.status_code == 503 and int(response["Retry-After"]) >= 10
    assert Volunteer.objects.count() == 0
    (form,) = forms_of(response)
    assert ("first_name", "Camille") in [(name, value) for name, value, _ in form["inputs"]]
    assert "Retry-After" not in client.get("/sante/")


def test_an_api_call_over_the_limit_gets_the_apis_json_error(client, held, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post("/api/v1/telephony/generic/calls/", '{"call_id": "x"}', content_type="application/json")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    wait = int(response["Retry-After"])
    assert response.json() == {
        "detail": f"Service très demandé : rien n'a été enregistré, réessayez dans {wait} secondes.",
        "errors": [],
    }
    assert response["Cache-Control"] == "no-store"
