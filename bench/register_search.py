"""Register name search over N encrypted entries: p95, recall on one-letter typos, precision.

Usage: DATABASE_URL=... python bench/register_search.py --label postgresql --entries 20000 --queries 5000

The register is topped up to N entries with names as people carry them (Faker fr_FR, plus
hyphenated and double surnames, compound and double first names, particles, accents), written
encrypted with their search keys. Entries an earlier bench wrote in bulk get their keys too.

Queries are made from entries drawn at random, each one way (QUERY_KINDS): a letter substituted,
deleted, inserted or two swapped in one word (`typo1`), accents left out, the surname's start
only, first names before the surname, or the name exactly. Each runs as the register list runs
it: `EntryFilter` (surname field, first-names field), then the first page (count and rows),
timed with time.perf_counter after a warm-up.

- recall_typo1: the fraction of `typo1` queries whose entry is among the results shown;
- precision: of all results shown over all queries, the fraction that are relevant — an entry
  is relevant when each word of the query *as meant* (before the typo; a start for a prefix
  query) is a word of its name (a start of one, for the surname's start).
"""

import argparse
import random
import time
import unicodedata

from common import percentile, record, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Exists, OuterRef  # noqa: E402
from django.utils import timezone  # noqa: E402
from faker import Faker  # noqa: E402

from villesolidaire.core.fuzzy import name_tokens  # noqa: E402
from villesolidaire.core.text import fold  # noqa: E402
from villesolidaire.register.filters import EntryFilter  # noqa: E402
from villesolidaire.register.models import (  # noqa: E402
    ACKNOWLEDGEMENT_DELAY_DAYS,
    EntryStatus,
    Ground,
    RegisterEntry,
    RegisterSearchKey,
)

BATCH = 1000
QUERY_KINDS = {"typo1": 50, "no_accents": 10, "prefix": 10, "swapped": 15, "exact": 15}
PARTICLES = ["de", "Le", "de la", "du"]
LETTERS = "abcdefghijklmnopqrstuvwxyzéèàç"


def person_name(fake: Faker, rng: random.Random) -> tuple[str, str]:
    last = fake.last_name()
    roll = rng.random()
    if roll < 0.12:
        last = f"{last}-{fake.last_name()}"
    elif roll < 0.17:
        last = f"{rng.choice(PARTICLES)} {last}"
    elif roll < 0.20:
        last = f"{last} {fake.last_name()}"
    first = fake.first_name()
    roll = rng.random()
    if roll < 0.15:
        first = f"{first}-{fake.first_name()}"
    elif roll < 0.30:
        first = f"{first} {fake.first_name()}"
    return last, first


def top_up(count: int, rng: random.Random) -> int:
    """Add entries until `count` current entries have a name; returns how many were added."""
    fake = Faker("fr_FR")
    fake.seed_instance(rng.randint(0, 10**6))
    missing = count - RegisterEntry.objects.current().exclude(last_name="").count()
    today = timezone.localdate()
    added = 0
    while added < missing:
        rows = []
        for _ in range(min(BATCH, missing - added)):
            last, first = person_name(fake, rng)
            request_date = today - timezone.timedelta(days=rng.randint(10, 900))
            entry = RegisterEntry(
                last_name=last,
                first_names=first,
                birth_date=today - timezone.timedelta(days=rng.randint(65 * 365, 98 * 365)),
                ground=Ground.AGE_65,
                address=f"{rng.randint(1, 120)} rue du Banc",
                postcode="99230",
                city="Val-Solidaire",
                phone=f"+3319902{rng.randint(0, 9999):04d}",
                request_date=request_date,
                status=EntryStatus.REGISTERED,
                acknowledgement_due_on=request_date + timezone.timedelta(days=ACKNOWLEDGEMENT_DELAY_DAYS),
            )
            entry.birth_year = entry.birth_date.year
            entry.refresh_indexes()
            rows.append(entry)
        RegisterEntry.objects.bulk_create(rows, batch_size=BATCH)
        RegisterSearchKey.rebuild(rows)
        added += len(rows)
    return added


def key_missing_entries() -> None:
    """Entries written in bulk by another bench (no save()) get their search keys."""
    # NOT EXISTS, not NOT IN: PostgreSQL cannot hash a 600 000-row NOT IN subquery.
    has_keys = Exists(RegisterSearchKey.objects.filter(entry_id=OuterRef("pk")))
    rows = list(
        RegisterEntry.objects.current().exclude(last_name="").filter(~has_keys).only("pk", "last_name", "first_names")
    )
    for start in range(0, len(rows), BATCH):
        RegisterSearchKey.rebuild(rows[start : start + BATCH])


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def one_letter_typo(word: str, rng: random.Random) -> str:
    """A letter substituted, deleted, inserted, or two neighbours swapped, as fingers do."""
    i = rng.randrange(len(word))
    kind = rng.choice(["substitute", "delete", "insert", "swap"] if len(word) > 1 else ["substitute", "insert"])
    if kind == "substitute":
        return word[:i] + rng.choice([c for c in LETTERS if c != word[i].lower()]) + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + rng.choice(LETTERS) + word[i:]
    i = min(i, len(word) - 2)
    if word[i].lower() == word[i + 1].lower():
        return word[:i] + rng.choice(LETTERS) + word[i + 1 :]  # swapping equal letters changes nothing
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_query(entry: tuple[int, str, str], kind: str, rng: random.Random) -> dict:
    """The fields typed, the words as meant, and whether the surname is meant as a start."""
    _pk, last, first = entry
    if kind == "typo1":
        words = [("last", w) for w in last.split()] + [("first", w) for w in first.split()]
        words = [(field, w) for field, w in words if fold(w) and fold(w) not in ("de", "la", "le", "du")]
        field, word = rng.choice(words)
        typed = one_letter_typo(word, rng)
        if field == "last":
            return {"typed": {"last_name": last.replace(word, typed, 1), "first_names": first}, "prefix": False}
        return {"typed": {"last_name": last, "first_names": first.replace(word, typed, 1)}, "prefix": False}
    if kind == "no_accents":
        return {"typed": {"last_name": strip_accents(last), "first_names": strip_accents(first)}, "prefix": False}
    if kind == "prefix":
        surname = max(name_tokens(last), key=len)
        return {"typed": {"last_name": surname[: max(4, len(surname) - 2)], "first_names": first}, "prefix": True}
    if kind == "swapped":
        return {"typed": {"last_name": f"{first} {last}", "first_names": ""}, "prefix": False}
    return {"typed": {"last_name": last, "first_names": first}, "prefix": False}


