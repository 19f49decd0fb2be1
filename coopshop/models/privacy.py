"""KVKK: consents a person gave or withdrew (with the wording she saw), and her data-subject
requests (m.11: a copy of her data, or its erasure) with their 30-day deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow
from coopshop.models.user import User

CONSENT_PURPOSES = ("marketing_email",)
CONSENT_SOURCES = ("register", "apply", "account")
DATA_REQUEST_KINDS = ("export", "erasure")
DATA_REQUEST_STATUSES = ("pending", "completed", "refused")
# The one place data-request transitions are written down.
DATA_REQUEST_TRANSITIONS = {
    "pending": {"completed", "refused"},
    "completed": set(),
    "refused": set(),
}


def _sql_list(values: tuple[str, ...]) -> str:
    # repr() of a one-element tuple keeps its trailing comma, which SQL refuses.
    return ", ".join(f"'{v}'" for v in values)


class ConsentRecord(Base):
    """One consent given or withdrawn: rows are only added, the latest per purpose is in force."""

    __tablename__ = "consent_records"
    __table_args__ = (
        CheckConstraint(f"purpose IN ({_sql_list(CONSENT_PURPOSES)})", name="purpose_valid"),
        CheckConstraint(f"source IN {CONSENT_SOURCES!r}", name="source_valid"),
        Index("ix_consent_records_user_purpose", "user_id", "purpose", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    # The words next to the checkbox when she ticked or unticked it.
    wording: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class DataRequest(Base):
    """A data-subject request: ``export`` (her data as a zip) or ``erasure`` (her account
    closed, her personal data anonymised, the records the law keeps kept)."""

    __tablename__ = "data_requests"
    __table_args__ = (
        CheckConstraint(f"kind IN {DATA_REQUEST_KINDS!r}", name="kind_valid"),
        CheckConstraint(f"status IN {DATA_REQUEST_STATUSES!r}", name="status_valid"),
        CheckConstraint("due_at >= requested_at", name="due_after_request"),
        Index("ix_data_requests_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Why it was refused (a legal hold named to her), as the admin wrote it.
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    def __repr__(self) -> str:
        return f"<DataRequest {self.id} {self.kind} {self.status}>"
