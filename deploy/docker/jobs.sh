#!/usr/bin/env bash
# The periodic jobs of docs/operations.md for compose.yaml's `jobs` service, on the schedule of the
# systemd timers there, in TZ (Europe/Paris): every minute, every 5 minutes, at 02:30 (backup),
# 03:00 (nightly) and 17:00 (evening). A daily job missed while the container was down runs at the
# next start, like systemd's Persistent=true; it never runs twice the same day (stamps in VS_VAR_DIR).
# Jobs run one after another, so two runs of the same job never overlap. Every job is idempotent.
set -uo pipefail
cd "$(dirname "$0")/../.."
STAMPS="${VS_VAR_DIR:-var}/job-stamps"
mkdir -p "$STAMPS"

run() {
  python manage.py "$@" || echo "Tâche périodique « $* » en échec (code $?)." >&2
}

# once_a_day NAME HH:MM: true the first time it is asked on a day at or after HH:MM.
once_a_day() {
  local today now
  today=$(date +%F) now=$(date +%H:%M)
  [[ "$now" < "$2" ]] && return 1
  [[ "$(cat "$STAMPS/$1" 2>/dev/null)" == "$today" ]] && return 1
  echo "$today" > "$STAMPS/$1"
}

last_five=0
while true; do
  run worker_heartbeat
  if (( $(date +%s) - last_five >= 300 )); then
    last_five=$(date +%s)
    run check_proposals
    run retry_messages
    run escalate_overdue_calls
  fi
  if once_a_day backup 02:30; then run backup --keep 14; fi
  if once_a_day nightly 03:00; then
    run register_confirm_pre_registrations
    run purge_audit_log
    run refresh_training_index
    run prune_db_task_results
    run purge_register
    run purge_campaign_call_logs
    run anonymise_inactive_volunteers
  fi
  if once_a_day evening 17:00; then run send_shift_reminders; fi
  sleep $(( 60 - 10#$(date +%S) ))
done
