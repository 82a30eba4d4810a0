"""The town's solidarity figures for the public page (/chiffres/): the six headline figures for
the current year (to date) and the previous one, by quartier and by category, read from
`selectors.dashboard`, with the small-cell rule of `disclosure.suppress` applied.

Each year's cells are suppressed together: every figure's column in the quartier table and in
the category table is a published sum whose total is the headline figure (one total shared by
both tables). The category columns of volunteers and residents are not strict sums (a person
counts in each category) but are treated the same way: hiding more never reveals more.
"""

import datetime
from dataclasses import dataclass

from villesolidaire.reporting.disclosure import suppress
from villesolidaire.reporting.selectors import DEFINITIONS, FIGURES, Period, Row, dashboard

# The six headline figures (the dashboard's first six: the shift figures stay internal).
PUBLIC_FIGURES = FIGURES[:6]


@dataclass(frozen=True)
class Cell:
    """A count as shown to the public: its value; « moins de N » when it is a small count; « masqué »
    when it is hidden only so that a total cannot give back a small count next to it (it may be
    large: writing « moins de N » there would be false)."""

    value: int
    hidden: bool
    threshold: int

    @property
    def text(self) -> str:
        if not self.hidden:
            return str(self.value)
        return f"moins de {self.threshold}" if 0 < self.value < self.threshold else "masqué"


@dataclass(frozen=True)
class PublicRow:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class PublicTable:
    code: str
    label: str
    rows: list[PublicRow]


@dataclass(frozen=True)
class Headline:
    code: str
    label: str
    cell: Cell
    definition: str


@dataclass(frozen=True)
class PublicYear:
    year: int
    label: str
    headline: list[Headline]
    tables: list[PublicTable]


def _year_period(year: int, today: datetime.date) -> tuple[Period, str]:
    if year == today.year:
        return Period(datetime.date(year, 1, 1), today), f"{year} (jusqu'à aujourd'hui)"
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31)), str(year)


def public_year(year: int, today: datetime.date, threshold: int) -> PublicYear:
    """One year's figures, suppressed (thirteen queries: `dashboard`'s)."""
    period, label = _year_period(year, today)
    board = dashboard(period)
    breakdowns: list[tuple[str, str, list[Row]]] = [
        ("quartier", "Quartier", board.by_quartier),
        ("category", "Catégorie d'aide", board.by_category),
    ]
    values: dict[tuple, int] = {("total", code): board.total(code) for code, _label in PUBLIC_FIGURES}
    groups: list[list[tuple]] = []
    for table, _label, rows in breakdowns:
        for code, _figure in PUBLIC_FIGURES:
            column = [(table, index, code) for index in range(len(rows))]
            for key, row in zip(column, rows, strict=True):
                values[key] = row.get(code)
            groups.append([*column, ("total", code)])
    hidden = suppress(values, groups, threshold)

    def cell(key: tuple) -> Cell:
        return Cell(values[key], key in hidden, threshold)

    return PublicYear(
        year=year,
        label=label,
        headline=[Headline(code, figure, cell(("total", code)), DEFINITIONS[code]) for code, figure in PUBLIC_FIGURES],
        tables=[
            PublicTable(
                table,
                table_label,
                [
                    PublicRow(row.label, [cell((table, index, code)) for code, _figure in PUBLIC_FIGURES])
                    for index, row in enumerate(rows)
                ],
            )
            for table, table_label, rows in breakdowns
        ],
    )


def public_figures(today: datetime.date, threshold: int) -> list[PublicYear]:
    """The current year to date, then the previous year."""
    return [public_year(year, today, threshold) for year in (today.year, today.year - 1)]
