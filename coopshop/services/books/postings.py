"""Every posting recipe of the books, one function per kind of transaction, next to each other.

ledger.post() writes them; this module decides the legs: a sale (attributed per line to VAT,
the cooperative's commission and each maker's share, with the rates snapshotted on the order
line), a payment fee, a refund, a payout and a failed payout, a cash desk's over/short, a
deduction (adjustment), and the moves of a maker's availability.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    LedgerTransaction,
    Order,
    OrderLine,
    Payment,
    PayoutLine,
    ProducerProfile,
    Refund,
    utcnow,
)
from coopshop.money import allocate, refund_delta
from coopshop.services.books import fee_spread, vat_extras
from coopshop.services.books.availability import (
    ON_HOLD,
    _positions,
    available_at_for,
    makers_refunded,
    payable_after_delivery,
    refund_available_at,
)
from coopshop.services.books.ledger import (
    ADJUSTMENTS,
    COMMISSION,
    FEES,
    OVER_SHORT,
    PAYOUTS,
    VAT,
    WITHHOLDING,
    Leg,
    clearing_account_code,
    post,
    producer_account_code,
)
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import LedgerError, NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings


def move_availability(
    order: Order,
    to: datetime,
    *,
    memo: str,
    now: datetime | None = None,
    line_ids: Iterable[int] | None = None,
    only: datetime | None = None,
    actor_id: int | None = None,
) -> LedgerTransaction | None:
    """Move the makers' money on ``order`` that is still pending (available after ``now``), or
    only what waits at ``only``, to become available at ``to``: one 'availability' transaction
    debiting each position at its old date and crediting it at ``to``, so it sums to zero for
    every maker and every line. Money already available is left where it is (it may have been
    paid out). Returns None when there was nothing to move."""
    now = now or utcnow()
    legs: list[Leg] = []
    for (line_id, producer_id, available_at), net in sorted(
        _positions(order.id, line_ids).items(), key=lambda kv: (kv[0][1], kv[0][0] or 0)
    ):
        if available_at is None or available_at == to:
            continue
        if only is not None and available_at != only:
            continue
        if only is None and (available_at <= now or available_at == ON_HOLD):
            continue  # already payable, or held for a withdrawal (released by its request)
        code = producer_account_code(producer_id)
        legs.append(Leg(code, -net, producer_id, line_id, available_at))
        legs.append(Leg(code, net, producer_id, line_id, to))
    if not legs:
        return None
    return post("availability", legs, memo=memo, order_id=order.id, actor_id=actor_id, now=now)


def post_delivery_availability(
    order: Order, settings: CoopSettings, now: datetime | None = None
) -> LedgerTransaction | None:
    """The order was delivered: its makers' pending shares become payable at the end of the
    withdrawal window. Online sales only (bazaar and bank-transfer sales keep their date)."""
    if order.channel != "online" or order.delivered_at is None:
        return None
    return move_availability(
        order,
        payable_after_delivery(order.delivered_at, settings),
        memo=f"Teslim edildi {order.number}",
        now=now,
    )


def lines_with_makers(order: Order) -> list[OrderLine]:
    """The order's lines with their maker snapshots, in two queries whatever the line count."""
    return list(
        db.session.scalars(
            select(OrderLine)
            .where(OrderLine.order_id == order.id)
            .options(selectinload(OrderLine.makers))
            .order_by(OrderLine.id)
        )
    )


def allocate_line(line: OrderLine, gross: int | None = None):
    """The allocation in docs/design.md of ``gross`` (default: the whole line), line snapshot,
    ties among its makers from the line's tie offset (OrderLine.ties_from)."""
    makers = sorted(line.makers, key=lambda m: m.producer_id)
    shares = [m.share_bp for m in makers]
    gross = line.gross_kurus if gross is None else gross
    alloc = allocate(gross, line.vat_bp, line.commission_bp, shares, line.ties_from)
    return alloc, [m.producer_id for m in makers]


def _has_sale(order_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    LedgerTransaction.order_id == order_id, LedgerTransaction.kind == "sale"
                )
            )
        )
    )


