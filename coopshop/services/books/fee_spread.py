"""FEES_SPREAD_TO_MAKERS: the makers' part of a payment processor's fee.

The processor charges its fee on all it took (the lines, shipping, an instalment surcharge), so
the makers bear only the part of the fee that falls on their parts of the lines:
``fee × (the makers' parts together) / (what the processor charged)``, rounded half-up once,
split among them in proportion to their parts by largest remainder (exact). The part of the fee
on shipping, VAT, the commission and the surcharge stays with the cooperative (fees:payment).

On a refund the spread fee stays where it was booked: the processor keeps its fee (Stripe and
iyzico do not give it back on a refund), so a refund takes back her part of the sale, not her
part of the fee. Only an iyzico same-day cancel, which iyzico charges no fee for, reverses the
whole fee transaction, the makers' parts with it.
"""

from __future__ import annotations

from coopshop.models import Order
from coopshop.money import round_half_up, split_largest_remainder


def spread_fee_parts(order: Order, parts: dict[int, int], fee_kurus: int, surcharge_kurus: int = 0):
    """{producer id: her part of the fee} for ``fee_kurus`` charged on the order's total plus
    ``surcharge_kurus``, given each maker's part of the order's lines (``parts``)."""
    makers_total = sum(parts.values())
    charged = order.total_kurus + surcharge_kurus
    if fee_kurus <= 0 or makers_total <= 0 or charged <= 0:
        return {}
    makers_fee = min(fee_kurus, round_half_up(fee_kurus * makers_total, charged))
    producer_ids = sorted(parts)
    shares = split_largest_remainder(makers_fee, [parts[p] for p in producer_ids])
    return {p: share for p, share in zip(producer_ids, shares, strict=True) if share}
