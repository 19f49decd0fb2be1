"""report_periods: Istanbul buckets, the same text on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import column, select
from sqlalchemy.dialects import postgresql, sqlite

from coopshop.models.base import UTCDateTime
from coopshop.services.reports.report_periods import bucket_of, bucket_starts, local_bucket


@pytest.mark.parametrize(
    ("start", "end", "grain", "keys"),
    [
        (
            date(2025, 11, 15),
            date(2026, 2, 1),
            "month",
            ["2025-11", "2025-12", "2026-01", "2026-02"],
        ),
        # 1 April 2026 is a Wednesday: its week is named by Monday 30 March.
        (date(2026, 4, 1), date(2026, 4, 13), "week", ["2026-03-30", "2026-04-06", "2026-04-13"]),
        (date(2026, 3, 30), date(2026, 4, 1), "day", ["2026-03-30", "2026-03-31", "2026-04-01"]),
        (date(2026, 4, 1), date(2026, 4, 1), "month", ["2026-04"]),
    ],
)
def test_bucket_starts(start, end, grain, keys):
    assert bucket_starts(start, end, grain) == keys
    assert bucket_of(start, grain) == keys[0]


def test_sql_has_no_bound_parameters_so_postgresql_can_group_by_it():
    ts = column("created_at", UTCDateTime)
    pg = select(local_bucket(ts, "month", "postgresql")).compile(dialect=postgresql.dialect())
    assert (
        str(pg) == "SELECT to_char(timezone('Europe/Istanbul', created_at), 'YYYY-MM') AS to_char_1"
    )
    assert pg.params == {}
    week = select(local_bucket(ts, "week", "sqlite")).compile(dialect=sqlite.dialect())
    assert "date(created_at, '+3 hours', 'weekday 0', '-6 days')" in str(week)
    assert week.params == {}
    with pytest.raises(ValueError):
        local_bucket(ts, "year", "sqlite")
