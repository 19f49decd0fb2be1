"""A registered sole trader's own invoice to the cooperative for her payout: an admin writes
its number on her payout line, and the line waits for it (it cannot be marked paid without)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coopshop.db import db
from coopshop.models import PayoutLine
from coopshop.services.core import audit, locks
from coopshop.services.core.errors import Conflict, ValidationFailed

MAX_LENGTH = 40


def needs_invoice(line: PayoutLine) -> bool:
    return line.tax_status == "sole_trader"


def require_invoice(line: PayoutLine) -> None:
    """Refuse to settle a sole trader's line before her invoice number is on it."""
    if needs_invoice(line) and not (line.member_invoice_number or "").strip():
        raise ValidationFailed(
            _l("Önce üyenin faturasının numarasını girin; bu satır onun faturasını bekliyor."),
            field="bank_reference",
            line_id=line.id,
        )


def record_invoice_number(line_id: int, number: str, actor_id: int | None) -> PayoutLine:
    """Write her invoice's number on a pending line of hers (once; audited)."""
    number = " ".join((number or "").split())
    if not number:
        raise ValidationFailed(_l("Fatura numarasını yazın."), field="member_invoice_number")
    if len(number) > MAX_LENGTH:
        raise ValidationFailed(
            _l("Fatura numarası en fazla %(n)d karakter olabilir.", n=MAX_LENGTH),
            field="member_invoice_number",
        )
    line = locks.lock_or_404(PayoutLine, line_id, _l("Ödeme satırı bulunamadı."))
    if not needs_invoice(line):
        raise Conflict(_l("Bu üye fatura kesmiyor; satır fatura beklemez."), line_id=line.id)
    if line.status != "pending":
        raise Conflict(_l("Ödenmiş ya da başarısız bir satırın faturası değiştirilemez."),
                       line_id=line.id)  # fmt: skip
    if line.member_invoice_number:
        raise Conflict(_l("Bu satırın fatura numarası zaten girilmiş."), line_id=line.id)
    line.member_invoice_number = number
    db.session.flush()
    audit.record(
        actor_id,
        "payout.member_invoice",
        line,
        batch_id=line.batch_id,
        producer_id=line.producer_id,
        amount_kurus=line.amount_kurus,
        member_invoice_number=number,
    )
    return line
