#!/usr/bin/env bash
# Runs one periodic job from cron (docs/operations.md): `scripts/job.sh check_proposals [options]`.
# Loads the production environment (VS_ENV_FILE, default /etc/villesolidaire.env) and skips the run,
# silently, while the previous run of the same job is still going.
set -euo pipefail
cd "$(dirname "$0")/.."
ENV_FILE="${VS_ENV_FILE:-/etc/villesolidaire.env}"
if [ -r "$ENV_FILE" ]; then set -a; . "$ENV_FILE"; set +a; fi
LOCKS="${VS_VAR_DIR:-var}/locks"
mkdir -p "$LOCKS"
exec flock --nonblock --conflict-exit-code 0 "$LOCKS/$1.lock" .venv/bin/python manage.py "$@"
