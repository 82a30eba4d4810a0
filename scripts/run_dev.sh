#!/usr/bin/env bash
# Serves the demo town on http://127.0.0.1:8000 with the task worker beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
$PY manage.py demo_logins
$PY manage.py db_worker --queue-name default --interval 1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
$PY manage.py runserver "${VS_BIND:-127.0.0.1:8000}"
