"""Operations (docs/operations.md, « Monitoring »): health endpoint, request ids and JSON logs, metrics, Sentry."""

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker

from tests.factories import login_staff, staff_user
from villesolidaire.core.models import WorkerHeartbeat
from villesolidaire.core.observability import JsonFormatter, RequestIdFilter, request_id_var
from villesolidaire.core.tasks import heartbeat
from villesolidaire.notifications.models import Channel, Message, MessageStatus

ROOT = Path(__file__).resolve().parent.parent.parent
HEALTH = "/sante/"
METRICS = "/metriques/"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def worker_tasks(settings):
    """Tasks wait for a worker in the database, as in production (the suite runs them at once)."""
    settings.TASKS = DATABASE_TASKS


def _beat(ago: timedelta) -> None:
    WorkerHeartbeat.objects.update_or_create(queue_name="default", defaults={"beat_at": timezone.now() - ago})


# -- Health -------------------------------------------------------------------------------------------------------


def test_health_answers_200_in_json_without_login(client):
    response = client.get(HEALTH, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    # Without a worker (tasks run at once), only the database and the migrations are checked.
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    assert reverse("core:health") == HEALTH


def test_health_with_a_worker_checks_queue_and_heartbeat(client, worker_tasks):
    _beat(timedelta(seconds=30))
    response = client.get(HEALTH)
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "task_queue": "ok",
        "worker_heartbeat": "ok",
    }


def test_health_is_503_when_the_database_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("could not connect to server: secret-host.internal:5432")

    monkeypatch.setattr(connection, "temporary_connection", broken)
    response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable", "migrations": "ok"}}
    assert b"secret-host" not in response.content


def test_health_is_503_with_an_unapplied_migration(client):
    MigrationRecorder.Migration.objects.filter(app="core").delete()
    response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "unavailable"


def test_health_is_503_without_a_recent_worker_heartbeat(client, worker_tasks, settings):
    settings.VS_HEALTH_WORKER_MAX_AGE = 300
    response = client.get(HEALTH)  # never beat
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "migrations": "ok", "task_queue": "ok", "worker_heartbeat": "not_seen_yet"},
    }
    _beat(timedelta(seconds=301))
    assert client.get(HEALTH).json()["checks"]["worker_heartbeat"] == "unavailable"
    _beat(timedelta(seconds=5))
    assert client.get(HEALTH).status_code == 200


def test_a_heartbeat_not_seen_yet_is_logged_in_one_line_without_a_traceback(client, worker_tasks, caplog):
    """Until the worker's first heartbeat, every probe logged a traceback (a failed check): it is
    expected after an install, so one French line says it; a stale heartbeat is still a failure."""
    with caplog.at_level(logging.WARNING, logger="health_check"):
        for _ in range(2):
            assert client.get(HEALTH).status_code == 503
    lines = [record for record in caplog.records if record.name == "health_check"]
    assert len(lines) == 2 and all(record.exc_info is None for record in lines)
    assert "aucun battement du worker pour l'instant" in lines[0].getMessage()
    caplog.clear()
    _beat(timedelta(days=1))
    with caplog.at_level(logging.WARNING, logger="health_check"):
        assert client.get(HEALTH).json()["checks"]["worker_heartbeat"] == "unavailable"
    assert [record.exc_info is not None for record in caplog.records if record.name == "health_check"] == [True]


def test_the_worker_heartbeat_comes_from_the_task_the_command_enqueues(client, worker_tasks, monkeypatch):
    # The worker drops stale connections between tasks: not the test's, which holds its transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("worker_heartbeat", verbosity=0)
    assert not WorkerHeartbeat.objects.exists()  # waiting for the worker
    assert client.get(HEALTH).json()["checks"]["worker_heartbeat"] == "not_seen_yet"
    call_command("db_worker", batch=True, verbosity=0)  # the worker takes the queue and exits
    assert WorkerHeartbeat.objects.get().beat_at > timezone.now() - timedelta(minutes=1)
    assert client.get(HEALTH).status_code == 200


def test_health_is_503_when_too_many_tasks_wait(client, worker_tasks, settings):
    settings.VS_HEALTH_MAX_QUEUE_DEPTH = 2
    _beat(timedelta(seconds=1))
    for _ in range(3):
        heartbeat.enqueue()
    response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] == "unavailable"
    settings.VS_HEALTH_MAX_QUEUE_DEPTH = 0  # not checked
    assert "task_queue" not in client.get(HEALTH).json()["checks"]


# -- Request ids and logs -----------------------------------------------------------------------------------------


