"""Bazaar cash sessions: a desk opened with a float and closed with a count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from coopshop.models.base import Base, UTCDateTime, utcnow

CASH_SESSION_STATUSES = ("open", "closed")
# The one place cash session transitions are written down: a closed session stays closed.
CASH_SESSION_TRANSITIONS = {"open": {"closed"}, "closed": set()}


class CashSession(Base):
    __tablename__ = "cash_sessions"
    __table_args__ = (
        CheckConstraint("opening_float_kurus >= 0", name="float_non_negative"),
        CheckConstraint("counted_kurus IS NULL OR counted_kurus >= 0", name="counted_non_negative"),
        CheckConstraint(f"status IN {CASH_SESSION_STATUSES!r}", name="status_valid"),
        # One open session per desk of an event: two tablets cannot run the same drawer.
        Index(
            "uq_cash_sessions_one_open_per_desk",
            "event_name",
            "desk",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_name: Mapped[str] = mapped_column(String(120))
    desk: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    opening_float_kurus: Mapped[int] = mapped_column(BigInteger, default=0)
    counted_kurus: Mapped[int | None] = mapped_column(BigInteger)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OfflineTicket(Base):
    """A ticket rung up on a point-of-sale device, maybe offline, and the order it became.

    ``client_ref`` is the device's own id for the ticket (a UUID made when it was rung up):
    unique, so a ticket sent again (a retry, a reload, a second device, a restored backup)
    finds its first order instead of booking a second sale.
    """

    __tablename__ = "offline_tickets"
    __table_args__ = (CheckConstraint("conflicts >= 0", name="conflicts_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_ref: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    cash_session_id: Mapped[int] = mapped_column(
        ForeignKey("cash_sessions.id", ondelete="RESTRICT"), index=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), unique=True)
    rung_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the device's clock
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    slip_number: Mapped[str] = mapped_column(String(40), default="")  # card terminal's slip
    conflicts: Mapped[int] = mapped_column(Integer, default=0)  # lines short of stock or repriced
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PosDevice(Base):
    """What a point-of-sale device last said about itself at a desk: how many tickets it still
    holds unsent. Closing the desk waits until every device has sent everything."""

    __tablename__ = "pos_devices"
    __table_args__ = (
        UniqueConstraint("cash_session_id", "device_id"),
        CheckConstraint("pending >= 0", name="pending_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cash_session_id: Mapped[int] = mapped_column(
        ForeignKey("cash_sessions.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(60), default="")
    pending: Mapped[int] = mapped_column(Integer, default=0)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
