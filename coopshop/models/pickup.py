"""Centre collection: a pickup run is one day's collection at one BELMEK centre, who collected,
and which order lines were ticked received in it (services.shipping.pickup)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow
from coopshop.models.orders import OrderLine


class PickupRun(Base):
    """One centre on one day (Istanbul): the sheet staff print and tick."""

    __tablename__ = "pickup_runs"
    __table_args__ = (UniqueConstraint("centre", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre: Mapped[str] = mapped_column(String(120))
    day: Mapped[date] = mapped_column(Date)
    # Who collected: the staff member who ticked the run's first item.
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[PickupRunLine]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="PickupRunLine.line_id"
    )


class PickupRunLine(Base):
    """An order line received in a run. A line is received once, so in one run only."""

    __tablename__ = "pickup_run_lines"

    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int] = mapped_column(
        ForeignKey("pickup_runs.id", ondelete="CASCADE"), index=True
    )
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run: Mapped[PickupRun] = relationship(back_populates="lines")
    line: Mapped[OrderLine] = relationship()