def test_a_well_formed_request_id_is_kept_and_echoed(client):
    response = client.get("/", HTTP_X_REQUEST_ID="3f1c2a9e-4b7d-4c1e-9a0b-1234567890ab")
    assert response["X-Request-ID"] == "3f1c2a9e-4b7d-4c1e-9a0b-1234567890ab"


@pytest.mark.parametrize("header", ["", "short", "has space inside", "bad\u00e9char-123456", "x" * 200, "<script>xx"])
def test_a_malformed_or_missing_request_id_is_replaced(client, header):
    response = client.get("/", HTTP_X_REQUEST_ID=header)
    generated = response["X-Request-ID"]
    assert generated != header and len(generated) == 32 and int(generated, 16) >= 0


def test_each_request_gets_its_own_id(client):
    assert client.get("/")["X-Request-ID"] != client.get("/")["X-Request-ID"]


def _json_line(record: logging.LogRecord) -> dict:
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def test_the_access_line_is_one_json_object_without_the_query_string(client, caplog):
    user = staff_user()
    login_staff(client, user)
    with caplog.at_level(logging.INFO, logger="villesolidaire.request"):
        client.get("/?jeton=secret-token&q=1", HTTP_X_REQUEST_ID="req-0123456789")
    (record,) = [r for r in caplog.records if r.name == "villesolidaire.request"]
    line = _json_line(record)
    assert set(line) == {
        "time", "level", "logger", "message", "request_id", "method", "path", "status", "duration_ms", "user_id"
    }  # fmt: skip
    assert line["level"] == "INFO" and line["logger"] == "villesolidaire.request"
    assert line["request_id"] == "req-0123456789"
    assert (line["method"], line["path"], line["status"], line["user_id"]) == ("GET", "/", 302, user.pk)
    assert line["message"] == "GET / 302"
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")
    assert "secret-token" not in json.dumps(line)


def test_the_access_line_masks_the_key_of_a_no_login_link(client, caplog):
    with caplog.at_level(logging.INFO, logger="villesolidaire.request"):
        client.get("/reponse/cle-secrete-du-lien/")
    (record,) = [r for r in caplog.records if r.name == "villesolidaire.request"]
    line = _json_line(record)
    assert "cle-secrete-du-lien" not in json.dumps(line)
    assert line["path"].startswith("/reponse/")


def test_an_anonymous_request_has_no_user_id_and_health_probes_are_quiet(client, caplog):
    with caplog.at_level(logging.INFO, logger="villesolidaire.request"):
        client.get("/accessibilite/")
        client.get(HEALTH)
    (record,) = [r for r in caplog.records if r.name == "villesolidaire.request"]
    assert (record.path, record.user_id) == ("/accessibilite/", None)


