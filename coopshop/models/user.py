"""People: login accounts with one role, producer (member) profiles, API tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow

ROLES = ("customer", "producer", "staff", "admin")
MEMBERSHIP_STATUSES = ("applied", "active", "suspended", "refused")
# Her tax status, set by an admin: a registered sole trader (she invoices the cooperative), a
# home producer with an exemption certificate (esnaf muafiyeti: the cooperative issues a gider
# pusulası and withholds), or other (no document of hers).
TAX_STATUSES = ("sole_trader", "exempt", "other")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_valid"),
        CheckConstraint("locale IN ('tr', 'en')", name="locale_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), default="customer", index=True)
    locale: Mapped[str] = mapped_column(String(2), default="tr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped to end every session and remember cookie of this user (logout, new password,
    # role change, suspension, "sign out everywhere"): a session carries the number it began
    # with and is refused once they differ.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Wrong passwords in a row, and until when the account refuses logins after too many.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    producer: Mapped[ProducerProfile | None] = relationship(
        back_populates="user", uselist=False, lazy="select"
    )

    # What Flask-Login asks of a user object, written out so models import no web extension.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:  # a deactivated account is logged out on its next request
        return self.active

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and signs it into the remember cookie, so
        # both carry the generation they began with (coopshop.web.permissions.load_user).
        return f"{self.id}:{self.session_generation or 0}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ProducerProfile(Base):
    """A member of the cooperative: the woman who makes things and is paid for them."""

    __tablename__ = "producer_profiles"
    __table_args__ = (
        CheckConstraint(f"membership_status IN {MEMBERSHIP_STATUSES!r}", name="status_valid"),
        CheckConstraint(f"tax_status IN {TAX_STATUSES!r}", name="tax_status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    centre: Mapped[str] = mapped_column(String(120), default="")
    craft: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    photo_path: Mapped[str | None] = mapped_column(String(255))
    iban: Mapped[str | None] = mapped_column(String(34))
    membership_status: Mapped[str] = mapped_column(String(16), default="applied", index=True)
    # Her own commission rate is dated: models.policy.CommissionRate, scope "producer".
    # What she is told of (services.members.notifications): e-mail of a sale (and of answers
    # to her questions), of a payout approved or paid, of a refund taking from her share; SMS
    # of the same facts to ``users.phone`` only when she turns it on.
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_payout_email: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )
    notify_refund_email: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    application_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tax_status: Mapped[str] = mapped_column(
        String(16), default="other", server_default=text("'other'")
    )
    tax_id: Mapped[str] = mapped_column(String(11), default="", server_default=text("''"))
    exemption_number: Mapped[str] = mapped_column(String(40), default="", server_default=text("''"))
    exemption_expires: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(back_populates="producer")

    @property
    def is_member(self) -> bool:
        return self.membership_status == "active"

    def __repr__(self) -> str:
        return f"<ProducerProfile {self.id} {self.display_name}>"


class ApiToken(Base):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


IBAN_CHANGE_STATUSES = ("pending", "applied", "cancelled", "superseded")


class IbanChange(Base):
    """A member's request to be paid to another IBAN, and what became of it: the history the
    cooperative's accountant reads (who asked, when, old and new, who confirmed or cancelled).

    ``producer_profiles.iban`` is the IBAN in force; a pending change waits until ``hold_until``
    (IBAN_HOLD_HOURS after the request) or an admin's confirmation before it replaces it."""

    __tablename__ = "iban_changes"
    __table_args__ = (
        CheckConstraint(f"status IN {IBAN_CHANGE_STATUSES!r}", name="status_valid"),
        CheckConstraint("hold_until >= requested_at", name="hold_after_request"),
        # At most one pending change per member: a new request supersedes the old one.
        Index(
            "uq_iban_changes_one_pending",
            "producer_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT"), index=True
    )
    old_iban: Mapped[str | None] = mapped_column(String(34))
    new_iban: Mapped[str] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hold_until: Mapped[datetime] = mapped_column(UTCDateTime)
    # When it took effect: the end of the hold, or the admin's confirmation if that came first.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Cancelled by an admin (or by her, asking for her old IBAN back), or superseded by a newer
    # request: when, and by whom.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    producer: Mapped[ProducerProfile] = relationship()


class ExemptionReminder(Base):
    """One reminder sent for one exemption certificate (its number and expiry): the key makes
    the reminder once per certificate; a renewed certificate (a new expiry) gets its own."""

    __tablename__ = "exemption_reminders"
    __table_args__ = (UniqueConstraint("producer_id", "exemption_number", "expires"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="CASCADE"), index=True
    )
    exemption_number: Mapped[str] = mapped_column(String(40))
    expires: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
