"""Project-wide invariants: production refuses to start unconfigured, migrations in step with models.

`check --deploy` with the documented production environment: tests/test_deployment.py.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_data_key():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 50,
        "VS_DATA_KEYS": "",
    }
    env.pop("VS_TESTING", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "VS_DATA_KEYS" in result.stderr


def _plain_shell(tmp_path, **extra) -> dict[str, str]:
    """What a newcomer's shell holds: none of the project's variables (the Makefile's included)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "VS_", "DATABASE_"))}
    return {**env, "VS_VAR_DIR": str(tmp_path), **extra}


def _run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_manage_py_works_from_a_plain_shell_with_the_embedded_database(tmp_path):
    env = _plain_shell(tmp_path, VS_BIND="192.168.1.20:8111")
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        "from django.conf import settings as s; print(s.DEBUG, s.SITE_URL, ','.join(s.ALLOWED_HOSTS))"
    )
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "http://192.168.1.20:8111", "127.0.0.1,localhost,192.168.1.20"]
    # Before `make run` created the database, demo_logins says what to do, in French.
    result = _run(["manage.py", "demo_logins"], env)
    assert result.returncode != 0 and "lancez « make run »" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_production_marker_keeps_debug_off(tmp_path):
    """A database or a secret key set means a real deployment: no silent debug mode there."""
    for marker in ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}, {"DJANGO_SECRET_KEY": "x" * 50}):
        result = _run(["manage.py", "check"], _plain_shell(tmp_path, **marker))
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr or "VS_DATA_KEYS" in result.stderr


def test_models_and_migrations_are_in_step():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
