"""Register campaigns: generating a campaign over N register entries, and "take the next call"
under C concurrent callers.

Usage: DATABASE_URL=postgres://… python bench/campaigns.py --entries 20000 --callers 20

Register entries are written in bulk through the model (so every identifying field is really
encrypted and every blind index computed), spread over the demo town's quartiers, 45 % with
consent-based extras (a third of them living alone). Then:
- generation: `campaigns.services.campaign_lifecycle.campaign_create` for a whole-town episode, timed end to end
  (targets read in clear columns only, bulk inserts), three times on fresh campaigns;
- queue: C processes (as many as callers, like web workers; no shared interpreter lock), each
  with its own database connection and an accredited caller, K calls each, in two modes:
  * working: each caller loops on `take_next_call` (timed), a simulated call of 0.5–1.5 s
    (a real one lasts minutes, so this is far busier than a real campaign), `record_attempt`;
  * burst: in each round all C callers call `take_next_call` at the same instant (a barrier),
    then record the outcome: the worst case for the head of the queue.
  Every claimed person is checked to be held by one caller only, with one attempt each.
"""

import argparse
import datetime
import multiprocessing
import random
import statistics
import time

from common import percentile, record, setup_django

setup_django()

from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from faker import Faker  # noqa: E402

from villesolidaire.accounts.enums import Role  # noqa: E402
from villesolidaire.accounts.models import RoleGrant, User  # noqa: E402
from villesolidaire.campaigns.enums import Outcome  # noqa: E402
from villesolidaire.campaigns.models import CallAttempt  # noqa: E402
from villesolidaire.campaigns.services.accreditations import accreditation_grant  # noqa: E402
from villesolidaire.campaigns.services.call_queue import take_next_call  # noqa: E402
from villesolidaire.campaigns.services.calls import record_attempt  # noqa: E402
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_create  # noqa: E402
from villesolidaire.crises.models import Episode, EpisodeKind, EpisodeLevel  # noqa: E402
from villesolidaire.register.models import (  # noqa: E402
    ACKNOWLEDGEMENT_DELAY_DAYS,
    EntryStatus,
    Ground,
    RegisterEntry,
    RegisterExtras,
)
from villesolidaire.territory.models import Quartier  # noqa: E402

BATCH = 2000