def post_sale(order: Order, settings: CoopSettings | None = None) -> LedgerTransaction:
    """Book a paid order: the clearing account receives the total; per line, VAT, commission and
    each maker's share are credited (makers' credits wait until ``available_at``); shipping's
    net and VAT (vat_extras) to the cooperative and vat:payable. A second sale raises."""
    settings = settings or settings_service.current()
    if order.status != "paid":
        raise LedgerError(_l("Sipariş %(number)s ödenmemiş.", number=order.number))
    if _has_sale(order.id):
        raise LedgerError(
            _l("Sipariş %(number)s zaten deftere işlenmiş.", number=order.number),
            order_id=order.id,
        )
    available_at = available_at_for(order, settings)
    legs = [Leg(clearing_account_code(order.payment_method), order.total_kurus)]
    for line in lines_with_makers(order):
        alloc, producer_ids = allocate_line(line)
        legs.append(Leg(VAT, -alloc.vat, order_line_id=line.id))
        legs.append(Leg(COMMISSION, -alloc.commission, order_line_id=line.id))
        for producer_id, part in zip(producer_ids, alloc.makers, strict=True):
            legs.append(
                Leg(
                    producer_account_code(producer_id),
                    -part,
                    producer_id=producer_id,
                    order_line_id=line.id,
                    available_at=available_at,
                )
            )
    legs += vat_extras.shipping_legs(order, 0, order.shipping_kurus, sign=-1)
    return post(
        "sale",
        legs,
        memo=f"Satış {order.number}",
        order_id=order.id,
        now=order.paid_at,
        allow_empty=True,
    )


def makers_parts(order: Order) -> dict[int, int]:
    """Each maker's part of the whole order (sum over lines of her allocated share)."""
    parts: dict[int, int] = {}
    for line in lines_with_makers(order):
        alloc, producer_ids = allocate_line(line)
        for producer_id, part in zip(producer_ids, alloc.makers, strict=True):
            parts[producer_id] = parts.get(producer_id, 0) + part
    return parts


# Long on purpose: the fee, the makers' pro-rata part of it and the surcharge are one transaction.
def post_fee(
    payment: Payment,
    fee_kurus: int,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
    surcharge_kurus: int = 0,
) -> LedgerTransaction | None:
    """Book a processor's fee: fees:payment is debited and the clearing account credited (the
    processor kept that money). With ``fees_spread_to_makers`` the makers are charged the part
    of the fee on their parts of the lines (services.books.fee_spread), and fees:payment is
    credited back by as much. A zero fee books nothing; a second fee for one payment is refused.

    The fee is dated with the payment unless ``now`` is given: it belongs to that sale.

    ``surcharge_kurus`` is what a shopper paid above the order total to pay in instalments
    (iyzico's taksit): it reached the clearing account and is the cooperative's income
    (coop:instalments); the processor's part of it is inside ``fee_kurus``. Same transaction.
    """
    settings = settings or settings_service.current()
    if type(fee_kurus) is not int or fee_kurus < 0:
        raise LedgerError(_l("Ödeme ücreti negatif olamaz."))
    if type(surcharge_kurus) is not int or surcharge_kurus < 0:
        raise LedgerError(_l("Taksit farkı negatif olamaz."))
    if fee_kurus == 0 and surcharge_kurus == 0:
        return None
    reversed_ids = select(LedgerTransaction.reverses_id).where(
        LedgerTransaction.reverses_id.is_not(None)
    )
    if db.session.scalar(
        select(
            exists().where(
                LedgerTransaction.payment_id == payment.id,
                LedgerTransaction.kind == "fee",
                LedgerTransaction.id.not_in(reversed_ids),
            )
        )
    ):
        raise LedgerError(_l("Bu ödemenin ücreti zaten işlenmiş."), payment_id=payment.id)
    order = payment.order
    clearing = clearing_account_code(order.payment_method)
    legs = [Leg(FEES, fee_kurus), Leg(clearing, -fee_kurus)]
    if surcharge_kurus:
        legs += vat_extras.sale_surcharge_legs(order, clearing, surcharge_kurus)
    spread = settings.fees_spread_to_makers and fee_spread.spread_fee_parts(
        order, makers_parts(order), fee_kurus, surcharge_kurus
    )
    if spread:
        available_at = available_at_for(order, settings)
        legs.append(Leg(FEES, -sum(spread.values())))
        legs += [
            Leg(producer_account_code(p), share, producer_id=p, available_at=available_at)
            for p, share in spread.items()
        ]
    return post(
        "fee",
        legs,
        memo=f"Ödeme ücreti {order.number}",
        order_id=order.id,
        payment_id=payment.id,
        now=now or payment.created_at,
    )


