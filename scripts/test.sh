#!/usr/bin/env bash
# `make test`: ruff (format and lint) first, then the suite on SQLite, then on PostgreSQL: the tests only a
# single town on PostgreSQL can run, the browser tests, the many-towns tests (tests/hosting with
# VS_MULTI_TOWN=true, decision 0014), and the whole suite inside one town's schema (VS_TEST_SUITE_IN_TOWN=true).
# A ruff finding stops the run: the tests are not started.
# In CI (CI=true) PostgreSQL, Chromium and Redis (db 5, VS_TEST_REDIS_URL) are required: their absence is a
# failure, not a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/villesolidaire}"
RUFF=.venv/bin/ruff
status=0

echo "== Lint : ruff format --check, ruff check =="
lint=0
$RUFF format --check . || lint=1
$RUFF check . || lint=1
if [ $lint -ne 0 ]; then
  echo "ÉCHEC : ruff signale des problèmes de format ou de lint (détail ci-dessus) ; les tests ne sont pas lancés."
  echo "Corrigez-les : $RUFF format .  puis  $RUFF check . (--fix pour les corrections sûres)."
  echo "FAILED: ruff found formatting or lint problems (see above); tests not run."
  exit 1
fi

echo "== Tests sur SQLite =="
DATABASE_URL="sqlite:///:memory:" $PY -m pytest -q -n 2 -m "not browser and not postgres_only" || status=1

if $PY - "$PG_URL" <<'PYEOF'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception:
    sys.exit(1)
PYEOF
then
  # Decision 0021: the whole suite runs on PostgreSQL once, inside a town's schema (last pass); as a
  # single town, PostgreSQL runs what only it can run (concurrency, SQL functions, the schemathesis
  # run of the API: postgres_only; backups, migrations, the production server: single_town_only).
  echo "== Tests sur PostgreSQL, une seule commune (postgres_only, single_town_only) =="
  DATABASE_URL="$PG_URL" $PY -m pytest -q -n 2 -m "(postgres_only or single_town_only) and not browser" || status=1
  echo "== Tests navigateur (PostgreSQL) =="
  DATABASE_URL="$PG_URL" $PY -m pytest -q -m browser || status=1
  echo "== Plusieurs communes sur un déploiement (PostgreSQL, VS_MULTI_TOWN=true) =="
  VS_MULTI_TOWN=true DATABASE_URL="$PG_URL" $PY -m pytest -q -n 2 tests/hosting || status=1
  echo "== La suite entière dans le schéma d'une commune (VS_MULTI_TOWN=true, VS_TEST_SUITE_IN_TOWN=true) =="
  VS_MULTI_TOWN=true VS_TEST_SUITE_IN_TOWN=true DATABASE_URL="$PG_URL" \
    $PY -m pytest -q -n 2 -m "not browser" || status=1
else
  echo "PostgreSQL injoignable sur $PG_URL."
  if [ "${CI:-}" = "true" ]; then status=1; else echo "(hors CI : tests PostgreSQL et navigateur non lancés)"; fi
fi
exit $status
