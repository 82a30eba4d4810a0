"""The public partners' map (/cartographie/) with 2,000 services: p50 and p95.

Usage: DATABASE_URL=... python bench/partners_map.py --services 2000 --samples 200

Validated organisations (five services each on average) are bulk-created on the demo town's
BAN addresses until 2,000 public services exist; then an anonymous visitor opens the page
(first page, later pages, filters by thématique, public and quartier) and its JSON marker
endpoint, each ~200 times through Django's test Client. Each response is checked (status
200) and timed with time.perf_counter.
"""

import argparse
import random
import time

from common import percentile, record, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from villesolidaire.partners import vocabulary  # noqa: E402
from villesolidaire.partners.models import Organisation, OrganisationStatus, OrganisationType, Service  # noqa: E402
from villesolidaire.territory.models import BanAddress, Quartier  # noqa: E402

BATCH = 1000
THEMATIQUES = [value for _label, values in vocabulary.THEMATIQUE_CHOICES for value, _ in values]
PUBLICS = [value for value, _ in vocabulary.PUBLIC_CHOICES if value != vocabulary.TOUS_PUBLICS]


def grow_services(target: int, rng: random.Random) -> None:
    existing = Service.objects.public().count()
    if existing >= target:
        return
    addresses = list(BanAddress.objects.values("nom_voie", "numero", "latitude", "longitude")[:5000])
    if not addresses:
        raise SystemExit("Pas d'adresses BAN : chargez d'abord la commune de démonstration (manage.py seed_demo).")
    quartiers = list(Quartier.objects.all()) or [None]
    missing = target - existing
    organisations = []
    for index in range(missing // 5 + 1):
        address = rng.choice(addresses)
        organisations.append(
            Organisation(
                name=f"Structure d'essai {existing + index}",
                type=rng.choice(OrganisationType.values),
                status=OrganisationStatus.VALIDATED,
                description="Banc d'essai de la carte.",
                address=f"{address['numero']} {address['nom_voie']}",
                latitude=address["latitude"],
                longitude=address["longitude"],
                is_located=True,
                quartier=rng.choice(quartiers),
            )
        )
    with transaction.atomic():
        Organisation.objects.bulk_create(organisations, batch_size=BATCH)
        services = []
        for index in range(missing):
            publics = ["tous-publics"] if rng.random() < 0.3 else rng.sample(PUBLICS, rng.randint(1, 3))
            services.append(
                Service(
                    organisation=rng.choice(organisations),
                    name=f"Service d'essai {existing + index}",
                    description="Un service du banc d'essai de la carte solidaire.",
                    thematiques=sorted(rng.sample(THEMATIQUES, rng.randint(1, 3))),
                    publics=sorted(publics),
                    modes_accueil=["en-presentiel"],
                    is_active=True,
                )
            )
        Service.objects.bulk_create(services, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def urls(rng: random.Random, samples: int, base: str) -> list[str]:
    pages = max(1, Service.objects.public().count() // 30)
    quartiers = list(Quartier.objects.values_list("pk", flat=True)) or [""]
    categories = sorted({value.split("--")[0] for value in THEMATIQUES})
    variants = [
        lambda: base,
        lambda: f"{base}?page={rng.randint(2, pages)}",
        lambda: f"{base}?thematique={rng.choice(THEMATIQUES)}",
        lambda: f"{base}?thematique={rng.choice(categories)}",
        lambda: f"{base}?public={rng.choice(PUBLICS)}",
        lambda: f"{base}?quartier={rng.choice(quartiers)}&public={rng.choice(PUBLICS)}",
    ]
    return [variants[0]() if n % 2 == 0 else rng.choice(variants[1:])() for n in range(samples)]


def measure(client: Client, plan: list[str]) -> tuple[list[float], int]:
    for url in plan[:10]:  # warm-up
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(plan[0])
    # Counted now: the captured list is a view on the connection's log, which reset_queries() empties.
    query_count = len(queries)
    timings = []
    for url in plan:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        timings.append(elapsed)
        reset_queries()
    return timings, query_count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(11)
    grow_services(args.services, rng)
    total = Service.objects.public().count()
    client = Client()
    page_timings, page_queries = measure(client, urls(rng, args.samples, reverse("partners:map")))
    data_timings, data_queries = measure(client, urls(rng, args.samples, reverse("partners:map_data")))
    size = f"{round(total, -2)}"
    print(f"{connection.vendor}: {total} public services, DEBUG={settings.DEBUG}")
    record(
        "partners-map",
        [
            {"name": f"partners_map_{size}_p50", "value": round(percentile(page_timings, 50), 2), "unit": "ms"},
            {"name": f"partners_map_{size}_p95", "value": round(percentile(page_timings, 95), 2), "unit": "ms"},
            {"name": f"partners_map_data_{size}_p50", "value": round(percentile(data_timings, 50), 2), "unit": "ms"},
            {"name": f"partners_map_data_{size}_p95", "value": round(percentile(data_timings, 95), 2), "unit": "ms"},
            {"name": "partners_map_queries_per_page", "value": page_queries, "unit": "queries"},
            {"name": "partners_map_data_queries", "value": data_queries, "unit": "queries"},
        ],
    )


if __name__ == "__main__":
    main()
