"""A registered sole trader's payout line waits for her own invoice: an admin writes its number
on the line (once, audited), and the line cannot be marked paid before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent
from coopshop.services.core.errors import Conflict, ValidationFailed
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import member_invoices, payout_lines
from tests.services.test_payouts import IBAN_FATMA, OCT_END, SETTINGS, producer, sell
from tests.support.invoicing_support import COMPANY_VKN


@pytest.fixture
def batch(app):
    fatma = producer("Fatma Demir")
    tax_status.set_tax_status(fatma.id, tax_status.TaxStatus("sole_trader", COMPANY_VKN), None)
    zeynep = producer("Zeynep Kaya", iban=IBAN_FATMA)  # "other": nothing to wait for
    db.session.commit()
    sell(fatma)
    sell(zeynep)
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    return batch


def _line(batch, status):
    return next(line for line in batch.lines if line.tax_status == status)


def test_her_line_cannot_be_paid_before_her_invoice_number(batch):
    hers = _line(batch, "sole_trader")
    with pytest.raises(ValidationFailed) as refused:
        payout_lines.mark_line_paid(hers.id, "EFT-1", actor_id=None)
    assert "faturasının numarasını" in str(refused.value.message)
    db.session.rollback()
    assert hers.status == "pending" and hers.bank_reference is None
    other = _line(batch, "other")
    payout_lines.mark_line_paid(other.id, "EFT-2", actor_id=None)  # others are not held up
    assert other.status == "paid"


def test_with_her_invoice_number_the_line_is_paid(batch):
    hers = _line(batch, "sole_trader")
    member_invoices.record_invoice_number(hers.id, "  ABC2026 000000123 ", actor_id=None)
    assert hers.member_invoice_number == "ABC2026 000000123"
    payout_lines.mark_line_paid(hers.id, "EFT-1", actor_id=None)
    payout_lines.mark_line_paid(_line(batch, "other").id, "EFT-2", actor_id=None)
    db.session.commit()
    assert (hers.status, batch.status) == ("paid", "paid")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "payout.member_invoice")
    )
    assert event.data["member_invoice_number"] == "ABC2026 000000123"


def test_the_number_is_written_once_and_only_where_it_is_waited_for(batch):
    hers, other = _line(batch, "sole_trader"), _line(batch, "other")
    with pytest.raises(ValidationFailed):
        member_invoices.record_invoice_number(hers.id, "   ", actor_id=None)
    with pytest.raises(ValidationFailed):
        member_invoices.record_invoice_number(hers.id, "X" * 41, actor_id=None)
    with pytest.raises(Conflict):
        member_invoices.record_invoice_number(other.id, "ABC1", actor_id=None)
    member_invoices.record_invoice_number(hers.id, "ABC1", actor_id=None)
    with pytest.raises(Conflict):
        member_invoices.record_invoice_number(hers.id, "ABC2", actor_id=None)
    assert hers.member_invoice_number == "ABC1"