def post_adjustment(
    producer_id: int,
    amount_kurus: int,
    reason: str,
    actor_id: int | None,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Charge a member (positive: materials advanced, dues, a correction) or credit her
    (negative), with a reason she can read. Takes effect on her available balance at once."""
    if type(amount_kurus) is not int or amount_kurus == 0:
        raise ValidationFailed(_l("Tutar sıfırdan farklı olmalı."), field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Bir açıklama yazın."), field="reason")
    if db.session.get(ProducerProfile, producer_id) is None:
        raise NotFound(_l("Üretici bulunamadı."))
    now = now or utcnow()
    return post(
        "adjustment",
        [
            Leg(
                producer_account_code(producer_id),
                amount_kurus,
                producer_id=producer_id,
                available_at=now,
            ),
            Leg(ADJUSTMENTS, -amount_kurus),
        ],
        memo=reason,
        actor_id=actor_id,
        now=now,
    )


def post_refund(
    order: Order,
    refund: Refund,
    order_lines: dict[int, OrderLine],
    wanted: dict[int, int],
    before: dict[int, int],
    clearing: str,
    *,
    actor_id: int | None,
    now: datetime,
    shipping_before: int = 0,
) -> LedgerTransaction:
    """A refund step: the money leaves ``clearing``; VAT, commission and each maker's part come
    back by money.refund_delta from what earlier refunds took (``before`` per line, and per
    maker as booked), shipping after ``shipping_before`` (vat_extras; the surcharge: see
    surcharge_postings); each maker's debit carries the availability of the credit it reverses."""
    taken = makers_refunded(order.id)
    effective = refund_available_at(order.id, wanted, now)
    legs = [Leg(clearing, -(refund.amount_kurus - refund.surcharge_kurus))]
    legs += vat_extras.shipping_legs(order, shipping_before, refund.shipping_kurus, sign=1)
    for line_id in sorted(wanted):
        line = order_lines[line_id]
        makers = sorted(line.makers, key=lambda m: m.producer_id)
        delta = refund_delta(
            line.gross_kurus,
            before.get(line_id, 0),
            wanted[line_id],
            line.vat_bp,
            line.commission_bp,
            [m.share_bp for m in makers],
            makers_before=[taken.get((line_id, m.producer_id), 0) for m in makers],
            tie_offset=line.ties_from,
        )
        legs.append(Leg(VAT, delta.vat, order_line_id=line_id))
        legs.append(Leg(COMMISSION, delta.commission, order_line_id=line_id))
        for maker, part in zip(makers, delta.makers, strict=True):
            legs.append(
                Leg(
                    producer_account_code(maker.producer_id),
                    part,
                    producer_id=maker.producer_id,
                    order_line_id=line_id,
                    available_at=effective.get((line_id, maker.producer_id), now),
                )
            )
    return post(
        "refund",
        legs,
        memo=f"İade {order.number}" + (f": {refund.reason}" if refund.reason else ""),
        order_id=order.id,
        refund_id=refund.id,
        actor_id=actor_id,
        now=now,
        allow_empty=True,  # a refund of the surcharge alone
    )


def _payout_legs(line: PayoutLine, available_at: datetime, sign: int = 1) -> list[Leg]:
    """Her balance → the bank (net) and the tax office (withholding); ``sign=-1`` reverses."""
    return [
        Leg(
            producer_account_code(line.producer_id),
            sign * line.amount_kurus,
            producer_id=line.producer_id,
            available_at=available_at,
        ),
        Leg(PAYOUTS, -sign * line.net_kurus),
        Leg(WITHHOLDING, -sign * line.withholding_kurus),
    ]


def post_payout(
    line: PayoutLine, cutoff: datetime, memo: str, *, actor_id: int | None, now: datetime
) -> LedgerTransaction:
    """An approved payout line: the whole amount leaves her balance; the bank pays the net and
    the withholding (stopaj) is owed to the tax office."""
    return post(
        "payout",
        _payout_legs(line, cutoff),
        memo=memo,
        payout_line_id=line.id,
        actor_id=actor_id,
        now=now,
    )


def post_payout_failed(
    line: PayoutLine, cutoff: datetime, memo: str, *, actor_id: int | None, now: datetime
) -> LedgerTransaction:
    """The bank did not pay a line: the payout's exact opposite, so the money is hers again."""
    return post(
        "payout_failed",
        _payout_legs(line, cutoff, sign=-1),
        memo=memo,
        payout_line_id=line.id,
        actor_id=actor_id,
        now=now,
    )


def post_over_short(
    cash_session_id: int, difference: int, memo: str, *, actor_id: int | None, now: datetime
) -> LedgerTransaction:
    """A cash desk counted ``difference`` kuruş more (positive) or less than expected at close."""
    return post(
        "cash_over_short",
        [Leg(clearing_account_code("cash"), difference), Leg(OVER_SHORT, -difference)],
        memo=memo,
        cash_session_id=cash_session_id,
        actor_id=actor_id,
        now=now,
    )
