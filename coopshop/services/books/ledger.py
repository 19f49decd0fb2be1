"""The only code that writes ledger rows: balanced, append-only transactions.

A posting is a list of legs that must sum to zero (debit positive, credit negative); nothing is
written when it does not. Mistakes are undone by a reversing transaction, never by an edit.
Sales are attributed per line to VAT, the cooperative's commission and each maker's share, with
the rates snapshotted on the order line (coopshop.money.allocate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    Payment,
    ProducerProfile,
    utcnow,
)
from coopshop.money import allocate, split_largest_remainder
from coopshop.services.core import locks
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import LedgerError, NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings

CLEARING_BY_METHOD = {
    "stripe": "clearing:stripe",
    "iyzico": "clearing:iyzico",
    "demo": "clearing:demo",
    "bank_transfer": "clearing:bank",
    "cash": "clearing:cash",
    "card_terminal": "clearing:card",
}
VAT = "vat:payable"
COMMISSION = "coop:commission"
SHIPPING = "coop:shipping"
FEES = "fees:payment"
INSTALMENTS = "coop:instalments"  # what a shopper paid above the price for taksit
ADJUSTMENTS = "coop:adjustments"
OVER_SHORT = "cash:over_short"
PAYOUTS = "bank:payouts"
WITHHOLDING = "tax:withholding"

# The kind of an account follows from the first part of its code.
_KIND_BY_PREFIX = {
    "clearing": "asset",
    "bank": "asset",
    "producer": "liability",
    "vat": "liability",
    "tax": "liability",  # tax:withholding, the stopaj kept from payouts for the tax office
    "coop": "revenue",
    "fees": "expense",
    "cash": "expense",
}
# A sale or refund has documents (order, refund lines) that must keep agreeing with the ledger:
# a sale is undone by a refund, not a reversal. A reversal is undone by posting anew. An
# availability move follows a delivery or a withdrawal request: it is moved again, not reversed.
_NOT_REVERSIBLE = {"sale", "refund", "reversal", "availability"}


@dataclass(frozen=True)
class Leg:
    """One side of a posting before it is written: an account code and a signed amount."""

    account: str
    amount_kurus: int
    producer_id: int | None = None
    order_line_id: int | None = None
    available_at: datetime | None = None


def producer_account_code(producer_id: int) -> str:
    return f"producer:{producer_id}"


def clearing_account_code(payment_method: str) -> str:
    try:
        return CLEARING_BY_METHOD[payment_method]
    except KeyError:
        raise LedgerError(
            _l("Bilinmeyen ödeme yöntemi: %(method)s", method=payment_method)
        ) from None


def account_kind(code: str) -> str:
    kind = _KIND_BY_PREFIX.get(code.partition(":")[0])
    if kind is None or not code.partition(":")[2]:
        raise LedgerError(_l("Bilinmeyen hesap: %(code)s", code=code))
    return kind


def _producer_id_of(code: str) -> int | None:
    prefix, _, rest = code.partition(":")
    if prefix != "producer":
        return None
    if not rest.isdigit():
        raise LedgerError(_l("Bilinmeyen hesap: %(code)s", code=code))
    return int(rest)


def get_accounts(codes: Iterable[str]) -> dict[str, Account]:
    """The accounts for ``codes``, creating the missing ones (race-safe: INSERT .. ON CONFLICT)."""
    wanted = set(codes)
    found = {a.code: a for a in db.session.scalars(select(Account).where(Account.code.in_(wanted)))}
    missing = sorted(wanted - found.keys())
    if missing:
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        rows = [
            {"code": code, "kind": account_kind(code), "producer_id": _producer_id_of(code)}
            for code in missing
        ]
        db.session.execute(insert(Account).values(rows).on_conflict_do_nothing())
        found.update(
            (a.code, a)
            for a in db.session.scalars(select(Account).where(Account.code.in_(missing)))
        )
    return found


def get_account(code: str) -> Account:
    return get_accounts([code])[code]


# An availability move debits and credits the same member by the same amount (only the date
# changes, and only of money still pending), so it takes no member lock.
_NOT_A_DEBIT = frozenset({"availability"})


def post(
    kind: str,
    legs: Sequence[Leg],
    *,
    memo: str = "",
    order_id: int | None = None,
    refund_id: int | None = None,
    payment_id: int | None = None,
    payout_line_id: int | None = None,
    cash_session_id: int | None = None,
    reverses_id: int | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
    allow_empty: bool = False,
) -> LedgerTransaction:
    """Write one transaction whose legs sum to zero, or raise LedgerError and write nothing.

    Legs of zero are left out (the database refuses zero entries). Legs on a producer account
    carry that producer's id whether or not the caller gave it.
    """
    for leg in legs:
        if type(leg.amount_kurus) is not int:
            raise LedgerError(_l("Tutarlar kuruş olarak tam sayı olmalı."))
    total = sum(leg.amount_kurus for leg in legs)
    if total != 0:
        raise LedgerError(
            _l("Kayıtların toplamı sıfır değil (%(total)d kuruş).", total=total),
            total=total,
        )
    legs = [leg for leg in legs if leg.amount_kurus != 0]
    if not legs and not allow_empty:
        raise LedgerError(_l("Boş bir kayıt işlenemez."))
    for leg in legs:
        owner = _producer_id_of(leg.account)
        if leg.producer_id is not None and leg.producer_id != owner:
            raise LedgerError(
                _l("Üretici kaydı yanlış hesaba yazılıyor: %(code)s", code=leg.account)
            )

    if kind not in _NOT_A_DEBIT:
        # Every debit of a member's balance waits for the others (services.core.locks); a
        # service that read her balance first has taken the lock already.
        locks.lock_members(_producer_id_of(leg.account) for leg in legs if leg.amount_kurus > 0)
    now = now or utcnow()
    accounts = get_accounts(leg.account for leg in legs)
    txn = LedgerTransaction(
        kind=kind,
        memo=memo,
        order_id=order_id,
        refund_id=refund_id,
        payment_id=payment_id,
        payout_line_id=payout_line_id,
        cash_session_id=cash_session_id,
        reverses_id=reverses_id,
        created_by_id=actor_id,
        created_at=now,
    )
    db.session.add(txn)
    for leg in legs:
        txn.entries.append(
            LedgerEntry(
                account_id=accounts[leg.account].id,
                amount_kurus=leg.amount_kurus,
                producer_id=_producer_id_of(leg.account),
                order_line_id=leg.order_line_id,
                available_at=leg.available_at,
                created_at=now,
            )
        )
    db.session.flush()
    return txn


# A maker's share of a line with an open withdrawal request waits here until the request is
# resolved (move_availability back to a real date); far enough to be never, near enough that
# Europe/Istanbul time can still show it.
ON_HOLD = datetime(9000, 1, 1, tzinfo=UTC)


def available_at_for(order: Order, settings: CoopSettings) -> datetime:
    """When a maker's part of this order may be paid out, as booked with the sale.

    Online (a distance sale): the longest wait, ``max_payable_wait_days`` after payment; when the
    order is delivered, post_delivery_availability moves it to the end of the withdrawal window
    counted from delivery. Bazaar and bank-transfer sales: after the offline delay (usually at
    once)."""
    if order.paid_at is None:
        raise LedgerError(_l("Sipariş %(number)s ödenmemiş.", number=order.number))
    days = (
        settings.max_payable_wait_days
        if order.channel == "online"
        else settings.offline_available_days
    )
    return order.paid_at + timedelta(days=days)


def payable_after_delivery(delivered_at: datetime, settings: CoopSettings) -> datetime:
    """The end of the buyer's withdrawal window: when a delivered online sale becomes payable."""
    return delivered_at + timedelta(days=settings.return_window_days)


