#!/usr/bin/env bash
# The periodic jobs of docs/operations.md for compose.yaml's `jobs` service, on the schedule of the
# systemd timers there, in TZ (Europe/Paris): every minute, every 5 minutes, at 02:30 (backup),
# 03:00 (nightly) and 17:00 (evening). A daily job missed while the container was down runs at the
# next start, like systemd's Persistent=true; it never runs twice the same day (stamps in VS_VAR_DIR).
# Jobs run one after another, so two runs of the same job never overlap. Every job is idempotent.
# `docker stop` (SIGTERM) ends the loop once the job under way has finished.
set -uo pipefail
cd "$(dirname "$0")/../.."
STAMPS="${VS_VAR_DIR:-var}/job-stamps"
mkdir -p "$STAMPS"

# As process 1 of the container, bash ignores SIGTERM unless it handles it: without this trap every
# stop waited 10 s and was killed. The job under way finishes first (bash runs the trap after it).
stopping=0
trap 'stopping=1' TERM INT

# run JOB ARGS: false only when skipped because the container is stopping (a failure is reported
# and counts as run: it is tried again at its next time, as with the systemd timers).
run() {
  (( stopping )) && return 1
  python manage.py "$@" || echo "Tâche périodique « $* » en échec (code $?)." >&2
}

# due_today NAME HH:MM: true at or after HH:MM until done_today NAME is called that day. The stamp
# is written once the whole batch has run: a batch cut short by a stop runs again at the next start.
due_today() {
  [[ "$(date +%H:%M)" < "$2" ]] && return 1
  [[ "$(cat "$STAMPS/$1" 2>/dev/null)" != "$(date +%F)" ]]
}
done_today() {
  date +%F > "$STAMPS/$1"
}

last_five=0
while (( ! stopping )); do
  run worker_heartbeat
  if (( $(date +%s) - last_five >= 300 )); then
    last_five=$(date +%s)
    run check_proposals
    run retry_messages
    run retry_webhooks
    run escalate_overdue_calls
    run fold_volunteer_counts
    run refresh_bilan
  fi
  if due_today backup 02:30; then run backup --keep 14 && done_today backup; fi
  if due_today nightly 03:00; then
    run register_confirm_pre_registrations
    run purge_audit_log
    run refresh_training_index
    run cluster_matching_index
    run prune_db_task_results
    run purge_register
    run purge_campaign_call_logs
    run anonymise_inactive_volunteers
    (( ! stopping )) && done_today nightly
  fi
  if due_today evening 17:00; then run send_shift_reminders && done_today evening; fi
  # In the background, so that the trap runs at once instead of after the sleep.
  (( stopping )) || { sleep $(( 60 - 10#$(date +%S) )) & wait $!; }
done
