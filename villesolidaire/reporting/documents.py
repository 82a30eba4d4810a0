"""The bilan as an A4 PDF: the document a town presents to its council, its partners and the préfet.

The text is real text (selectable, searchable, read by screen readers from the text layer), the
language is declared, sections are bookmarked, every chart is followed by its data table and
every figure by its definition. The page /gestion/bilan/ is its accessible HTML twin: the same
`Bilan`, the same tables and definitions. No person's name is ever written in it.
"""

from django.utils import timezone
from fpdf.enums import XPos, YPos

from villesolidaire.core.pdf import FONT, LINE, Document
from villesolidaire.reporting import exports
from villesolidaire.reporting.bilan import Bilan
from villesolidaire.reporting.charts import BarChart, LineChart, bar_chart, line_chart
from villesolidaire.reporting.selectors import FIGURE_LABELS, MISSIONS_DONE, RESIDENTS_HELPED, figure_text

CHART_WIDTH_MM = 170
FIGURES_PER_TABLE = 5
CHART_HEIGHT_MM = 68
# Line colours for the series, then the same lines dashed differently (see charts.DASHES).
SERIES_GREYS = [(29, 78, 137), (179, 84, 30), (60, 120, 60), (110, 60, 140), (90, 90, 90)]


def bilan_pdf(bilan: Bilan, *, town) -> bytes:
    doc = Document(title=f"Bilan — {bilan.chosen.title}", town=town)
    doc.set_lang("fr-FR")
    doc.add_page()
    _logo(doc, town)
    programme = getattr(town, "programme_name", "") or "Ville Solidaire"
    doc.heading(f"{programme} — bilan : {bilan.chosen.title}", size=16)
    generated = timezone.localtime(bilan.generated_at)
    if bilan.period.is_over(timezone.localdate()):
        stability = "ils ne changent pas quand les données évoluent après la période"
    else:
        stability = "la période n'étant pas terminée, ils évolueront jusqu'à sa fin"
    doc.paragraph(
        f"Période : {bilan.period.label}. Chiffres calculés le {generated:%d/%m/%Y à %H:%M} à partir des "
        f"données enregistrées et de leurs historiques ; {stability}. Aucun nom de personne ne figure dans ce "
        "document."
    )
    if bilan.introduction:
        doc.section("Introduction")
        for paragraph in bilan.introduction.text.split("\n"):
            if paragraph.strip():
                doc.paragraph(paragraph.strip())

    tables = {table.title: table for table in exports.tables(bilan)}
    doc.section("Chiffres clés")
    _table(doc, tables["Chiffres clés"])
    definitions = tables["Définitions"]
    doc.set_font(FONT, "", 9)
    for name, text in definitions.rows[:6]:
        doc.multi_cell(0, 4.5, f"{name} : {text}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)

    doc.section("Évolution par mois", room=CHART_HEIGHT_MM + 20)
    monthly = line_chart(
        "m", "Évolution par mois", bilan.monthly.labels, bilan.monthly.lines(), axis_labels=bilan.monthly.axis_labels
    )
    _line_chart(doc, monthly)
    doc.paragraph("Les mêmes chiffres, mois par mois :", gap=1)
    _table(doc, tables["Par mois"])

    for (code, label, rows), title in zip(bilan.board.breakdowns[:2], ("Par catégorie", "Par quartier"), strict=True):
        doc.section(title.replace("Par", "Répartition par"), room=80)
        for figure in (MISSIONS_DONE, RESIDENTS_HELPED):
            chart = bar_chart(f"{code}-{figure}", f"{FIGURE_LABELS[figure]} par {label.lower()}", rows, figure)
            _bar_chart(doc, chart)
        doc.paragraph("Toutes les valeurs :", gap=1)
        _table(doc, tables[title])

    doc.section("Demandes d'aide")
    for title in ("Délai de premier contact", "Demandes par canal", "Suite des demandes"):
        doc.paragraph(title, bold=True, gap=1)
        _table(doc, tables[title])

    doc.section("Partenaires, domaines d'engagement et appels à volontaires")
    for title in ("Partenaires", "Domaines d'engagement", "Appels à volontaires"):
        doc.paragraph(title, bold=True, gap=1)
        _table(doc, tables[title])

    doc.section("Formations et réseaux de voisinage")
    for title in ("Formations", "Réseaux de voisinage"):
        doc.paragraph(title, bold=True, gap=1)
        _table(doc, tables[title])

    doc.section("Évaluation")
    for title in ("Avis de fin de soutien", "Volontaires resté·es", "Citations", "Questionnaires"):
        doc.paragraph(title, bold=True, gap=1)
        _table(doc, tables[title])

    doc.section("Définitions")
    _table(doc, definitions, col_widths=[45, 125], align=["LEFT", "LEFT"])
    return doc.output_bytes()


def _table(doc: Document, table, *, col_widths=None, align=None) -> None:
    """A table; a wide one (a breakdown's ten figures) as several tables of at most
    FIGURES_PER_TABLE figures each, the first column repeated, so that A4 portrait keeps words whole."""
    if not table.rows:
        doc.paragraph("Aucune donnée sur la période.")
        return
    headers, rows = list(table.headers), [list(row) for row in table.rows]
    if len(headers) - 1 <= FIGURES_PER_TABLE or col_widths:
        doc.data_table(headers, rows, col_widths=col_widths, align=align)
        return
    for start in range(1, len(headers), FIGURES_PER_TABLE):
        columns = [0, *range(start, min(start + FIGURES_PER_TABLE, len(headers)))]
        widths = [50] + [120 / (len(columns) - 1)] * (len(columns) - 1)
        doc.data_table([headers[i] for i in columns], [[row[i] for i in columns] for row in rows], col_widths=widths)


def _logo(doc: Document, town) -> None:
    logo = getattr(town, "logo", None)
    if not logo:
        return
    try:
        doc.image(logo.path, x=doc.w - doc.r_margin - 30, y=10, h=16, alt_text=f"Logo de {town.name}")
    except (OSError, ValueError, NotImplementedError, RuntimeError):
        return  # an unreadable logo must not stop the bilan


def _line_chart(doc: Document, chart: LineChart) -> None:
    """The SVG chart's geometry redrawn in millimetres, with its legend in words."""
    if not chart.lines or not chart.x_marks:
        doc.paragraph("Aucune donnée sur la période.")
        return
    if doc.get_y() + CHART_HEIGHT_MM + 20 > doc.h - doc.b_margin:
        doc.add_page()
    left, top = doc.l_margin, doc.get_y()
    scale_x, scale_y = CHART_WIDTH_MM / chart.width, CHART_HEIGHT_MM / chart.height

    def point(x: float, y: float) -> tuple[float, float]:
        return left + x * scale_x, top + y * scale_y

    doc.set_font(FONT, "", 7)
    doc.set_draw_color(200, 200, 200)
    for mark in chart.y_marks:
        start, end = point(chart.plot_left, mark.position), point(chart.plot_right, mark.position)
        doc.line(*start, *end)
        doc.set_xy(left, start[1] - 2)
        doc.cell(chart.plot_left * scale_x - 2, 4, mark.text, align="R")
    for mark in chart.x_marks:
        x, y = point(mark.position, chart.x_label_y)
        doc.set_xy(x - 10, y - 3)
        doc.cell(20, 4, mark.text[:12], align="C")
    for line in chart.lines:
        colour = SERIES_GREYS[line.index % len(SERIES_GREYS)]
        doc.set_draw_color(*colour)
        doc.set_line_width(0.6)
        doc.set_dash_pattern(**_dash(line.dash))
        doc.polyline([point(p.x, p.y) for p in line.points])
        doc.set_dash_pattern()
    doc.set_line_width(0.2)
    doc.set_draw_color(0, 0, 0)
    doc.set_xy(left, top + CHART_HEIGHT_MM + 1)
    doc.set_font(FONT, "", 8.5)
    legend = " · ".join(f"{_legend_mark(line.index)} {line.label}" for line in chart.lines)
    doc.multi_cell(0, LINE - 1, f"Légende : {legend}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 10.5)
    doc.ln(2)


def _bar_chart(doc: Document, chart: BarChart) -> None:
    """The SVG bar chart's geometry in millimetres: label, bar, value on each line."""
    if not chart.bars:
        return
    scale = CHART_WIDTH_MM / chart.width
    height = chart.height * scale + 8
    if doc.get_y() + height > doc.h - doc.b_margin:
        doc.add_page()
    doc.paragraph(chart.title, bold=True, gap=0.5)
    left, top = doc.l_margin, doc.get_y()
    doc.set_font(FONT, "", 7.5)
    doc.set_fill_color(*doc.town_colour())
    for bar in chart.bars:
        y = top + bar.y * scale
        doc.set_xy(left, y)
        doc.cell(chart.label_x * scale, 20 * scale, bar.short_label, align="R")
        if bar.width:
            doc.rect(left + chart.label_width * scale, y, bar.width * scale, 20 * scale, style="F")
        doc.set_xy(left + bar.value_x * scale, y)
        doc.cell(20, 20 * scale, figure_text(bar.value))
    doc.set_fill_color(255, 255, 255)  # tables drawn next must not inherit the bars' colour
    doc.set_xy(left, top + chart.height * scale + 1)
    doc.set_font(FONT, "", 10.5)
    doc.ln(2)


def _dash(pattern: str) -> dict:
    numbers = [float(n) * 0.35 for n in pattern.split()]
    if not numbers:
        return {}
    return {"dash": numbers[0], "gap": numbers[1] if len(numbers) > 1 else numbers[0], "phase": 0}


def _legend_mark(index: int) -> str:
    return ["trait plein", "tirets", "pointillés", "tirets-points", "tirets courts"][index % 5] + " :"
