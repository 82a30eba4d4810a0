"""The dashboard figures as export tables (written by core.exports), with French headers."""

from villesolidaire.core.exports import Table
from villesolidaire.reporting.selectors import FIGURES, Dashboard, table_rows

FIGURE_HEADERS = [label for _code, label in FIGURES]


def tables(board: Dashboard) -> list[Table]:
    """Key figures, then the three breakdowns."""
    result = [
        Table("Chiffres clés", ["Indicateur", "Valeur"], [[label, board.total(code)] for code, label in FIGURES])
    ]
    for _code, label, rows in board.breakdowns:
        result.append(Table(f"Par {label.lower()}", [label, *FIGURE_HEADERS], table_rows(rows)))
    return result


def heading(board: Dashboard) -> str:
    return f"Tableau de bord — période : {board.period.label}"
