"""CSV and XLSX exports of the dashboard figures, with French headers."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from villesolidaire.reporting.selectors import FIGURES, Dashboard, figure_text, table_rows

FIGURE_HEADERS = [label for _code, label in FIGURES]


def sections(board: Dashboard) -> list[tuple[str, list[str], list[list]]]:
    """(title, header, rows) for each table: key figures, then the three breakdowns."""
    result = [
        (
            "Chiffres clés",
            ["Indicateur", "Valeur"],
            [[label, board.total(code)] for code, label in FIGURES],
        )
    ]
    for _code, label, rows in board.breakdowns:
        result.append((f"Par {label.lower()}", [label, *FIGURE_HEADERS], table_rows(rows)))
    return result


def _title(board: Dashboard) -> str:
    return f"Tableau de bord — période : {board.period.label}"


def as_csv(board: Dashboard) -> bytes:
    """Semicolon-separated with a BOM, which is what a French spreadsheet expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_title(board)])
    for title, header, rows in sections(board):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        # Hours may have decimals: written with a comma, as a French spreadsheet reads them.
        writer.writerows([[figure_text(value) for value in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(board: Dashboard) -> bytes:
    """One sheet per table, headers in bold."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sections(board):
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([_title(board)])
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 36
        for column in "BCDEFGHI":
            sheet.column_dimensions[column].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