def make_entries(count: int, officer: User) -> None:
    rng = random.Random(20)
    fake = Faker("fr_FR")
    fake.seed_instance(20)
    quartiers = list(Quartier.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    first_pk = (RegisterEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for start in range(0, count, BATCH):
        rows = []
        for index in range(start, min(start + BATCH, count)):
            birth = today - datetime.timedelta(days=rng.randint(65 * 365, 98 * 365))
            request_date = today - datetime.timedelta(days=rng.randint(10, 900))
            entry = RegisterEntry(
                last_name=fake.last_name(),
                first_names=fake.first_name(),
                birth_date=birth,
                birth_year=birth.year,
                ground=Ground.AGE_65,
                address=f"{rng.randint(1, 120)} rue du Banc",
                postcode="99230",
                city="Val-Solidaire",
                quartier_id=rng.choice(quartiers) if quartiers else None,
                is_located=True,
                phone=f"+3363998{index % 10000:04d}" if rng.random() < 0.35 else f"+3319900{index % 10000:04d}",
                emergency_contact_name=fake.name() if rng.random() < 0.7 else "",
                emergency_contact_phone=f"+3319901{index % 10000:04d}",
                request_date=request_date,
                status=EntryStatus.REGISTERED,
                created_by=officer,
                acknowledgement_due_on=request_date + datetime.timedelta(days=ACKNOWLEDGEMENT_DELAY_DAYS),
            )
            entry.refresh_indexes()
            rows.append(entry)
        RegisterEntry.objects.bulk_create(rows, batch_size=BATCH)
    new_ids = list(RegisterEntry.objects.filter(pk__gte=first_pk).values_list("pk", flat=True))
    RegisterExtras.objects.bulk_create(
        [
            RegisterExtras(entry_id=pk, consent_on=today, lives_alone=rng.random() < 0.33)
            for pk in new_ids
            if rng.random() < 0.45
        ],
        batch_size=BATCH,
    )


def staff(email: str, role: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"first_name": "Banc", "last_name": role})
    RoleGrant.objects.get_or_create(user=user, role=role)
    return user


def bench_generation(episode: Episode, officer: User, runs: int) -> tuple[list[float], int]:
    timings, count = [], 0
    for run in range(runs):
        started = time.perf_counter()
        campaign = campaign_create(episode=episode, by=officer, title=f"Banc génération {run + 1}")
        timings.append(time.perf_counter() - started)
        count = campaign.targets_count
        print(f"  génération {run + 1} : {count} personnes en {timings[-1]:.2f} s", flush=True)
    return timings, count


def _caller_loop(
    campaign_id: int, caller_id: int, calls_each: int, burst: bool, call_seconds: float, barrier, results
) -> None:
    """One caller in its own process (as behind gunicorn): no shared interpreter lock."""
    connections.close_all()
    from villesolidaire.campaigns.models import Campaign

    campaign = Campaign.objects.get(pk=campaign_id)
    caller = User.objects.get(pk=caller_id)
    rng = random.Random(caller_id)
    latencies, claimed, errors = [], [], []
    try:
        barrier.wait()
        if not burst:
            # Callers come on duty at slightly different moments, as in a real call room.
            time.sleep(rng.uniform(0, call_seconds))
        for _ in range(calls_each):
            if burst:
                # All callers press "appel suivant" at the same instant: the worst case.
                barrier.wait()
            started = time.perf_counter()
            target = take_next_call(campaign, caller)
            latencies.append((time.perf_counter() - started) * 1000)
            if target is None:
                break
            claimed.append(target.pk)
            if not burst:
                # The call itself (a real one lasts minutes; here a fraction of a second).
                time.sleep(rng.uniform(0.5, 1.5) * call_seconds)
            record_attempt(target=target, caller=caller, outcome=Outcome.REACHED_FINE)
    except Exception as exc:  # reported, never hidden
        errors.append(repr(exc))
        barrier.abort()
    results.put((latencies, claimed, errors))


def bench_queue(campaign, callers: list[User], calls_each: int, *, burst: bool, call_seconds: float = 0.0) -> dict:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(callers))
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(
            target=_caller_loop, args=(campaign.pk, caller.pk, calls_each, burst, call_seconds, barrier, results)
        )
        for caller in callers
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    gathered = [results.get() for _ in processes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join()
    latencies = [value for part in gathered for value in part[0]]
    claimed = [pk for part in gathered for pk in part[1]]
    errors = [error for part in gathered for error in part[2]]
    # Every person was taken by exactly one caller: a double claim shows as a repeated target.
    conflicts = [pk for pk in set(claimed) if claimed.count(pk) > 1]
    return {"latencies": latencies, "claimed": claimed, "conflicts": conflicts, "errors": errors, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--calls-each", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--call-seconds", type=float, default=1.0, help="mean simulated call duration")
    args = parser.parse_args()
    label = connection.vendor

    officer = staff("banc-registre@bench.invalid", Role.REGISTER_OFFICER)
    existing = RegisterEntry.objects.current().count()
    started = time.perf_counter()
    make_entries(max(0, args.entries - existing), officer)
    total = RegisterEntry.objects.current().count()
    print(
        f"  registre : {total} inscriptions (+{time.perf_counter() - started:.0f} s pour les écrire, chiffrées)",
        flush=True,
    )

    episode = Episode.objects.create(
        kind=EpisodeKind.HEATWAVE,
        level=EpisodeLevel.RED,
        title="Canicule (banc d'essai)",
        starts_on=timezone.localdate(),
        declared_by=officer,
    )
    timings, targets = bench_generation(episode, officer, args.runs)

    callers = []
    for index in range(args.callers):
        caller = staff(f"banc-appelant{index}@bench.invalid", Role.CALLER)
        accreditation_grant(
            user=caller, training_on=timezone.localdate(), undertaking_signed_on=timezone.localdate(), by=officer
        )
        callers.append(caller)
    campaign = episode.campaigns.order_by("-pk").first()
    rows = [
        {
            "name": f"campaign_generation_{args.entries // 1000}k_{label}_median",
            "value": round(statistics.median(timings), 2),
            "unit": "s",
        },
        {
            "name": f"campaign_generation_{args.entries // 1000}k_{label}_max",
            "value": round(max(timings), 2),
            "unit": "s",
        },
        {"name": f"campaign_generation_{args.entries // 1000}k_{label}_targets", "value": targets, "unit": "targets"},
    ]
    errors = []
    for mode, burst in (("", False), ("_burst", True)):
        before = CallAttempt.objects.filter(target__campaign=campaign).count()
        result = bench_queue(campaign, callers, args.calls_each, burst=burst, call_seconds=args.call_seconds)
        latencies = result["latencies"]
        attempts = CallAttempt.objects.filter(target__campaign=campaign).count() - before
        prefix = f"take_next_call_{args.callers}_callers{mode}_{label}"
        rows += [
            {"name": f"{prefix}_p50", "value": round(percentile(latencies, 50), 2), "unit": "ms"},
            {"name": f"{prefix}_p95", "value": round(percentile(latencies, 95), 2), "unit": "ms"},
            {"name": f"{prefix}_calls", "value": len(latencies), "unit": "calls"},
            {"name": f"{prefix}_double_claims", "value": len(result["conflicts"]), "unit": "targets"},
            # One recorded attempt per claimed person, and no person claimed twice.
            {
                "name": f"{prefix}_attempts_match_claims",
                "value": int(attempts == len(result["claimed"]) == len(set(result["claimed"]))),
                "unit": "boolean",
            },
            {"name": f"{prefix}_errors", "value": len(result["errors"]), "unit": "errors"},
        ]
        errors += result["errors"]
    for error in errors[:5]:
        print(f"  erreur : {error}", flush=True)
    record(f"campaigns-{label}", rows)


if __name__ == "__main__":
    main()
