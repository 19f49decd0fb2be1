"""The periods impact is reported for: a month, a quarter, a year, or BELMEK's course year
(September to August), each as Istanbul calendar days turned into UTC bounds.

A period is written as text so it can travel in a URL and an export: "2026-03" (month),
"2026-Q1" (quarter), "2026" (year), "2025-26" (course year, 1 September 2025 – 31 August 2026).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l

from coopshop.services.core.errors import ValidationFailed
from coopshop.turkey import ISTANBUL

KINDS = ("month", "quarter", "year", "course_year")
COURSE_YEAR_START_MONTH = 9  # BELMEK's courses start in September

_PATTERNS = (
    ("month", re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("course_year", re.compile(r"^(\d{4})-(\d{2})$")),
    ("year", re.compile(r"^(\d{4})$")),
)


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    first_day: date  # Istanbul calendar days, inclusive
    last_day: date

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return _utc(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (bounds are start <= t < end)."""
        return _utc(_add_months(self.last_day.replace(day=1), 1))

    @property
    def months(self) -> int:
        return (
            (self.last_day.year - self.first_day.year) * 12
            + (self.last_day.month - self.first_day.month)
            + 1
        )

    def month_keys(self) -> list[str]:
        """ "YYYY-MM" for every month of the period, in order (the trend's buckets)."""
        first = self.first_day.replace(day=1)
        return [f"{_add_months(first, i):%Y-%m}" for i in range(self.months)]


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ISTANBUL).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _last_day_of_month(year: int, month: int) -> date:
    return date.fromordinal(_add_months(date(year, month, 1), 1).toordinal() - 1)


def parse(key: str) -> Period:
    """The period a text names; a clear error for anything else (never a guess)."""
    key = (key or "").strip()
    for kind, pattern in _PATTERNS:
        m = pattern.match(key)
        if not m:
            continue
        year = int(m.group(1))
        if not 2000 <= year <= 2100:
            break
        if kind == "month":
            month = int(m.group(2))
            return Period(key, kind, date(year, month, 1), _last_day_of_month(year, month))
        if kind == "quarter":
            q = int(m.group(2))
            first = date(year, 3 * q - 2, 1)
            return Period(key, kind, first, _last_day_of_month(year, 3 * q))
        if kind == "course_year":
            if int(m.group(2)) != (year + 1) % 100:
                break
            start = COURSE_YEAR_START_MONTH
            return Period(key, kind, date(year, start, 1), _last_day_of_month(year + 1, start - 1))
        return Period(key, kind, date(year, 1, 1), date(year, 12, 31))
    raise ValidationFailed(
        _l(
            "Dönem anlaşılamadı: ay (2026-03), çeyrek (2026-Q1), yıl (2026) ya da kurs yılı "
            "(2025-26) yazın."
        ),
        field="period",
    )


def course_year_of(day: date) -> Period:
    """The course year a day falls in (1 September – 31 August)."""
    first_year = day.year if day.month >= COURSE_YEAR_START_MONTH else day.year - 1
    return parse(f"{first_year}-{(first_year + 1) % 100:02d}")


def previous(period: Period) -> Period:
    """The period of the same kind just before (for "compared with last year" figures)."""
    if period.kind == "month":
        return parse(f"{_add_months(period.first_day, -1):%Y-%m}")
    if period.kind == "quarter":
        first = _add_months(period.first_day, -3)
        return parse(f"{first.year}-Q{(first.month - 1) // 3 + 1}")
    if period.kind == "year":
        return parse(str(period.first_day.year - 1))
    return course_year_of(date(period.first_day.year - 1, COURSE_YEAR_START_MONTH, 1))
