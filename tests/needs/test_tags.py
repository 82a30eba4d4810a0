"""How a shift's period reads on the pages (`shift_period`)."""

import datetime

import pytest
from django.utils import timezone

from villesolidaire.needs.models import Shift
from villesolidaire.needs.templatetags.needs_tags import shift_period


def at(day: int, hour: int, month: int = 6) -> datetime.datetime:
    return datetime.datetime(2030, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        (at(15, 9), at(15, 12), "samedi 15 juin 2030, 09:00 – 12:00"),
        (at(15, 22), at(16, 2), "samedi 15 juin 2030, 22:00 – dimanche 16 juin, 02:00"),
        (at(15, 9), at(15, 18, month=9), "du 15 juin 2030 au 15 septembre 2030"),
    ],
)
def test_a_shift_reads_as_its_day_and_hours_a_night_or_a_span_of_days(starts, ends, expected):
    assert shift_period(Shift(starts_at=starts, ends_at=ends)) == expected
