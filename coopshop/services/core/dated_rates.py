"""The one rule for dated rates: the rate in force at a moment is the row with the latest
``effective_from`` at or before it (ties: the later row). Used by every level of the commission
policy (default, collection, member, product); pure, no database."""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any


def latest_in_force(rows: Iterable[tuple[Hashable, datetime, Any]], at: datetime) -> dict:
    """{key: value} of the row in force at ``at`` for each key, from (key, effective_from,
    value) rows in any order (rows from after ``at`` are ignored; the order of rows of the
    same moment is their order in ``rows``, so pass them by id)."""
    chosen: dict = {}
    for key, value in DatedSeries(rows).items_at(at):
        chosen[key] = value
    return chosen


class DatedSeries:
    """Every dated row by key, to answer "what was in force at t" for many moments without a
    query each."""

    def __init__(self, rows: Iterable[tuple[Hashable, datetime, Any]]):
        self._series: dict[Hashable, tuple[list[datetime], list[Any]]] = {}
        for key, effective_from, value in sorted(rows, key=lambda r: r[1]):  # stable by id
            times, values = self._series.setdefault(key, ([], []))
            times.append(effective_from)
            values.append(value)

    def at(self, key: Hashable, moment: datetime) -> tuple[bool, Any]:
        """(found, value): whether a row of that key was in force at ``moment``, and its value."""
        series = self._series.get(key)
        if not series:
            return False, None
        times, values = series
        i = bisect.bisect_right(times, moment)
        return (True, values[i - 1]) if i else (False, None)

    def items_at(self, moment: datetime):
        for key in self._series:
            found, value = self.at(key, moment)
            if found:
                yield key, value
