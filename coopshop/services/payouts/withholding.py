"""Withholding (stopaj) on payouts, by the member's tax status.

A member with an exemption certificate (esnaf muafiyeti, GVK art. 9) sells to the cooperative
without an invoice of her own: the cooperative issues a gider pusulası for each payout and keeps
the withholding for the tax office. The rate is the dated policy's (withholding_policy: basis
points, may be zero) in force at the payout's cutoff; the amount is rounded half up to the
kuruş. The payout's one ledger transaction takes the whole amount from her balance and splits
it: the bank pays the rest, the withholding is a liability to the tax office
(``tax:withholding``). A payout that comes back reverses both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from coopshop.models import PayoutLine, ProducerProfile, utcnow
from coopshop.money import BP, kurus_text, round_half_up
from coopshop.services.payouts import withholding_policy

# The document each status calls for on a payout line.
DOCUMENT = {"exempt": "gider_pusulasi", "sole_trader": "her_invoice", "other": None}


def rate_bp(tax_status: str, config: Mapping | None = None, at: datetime | None = None) -> int:
    if tax_status != "exempt":
        return 0
    return withholding_policy.rate_at(at or utcnow(), config)


def withholding(amount_kurus: int, bp: int) -> int:
    """round_half_up(amount × bp / 10000): 100.000,00 at 2 % is 2.000,00."""
    if not 0 <= bp < BP:
        raise ValueError("withholding rate must be 0 to 9999 basis points")
    return round_half_up(amount_kurus * bp, BP)


def apply(
    line: PayoutLine,
    producer: ProducerProfile,
    config: Mapping | None = None,
    at: datetime | None = None,
) -> None:
    """Snapshot her tax status on the line and the withholding it calls for at ``at`` (the
    batch's cutoff)."""
    line.tax_status = producer.tax_status
    line.withholding_bp = rate_bp(producer.tax_status, config, at)
    line.withholding_kurus = withholding(line.amount_kurus, line.withholding_bp)


def memo_suffix(line: PayoutLine) -> str:
    """What her statement says about the withholding (empty when none was kept)."""
    if not line.withholding_kurus:
        return ""
    whole, frac = divmod(line.withholding_bp, 100)
    rate = f"%{whole}" + (f",{frac:02d}".rstrip("0") if frac else "")
    return f" (stopaj {rate}: {kurus_text(line.withholding_kurus)}, gider pusulası)"
