"""An existing single-town installation becomes a multi-town host in place (`adopt_single_town`).

Runs the real commands in subprocesses on a scratch database of its own: a single-town install
(migrate, demo town), then the adoption with VS_MULTI_TOWN=true; the register written before is
read back, decrypted, inside the town's schema, and the host's tables are in public.
"""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
READ_REGISTER = (
    "from villesolidaire.register.models import RegisterEntry as R; "
    "e = R.objects.order_by('pk').first(); print(R.objects.count(), e.pk, e.last_name, e.phone)"
)


def _server_url() -> str:
    settings = connection.settings_dict
    return f"postgresql://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"


@pytest.fixture
def scratch_database():
    name = f"vs_adoption_{os.getpid()}"
    server = _server_url()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _manage(database_url: str, *args: str, multi_town: bool) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VS_", "DJANGO_", "DATABASE_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": database_url,
        "VS_DATA_KEYS": KEY,
        "VS_VAR_DIR": str(ROOT / "var" / "test-adoption"),
        "VS_MULTI_TOWN": "true" if multi_town else "false",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


KEY = Fernet.generate_key().decode()


def test_a_single_town_installation_becomes_the_first_town_of_a_host(scratch_database):
    for step in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
        done = _manage(scratch_database, *step, multi_town=False)
        assert done.returncode == 0, done.stderr[-2000:]
    before = _manage(scratch_database, "shell", "-c", READ_REGISTER, multi_town=False)
    assert before.returncode == 0, before.stderr[-2000:]

    adopted = _manage(
        scratch_database, "adopt_single_town", "--schema", "town_val", "--domain", "val.villes.test", multi_town=True
    )
    assert adopted.returncode == 0, adopted.stderr[-2000:]
    assert "est maintenant la commune town_val" in adopted.stdout

    after = _manage(
        scratch_database, "tenant_command", "shell", "--schema=town_val", "-c", READ_REGISTER, multi_town=True
    )
    assert after.returncode == 0, after.stderr[-2000:]
    assert after.stdout.strip().splitlines()[-1] == before.stdout.strip().splitlines()[-1]

    with psycopg.connect(scratch_database) as db:
        assert db.execute(
            "SELECT schema_name, name FROM public.hosting_tenant WHERE schema_name = 'town_val'"
        ).fetchone()
        assert db.execute("SELECT domain FROM public.hosting_domain").fetchall() == [("val.villes.test",)]
        assert db.execute("SELECT to_regclass('public.territory_town')").fetchone() == (None,)
        assert db.execute("SELECT count(*) FROM town_val.territory_town").fetchone() == (1,)
        # The host's queue and heartbeats exist once, in public: no copy in the town hides them.
        for table in ("django_tasks_database_dbtaskresult", "core_workerheartbeat"):
            assert db.execute("SELECT to_regclass(%s)", [f"town_val.{table}"]).fetchone() == (None,)
            assert db.execute("SELECT to_regclass(%s)", [f"public.{table}"]).fetchone() != (None,)

    again = _manage(
        scratch_database,
        "adopt_single_town",
        "--schema",
        "town_autre",
        "--domain",
        "autre.villes.test",
        multi_town=True,
    )
    assert again.returncode != 0
    assert "déjà multi-communes" in again.stderr
