"""Calendar arithmetic shared by the apps."""

import calendar
import datetime
from typing import TypeVar

Moment = TypeVar("Moment", datetime.date, datetime.datetime)


def add_months(moment: Moment, months: int) -> Moment:
    """Same day `months` later (or earlier, when negative), or the month's last day when it is
    shorter: 31 Jan + 1 → 28/29 Feb. A datetime keeps its time of day and time zone."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
