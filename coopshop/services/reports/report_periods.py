"""Day, week and month buckets in Istanbul time, computed by the database on both dialects.

Timestamps are stored in UTC; the cooperative's day, week and month are Istanbul's. An order
paid at 2026-03-31T22:30Z was paid on 1 April in Ankara and belongs to April's report.

PostgreSQL converts with the real zone rules (``timezone('Europe/Istanbul', ts)``), right for
any date. SQLite has no time zone database, so it shifts by a fixed "+3 hours": Turkey has kept
UTC+3 all year, without summer time, since 7 September 2016, before any sale this shop can
hold. Should Turkey bring summer time back, only the SQLite branch (development and tests)
would need the rules; production runs on PostgreSQL.

Buckets are sortable text, the same on both: "YYYY-MM" for a month, "YYYY-MM-DD" for a day
and, for a week, the date of its Monday (ISO weeks start on Monday).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, literal_column
from sqlalchemy.sql.elements import ColumnElement

SQLITE_ISTANBUL_SHIFT = "+3 hours"

# Constants are written into the SQL, not bound: PostgreSQL only accepts a grouped expression
# in the select list when it is the very same text as in GROUP BY, and two bound parameters
# ($1, $3) are not the same text.
_PG_FORMATS = {"day": "YYYY-MM-DD", "week": "YYYY-MM-DD", "month": "YYYY-MM"}
_SQLITE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m"}


def _sql(text: str):
    return literal_column("'" + text.replace("'", "''") + "'")


def local_bucket(column, grain: str, dialect: str) -> ColumnElement[str]:
    """The Istanbul day/week/month that the UTC timestamp ``column`` falls in, as text."""
    if grain not in _PG_FORMATS:
        raise ValueError(f"unknown grain {grain!r}")
    if dialect == "postgresql":
        local = func.timezone(_sql("Europe/Istanbul"), column)
        if grain == "week":
            local = func.date_trunc(_sql("week"), local)
        return func.to_char(local, _sql(_PG_FORMATS[grain]))
    shift = _sql(SQLITE_ISTANBUL_SHIFT)
    if grain == "week":
        # 'weekday 0' moves forward to the Sunday that ends the week; six days back is Monday.
        return func.date(column, shift, _sql("weekday 0"), _sql("-6 days"))
    return func.strftime(_sql(_SQLITE_FORMATS[grain]), column, shift)


def bucket_of(day: date, grain: str) -> str:
    """The bucket text of a calendar day (the Python twin of local_bucket)."""
    if grain == "month":
        return f"{day:%Y-%m}"
    if grain == "week":
        day -= timedelta(days=day.weekday())
    return day.isoformat()


def bucket_start(key: str) -> date:
    """The first day of a bucket, from its text."""
    return date.fromisoformat(key + "-01" if len(key) == 7 else key)


def bucket_starts(start: date, end: date, grain: str) -> list[str]:
    """Every bucket from the one holding ``start`` to the one holding ``end``, in order."""
    keys: list[str] = []
    day = bucket_start(bucket_of(start, grain))
    while day <= end:
        keys.append(bucket_of(day, grain))
        if grain == "month":
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        else:
            day += timedelta(days=7 if grain == "week" else 1)
    return keys