def meant_words(entry: tuple[int, str, str], query: dict) -> tuple[list[str], str]:
    """The words of the query before any typo; for a prefix query, the surname's start apart."""
    _pk, last, first = entry
    if query["prefix"]:
        return name_tokens(first), fold(query["typed"]["last_name"])
    return name_tokens(f"{last} {first}"), ""


def is_relevant(words: list[str], start: str, name_words: list[str]) -> bool:
    remaining = list(name_words)
    for word in words:
        if word not in remaining:
            return False
        remaining.remove(word)
    return not start or any(word.startswith(start) for word in remaining)


def run_query(typed: dict, page_size: int) -> list[int]:
    """The search as the register list runs it: the filter, then the first page and its count."""
    filterset = EntryFilter(typed, queryset=RegisterEntry.objects.select_related("quartier"))
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(rows, page_size).page(1)
    page.paginator.count  # noqa: B018 — the view shows the count
    return [entry.pk for entry in page.object_list]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    added = top_up(args.entries, rng)
    key_missing_entries()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh bulk rows: give the planner its statistics, as autovacuum would
            cursor.execute("ANALYZE register_registerentry, register_registersearchkey")
    entries = [
        (entry.pk, entry.last_name, entry.first_names)
        for entry in RegisterEntry.objects.current().exclude(last_name="").only("pk", "last_name", "first_names")
    ]
    names = {pk: name_tokens(f"{last} {first}") for pk, last, first in entries}
    keys = RegisterSearchKey.objects.count()
    print(
        f"{connection.vendor}: {len(entries)} entries ({added} added), {keys} search keys, "
        f"prepared in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    kinds = list(QUERY_KINDS)
    weights = [QUERY_KINDS[kind] for kind in kinds]
    queries = []
    for _ in range(args.queries):
        entry = rng.choice(entries)
        kind = rng.choices(kinds, weights)[0]
        queries.append((entry, kind, make_query(entry, kind, rng)))

    page_size = settings.VS_PAGE_SIZE
    for _entry, _kind, query in queries[:50]:
        run_query(query["typed"], page_size)  # warm-up: connections, caches, plans

    timings, found, asked, shown, relevant = [], {}, {}, 0, 0
    for entry, kind, query in queries:
        t0 = time.perf_counter()
        result = run_query(query["typed"], page_size)
        timings.append((time.perf_counter() - t0) * 1000)
        asked[kind] = asked.get(kind, 0) + 1
        found[kind] = found.get(kind, 0) + (entry[0] in result)
        words, start = meant_words(entry, query)
        shown += len(result)
        relevant += sum(is_relevant(words, start, names[pk]) for pk in result)

    suffix = "" if args.label == "postgresql" else f"_{args.label}"
    rows = [
        {"name": f"register_search{suffix}_p50", "value": round(percentile(timings, 50), 2), "unit": "ms"},
        {"name": f"register_search{suffix}_p95", "value": round(percentile(timings, 95), 2), "unit": "ms"},
        {
            "name": f"register_search{suffix}_recall_typo1",
            "value": round(found["typo1"] / asked["typo1"], 4),
            "unit": "fraction",
        },
        {"name": f"register_search{suffix}_precision", "value": round(relevant / shown, 4), "unit": "fraction"},
        {
            "name": f"register_search{suffix}_recall_all",
            "value": round(sum(found.values()) / len(queries), 4),
            "unit": "fraction",
        },
        {
            "name": f"register_search{suffix}_results_per_query",
            "value": round(shown / len(queries), 2),
            "unit": "results",
        },
        {"name": f"register_search{suffix}_entries", "value": len(entries), "unit": "entries"},
        {"name": f"register_search{suffix}_queries", "value": len(queries), "unit": "queries"},
        {"name": f"register_search{suffix}_keys_per_entry", "value": round(keys / len(entries), 1), "unit": "keys"},
    ]
    for kind in kinds:
        print(f"  recall {kind}: {found.get(kind, 0)}/{asked.get(kind, 0)}")
    record(f"register-search-{args.label}", rows)


if __name__ == "__main__":
    main()
