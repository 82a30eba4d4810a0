"""Merge the bench fragments into bench/results.json and write docs/benchmarks.md."""

import datetime
import json
import os
import platform
import re
import sqlite3
import subprocess

from common import FRAGMENTS, ROOT, setup_django

setup_django()

import django  # noqa: E402
from django.db import connection  # noqa: E402

ORDER = [
    "matching-sqlite",
    "matching-postgresql",
    "needs-selection",
    "request-list-postgresql",
    "api",
    "operations-view",
    "bilan",
    "register-search-sqlite",
    "register-search-postgresql",
    "campaigns-postgresql",
    "partners-map",
    "volunteer-list",
    "signup",
    "surge",
    "scale_out",
    "towns",
]
# (result name, comparison, threshold, what the issue asks)
TARGETS = [
    ("matching_top20_100k_postgresql_p95", "<=", 20, "p95 ≤ 20 ms à 100 000 volontaires sur PostgreSQL"),
    (
        "matching_top20_1m_postgresql_p95",
        "<=",
        50,
        "p95 ≤ 50 ms à 1 000 000 de volontaires sur PostgreSQL, mêmes 20 que le classement complet (issue 14)",
    ),
    ("signup_throughput", ">=", 50, "≥ 50 inscriptions/s"),
    ("signup_latency_p95", "<=", 300, "p95 ≤ 300 ms"),
    ("signup_errors", "<=", 0, "aucune erreur"),
    ("signup_db_matches_successes", ">=", 1, "autant de volontaires en base que de réponses réussies"),
    (
        "signup_share_of_bare_same_rows",
        ">=",
        0.5,
        "inscription ≥ 50 % du débit de la vue nue écrivant les mêmes lignes, même gunicorn, même passage (issue 14)",
    ),
    ("surge_5xx_unshed", "<=", 0, "afflux à 5 × la capacité : aucune 5xx hors refus, ni requête sans réponse"),
    ("surge_confirmed_missing", "<=", 0, "afflux : toute inscription confirmée (302) est en base"),
    ("surge_accepted_p95", "<=", 300, "afflux derrière nginx : p95 des inscriptions acceptées ≤ 300 ms"),
    ("surge_direct_5xx_unshed", "<=", 0, "afflux sur gunicorn seul : aucune 5xx hors refus"),
    ("surge_direct_confirmed_missing", "<=", 0, "afflux sur gunicorn seul : toute inscription confirmée est en base"),
    ("surge_direct_accepted_p95", "<=", 300, "afflux sur gunicorn seul : p95 des inscriptions acceptées ≤ 300 ms"),
    (
        "campaign_generation_20k_postgresql_max",
        "<=",
        10,
        "génération d'une campagne sur 20 000 inscriptions ≤ 10 s (PostgreSQL)",
    ),
    (
        "take_next_call_20_callers_postgresql_p95",
        "<=",
        50,
        "« appel suivant » p95 ≤ 50 ms avec 20 appelant·es au travail",
    ),
    (
        "take_next_call_20_callers_burst_postgresql_p95",
        "<=",
        50,
        "même objectif, pire cas : les 20 appelant·es demandent au même instant",
    ),
    ("operations_view_p95", "<=", 150, "veille du jour p95 ≤ 150 ms sur les données du banc d'essai (issue 11)"),
    (
        "bilan_page_p95",
        "<=",
        500,
        "bilan de l'an dernier comparé, p95 ≤ 500 ms sur les données du banc d'essai (issue 12)",
    ),
    (
        "bilan_pdf_p95",
        "<=",
        5000,
        "bilan de l'an dernier en PDF, p95 ≤ 5 s sur les données du banc d'essai (issue 12)",
    ),
    (
        "volunteer_list_100k_p95",
        "<=",
        150,
        "liste des volontaires p95 ≤ 150 ms à 100 000 volontaires et 100 000 demandes (issue 14)",
    ),
    (
        "dashboard_100k_p95",
        "<=",
        150,
        "bilan (tableau de bord) p95 ≤ 150 ms à 100 000 volontaires et 100 000 demandes (issue 14)",
    ),
    ("partners_map_2000_p95", "<=", 300, "carte publique des partenaires p95 ≤ 300 ms avec 2 000 services"),
    (
        "incoming_call_to_screen_p95",
        "<=",
        1000,
        "appel entrant signalé par le standard → fiche sur l'écran d'accueil, p95 ≤ 1 s (issue 15)",
    ),
    (
        "needs_selection_100k_postgresql_p95",
        "<=",
        500,
        "besoin ponctuel : qui prévenir, p95 ≤ 500 ms à 100 000 volontaires (PostgreSQL)",
    ),
    (
        "needs_selection_1m_postgresql_p95",
        "<=",
        500,
        "besoin ponctuel : qui prévenir, p95 ≤ 500 ms à 1 000 000 de volontaires (PostgreSQL, issue 14)",
    ),
    (
        "register_search_p95",
        "<=",
        50,
        "recherche par nom dans le registre chiffré, p95 ≤ 50 ms sur 20 000 inscriptions (PostgreSQL)",
    ),
    (
        "register_search_recall_typo1",
        ">=",
        0.95,
        "la bonne inscription parmi les résultats pour ≥ 95 % des noms tapés avec une faute d'une lettre",
    ),
    (
        "latency_ratio_100_towns",
        "<=",
        1.2,
        "pages d'une commune avec 100 communes sur le déploiement : p95 ≤ 1,2 × celui d'une commune seule (issue 13)",
    ),
    ("take_next_call_20_callers_postgresql_double_claims", "<=", 0, "jamais deux appelant·es sur la même personne"),
    ("take_next_call_20_callers_burst_postgresql_double_claims", "<=", 0, "idem, en rafale"),
    ("take_next_call_20_callers_postgresql_errors", "<=", 0, "aucune erreur"),
]
LABELS = {
    "matching_top20": "Mise en relation, top 20",
    "request_list": "Liste des demandes",
    "signup": "Inscription publique",
    "needs_selection": "Besoins ponctuels : qui prévenir",
    "partners_map": "Carte des partenaires",
    "register_search": "Recherche par nom dans le registre",
}


