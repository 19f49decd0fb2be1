"""The demo's own commission rates of a few members and products, dated from the start like the
migrated ones (models.policy.SINCE_ALWAYS)."""

from __future__ import annotations

from coopshop.db import db
from coopshop.models import CommissionRate
from coopshop.models.policy import SINCE_ALWAYS


def own_rates(scope: str, rows) -> None:
    """``rows``: (member or product, rate_bp) pairs, already flushed (they have ids)."""
    db.session.add_all(
        CommissionRate(
            scope=scope, rate_bp=bp, effective_from=SINCE_ALWAYS, **{f"{scope}_id": x.id}
        )
        for x, bp in rows
    )
    db.session.flush()