def test_every_log_line_of_a_request_carries_its_id(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/page-qui-n-existe-pas/?jeton=abc", HTTP_X_REQUEST_ID="req-not-found-1")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    line = _json_line(record)
    assert line["request_id"] == "req-not-found-1"
    assert "jeton" not in json.dumps(line)  # Django's `request` extra (with its query string) is left out
    assert request_id_var.get() == "-"  # forgotten once the response is closed


def _settings_of(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env}
    script = f"import django; django.setup(); from django.conf import settings; {code}"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_log_format_is_text_in_debug_and_json_otherwise():
    assert _settings_of({"DJANGO_DEBUG": "true"}, "print(settings.VS_LOG_FORMAT)").stdout.strip() == "text"
    assert _settings_of({"DJANGO_DEBUG": "false"}, "print(settings.VS_LOG_FORMAT)").stdout.strip() == "json"
    refused = _settings_of({"VS_LOG_FORMAT": "xml"}, "")
    assert refused.returncode != 0 and "VS_LOG_FORMAT" in refused.stderr


def test_the_configured_json_log_writes_one_object_per_line():
    # An empty database: the health check answers 503, which Django logs too, after the access line.
    # Always an empty one, of one town, whatever database and mode the suite runs on: logs are the subject.
    code = (
        "import logging; logging.getLogger('villesolidaire.request').setLevel(logging.DEBUG); "
        "from django.test import Client; Client().get('/sante/?jeton=zzz', HTTP_X_REQUEST_ID='req-subprocess-1')"
    )
    empty = {"DATABASE_URL": "sqlite:///:memory:", "VS_MULTI_TOWN": "false"}
    result = _settings_of({"VS_LOG_FORMAT": "json", **empty}, code)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    by_logger = {line["logger"]: line for line in lines}
    access = by_logger["villesolidaire.request"]
    assert (access["request_id"], access["path"], access["status"]) == ("req-subprocess-1", "/sante/", 503)
    assert by_logger["django.request"]["request_id"] == "req-subprocess-1"
    assert "zzz" not in result.stderr


# -- Metrics ------------------------------------------------------------------------------------------------------


def test_metrics_are_refused_without_a_token_or_an_allowed_address(client, settings):
    settings.VS_METRICS_TOKEN = ""
    settings.VS_METRICS_ALLOWED_IPS = []
    assert client.get(METRICS).status_code == 404
    settings.VS_METRICS_TOKEN = "a-long-scrape-token"
    assert client.get(METRICS).status_code == 404
    assert client.get(METRICS, HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 404
    assert client.get(METRICS, HTTP_AUTHORIZATION="a-long-scrape-token").status_code == 404
    settings.VS_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]  # the test client is 127.0.0.1
    assert client.get(METRICS).status_code == 404


def test_metrics_judge_the_client_behind_the_trusted_proxy_not_the_proxy(client, settings):
    settings.VS_METRICS_TOKEN = ""
    settings.VS_TRUSTED_PROXIES = ["127.0.0.1"]  # the test client is the proxy
    settings.VS_METRICS_ALLOWED_IPS = ["127.0.0.0/8"]
    assert client.get(METRICS, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404
    settings.VS_METRICS_ALLOWED_IPS = ["203.0.113.0/24"]
    assert client.get(METRICS, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 200


def test_metrics_with_the_token_expose_the_named_metrics(client, settings, worker_tasks):
    settings.VS_METRICS_TOKEN = "a-long-scrape-token"
    Message.objects.create(
        channel=Channel.SMS, recipient="+33612345678", body="x", kind="t", status=MessageStatus.FAILED
    )
    heartbeat.enqueue()
    _beat(timedelta(seconds=42))
    client.get("/accessibilite/")
    response = client.get(METRICS, HTTP_AUTHORIZATION="Bearer a-long-scrape-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'vs_http_requests_total{method="GET",status="200",view="core:accessibility"}' in text
    assert 'vs_http_request_duration_seconds_bucket{le="0.5",method="GET",view="core:accessibility"}' in text
    assert "vs_messages_failed 1.0" in text
    assert "vs_tasks_ready 1.0" in text
    assert "vs_tasks_failed 0.0" in text
    assert "vs_worker_heartbeat_age_seconds 4" in text  # 42.x seconds
    assert "+33612345678" not in text


def test_metrics_from_an_allowed_address(client, settings):
    settings.VS_METRICS_TOKEN = ""
    settings.VS_METRICS_ALLOWED_IPS = ["192.0.2.10", "127.0.0.0/8"]
    response = client.get(METRICS)
    assert response.status_code == 200
    assert "vs_messages_failed" in response.content.decode()
    assert "vs_tasks_ready" not in response.content.decode()  # no database queue when tasks run at once


def test_a_malformed_allowed_address_stops_the_server():
    result = _settings_of({"VS_METRICS_ALLOWED_IPS": "10.0.0.0/8,not-an-address"}, "")
    assert result.returncode != 0 and "VS_METRICS_ALLOWED_IPS" in result.stderr


# -- Sentry -------------------------------------------------------------------------------------------------------


def test_sentry_is_off_by_default():
    result = _settings_of(
        {"SENTRY_DSN": ""}, "import sentry_sdk; print(settings.SENTRY_DSN == '', sentry_sdk.get_client().is_active())"
    )
    assert result.stdout.split() == ["True", "False"], result.stderr


def test_sentry_when_configured_sends_no_personal_data():
    code = (
        "import sentry_sdk; o = sentry_sdk.get_client().options; "
        "print(sentry_sdk.get_client().is_active(), o['send_default_pii'], o['max_request_body_size'], "
        "o['include_local_variables'])"
    )
    result = _settings_of({"SENTRY_DSN": "https://public@sentry.invalid/1"}, code)
    assert result.stdout.split() == ["True", "False", "never", "False"], result.stderr


def test_an_unreachable_redis_queue_leaves_the_other_metrics_and_fails_the_health_check(client, settings):
    """Redis down: /metriques/ still answers with what it knows and says the queue is unreachable;
    /sante/ is 503 (nothing silently lost)."""
    settings.VS_METRICS_TOKEN = "a-long-scrape-token"
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "SOCKET_CONNECT_TIMEOUT": 1}}
    settings.TASKS = {"default": {"BACKEND": "villesolidaire.core.rq_tasks.TownRQBackend", "QUEUES": ["default"]}}
    response = client.get(METRICS, HTTP_AUTHORIZATION="Bearer a-long-scrape-token")
    assert response.status_code == 200
    body = response.content.decode()
    assert "vs_messages_failed" in body and "vs_tasks_queue_unreachable 1.0" in body
    assert "vs_tasks_ready" not in body
    health = client.get("/sante/", HTTP_ACCEPT="application/json")
    assert health.status_code == 503
