"""Bazaar cash sessions: a desk opened at an event with a float, closed with a count.

What the drawer should hold is worked out from the session's orders (aggregate queries, never a
stored running total); the difference between the count and that is booked to the ledger as
over/short (kind ``cash_over_short``) when the session is closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.models import CashSession, LedgerTransaction, Order, PosDevice, Refund, utcnow
from coopshop.models.cash import CASH_SESSION_TRANSITIONS
from coopshop.services.books import postings
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed

EVENT_NAME_MAX = 120
DESK_MAX = 40


@dataclass(frozen=True)
class Summary:
    """A session with what it sold and what its drawer should hold."""

    session: CashSession
    orders: int = 0
    cash_sales_kurus: int = 0
    card_sales_kurus: int = 0
    cash_refunds_kurus: int = 0

    @property
    def expected_kurus(self) -> int:
        return self.session.opening_float_kurus + self.cash_sales_kurus - self.cash_refunds_kurus

    @property
    def difference_kurus(self) -> int | None:
        """Counted − expected once closed: positive is over, negative is short."""
        if self.session.counted_kurus is None:
            return None
        return self.session.counted_kurus - self.expected_kurus


@dataclass(frozen=True)
class Closing:
    summary: Summary
    difference_kurus: int
    transaction: LedgerTransaction | None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def summaries(sessions: Sequence[CashSession]) -> list[Summary]:
    """The summaries of ``sessions`` in two grouped queries, whatever their number.

    Cash refunds are those that left the drawer (method "cash", or "original" on a cash sale) for
    the session's orders, up to its closing: a refund made after the count is another drawer's.
    """
    ids = [s.id for s in sessions]
    if not ids:
        return []
    sales = {
        sid: (int(n), int(cash or 0), int(card or 0))
        for sid, n, cash, card in db.session.execute(
            select(
                Order.cash_session_id,
                func.count(Order.id),
                func.sum(case((Order.payment_method == "cash", Order.total_kurus), else_=0)),
                func.sum(
                    case((Order.payment_method == "card_terminal", Order.total_kurus), else_=0)
                ),
            )
            .where(Order.cash_session_id.in_(ids), Order.status == "paid")
            .group_by(Order.cash_session_id)
        )
    }
    refunds = {
        sid: int(total or 0)
        for sid, total in db.session.execute(
            select(Order.cash_session_id, func.sum(Refund.amount_kurus))
            .join(Refund, Refund.order_id == Order.id)
            .join(CashSession, CashSession.id == Order.cash_session_id)
            .where(
                Order.cash_session_id.in_(ids),
                or_(
                    Refund.method == "cash",
                    and_(Refund.method == "original", Order.payment_method == "cash"),
                ),
                or_(CashSession.closed_at.is_(None), Refund.created_at <= CashSession.closed_at),
            )
            .group_by(Order.cash_session_id)
        )
    }
    result = []
    for s in sessions:
        n, cash, card = sales.get(s.id, (0, 0, 0))
        result.append(Summary(s, n, cash, card, refunds.get(s.id, 0)))
    return result


def summary(session: CashSession) -> Summary:
    return summaries([session])[0]


def expected_cash(session: CashSession) -> int:
    """Opening float + cash sales − cash refunds of the session's orders, in kuruş."""
    return summary(session).expected_kurus


def get(session_id: int) -> CashSession:
    session = db.session.get(CashSession, session_id)
    if session is None:
        raise NotFound(_l("Kasa oturumu bulunamadı."))
    return session


def open_sessions() -> list[CashSession]:
    return list(
        db.session.scalars(
            select(CashSession)
            .where(CashSession.status == "open")
            .order_by(CashSession.opened_at, CashSession.id)
        )
    )


def recent(limit: int = 50) -> list[CashSession]:
    return list(
        db.session.scalars(
            select(CashSession)
            .order_by(CashSession.opened_at.desc(), CashSession.id.desc())
            .limit(limit)
        )
    )


