"""The dated withholding rate: an admin schedules it (basis points, zero allowed), a payout
uses the one in force at its cutoff and keeps it on its line, every change is audited, a past
date is refused and only a change still to come can be withdrawn."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, WithholdingRate
from coopshop.services.books.ledger_check import check
from coopshop.services.core.errors import Conflict, ValidationFailed
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import withholding_policy as policy
from coopshop.services.payouts.withholding_policy import WithholdingChange
from tests.services.test_payouts import NOV_END, OCT_END, SETTINGS, producer, sell
from tests.support.factories import UserFactory
from tests.support.invoicing_support import TCKN

AUG_1 = datetime(2026, 8, 1, tzinfo=UTC)
SEP_1 = datetime(2026, 8, 31, 21, 0, tzinfo=UTC)  # 1 September, Istanbul
OCT_15 = datetime(2026, 10, 14, 21, 0, tzinfo=UTC)
NOV_1 = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)


@pytest.fixture
def ayse(app, monkeypatch):
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 500)  # only until a dated rate
    member = producer("Ayşe Yılmaz")
    tax_status.set_tax_status(
        member.id, tax_status.TaxStatus("exempt", TCKN, "MUAF-7", date(2027, 6, 30)), None
    )
    db.session.commit()
    return member


def test_without_a_dated_rate_the_setting_stands_in(ayse):
    assert policy.rate_at(OCT_END) == 500


def test_the_rate_in_force_at_the_cutoff_is_the_latest_before_it(ayse):
    admin = UserFactory(role="admin")
    policy.schedule(WithholdingChange(200, SEP_1, "ilk oran"), admin.id, now=AUG_1)
    policy.schedule(WithholdingChange(0, OCT_15, "kesinti kalktı"), admin.id, now=AUG_1)
    policy.schedule(WithholdingChange(300, NOV_1), admin.id, now=AUG_1)
    assert [policy.rate_at(t) for t in (AUG_1, SEP_1, OCT_15 - timedelta(seconds=1), OCT_END)] == [
        500,
        200,
        200,
        0,
    ]
    assert policy.rate_at(NOV_1) == 300
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("withholding.%"))
    ).all()
    assert actions == ["withholding.rate_scheduled"] * 3


def test_a_payout_keeps_the_rate_of_its_cutoff(ayse):
    policy.schedule(WithholdingChange(0, OCT_15), None, now=AUG_1)
    policy.schedule(WithholdingChange(250, NOV_1), None, now=AUG_1)
    sell(ayse)  # 85000 hers
    october, _ = payouts.close_period(OCT_END, None, SETTINGS)
    (line,) = october.lines
    assert (line.withholding_bp, line.withholding_kurus, line.net_kurus) == (0, 0, 85000)
    payouts.approve(october.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    sell(ayse, when=NOV_END - timedelta(days=3))
    november, _ = payouts.close_period(NOV_END, None, SETTINGS)
    (line,) = november.lines
    # 2.5 % of 850,00 = 21,25
    assert (line.withholding_bp, line.withholding_kurus, line.net_kurus) == (250, 2125, 82875)
    payouts.approve(november.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    assert check() == []


def test_past_dates_and_bad_rates_are_refused(ayse):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for change, field in [
        (WithholdingChange(200, now - timedelta(days=1)), "effective_from"),
        (WithholdingChange(10000, now), "rate"),
        (WithholdingChange(None, now), "rate"),
        (WithholdingChange(200, now, "x" * 501), "note"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            policy.schedule(change, None, now=now)
        assert refused.value.details["field"] == field
    assert db.session.scalars(select(WithholdingRate)).all() == []


def test_only_a_change_still_to_come_can_be_withdrawn(ayse):
    started = policy.schedule(WithholdingChange(200, SEP_1), None, now=AUG_1)
    coming = policy.schedule(WithholdingChange(300, NOV_1), None, now=AUG_1)
    with pytest.raises(Conflict):
        policy.cancel(started.id, None, now=OCT_END)
    policy.cancel(coming.id, None, now=OCT_END)
    assert [r.id for r in policy.history()] == [started.id]
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "withholding.rate_cancelled")
    )
