"""Server-rendered SVG bar charts.

The geometry is computed here and written as SVG attributes (x, y, width, height), never
as CSS: the Content Security Policy forbids inline styles. Every chart sits next to a data
table holding the same figures, so the chart is never the only way to read them.
"""

import math
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


# ----------------------------------------------------------------------------------------------
# Line charts: time series of several figures (months or weeks on the x axis).

LINE_WIDTH = 700
LINE_HEIGHT = 280
PLOT_LEFT = 52
PLOT_RIGHT = 16
PLOT_TOP = 12
PLOT_BOTTOM = 44
GRID_LINES = 4
MAX_X_LABELS = 12
# Dash patterns (SVG attributes) so that lines differ by more than their colour.
DASHES = ["", "8 4", "2 4", "12 4 2 4", "4 2"]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int | float


@dataclass(frozen=True)
class Line:
    index: int
    label: str
    points: list[Point]
    dash: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


@dataclass(frozen=True)
class AxisMark:
    position: float
    text: str


@dataclass(frozen=True)
class LineChart:
    chart_id: str
    title: str
    description: str
    lines: list[Line]
    x_marks: list[AxisMark]
    y_marks: list[AxisMark]
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    plot_left: int = PLOT_LEFT
    plot_right: int = LINE_WIDTH - PLOT_RIGHT
    plot_bottom: int = LINE_HEIGHT - PLOT_BOTTOM
    x_label_y: int = LINE_HEIGHT - PLOT_BOTTOM + 20


def nice_ceiling(value: float) -> int:
    """The axis top: GRID_LINES times a round step (1, 2, 2.5 or 5 × 10^n, whole), at or above `value`."""
    needed = max(value, 0) / GRID_LINES
    magnitude = 1
    while True:
        for step in (1, 2, 2.5, 5):
            candidate = step * magnitude
            if candidate.is_integer() if isinstance(candidate, float) else True:
                if candidate >= needed:
                    return int(candidate * GRID_LINES)
        magnitude *= 10


def line_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, list[int | float]]],
    *,
    axis_labels: list[str] | None = None,
) -> LineChart:
    """Lines of several figures over the same x labels (months or weeks); `axis_labels`, shorter,
    are written under the axis (the description and the table keep `labels`)."""
    top = nice_ceiling(max((value for _label, values in series for value in values), default=0))
    plot_width = LINE_WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_height = LINE_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    step = plot_width / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        return PLOT_LEFT + (index * step if len(labels) > 1 else plot_width / 2)

    def y_of(value: float) -> float:
        return PLOT_TOP + plot_height * (1 - value / top)

    lines = [
        Line(
            index=index,
            label=label,
            points=[Point(x_of(position), y_of(value), value) for position, value in enumerate(values)],
            dash=DASHES[index % len(DASHES)],
        )
        for index, (label, values) in enumerate(series)
    ]
    every = max(math.ceil(len(labels) / MAX_X_LABELS), 1)
    x_marks = [
        AxisMark(x_of(position), text) for position, text in enumerate(axis_labels or labels) if position % every == 0
    ]
    y_marks = [
        AxisMark(y_of(top * mark / GRID_LINES), figure_text(_axis_value(top * mark / GRID_LINES)))
        for mark in range(GRID_LINES + 1)
    ]
    description = " ; ".join(
        f"{label} : " + ", ".join(f"{x} {figure_text(value)}" for x, value in zip(labels, values, strict=True))
        for label, values in series
    )
    return LineChart(
        chart_id=chart_id,
        title=title,
        description=description or "Aucune donnée.",
        lines=lines,
        x_marks=x_marks,
        y_marks=y_marks,
    )


def _axis_value(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)
