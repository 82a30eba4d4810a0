#!/usr/bin/env bash
# `make bench`: matching, public sign-up throughput and a surge at five times it (load shedding),
# one then two application servers and task workers (Redis queue) behind nginx,
# request-list timings, the volunteer list and the bilan at 100 000 volunteers and requests, register name search,
# register campaigns, who to tell about a one-off need, the public partners map,
# many towns on one deployment (create_town, one town's pages with 100 towns).
# Writes bench/results.json and docs/benchmarks.md. Reports figures; never fails on a timing.
# Uses its own databases (PostgreSQL villesolidaire_bench and villesolidaire_bench_towns, SQLite
# var/bench.sqlite3), created fresh on each run; the development database is not touched. About 12 to 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PG_URL="$PG_SERVER/villesolidaire_bench"
# Many towns on one deployment (bench/towns.py): django-tenants, the towns' domains admitted, and
# the tasks' multi-town backend (the plain one exported below would drop the town of a task).
TOWNS_URL="$PG_SERVER/villesolidaire_bench_towns"
TOWNS_TASKS=villesolidaire.core.tenancy.TownDatabaseBackend
SQLITE_FILE="$PWD/var/bench.sqlite3"
SQLITE_URL="sqlite:///$SQLITE_FILE"

# Production-like settings: DEBUG off, manifest static files, database task queue.
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="bench-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,testserver
export VS_DATA_KEYS="$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' 2>/dev/null || true)"
export DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false DJANGO_SECURE_HSTS_SECONDS=0
export VS_TASKS_BACKEND=django_tasks_db.DatabaseBackend
export DJANGO_STATIC_ROOT="$PWD/var/bench-static"
export VS_VAR_DIR="$PWD/var/bench-data"
export DJANGO_LOG_LEVEL=WARNING
export PYTHONUNBUFFERED=1

# The load tool is a Debian package; install it when we can (root, as on CI machines).
if ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || true
fi
command -v wrk >/dev/null || { echo "wrk introuvable : installez le paquet Debian 'wrk' (sudo apt-get install wrk)." >&2; exit 1; }
# nginx for the surge behind the shipped proxy configuration (bench/surge.py); without it that
# surge is skipped with a message and only the one on gunicorn alone is measured.
if ! command -v nginx >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 || true
  # The package starts a server on port 80 that the bench does not need.
  (command -v systemctl >/dev/null && systemctl stop nginx 2>/dev/null) || nginx -s stop 2>/dev/null || true
fi
$PY - "$PG_SERVER" <<'PYEOF' || { echo "PostgreSQL injoignable sur $PG_SERVER (variable PG_SERVER)." >&2; exit 1; }
import sys, psycopg
psycopg.connect(sys.argv[1] + "/postgres", connect_timeout=3).close()
PYEOF

started=$(date +%s)
# Other work on the machine skews every figure: the report prints the load average seen here.
export BENCH_LOADAVG="$(cut -d" " -f1-3 /proc/loadavg)"
# Hosts of the same kind differ in speed: a fixed pure-Python workload (best of 3) lets runs
# made on different days be compared.
export BENCH_CPU_REFERENCE="$($PY -c 'import timeit; print(round(min(timeit.repeat("sum(i * i for i in range(10**7))", number=1, repeat=3)), 2))')"
rm -rf var/bench && mkdir -p var/bench
echo "== Préparation : fichiers statiques, bases de banc d'essai =="
$PY manage.py collectstatic --no-input -v0

$PY - "$PG_SERVER" <<'PYEOF'
import sys, psycopg
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True, connect_timeout=5) as connection:
    connection.execute("DROP DATABASE IF EXISTS villesolidaire_bench WITH (FORCE)")
    connection.execute("CREATE DATABASE villesolidaire_bench")
    connection.execute("DROP DATABASE IF EXISTS villesolidaire_bench_towns WITH (FORCE)")
    connection.execute("CREATE DATABASE villesolidaire_bench_towns")
PYEOF
rm -f "$SQLITE_FILE" "$SQLITE_FILE-wal" "$SQLITE_FILE-shm"
for url in "$SQLITE_URL" "$PG_URL"; do
  DATABASE_URL="$url" $PY manage.py migrate --no-input -v0
  # The demo town gives quartiers, BAN addresses, an open recruitment call and categories.
  DATABASE_URL="$url" $PY manage.py seed_demo --seed 1 >/dev/null
done
# The host's tables only: bench/towns.py times the template schema and the towns itself.
DATABASE_URL="$TOWNS_URL" VS_MULTI_TOWN=true DJANGO_ALLOWED_HOSTS="$DJANGO_ALLOWED_HOSTS,.bench.test" VS_TASKS_BACKEND="$TOWNS_TASKS" \
  $PY manage.py migrate_schemas --shared -v0

