#!/usr/bin/env bash
# Serves the demo town on http://127.0.0.1:8000 (VS_BIND to change it) with the task worker beside it, plus the
# periodic jobs a production cron would run (proposals without answer, message retries,
# overdue campaign calls, the bilan's volunteer counts and its default page, transmitted pre-registrations, audit-log, removed-entry and call-log
# retention, shift reminders, expired trainings, inactive volunteers, the worker's heartbeat); their
# production form is in docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
# The links printed below and sent by e-mail and SMS point at the address actually served.
export VS_SITE_URL="${VS_SITE_URL:-http://${VS_BIND:-127.0.0.1:8000}}"
$PY manage.py demo_logins
$PY manage.py db_worker --queue-name default --interval 1 &
WORKER=$!
# First round at once: /sante/ needs the worker's heartbeat (it answered 503 for the first minute).
( while true; do
    $PY manage.py worker_heartbeat -v0; $PY manage.py check_proposals -v0; $PY manage.py retry_messages -v0; $PY manage.py retry_webhooks -v0
    $PY manage.py escalate_overdue_calls >/dev/null
    $PY manage.py fold_volunteer_counts >/dev/null
    $PY manage.py refresh_bilan >/dev/null
    $PY manage.py register_confirm_pre_registrations >/dev/null
    $PY manage.py purge_audit_log >/dev/null
    $PY manage.py purge_register >/dev/null
    $PY manage.py purge_campaign_call_logs >/dev/null
    $PY manage.py send_shift_reminders >/dev/null
    $PY manage.py refresh_training_index >/dev/null
    $PY manage.py cluster_matching_index >/dev/null
    $PY manage.py anonymise_inactive_volunteers >/dev/null
    sleep 60
  done ) &
PERIODIC=$!
trap 'kill $WORKER $PERIODIC 2>/dev/null || true' EXIT INT TERM
$PY manage.py runserver "${VS_BIND:-127.0.0.1:8000}"
