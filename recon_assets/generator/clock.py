"""Business dates and the local timestamps recorded on them.

Timestamps are evidence, the file date is the business date. Many fall just after midnight
or just before it so that a reader who takes the UTC date of a timestamp (instead of the
file date) gets the wrong night, in summer time especially.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def moment(rng: Random, day: date, zone: ZoneInfo) -> datetime:
    """A local time on `day`, a good share of them near midnight.

    Hours 01:00-07:59 are never drawn: they hold the clock changes (a gap in spring, a
    repeated hour in autumn), where a local time is missing or ambiguous.
    """
    roll = rng.random()
    if roll < 0.2:
        at = time(0, rng.randint(0, 29), rng.randint(0, 59))
    elif roll < 0.4:
        at = time(23, rng.randint(30, 59), rng.randint(0, 59))
    else:
        at = time(rng.randint(8, 22), rng.randint(0, 59), rng.randint(0, 59))
    return datetime.combine(day, at, tzinfo=zone)