def machine() -> dict:
    cpuinfo = open("/proc/cpuinfo").read()
    meminfo = open("/proc/meminfo").read()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0] if connection.vendor == "postgresql" else "?"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg_version.split(",")[0],
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
        "kernel": platform.release(),
    }


def load() -> list[dict]:
    rows = []
    for name in ORDER:
        path = FRAGMENTS / f"{name}.json"
        if path.exists():
            rows += json.loads(path.read_text())
    return rows


def verdict(value, op, threshold) -> str:
    ok = value <= threshold if op == "<=" else value >= threshold
    return "atteint" if ok else "**non atteint**"


def fmt(value) -> str:
    return f"{value:,}".replace(",", "\u202f").replace(".", ",") if isinstance(value, (int, float)) else str(value)


TOWN_PAGES = [
    ("list", "Liste des demandes (`/gestion/demandes/`)"),
    ("detail", "Page d'une demande"),
    ("matching", "Mise en relation de cette demande"),
    ("pages", "Les trois pages ensemble"),
]


def towns_section(by_name: dict) -> list[str]:
    """Many towns on one deployment (bench/towns.py): create_town, and one town's pages with 100 towns."""
    if "latency_ratio_100_towns" not in by_name:
        return []
    towns = by_name["towns_count"]["value"]

    def value(name: str):
        return by_name[name]["value"]

    ratio = value("latency_ratio_100_towns")
    lines = [
        "",
        f"## Plusieurs communes sur un déploiement ({towns} communes, décision 0014)",
        "",
        "`bench/towns.py`, en une exécution sur une base PostgreSQL neuve (`VS_MULTI_TOWN=true`) : le schéma modèle",
        f"est créé une fois ({fmt(value('town_template_create'))} s). Chaque commune est créée par",
        "`hosting.services.create_town` (copie du modèle, domaine, clés, premier administrateur), chronométrée,",
        f"pendant que le catalogue grandit jusqu'à {fmt(value('towns_catalogue_relations'))} relations "
        f"({fmt(value('towns_database_size'))} Mo) : 1re commune {fmt(value('create_town_first'))} s, "
        f"{towns}e {fmt(value('create_town_last'))} s ; médiane {fmt(value('create_town_p50'))} s, maximum",
        f"{fmt(value('create_town_max'))} s sur {value('create_town_timed')} créations. La copie rejoue le SQL du",
        "modèle (`pg_dump` une fois par état des migrations, `hosting/cloning.py`) : le clonage de django-tenants",
        "parcourait `information_schema` (tout le catalogue) pour chaque table et chaque colonne, et sa durée",
        "croissait avec les communes (mesuré : 1,6 s pour la 1re, 15 s pour la 100e).",
        "",
        "La première commune reçoit la commune de démonstration (`seed_demo` : 500 volontaires, 170 habitant·es,",
        "261 demandes, 300 inscriptions au registre, partenaires, formations…) ; gunicorn (réglages de production)",
        "la sert sous son propre domaine (en-tête Host). Une coordinatrice connectée, second facteur validé, ouvre",
        "la liste des demandes, la page d'une demande en recherche de volontaire et sa mise en relation, chaque",
        "requête sur une nouvelle connexion (tous les processus gunicorn servent) ; après chaque requête mesurée, une",
        "requête non mesurée va à une page d'une commune du déploiement tirée au hasard (avec une seule commune :",
        "elle-même), pour que les connexions des processus et les caches de PostgreSQL soient partagés entre",
        f"communes comme en service. Puis les {towns - 1} autres communes sont créées et reçoivent chacune une copie",
        "ligne à ligne des données de la première (mêmes données, mêmes clés de chiffrement enveloppées à nouveau :",
        f"`seed_demo` prend ~17 s par commune ici, {towns} ne tiendraient pas dans `make bench`), sont nettoyées et",
        "analysées (`VACUUM ANALYZE`, comme l'autovacuum peu après), visitées une fois ; après un `CHECKPOINT` (avant",
        "chaque mesure : aucune ne paie les écritures de la mise en place), les mêmes pages de la",
        "première commune sont mesurées à nouveau de la même façon.",
        "",
        f"| Page | 1 commune p50 | 1 commune p95 | {towns} communes p50 | {towns} communes p95 | Rapport des p95 |",
        "|---|---|---|---|---|---|",
    ]
    for page, label in TOWN_PAGES:
        one, many = value(f"towns_1_{page}_p95"), value(f"towns_{towns}_{page}_p95")
        lines.append(
            f"| {label} | {fmt(value(f'towns_1_{page}_p50'))} ms | {fmt(one)} ms "
            f"| {fmt(value(f'towns_{towns}_{page}_p50'))} ms | {fmt(many)} ms | {fmt(round(many / one, 2))} |"
        )
    lines += [
        "",
        f"Objectif (issue 13) : avec {towns} communes, le p95 des trois pages ensemble ne dépasse pas 1,2 fois celui",
        f"mesuré avec une seule commune. Mesuré : `latency_ratio_100_towns` = {fmt(ratio)} "
        f"(rapport des médianes : {fmt(value('latency_ratio_100_towns_p50'))}) — "
        f"objectif {verdict(ratio, '<=', 1.2)}.",
    ]
    return lines