echo "== Mise en relation : top 20 parmi 10 000 puis 100 000 volontaires =="
DATABASE_URL="$SQLITE_URL" $PY bench/matching.py --label sqlite --sizes 10000 100000
DATABASE_URL="$PG_URL" $PY bench/matching.py --label postgresql --sizes 10000 100000

echo "== Besoins ponctuels : qui prévenir parmi 100 000 volontaires =="
DATABASE_URL="$PG_URL" $PY bench/needs_selection.py --label postgresql --sizes 100000

echo "== Liste des demandes (/gestion/demandes/) avec 10 000 demandes =="
DATABASE_URL="$PG_URL" $PY bench/request_list.py --requests 10000 --samples 200

echo "== API : listes à 10 000 demandes et fiches, appel entrant jusqu'à l'écran de l'opérateur·rice =="
# Shedding off: the screen and the switchboard are two threads of one process here, two clients of
# the servers in a town (each worker would count them as one request in flight).
DATABASE_URL="$PG_URL" VS_MAX_IN_FLIGHT=0 $PY bench/api.py --samples 200 --calls 100

# Before the campaigns: its 20 000 entries carry compound names, accents and particles, and the
# campaigns bench then finds its 20 000 entries already there.
echo "== Registre : recherche par nom parmi 20 000 inscriptions chiffrées, 5 000 noms avec fautes de frappe =="
DATABASE_URL="$SQLITE_URL" $PY bench/register_search.py --label sqlite --entries 20000 --queries 5000
DATABASE_URL="$PG_URL" $PY bench/register_search.py --label postgresql --entries 20000 --queries 5000

echo "== Registre : campagne sur 20 000 inscriptions, « appel suivant » avec 20 appelant·es =="
DATABASE_URL="$PG_URL" $PY bench/campaigns.py --entries 20000 --callers 20 --calls-each 25 --runs 3

echo "== Veille du jour (/gestion/veille/) sur les données du banc d'essai =="
DATABASE_URL="$PG_URL" $PY bench/operations_view.py --samples 200

echo "== Bilan (/gestion/bilan/) et son PDF sur les données du banc d'essai =="
DATABASE_URL="$PG_URL" $PY bench/bilan.py --samples 100 --pdf-samples 20

echo "== Carte des partenaires (/cartographie/) avec 2 000 services =="
DATABASE_URL="$PG_URL" $PY bench/partners_map.py --services 2000 --samples 200

# After the bilan: it grows the requests to 100 000 (the request list and the bilan above are
# measured on 10 000) and reuses matching's 100 000 volunteers and bilan's histories.
echo "== Liste des volontaires et bilan (tableau de bord) à 100 000 volontaires et 100 000 demandes =="
DATABASE_URL="$PG_URL" $PY manage.py fold_volunteer_counts
DATABASE_URL="$PG_URL" $PY bench/volunteer_list.py --volunteers 100000 --requests 100000 --samples 200

echo "== Inscriptions publiques sous gunicorn, charge wrk depuis 127.0.0.1, à côté de deux vues nues =="
DATABASE_URL="$PG_URL" $PY bench/signup.py --duration 10 --rounds 3 --connections 10

echo "== Afflux : inscriptions à 5 × la capacité mesurée, 30 s, délestage des requêtes en trop =="
DATABASE_URL="$PG_URL" $PY bench/surge.py --factor 5 --duration 30

# Past one machine (docs/scaling.md): the task queue on Redis, database 5 only, emptied first.
SCALE_REDIS_URL="${SCALE_REDIS_URL:-redis://127.0.0.1:6379/5}"
if $PY -c 'import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).flushdb()' "$SCALE_REDIS_URL" 2>/dev/null; then
  echo "== Au-delà d'une machine : 1 puis 2 serveurs d'application et workers (file Redis) derrière nginx =="
  DATABASE_URL="$PG_URL" VS_TASKS_REDIS_URL="$SCALE_REDIS_URL" $PY bench/scale_out.py --duration 30
else
  echo "Redis injoignable sur $SCALE_REDIS_URL : 1 puis 2 serveurs d'application non mesurés."
fi

# Last on this database: the million volunteers would weigh on every figure above.
echo "== Mise en relation et besoins ponctuels à 1 000 000 de volontaires (PostgreSQL) =="
DATABASE_URL="$PG_URL" $PY bench/matching.py --label postgresql --sizes 1000000 --requests 200
DATABASE_URL="$PG_URL" $PY bench/needs_selection.py --label postgresql --sizes 1000000

echo "== Plusieurs communes : create_town, pages d'une commune avec 1 puis 100 communes sous gunicorn =="
DATABASE_URL="$TOWNS_URL" VS_MULTI_TOWN=true DJANGO_ALLOWED_HOSTS="$DJANGO_ALLOWED_HOSTS,.bench.test" VS_TASKS_BACKEND="$TOWNS_TASKS" \
  $PY bench/towns.py --towns 100 --samples 100

DATABASE_URL="$PG_URL" BENCH_ELAPSED=$(( $(date +%s) - started )) $PY bench/report.py
