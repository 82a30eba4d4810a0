"""Server-rendered SVG bar charts.

The geometry is computed here and written as SVG attributes (x, y, width, height), never
as CSS: the Content Security Policy forbids inline styles. Every chart sits next to a data
table holding the same figures, so the chart is never the only way to read them.
"""

from dataclasses import dataclass

from villesolidaire.reporting.selectors import Row, figure_text

WIDTH = 700
LABEL_WIDTH = 290
VALUE_GAP = 8
VALUE_WIDTH = 56
BAR_HEIGHT = 20
ROW_HEIGHT = 30
TOP = 6
MAX_LABEL_CHARS = 34


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    value: int | float
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    label_x: int


def bar_chart(chart_id: str, title: str, rows: list[Row], figure: str) -> BarChart:
    """A horizontal bar chart of one figure over the rows of a breakdown."""
    values = [row.get(figure) for row in rows]
    top = max(values, default=0) or 1
    bar_area = WIDTH - LABEL_WIDTH - VALUE_GAP - VALUE_WIDTH
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = TOP + index * ROW_HEIGHT
        width = round(bar_area * value / top)
        short = row.label if len(row.label) <= MAX_LABEL_CHARS else row.label[: MAX_LABEL_CHARS - 1] + "…"
        bars.append(
            Bar(
                label=row.label,
                short_label=short,
                value=value,
                y=y,
                width=width,
                text_y=y + BAR_HEIGHT - 5,
                value_x=LABEL_WIDTH + width + VALUE_GAP,
            )
        )
    description = " ; ".join(f"{bar.label} : {figure_text(bar.value)}" for bar in bars) or "Aucune donnée."
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        bars=bars,
        width=WIDTH,
        height=TOP * 2 + max(len(bars), 1) * ROW_HEIGHT,
        label_width=LABEL_WIDTH,
        label_x=LABEL_WIDTH - VALUE_GAP,
    )