def scale_out_section(by_name: dict) -> list[str]:
    """Past one machine (bench/scale_out.py): one application server and one worker, then two of each."""
    if "signup_throughput_2_app_processes" not in by_name:
        return []

    def value(name: str):
        return fmt(by_name[name]["value"]) if name in by_name else "?"

    return [
        "",
        "## Au-delà d'une machine : 1 puis 2 serveurs d'application et workers (issue 14, partie 4)",
        "",
        "`bench/scale_out.py`, en une exécution : le même répartiteur nginx (site livré, tourniquet) devant un puis",
        "deux serveurs gunicorn, la file de tâches sur Redis (`TownRQBackend`) vidée par un puis deux workers",
        "(`manage.py rqworker --with-scheduler default`). Pas d'objectif : mesuré. Sur cette machine, serveurs,",
        "workers, nginx, wrk, PostgreSQL et Redis se partagent les mêmes cœurs : le second processus y montre ce",
        "qu'il ajoute sur ces cœurs, pas ce qu'ajouterait une seconde machine (docs/scaling.md).",
        "",
        "| | 1 | 2 |",
        "|---|---|---|",
        f"| Inscriptions/s (`signup_throughput_*`) | {value('signup_throughput_1_app_process')} "
        f"| {value('signup_throughput_2_app_processes')} |",
        f"| p95 des inscriptions (ms) | {value('signup_latency_p95_1_app_process')} "
        f"| {value('signup_latency_p95_2_app_processes')} |",
        f"| Connexions wrk | {value('signup_connections_1_app_process')} "
        f"| {value('signup_connections_2_app_processes')} |",
        f"| Inscriptions perdues (1 = oui) | {value('signup_lost_1_app_process')} "
        f"| {value('signup_lost_2_app_processes')} |",
        f"| Tâches vidées par seconde (`tasks_drained_per_s_*`) | {value('tasks_drained_per_s_1_worker')} "
        f"| {value('tasks_drained_per_s_2_workers')} |",
        f"| Tâches non faites | {value('tasks_not_done_1_worker')} | {value('tasks_not_done_2_workers')} |",
    ]