def _positions(order_id: int, line_ids: Iterable[int] | None = None):
    """Each maker's net position on this order: (line id, producer id, available_at) -> the sum
    of her entries there (a credit is negative), zeros left out. One grouped query."""
    query = (
        select(
            LedgerEntry.order_line_id,
            LedgerEntry.producer_id,
            LedgerEntry.available_at,
            func.sum(LedgerEntry.amount_kurus),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.order_id == order_id, LedgerEntry.producer_id.is_not(None))
        .group_by(LedgerEntry.order_line_id, LedgerEntry.producer_id, LedgerEntry.available_at)
    )
    if line_ids is not None:
        query = query.where(LedgerEntry.order_line_id.in_(sorted(set(line_ids))))
    return {
        (line_id, producer_id, available_at): int(total)
        for line_id, producer_id, available_at, total in db.session.execute(query)
        if int(total) != 0
    }


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


def refund_available_at(
    order_id: int, line_ids: Iterable[int], now: datetime
) -> dict[tuple[int, int], datetime]:
    """(line id, producer id) -> when a refund debit of her share of that line takes effect: the
    date her (remaining) credit for it becomes available, or ``now`` if it already has. So a
    refund of a sale still pending reduces her pending money, not what she may be paid today."""
    latest: dict[tuple[int, int], datetime] = {}
    for (line_id, producer_id, available_at), net in _positions(order_id, line_ids).items():
        if net < 0 and available_at is not None:
            key = (line_id, producer_id)
            latest[key] = max(latest.get(key, available_at), available_at)
    return {key: max(at, now) for key, at in latest.items()}


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
    """The allocation in docs/design.md of ``gross`` (default: the whole line), line snapshot."""
    makers = sorted(line.makers, key=lambda m: m.producer_id)
    alloc = allocate(
        line.gross_kurus if gross is None else gross,
        line.vat_bp,
        line.commission_bp,
        [m.share_bp for m in makers],
    )
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
    each maker's share are credited (makers' credits wait until ``available_at``); shipping goes
    to the cooperative. Posting a second sale for the same order raises LedgerError."""
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
    legs.append(Leg(SHIPPING, -order.shipping_kurus))
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


def post_fee(
    payment: Payment,
    fee_kurus: int,
    settings: CoopSettings | None = None,
    now: datetime | None = None,
    surcharge_kurus: int = 0,
) -> LedgerTransaction | None:
    """Book a processor's fee: fees:payment is debited and the clearing account credited (the
    processor kept that money). With ``fees_spread_to_makers`` the makers are charged the fee
    pro rata to their parts of the order (largest remainder, exact), and fees:payment is credited
    back by as much. A zero fee books nothing; a second fee for one payment is refused.

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
        legs += [Leg(clearing, surcharge_kurus), Leg(INSTALMENTS, -surcharge_kurus)]
    if settings.fees_spread_to_makers and fee_kurus:
        parts = makers_parts(order)
        producer_ids = sorted(parts)
        if sum(parts.values()) > 0:
            shares = split_largest_remainder(fee_kurus, [parts[p] for p in producer_ids])
            available_at = available_at_for(order, settings)
            legs.append(Leg(FEES, -fee_kurus))
            legs += [
                Leg(producer_account_code(p), share, producer_id=p, available_at=available_at)
                for p, share in zip(producer_ids, shares, strict=True)
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


def reverse(
    transaction_id: int, actor_id: int | None, memo: str, now: datetime | None = None
) -> LedgerTransaction:
    """Post the exact opposite of a transaction (kind 'reversal', reverses_id set).

    A transaction is reversed at most once. Sales and refunds are undone with a refund, and a
    reversal by posting anew, so their documents keep agreeing with the ledger.
    """
    original = db.session.scalar(
        select(LedgerTransaction)
        .where(LedgerTransaction.id == transaction_id)
        .options(selectinload(LedgerTransaction.entries).selectinload(LedgerEntry.account))
    )
    if original is None:
        raise NotFound(_l("Kayıt bulunamadı."))
    if original.kind in _NOT_REVERSIBLE:
        raise LedgerError(
            _l("Bu tür kayıt ters kayıtla geri alınamaz: %(kind)s", kind=original.kind),
            transaction_id=transaction_id,
        )
    if db.session.scalar(select(exists().where(LedgerTransaction.reverses_id == transaction_id))):
        raise LedgerError(
            _l("Kayıt %(id)d zaten ters kayıtla geri alınmış.", id=transaction_id),
            transaction_id=transaction_id,
        )
    legs = [
        Leg(
            e.account.code,
            -e.amount_kurus,
            producer_id=e.producer_id,
            order_line_id=e.order_line_id,
            available_at=e.available_at,
        )
        for e in original.entries
    ]
    return post(
        "reversal",
        legs,
        memo=memo or f"Ters kayıt #{transaction_id}",
        order_id=original.order_id,
        refund_id=original.refund_id,
        payment_id=original.payment_id,
        payout_line_id=original.payout_line_id,
        cash_session_id=original.cash_session_id,
        reverses_id=transaction_id,
        actor_id=actor_id,
        now=now,
    )
