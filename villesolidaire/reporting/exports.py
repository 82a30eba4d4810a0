"""The bilan as export tables (written by core.exports: CSV, XLSX with one sheet per table)."""

from villesolidaire.core.exports import Table
from villesolidaire.reporting import activity
from villesolidaire.reporting.bilan import Bilan
from villesolidaire.reporting.selectors import DEFINITIONS, FIGURE_LABELS, FIGURES, table_rows
from villesolidaire.surveys.selectors import DEFINITIONS as EVALUATION_DEFINITIONS

FIGURE_HEADERS = [label for _code, label in FIGURES]
EVALUATION_TERMS = [
    ("avis", EVALUATION_DEFINITIONS["evaluations"]),
    ("satisfaction", EVALUATION_DEFINITIONS["satisfaction"]),
    ("utilité", EVALUATION_DEFINITIONS["usefulness"]),
    ("lien gardé", EVALUATION_DEFINITIONS["kept_link"]),
    ("volontaires resté·es", EVALUATION_DEFINITIONS["volunteers_kept"]),
    ("citations", EVALUATION_DEFINITIONS["quotes"]),
    ("questionnaires", EVALUATION_DEFINITIONS["wave_response_rate"]),
]


def key_figures(bilan: Bilan) -> Table:
    if bilan.previous:
        return Table(
            "Chiffres clés",
            [
                "Indicateur",
                bilan.chosen.title,
                f"Un an plus tôt ({bilan.previous_period.label})",
                "Écart",
                "Évolution",
            ],
            [[c.label, c.value, c.previous, c.difference, c.trend] for c in bilan.comparisons],
        )
    return Table("Chiffres clés", ["Indicateur", "Valeur"], [[c.label, c.value] for c in bilan.comparisons])


def request_tables(bilan: Bilan) -> list[Table]:
    requests = bilan.requests
    return [
        Table("Demandes par canal", ["Canal", "Demandes"], [[c.label, c.value] for c in requests.by_channel]),
        Table("Suite des demandes", ["Suite donnée", "Demandes"], [[c.label, c.value] for c in requests.by_outcome]),
        Table(
            "Délai de premier contact",
            ["Mesure", "Valeur"],
            [
                ["Demandes enregistrées", requests.count],
                ["Habitant·es distinct·es", requests.residents],
                ["Demandes traitées avant la fin de la période", requests.handled],
                ["Délai médian (heures)", requests.first_contact_median_hours],
                ["9e décile du délai (heures)", requests.first_contact_p90_hours],
            ],
        ),
    ]


def group_tables(bilan: Bilan) -> list[Table]:
    headers = ["Inscrit·es", "Actif·ves à la fin de la période", "Mobilisé·es"]
    return [
        Table(
            "Partenaires",
            ["Organisation", "Participations", "Volontaires", "Heures", "Demandes orientées", "Soutiens transmis"],
            [
                [p.organisation, p.participations, p.volunteers, p.hours, p.referred, p.handed_over]
                for p in bilan.partners
            ],
        ),
        Table(
            "Domaines d'engagement",
            ["Domaine", *headers],
            [[r.label, r.registered, r.active, r.mobilised] for r in bilan.domains],
        ),
        Table(
            "Appels à volontaires",
            ["Appel", *headers],
            [[r.label, r.registered, r.active, r.mobilised] for r in bilan.calls],
        ),
    ]


def network_tables(bilan: Bilan) -> list[Table]:
    neighbours = bilan.neighbours
    return [
        Table(
            "Formations",
            ["Module", "Sessions tenues", "Présences", "Volontaires formé·es"],
            [[t.module, t.sessions_held, t.attendances, t.volunteers_trained] for t in bilan.trainings],
        ),
        Table(
            "Réseaux de voisinage",
            ["Indicateur", "Valeur"],
            [
                ["Réseaux actifs à la fin de la période", neighbours.networks_active],
                ["Voisin·es ayant donné leur accord", neighbours.neighbours_consenting],
                ["Alertes signalées", neighbours.alerts_raised],
                ["Alertes traitées", neighbours.alerts_handled],
            ],
        ),
    ]


def evaluation_tables(bilan: Bilan) -> list[Table]:
    evaluation = bilan.evaluation
    retention = evaluation.retention
    return [
        Table(
            "Avis de fin de soutien",
            ["De la part des", "Avis", "Satisfaction moyenne (sur 5)", "Utilité moyenne (sur 5)", "Lien gardé (%)"],
            [
                [
                    side.label,
                    side.count,
                    _mean(side.mean_satisfaction),
                    _mean(side.mean_usefulness),
                    _percent(side.kept_link_share),
                ]
                for side in evaluation.sides
            ],
        ),
        Table(
            "Volontaires resté·es",
            ["Volontaires ayant réalisé une mission", "Resté·es actif·ves ou en réserve", "Part (%)"],
            [[retention.with_mission, retention.kept, _percent(retention.kept_share)]],
        ),
        Table("Citations", ["Citation", "Signature"], [[q.text, q.signature] for q in evaluation.quotes]),
        Table(
            "Questionnaires",
            ["Questionnaire", "Envoyés", "Réponses", "Taux de réponse (%)"],
            [[w.label, w.asked, w.answered, _percent(w.response_rate)] for w in evaluation.waves],
        ),
    ]


def _mean(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def definitions_table() -> Table:
    rows = [[FIGURE_LABELS[code], text] for code, text in DEFINITIONS.items()]
    rows += [
        ["Demandes par canal", activity.DEFINITIONS["channels"]],
        ["Suite des demandes", activity.DEFINITIONS["outcomes"]],
        ["Délai de premier contact", activity.DEFINITIONS["first_contact"]],
        ["Partenaires", activity.DEFINITIONS["partners"]],
        ["Domaines d'engagement", activity.DEFINITIONS["domains"]],
        ["Appels à volontaires", activity.DEFINITIONS["calls"]],
        ["Formations", activity.DEFINITIONS["trainings"]],
        ["Réseaux de voisinage", activity.DEFINITIONS["neighbours"]],
        *[[f"Évaluation : {name}", text] for name, text in EVALUATION_TERMS],
    ]
    return Table("Définitions", ["Indicateur", "Définition"], rows)


def tables(bilan: Bilan) -> list[Table]:
    """Key figures, the breakdowns, the weekly series, requests, groups, then the definitions."""
    result = [key_figures(bilan)]
    for _code, label, rows in bilan.board.breakdowns:
        result.append(Table(f"Par {label.lower()}", [label, *FIGURE_HEADERS], table_rows(rows)))
    weekly = bilan.weekly
    result.append(Table("Évolution par semaine", ["Semaine", *weekly.headers], [[w, *v] for w, v in weekly.table]))
    result += request_tables(bilan)
    result += group_tables(bilan)
    result += network_tables(bilan)
    result += evaluation_tables(bilan)
    result.append(definitions_table())
    return result


def heading(bilan: Bilan) -> str:
    return f"Bilan — {bilan.chosen.title} — période : {bilan.period.label}"