def open_session(
    event_name: str,
    desk: str,
    opening_float_kurus: int,
    actor_id: int | None,
    now: datetime | None = None,
) -> CashSession:
    """Open a desk at an event with its float. One open session per desk of an event."""
    event_name, desk = _clean(event_name), _clean(desk)
    if not event_name:
        raise ValidationFailed(_l("Etkinlik adını yazın."), field="event_name")
    if len(event_name) > EVENT_NAME_MAX:
        raise ValidationFailed(
            _l("Etkinlik adı en fazla %(n)d karakter olabilir.", n=EVENT_NAME_MAX),
            field="event_name",
        )
    if not desk:
        raise ValidationFailed(_l("Masa adını yazın."), field="desk")
    if len(desk) > DESK_MAX:
        raise ValidationFailed(
            _l("Masa adı en fazla %(n)d karakter olabilir.", n=DESK_MAX), field="desk"
        )
    if type(opening_float_kurus) is not int or opening_float_kurus < 0:
        raise ValidationFailed(_l("Açılış tutarı negatif olamaz."), field="opening_float")
    taken = _l("Bu etkinlikte %(desk)s için açık bir kasa oturumu zaten var.", desk=desk)
    if db.session.scalar(
        select(CashSession.id).where(
            CashSession.event_name == event_name,
            CashSession.desk == desk,
            CashSession.status == "open",
        )
    ):
        raise Conflict(taken, field="desk")
    session = CashSession(
        event_name=event_name,
        desk=desk,
        status="open",
        opening_float_kurus=opening_float_kurus,
        opened_by_id=actor_id,
        opened_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():  # a desk opened at the same moment on another tablet
            db.session.add(session)
            db.session.flush()
    except IntegrityError:
        raise Conflict(taken, field="desk") from None
    audit.record(
        actor_id,
        "cash.open",
        session,
        event_name=event_name,
        desk=desk,
        opening_float_kurus=opening_float_kurus,
    )
    return session


def _lock(session_id: int, *, read: bool) -> CashSession:
    session = db.session.scalar(
        select(CashSession)
        .where(CashSession.id == session_id)
        .with_for_update(read=read)
        .execution_options(populate_existing=True)
    )
    if session is None:
        raise NotFound(_l("Kasa oturumu bulunamadı."))
    return session


def lock_for_sale(session_id: int) -> CashSession:
    """The open session, share-locked (PostgreSQL) until the sale commits, so a close waits for
    sales in flight and no sale slips in after the count. A closed session raises."""
    session = _lock(session_id, read=True)
    if session.status != "open":
        raise InvalidTransition(
            _l("Bu kasa oturumu kapatılmış; satış yapılamaz."),
            from_status=session.status,
        )
    return session


def unsent(session_id: int) -> list[PosDevice]:
    """The devices that last said they still hold unsent tickets for this desk."""
    return list(
        db.session.scalars(
            select(PosDevice)
            .where(PosDevice.cash_session_id == session_id, PosDevice.pending > 0)
            .order_by(PosDevice.id)
        )
    )


# Long on purpose: every refusal comes before the close, then the one over/short posting.
def close_session(
    session_id: int,
    counted_kurus: int,
    actor_id: int | None,
    expected_kurus: int | None = None,
    now: datetime | None = None,
) -> Closing:
    """Close a session with the counted cash and book counted − expected as over/short.

    Over: clearing:cash is debited and cash:over_short credited; short: the reverse. Nothing is
    booked when the count is right. ``expected_kurus``, when given, is what the clerk was shown
    before confirming: if a sale or refund changed it since, Conflict is raised and nothing is
    written. A closed session raises InvalidTransition.
    """
    if type(counted_kurus) is not int or counted_kurus < 0:
        raise ValidationFailed(_l("Sayılan tutar negatif olamaz."), field="counted")
    session = _lock(session_id, read=False)
    if "closed" not in CASH_SESSION_TRANSITIONS[session.status]:
        raise InvalidTransition(_l("Bu kasa oturumu zaten kapatılmış."), from_status=session.status)
    waiting = unsent(session.id)
    if waiting:
        raise Conflict(
            _l(
                "Kasa kapatılamaz: %(devices)s henüz gönderilmemiş satışlar tutuyor. Cihazları "
                "internete bağlayıp satışların gönderilmesini bekleyin.",
                devices=", ".join(f"{d.label or d.device_id[:8]} ({d.pending})" for d in waiting),
            ),
            devices={d.device_id: d.pending for d in waiting},
        )
    before = summary(session)
    expected = before.expected_kurus
    if expected_kurus is not None and expected_kurus != expected:
        raise Conflict(
            _l("Beklenen tutar siz sayarken değişti; yeni tutarı görüp yeniden onaylayın."),
            expected_kurus=expected,
        )
    now = now or utcnow()
    session.status = "closed"
    session.counted_kurus = counted_kurus
    session.closed_by_id = actor_id
    session.closed_at = now
    db.session.flush()
    difference = counted_kurus - expected
    txn = None
    if difference:
        txn = postings.post_over_short(
            session.id,
            difference,
            f"Kasa farkı: {session.event_name} / {session.desk}",
            actor_id=actor_id,
            now=now,
        )
    audit.record(
        actor_id,
        "cash.close",
        session,
        expected_kurus=expected,
        counted_kurus=counted_kurus,
        difference_kurus=difference,
    )
    return Closing(summary(session), difference, txn)
