"""The reference deployment of docs/deployment.md runs as written.

gunicorn, started with config/gunicorn.conf.py and exactly the environment of deploy/env.example
(placeholders filled, database and folders pointed at the test's), answers /sante/ and sends the
security headers; `check --deploy` is clean with that environment; the files of deploy/ agree
with the code they configure.
"""

import json
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from config.deploy import ENV_EXAMPLE, PLACEHOLDER, production_env, read_env_file
from tests.factories import staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.core import redaction

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
HOST = production_env()["DJANGO_ALLOWED_HOSTS"].split(",")[0]
START_TIMEOUT = 25


def _clean(env: dict[str, str]) -> dict[str, str]:
    """`env` and nothing of the test run's own environment (test settings, VS_TESTING…) but PATH."""
    return {"PATH": os.environ["PATH"], **env}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _test_database_url() -> str:
    """The test database, reachable from another process (its committed rows)."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- The documented environment ----------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_documented_environment():
    result = _manage(_clean(production_env()), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_a_weakened_environment():
    """The check above can fail: without HSTS preload Django warns (W021) and the command exits non-zero."""
    result = _manage(
        _clean(production_env(DJANGO_SECURE_HSTS_PRELOAD="false")), "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    assert "security.W021" in result.stdout + result.stderr


def test_a_copy_of_the_example_left_unfilled_refuses_to_start():
    result = _manage(_clean(read_env_file()), "check")
    assert result.returncode != 0
    assert "Replace CHANGE_ME in" in result.stderr
    for name in ("DJANGO_SECRET_KEY", "VS_DATA_KEYS"):
        assert name in result.stderr


def test_every_placeholder_is_filled_with_a_new_value():
    example = read_env_file()
    first, second = production_env(), production_env()
    placeholders = {name for name, value in example.items() if PLACEHOLDER in value}
    assert {"DJANGO_SECRET_KEY", "VS_DATA_KEYS"} <= placeholders
    for name in placeholders:
        assert PLACEHOLDER not in first[name] and first[name] != second[name]
    assert {name: first[name] for name in example.keys() - placeholders} == {
        name: example[name] for name in example.keys() - placeholders
    }


def test_the_env_file_reader_takes_quotes_off_and_refuses_a_malformed_line(tmp_path):
    path = tmp_path / "env"
    path.write_text('# comment\n\nA=1\nB="two words <x@y.fr>"\n')
    assert read_env_file(path) == {"A": "1", "B": "two words <x@y.fr>"}
    path.write_text("A = 1\n")
    with pytest.raises(ValueError, match=":1: expected NAME=value"):
        read_env_file(path)


def test_every_variable_of_the_example_is_read_by_the_settings_and_documented():
    read_by_code = (ROOT / "config" / "settings.py").read_text() + (ROOT / "config" / "gunicorn.conf.py").read_text()
    documented = (ROOT / "docs" / "configuration.md").read_text()
    # Commented optional lines count too: they are part of what the town is told to set.
    names = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))
    assert len(names) > 20
    for name in names:
        assert f'"{name}"' in read_by_code, f"{name} is not read by config/settings.py"
        assert f"`{name}`" in documented, f"{name} is not in docs/configuration.md"


# -- The files of deploy/ ---------------------------------------------------------------------------------------


def _unit(name: str) -> str:
    return (DEPLOY / "systemd" / name).read_text()


def test_the_units_read_the_env_file_the_periodic_jobs_read():
    job_script = (ROOT / "scripts" / "job.sh").read_text()
    env_file = re.search(r'VS_ENV_FILE:-([^}"]+)', job_script).group(1)
    for unit in ("villesolidaire-web.service", "villesolidaire-worker.service"):
        assert f"EnvironmentFile={env_file}\n" in _unit(unit)


def test_the_web_unit_runs_gunicorn_with_the_project_config_and_the_worker_runs_the_task_queue():
    web = _unit("villesolidaire-web.service")
    config = re.search(r"gunicorn -c (\S+) config\.wsgi", web).group(1)
    assert (ROOT / config).is_file()
    assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/villesolidaire" in web
    assert "RuntimeDirectory=villesolidaire" in web
    assert "manage.py db_worker --queue-name default" in _unit("villesolidaire-worker.service")


def _key_paths(pattern: str) -> list[str]:
    """The link paths whose next segment is a key, in a masking regex (any segment class as <segment>)."""
    alternatives = re.search(r"\(\?:(reponse\|[^)]*)\)/", pattern).group(1)
    return re.sub(r"\[\^[^\]]*\]\+", "<segment>", alternatives).split("|")


def test_nginx_masks_the_link_keys_of_the_same_paths_as_the_application():
    nginx = (DEPLOY / "nginx" / "ville-solidaire.conf").read_text()
    assert _key_paths(nginx) == _key_paths(redaction._KEY_SEGMENT.pattern)
    assert "partenaires/mot-de-passe/<segment>" in _key_paths(nginx)
    # Forwarded headers as VS_TRUSTED_PROXIES=127.0.0.1 expects them, and no query string in the log.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    log_format = re.search(r"log_format vs_redacted (.*?);", nginx, flags=re.DOTALL).group(1)
    assert "$vs_logged_path" in log_format
    assert not re.search(r"\$(request_uri|request|args|query_string|http_referer)\b", log_format)


def test_the_container_health_check_sends_an_allowed_host(monkeypatch):
    sys.path.insert(0, str(DEPLOY / "docker"))
    try:
        import healthcheck
    finally:
        sys.path.remove(str(DEPLOY / "docker"))
    for allowed, host in (("solidaire.ma-ville.fr,x.fr", "solidaire.ma-ville.fr"), (".ma-ville.fr", "ma-ville.fr")):
        monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", allowed)
        assert healthcheck.allowed_host() == host
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "*")
    assert healthcheck.allowed_host() == "localhost"


# -- gunicorn with the production settings ----------------------------------------------------------------------


@pytest.fixture
def production_server(tmp_path):
    """gunicorn as villesolidaire-web.service starts it, on a free port, against the test database.

    Before it, what the documented setup has done: collectstatic, and the worker has run the
    heartbeat task (`manage.py worker_heartbeat` every minute, `db_worker` running).
    Yields (base URL, path of gunicorn's output); gunicorn is stopped after the test.
    """
    if connection.vendor != "postgresql":
        pytest.skip("the documented production database is PostgreSQL")
    port = _free_port()
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    env = _clean(
        production_env(
            DATABASE_URL=_test_database_url(),
            VS_VAR_DIR=str(tmp_path / "var"),
            DJANGO_STATIC_ROOT=str(tmp_path / "static"),
            VS_BACKUP_DIR=str(tmp_path / "backups"),
            PROMETHEUS_MULTIPROC_DIR=str(metrics),
            VS_BIND=f"127.0.0.1:{port}",
            VS_WEB_WORKERS="1",
        )
    )
    # collectstatic beside the heartbeat (enqueued, then run by one pass of the worker).
    collectstatic = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for command in (("worker_heartbeat",), ("db_worker", "--batch", "--no-startup-delay")):
        result = _manage(env, *command)
        assert result.returncode == 0, result.stdout + result.stderr
    collected, _ = collectstatic.communicate(timeout=120)
    assert collectstatic.returncode == 0, collected
    output = tmp_path / "gunicorn.log"
    with output.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None, output.read_text()
            try:
                requests.get(f"{base}/sante/", headers={"Host": HOST}, timeout=10)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not answer in time:\n" + output.read_text()
                time.sleep(0.2)
        yield base, output
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _set_cookies(response: requests.Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, flags included."""
    return {header.split("=", 1)[0]: header for header in response.raw.headers.getlist("Set-Cookie")}


@pytest.mark.postgres_only
@pytest.mark.single_town_only(
    reason="starts a single-town production server on the test database, whose town tables are in the town's schema"
)
@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_the_production_settings_is_healthy_and_sends_the_security_headers(production_server):
    base, output = production_server
    https = {"Host": HOST, "X-Forwarded-Proto": "https"}  # as nginx sends them (deploy/nginx/ville-solidaire.conf)

    health = requests.get(f"{base}/sante/", headers={"Host": HOST}, timeout=10)
    assert health.status_code == 200, health.text
    assert health.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "task_queue": "ok", "worker_heartbeat": "ok"},
    }

    # Plain HTTP is sent to HTTPS; an unknown host name is refused.
    plain = requests.get(f"{base}/comptes/connexion/", headers={"Host": HOST}, allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{HOST}/comptes/connexion/"
    other_host = requests.get(f"{base}/comptes/connexion/", headers={**https, "Host": "evil.example"}, timeout=10)
    assert other_host.status_code == 400

    page = requests.get(f"{base}/comptes/connexion/?jeton=SECRET-QUERY-KEY", headers=https, timeout=10)
    assert page.status_code == 200
    headers = page.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    csrf_cookie = _set_cookies(page)["csrftoken"]
    assert "; Secure" in csrf_cookie and "SameSite=Lax" in csrf_cookie

    # The stylesheet under its hashed name, from the collected static files (whitenoise).
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text).group(1)
    css = requests.get(f"{base}{stylesheet}", headers=https, timeout=10)
    assert css.status_code == 200 and "immutable" in css.headers["Cache-Control"]

    # A staff password login opens a session whose cookie is Secure and HttpOnly.
    user = staff_user(Role.COORDINATOR)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode("mot-de-passe-de-test-1", hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    token = csrf_cookie.split(";", 1)[0].split("=", 1)[1]
    login = requests.post(
        f"{base}/comptes/connexion/",
        data={"username": user.email, "password": "mot-de-passe-de-test-1", "csrfmiddlewaretoken": token},
        headers={**https, "Cookie": f"csrftoken={token}", "Origin": f"https://{HOST}"},
        allow_redirects=False,
        timeout=30,
    )
    assert login.status_code == 302, login.text
    session_cookie = _set_cookies(login)["sessionid"]
    assert "; Secure" in session_cookie and "; HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie

    # The logs (gunicorn's access line and the application's JSON lines) hold no query string.
    time.sleep(0.5)
    log = output.read_text()
    assert "/comptes/connexion/" in log
    assert "SECRET-QUERY-KEY" not in log
    application_lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/comptes/connexion/" and line.get("status") == 200 for line in application_lines)


def _documented_jobs() -> set[str]:
    """The periodic jobs of docs/operations.md's job table (backups aside: their own schedule)."""
    table = (ROOT / "docs" / "operations.md").read_text()
    return set(re.findall(r"^\| `([a-z_]+)` \| (?:every|daily)", table, flags=re.M))


def test_every_documented_periodic_job_runs_in_the_container_loop_the_cron_lines_and_the_systemd_timers():
    jobs = _documented_jobs()
    assert {"purge_register", "anonymise_inactive_volunteers", "worker_heartbeat"} <= jobs
    loop = set(re.findall(r"^\s+(?:.*; then )?run ([a-z_]+)", (DEPLOY / "docker" / "jobs.sh").read_text(), flags=re.M))
    operations = (ROOT / "docs" / "operations.md").read_text()
    cron = set(re.findall(r"\$JOB ([a-z_]+)", operations))
    timers = set(re.findall(r"villesolidaire-[a-z0-9-]+@([a-z_]+)\.timer", operations))
    assert jobs - loop == set()
    assert jobs - cron == set()
    assert jobs - timers == set()


def test_the_development_loop_runs_every_documented_periodic_job():
    dev_loop = set(re.findall(r"manage\.py ([a-z_]+)", (ROOT / "scripts" / "run_dev.sh").read_text()))
    # A demo's task table stays small: pruning it is for servers that run for months.
    assert _documented_jobs() - dev_loop == {"prune_db_task_results"}


def test_nginx_hands_the_requests_over_its_limit_to_the_refusal_server():
    """deploy/nginx, the refusal server's unit and compose agree (docs/operations.md « Surges »)."""
    site = (ROOT / "deploy" / "nginx" / "ville-solidaire.conf").read_text()
    unit = (ROOT / "deploy" / "systemd" / "villesolidaire-shed.service").read_text()
    compose = (ROOT / "compose.yaml").read_text()
    refusals = re.search(r"upstream villesolidaire_refusals \{\s*server ([0-9.:]+);", site).group(1)
    assert f"Environment=VS_BIND={refusals}" in unit
    assert "Environment=VS_SHED_EVERY_REQUEST=true" in unit
    assert f'"{refusals}:8000"' in compose and 'VS_SHED_EVERY_REQUEST: "true"' in compose
    # Its workers are never replaced (a replacement is a 1.3 s boot in the middle of a surge).
    assert "Environment=VS_MAX_REQUESTS=0" in unit and 'VS_MAX_REQUESTS: "0"' in compose
    main = re.findall(r"location / \{(.*?)\n    \}", site, flags=re.DOTALL)[-1]  # the TLS server's
    assert "limit_conn vs_in_flight" in main and "limit_conn_status 503;" in main
    assert "error_page 503 = @refusals;" in main
    assert "proxy_intercept_errors on" not in site  # the application's own 503s pass untouched
    for path in ("/sante/", "/metriques/"):  # never refused
        block = re.search(rf"location = {path} \{{(.*?)\}}", site, flags=re.DOTALL).group(1)
        assert "limit_conn" not in block and "proxy_pass http://villesolidaire;" in block


@pytest.mark.parametrize(("value", "expected"), [(None, (2000, 200)), ("0", (0, 0)), ("10000", (10000, 1000))])
def test_gunicorn_replaces_workers_after_vs_max_requests(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("VS_MAX_REQUESTS", raising=False)
    else:
        monkeypatch.setenv("VS_MAX_REQUESTS", value)
    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert (conf["max_requests"], conf["max_requests_jitter"]) == expected
