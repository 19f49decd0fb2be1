"""The ledger check's rule on the reports' rollups (books.report_rollups): the table equals a
recompute from the entries, row by row (joined into ledger_check.CHECKS)."""

from __future__ import annotations

from sqlalchemy import text

from coopshop.db import db
from coopshop.models.rollups import MEASURES
from coopshop.services.books import report_rollups
from coopshop.services.books.ledger_check import Violation

_SHOWN = 20  # differing rows named one by one; the rest counted


def rollups_match_entries() -> list[Violation]:
    """Every (day, channel, producer) row of report_rollups holds what its entries sum to.
    A difference means a posting bypassed ledger.post or the table is stale (after an
    upgrade or a restore): `flask ledger rebuild-rollups` rebuilds it."""
    if db.engine.dialect.name == "postgresql":
        # A million groups hashed at once: more memory than the 4 MB default, for this check's
        # transaction only (it ends with the check).
        db.session.execute(text("SET LOCAL work_mem = '128MB'"))
    wrong = report_rollups.differences()
    violations = []
    for (day, channel, producer_id), have, want in wrong[:_SHOWN]:
        differing = ", ".join(
            f"{name} {have[i]} ≠ {want[i]}" for i, name in enumerate(MEASURES) if have[i] != want[i]
        )
        violations.append(
            Violation(
                "rollup",
                f"report rollup {day} {channel} producer {producer_id or '(all)'}: {differing} "
                "(stored ≠ recomputed from the entries; `flask ledger rebuild-rollups`)",
                producer_id=producer_id or None,
            )
        )
    if len(wrong) > _SHOWN:
        violations.append(
            Violation("rollup", f"{len(wrong) - _SHOWN} more report rollup rows differ")
        )
    return violations