def markdown(rows: list[dict], info: dict) -> str:
    by_name = {row["name"]: row for row in rows}
    today = datetime.datetime.now().astimezone().date().isoformat()
    elapsed = os.environ.get("BENCH_ELAPSED")
    lines = [
        "# Bancs d'essai",
        "",
        f"Mesures du {today}, produites par `make bench` (bench/run.sh"
        + (f", {int(elapsed) // 60} min {int(elapsed) % 60} s" if elapsed else "")
        + "). Les chiffres bruts sont dans `bench/results.json`. Le banc rapporte des durées, il ne les vérifie pas :",
        "les objectifs ci-dessous sont ceux de la spécification (issues 2, 3, 4 et 10 à 13).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| Cœurs (nproc) | {info['nproc']} |",
        f"| Processeur | {info['cpu']} |",
        f"| Mémoire | {fmt(info['ram_gib'])} Gio |",
        f"| PostgreSQL | {info['postgresql']} |",
        f"| SQLite | {info['sqlite']} |",
        f"| Python / Django | {info['python']} / {info['django']} |",
        f"| Outil de charge | {info['wrk']} |",
        f"| Noyau | {info['kernel']} |",
        f"| Charge moyenne (1, 5, 15 min) au lancement | {os.environ.get('BENCH_LOADAVG', '?')} |",
        f"| Référence processeur : `sum(i * i for i in range(10**7))` en Python, meilleur de 3 | "
        f"{fmt(float(os.environ.get('BENCH_CPU_REFERENCE') or 0)) or '?'} s |",
        "",
        "Tout tourne sur la même machine : serveur, base de données et générateur de charge se partagent les cœurs.",
        "Les machines de ce type ne vont pas toutes à la même vitesse : la référence processeur permet de comparer",
        "deux séries de mesures faites sur des machines différentes "
        "(plus elle est courte, plus la machine est rapide).",
        "",
        "## Objectifs",
        "",
        "| Mesure | Valeur | Objectif | Résultat |",
        "|---|---|---|---|",
    ]
    for name, op, threshold, label in TARGETS:
        row = by_name.get(name)
        if row:
            lines.append(
                f"| `{name}` | {fmt(row['value'])} {row['unit']} | {label} | {verdict(row['value'], op, threshold)} |"
            )
    lines += scale_out_section(by_name)
    lines += towns_section(by_name)
    lines += [
        "",
        "## Toutes les mesures",
        "",
        "| Nom | Valeur | Unité |",
        "|---|---|---|",
        *[f"| `{row['name']}` | {fmt(row['value'])} | {row['unit']} |" for row in rows],
        "",
        "## Méthode",
        "",
        "- **Mise en relation** (`bench/matching.py`) : volontaires écrits en masse (utilisateur, volontaire, ligne",
        "  d'index `VolunteerMatchProfile`) autour du centre de la commune de démonstration : 70 % dans la ville",
        "  (répartition normale, écart type 3 km), 30 % dans un carré de 30 km ; 80 % actifs, 10 % inscrits, 5 % en",
        "  pause, 5 % désistés ; 2 à 6 catégories, 0 à 3 compétences, 3 à 12 créneaux, rayon de 1 à 10 km ;",
        "  2 000 missions réalisées ou prévues ces 7 derniers jours (pénalité de charge) et des soutiens existants",
        "  (continuité). 200 demandes tirées au hasard (catégorie, position, créneau, langue) ; 20 appels de",
        "  chauffe puis un appel chronométré (`time.perf_counter`) de `matching.selectors.rank_volunteers(demande,",
        "  limit=20)` par demande. Bases dédiées : `var/bench.sqlite3` et `villesolidaire_bench` (PostgreSQL), créées",
        "  et migrées par le script. Percentiles au rang le plus proche.",
        "- **Liste des demandes** (`bench/request_list.py`) : 10 000 demandes et leurs habitant·es ; une",
        "  coordinatrice connectée, second facteur validé, ouvre 200 fois `/gestion/demandes/` via le client de test",
        "  de Django (DEBUG désactivé) : une fois sur deux la première page, sinon une page au hasard ou un filtre",
        "  (en cours, catégorie, quartier, nom).",
        "- **API** (`bench/api.py`) : sur les mêmes données (10 000 demandes et leurs habitant·es, 100 000",
        "  volontaires), une clé de coordinatrice lit 200 fois `/api/v1/help-requests/`, `/api/v1/residents/` puis",
        "  `/api/v1/volunteers/` (une fois sur deux la première page, sinon une page au hasard), via le client de",
        "  test (DEBUG désactivé) ; requêtes SQL comptées sur la première page et sur une page profonde.",
        "  Appel entrant : un fil joue l'écran d'accueil de l'opérateur·rice (le fragment interrogé toutes les",
        "  500 ms, comme la page), un autre le standard (un appel qui sonne depuis le numéro d'une fiche, à un",
        "  instant quelconque du cycle) ; chronomètre du signalement à la première réponse qui montre la fiche,",
        "  100 appels (`incoming_call_to_screen_p95`), chaque fil avec sa connexion à la base.",
        "- **Veille du jour** (`bench/operations_view.py`) : après les scripts précédents, sur ce qu'ils laissent",
        "  (100 000 volontaires, 10 000 demandes, 20 000 inscriptions au registre avec un épisode rouge en cours et",
        "  ses campagnes, besoins ponctuels) ; un compte coordinatrice et agente du registre (toutes les rubriques",
        "  et l'avancement de l'épisode sont comptés) ouvre 200 fois `/gestion/veille/`, puis 200 fois le fragment",
        "  des compteurs de la navigation, via le client de test de Django (DEBUG désactivé).",
        "- **Bilan** (`bench/bilan.py`) : sur les mêmes données, les inscriptions des 100 000 volontaires sont",
        "  étalées sur deux ans et reçoivent un historique de statuts (validation une semaine après l'inscription,",
        "  puis pour un·e sur cinq une mise en réserve, une pause ou un désistement) ; les tables sont ensuite",
        "  nettoyées et analysées (`VACUUM ANALYZE`), comme l'autovacuum le fait sur celles d'une vraie commune peu",
        "  après de telles écritures en masse (sans cela, la page est deux à trois fois plus lente : statistiques",
        "  périmées, pas de lecture par index seul) ; une coordinatrice ouvre 100 fois le bilan de l'an dernier",
        "  comparé à l'année d'avant (`bilan_page_p95`), 100 fois celui de l'année en cours comparé, puis",
        "  télécharge 20 fois le PDF du bilan de l'an dernier (`bilan_pdf_p95`), via le client de test.",
        "- **Liste des volontaires et tableau de bord** (`bench/volunteer_list.py`) : après le bilan, sur les",
        "  mêmes données portées à 100 000 demandes (générateur de `bench/request_list.py`) ; chaque volontaire",
        "  reçoit un quartier (tour à tour) et les catégories de sa ligne d'index de mise en relation ; les",
        "  décomptes de volontaires et de demandes ainsi écrits sont regroupés, comme le ferait la tâche des",
        "  5 minutes (`fold_volunteer_counts`, décisions 0015 et 0017), et les tables analysées. Une",
        "  coordinatrice ouvre 200 fois `/gestion/volontaires/` (une fois sur deux la première page,",
        "  sinon une page au hasard, un statut, un quartier, une catégorie ou un nom : `volunteer_list_100k_p95`),",
        "  puis 50 fois `/gestion/bilan/` tel qu'il s'ouvre (l'année en cours comparée à la précédente,",
        "  servie depuis la copie que tient `refresh_bilan`, décision 0019 : `dashboard_100k_p95`), puis 20",
        "  fois le calcul de cette copie par la tâche des 5 minutes (`dashboard_refresh_100k_p95`), via le",
        "  client de test (DEBUG désactivé). `random_page_cost` : celui du",
        "  serveur, sauf `DATABASE_PG_RANDOM_PAGE_COST` (décision 0018). Avant de chronométrer (ici et pour",
        "  le bilan), les objets du processus sont gelés hors du ramasse-miettes, comme `config/wsgi.py` le",
        "  fait dans un serveur.",
        "- **Inscriptions** (`bench/signup.py`, `bench/signup.lua`) : gunicorn avec `config/gunicorn.conf.py`",
        "  (2 × cœurs + 1 processus, 2 fils chacun, sans délestage : la capacité de l'application elle-même),",
        "  DEBUG désactivé, fichiers statiques collectés, limite par adresse des formulaires publics levée (toutes",
        "  les inscriptions viennent de 127.0.0.1), base PostgreSQL",
        "  de banc d'essai (déjà 100 000 volontaires). wrk (2 fils, 10 connexions, autant que de fils gunicorn,",
        "  après 5 s de mise en route non mesurées par vue, le temps que chaque processus gunicorn charge ses",
        "  routes et gabarits) envoie depuis 127.0.0.1 des inscriptions complètes, "
        "chacune avec une adresse e-mail unique, avec",
        "  une paire cookie/jeton CSRF obtenue par un GET préalable. Le même serveur sert aussi, pour le banc",
        "  d'essai seulement (`VS_BENCH_VIEWS`), deux vues nues (`bench/bare_views.py`) qui reçoivent le même",
        "  formulaire : `signup_bare_insert_throughput`, un petit formulaire de deux champs et une seule insertion ;",
        "  `signup_bare_same_rows_throughput`, sans les formulaires ni les services de l'application, les lignes",
        "  qu'écrit une inscription (compte, rôle, volontaire, compétences, catégories, historique, index de mise",
        "  en relation, message, tâche) en une transaction, une insertion groupée par table. Fenêtres de 10 s",
        "  alternées, trois par vue, l'ordre tournant à chaque tour ; chaque débit est la médiane de ses fenêtres",
        "  (latences : médiane des percentiles des fenêtres) et `signup_share_of_bare_same_rows` le rapport des",
        "  médianes de l'inscription et de la vue nue aux mêmes lignes. Une inscription réussie est une redirection",
        "  302 vers la page de remerciement ; toute autre réponse compte comme une erreur. Vérification : le nombre",
        "  de volontaires créés en base égale le nombre de 302 du journal d'accès de gunicorn (wrk s'arrête avec",
        "  quelques requêtes en vol, que le serveur termine sans que wrk lise la réponse : d'où un compte serveur",
        "  un peu supérieur à celui de wrk). Le worker de tâches ne tourne pas pendant la mesure : les messages de",
        "  bienvenue attendent dans la file (base de données).",
        "- **Afflux d'inscriptions** (`bench/surge.py`, `bench/openloop.py`) : juste après la mesure précédente,",
        "  gunicorn avec les réglages de production, délestage compris (`VS_MAX_IN_FLIGHT` requêtes en cours par",
        "  processus, fils en plus pour refuser le surplus, `config/capacity.py`). Après 5 s de mise en route à la",
        "  capacité mesurée (`signup_throughput`), deux processus générateurs lancent pendant 30 s des inscriptions",
        "  à 5 × cette capacité, en boucle ouverte : chaque inscription part à son heure, une connexion chacune,",
        "  qu'on ait répondu aux précédentes ou non (`surge_offered_per_s` : le rythme réellement tenu,",
        "  `surge_generator_lag_p95` : le retard du générateur sur son plan). Deux afflux successifs : `surge_*`",
        "  derrière nginx avec la configuration livrée (`deploy/nginx/ville-solidaire.conf`, TLS, noms et chemins",
        "  remplacés par des valeurs locales, rien d'autre) dont `limit_conn` passe le surplus, corps compris, au",
        "  serveur de refus (`deploy/systemd/villesolidaire-shed.service`, lancé avec les réglages de l'unité) ;",
        "  `surge_direct_*` sur gunicorn seul, qui refuse lui-même (Caddy, ou sans mandataire). Classement des",
        "  réponses : acceptée (302), refusée (503 avec `Retry-After`, page de délestage, ou 429), 5xx hors refus",
        "  (toute autre 5xx et toute requête restée sans réponse : connexion refusée ou coupée, rien en 30 s), autre",
        "  statut (compté à part). Latences de la connexion au dernier octet. Vérification : chaque adresse e-mail",
        "  ayant reçu un 302 est en base (`surge_confirmed_missing`). Le générateur tourne sur la même machine à",
        "  deux cœurs que le serveur : il lui prend une part du processeur, qu'un vrai afflux laisserait.",
        "- **Au-delà d'une machine** (`bench/scale_out.py`) : après l'afflux, sur la même base. Pour 1 puis 2 :",
        "  autant de serveurs gunicorn (réglages des inscriptions ci-dessus, chacun sur son port, file de tâches sur",
        "  Redis, base 5 vidée par bench/run.sh), nginx devant (le site livré, construit comme pour l'afflux, en",
        "  tourniquet sur les serveurs, sans son `limit_conn` : on mesure la capacité) ; wrk avec 10 connexions par",
        "  serveur, 5 s de mise en route puis 30 s mesurées. Vérification : chaque 302 des journaux des serveurs est",
        "  un volontaire en base. Chaque inscription a mis son message de bienvenue dans la file Redis, sans worker ;",
        "  puis autant de workers de production démarrent suspendus (`rq suspend`) et, tous à l'écoute, reprennent",
        "  ensemble : tâches vidées par seconde = tâches en file / temps jusqu'à la dernière terminée ; chaque",
        "  message de bienvenue doit être envoyé (envoi factice : la tâche réserve, rédige et enregistre le message).",
        "- **Campagnes du registre** (`bench/campaigns.py`) : 20 000 inscriptions écrites par le modèle (champs",
        "  identifiants réellement chiffrés, index de recherche calculés), réparties dans les quartiers, 45 % avec",
        "  informations complémentaires consenties (un tiers vivant seul). Génération : `campaign_create` sur un",
        "  épisode couvrant toute la commune, chronométrée de bout en bout, trois campagnes successives (valeur",
        "  médiane et maximale). « Appel suivant » : 20 processus (un par appelant·e habilité·e, chacun sa connexion,",
        "  comme derrière gunicorn), 25 appels chacun, en deux modes. « Au travail » : chaque appelant·e enchaîne",
        "  `take_next_call` (chronométré), un appel simulé de 0,5 à 1,5 s (un vrai appel dure plusieurs minutes :",
        "  la charge est bien plus forte qu'en campagne réelle) et `record_attempt`. « En rafale » (pire cas) : à",
        "  chaque tour, les 20 appellent `take_next_call` au même instant (barrière), puis enregistrent le résultat.",
        "  Vérification : aucune personne prise par deux appelant·es, une tentative par personne, aucune erreur.",
        "- **Recherche par nom dans le registre** (`bench/register_search.py`, décision 0012) : le registre est",
        "  complété jusqu'à 20 000 inscriptions aux noms chiffrés, avec leurs clés de recherche : noms Faker fr_FR,",
        "  dont 12 % de noms composés à trait d'union, 5 % à particule (« de la », « Le »), 3 % de doubles noms,",
        "  30 % de prénoms composés ou doubles. 5 000 recherches tirées d'inscriptions au hasard : 50 % avec une",
        "  faute d'une lettre dans un mot du nom ou des prénoms (substituée, omise, ajoutée ou deux lettres",
        "  interverties), 10 % sans accents, 10 % le début du nom seulement (avec les prénoms), 15 % prénoms puis",
        "  nom dans le même champ, 15 % le nom exact. Chacune passe par le filtre de la liste (`EntryFilter`) puis",
        "  la première page (compte et lignes), chronométrée après 50 recherches d'échauffement.",
        "  `register_search_recall_typo1` : part des recherches avec une faute d'une lettre dont l'inscription",
        "  cherchée est parmi les résultats affichés. `register_search_precision` : parmi tous les résultats",
        "  affichés de toutes les recherches, part des pertinents — une inscription est pertinente quand chaque",
        "  mot de la recherche telle qu'elle était voulue (avant la faute ; pour un début de nom, ce début) est un",
        "  mot de son nom ou de ses prénoms (le début d'un mot, pour un début de nom) : un homonyme est pertinent,",
        "  un nom voisin trouvé par la tolérance aux fautes ne l'est pas. Mesures sans suffixe : PostgreSQL ;",
        "  `_sqlite` : SQLite.",
        "- **Besoins ponctuels : qui prévenir** (`bench/needs_selection.py`) : sur la base de la mise en relation",
        "  (100 000 volontaires, domaines d'engagement, catégories, disponibilités, formations détenues dont",
        "  certaines expirées), `needs.selectors.select_volunteers` pour ~100 besoins tirés au hasard (lieu, 1 à 3",
        "  créneaux, domaine, parfois une catégorie et 1 ou 2 formations exigées), après échauffement.",
        "- **Carte des partenaires** (`bench/partners_map.py`) : organisations validées créées en masse sur les",
        "  adresses de la commune jusqu'à 2 000 services publics ; un·e visiteur·se anonyme ouvre `/cartographie/`",
        "  (première page, pages suivantes, filtres thématique, public, quartier) et les données des marqueurs,",
        "  ~200 fois chacun par le client de test de Django (DEBUG désactivé), statut 200 vérifié.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    rows = load()
    if os.environ.get("BENCH_CPU_REFERENCE"):
        rows.append(
            {"name": "cpu_reference_python_loop", "value": float(os.environ["BENCH_CPU_REFERENCE"]), "unit": "s"}
        )
    (ROOT / "bench" / "results.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    (ROOT / "docs" / "benchmarks.md").write_text(markdown(rows, machine()))
    print(f"{len(rows)} mesures écrites dans bench/results.json et docs/benchmarks.md")


if __name__ == "__main__":
    main()
