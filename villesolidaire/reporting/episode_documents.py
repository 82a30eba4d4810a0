"""The episode report as XLSX tables (written by core.exports, one sheet per breakdown) and as an A4 PDF.

Both are written from `EpisodeReport` alone, which holds counts and delays, never a person: no name
can reach them. Every figure comes with its definition (episode_report.DEFINITIONS).
"""

from fpdf.enums import XPos, YPos

from villesolidaire.core.exports import Table
from villesolidaire.core.pdf import FONT, Document
from villesolidaire.reporting.episode_report import (
    BREAKDOWN_NOTES,
    CONTACT_MEDIAN,
    CONTACT_P90,
    DAY_FIGURES,
    DEFINITIONS,
    ESCALATED,
    FIGURE_LABELS,
    HELP_REQUESTS,
    MISSIONS_DONE,
    NEVER_REACHED,
    NO_NEWS,
    QUARTIER_FIGURES,
    REACHED,
    REACHED_24H,
    REACHED_48H,
    REGISTER,
    STEP_COLUMNS,
    TARGETED,
    VOLUNTEER_HOURS,
    EpisodeReport,
    figure_cell,
)
from villesolidaire.reporting.selectors import figure_text


def title(report: EpisodeReport) -> str:
    return f"Bilan de l'épisode — {report.episode}"


def heading(report: EpisodeReport) -> str:
    return f"{title(report)} — {report.period_label}"


def file_name(report: EpisodeReport) -> str:
    return f"bilan-episode-{report.episode.pk}-{report.last_day:%Y%m%d}"


def tables(report: EpisodeReport) -> list[Table]:
    """Key figures, by quartier, by day, escalations by step, definitions: one sheet each."""
    return [
        Table(
            "Chiffres clés",
            ["Indicateur", "Valeur", "Définition"],
            [[label, value, definition] for _code, label, value, definition in report.headline],
        ),
        Table(
            "Par quartier",
            ["Quartier", *[FIGURE_LABELS[code] for code in QUARTIER_FIGURES]],
            [[row.label, *[row.values.get(code) for code in QUARTIER_FIGURES]] for row in report.by_quartier],
        ),
        Table(
            "Par jour",
            ["Jour", *[FIGURE_LABELS[code] for code in DAY_FIGURES]],
            [[row.key, *[row.values.get(code) for code in DAY_FIGURES]] for row in report.by_day],
        ),
        Table("Escalades par étape", STEP_COLUMNS, [step.cells() for step in report.steps]),
        Table(
            "Définitions",
            ["Indicateur", "Définition"],
            [[label, DEFINITIONS[code]] for code, label in FIGURE_LABELS.items()]
            + [["Ventilations", BREAKDOWN_NOTES]],
        ),
    ]


# PDF ------------------------------------------------------------------------------------------

CALL_COLUMNS = [REGISTER, TARGETED, REACHED_24H, REACHED_48H, REACHED, NEVER_REACHED, NO_NEWS, ESCALATED]
DELAY_COLUMNS = [CONTACT_MEDIAN, CONTACT_P90]
ACTIVITY_COLUMNS = [HELP_REQUESTS, MISSIONS_DONE, VOLUNTEER_HOURS]
SHORT_LABELS = {
    REGISTER: "Registre",
    TARGETED: "À appeler",
    REACHED_24H: "Jointes 24 h",
    REACHED_48H: "Jointes 48 h",
    REACHED: "Jointes",
    NEVER_REACHED: "Jamais jointes",
    NO_NEWS: "Sans nouvelles",
    ESCALATED: "Escalades",
    CONTACT_MEDIAN: "Délai médian (h)",
    CONTACT_P90: "Délai 90e centile (h)",
    HELP_REQUESTS: "Demandes d'aide",
    MISSIONS_DONE: "Missions réalisées",
    VOLUNTEER_HOURS: "Heures de bénévolat",
}


def _text(value) -> str:
    return figure_text(figure_cell(value))


def _table(doc: Document, headers: list[str], rows: list[list[str]], *, first_width: float) -> None:
    others = (doc.w - doc.l_margin - doc.r_margin - first_width) / max(len(headers) - 1, 1)
    doc.data_table(headers, rows, col_widths=[first_width, *[others] * (len(headers) - 1)])


def pdf(report: EpisodeReport, town) -> bytes:
    """A4, the town's name and colour; key figures with their definitions, then each breakdown."""
    doc = Document(title=title(report), town=town)
    doc.add_page()
    doc.section(title(report), size=15)
    episode = report.episode
    doc.paragraph(
        f"{episode.get_kind_display()}, vigilance {episode.get_level_display().lower()}, {report.period_label}. "
        f"Document établi le {report.generated_at:%d/%m/%Y} à partir des données enregistrées : "
        "chiffres agrégés, sans aucune donnée nominative."
    )
    doc.section("Chiffres clés", size=12)
    _table(
        doc,
        ["Indicateur", "Valeur"],
        [[label, _text(value)] for _code, label, value, _definition in report.headline],
        first_width=130,
    )
    for section, columns in (
        ("Appels par quartier", CALL_COLUMNS),
        ("Délais du premier contact par quartier", DELAY_COLUMNS),
        ("Demandes, missions et heures par quartier", ACTIVITY_COLUMNS),
    ):
        doc.section(section, size=12)
        _table(
            doc,
            ["Quartier", *[SHORT_LABELS[code] for code in columns]],
            [[row.label, *[_text(row.values.get(code)) for code in columns]] for row in report.by_quartier],
            first_width=42 if len(columns) > 3 else 70,
        )
    doc.section("Escalades par étape", size=12)
    _table(
        doc,
        STEP_COLUMNS,
        [[str(cell) for cell in step.cells()] for step in report.steps],
        first_width=50,
    )
    doc.section("Par jour", size=12)
    _table(
        doc,
        ["Jour", *[FIGURE_LABELS[code] for code in DAY_FIGURES]],
        [[f"{row.key:%d/%m/%Y}", *[_text(row.values.get(code)) for code in DAY_FIGURES]] for row in report.by_day],
        first_width=25,
    )
    doc.section("Définitions", size=12)
    for code, label in FIGURE_LABELS.items():
        doc.set_font(FONT, "B", 9)
        doc.multi_cell(0, 4.5, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.set_font(FONT, "", 9)
        doc.multi_cell(0, 4.5, DEFINITIONS[code], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.ln(1)
    doc.paragraph(BREAKDOWN_NOTES)
    return doc.output_bytes()
