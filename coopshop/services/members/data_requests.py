"""Data-subject requests (KVKK m.11): a copy of her data, and its erasure.

How a cooperative answers them (README, "KVKK"):

- **Export** is self-service and immediate: from her account page she gets a zip of JSON and CSV
  with everything the shop holds about her (services.members.data_export), and nothing of anyone
  else. The request is recorded (completed at once, by herself) and audited; its download link
  works for EXPORT_LINK_DAYS, then she asks again.
- **Erasure** is asked for by her, confirmed with her password, and carried out by an admin
  within 30 days (the law's deadline, ``due_at``). Not automatically: an admin first sees what
  the law makes the cooperative keep, and the service refuses while anything still needs her
  (an unpaid or undelivered order, a refund or invoice under way, money owed to or by a member).
  Carrying it out closes the account and replaces her personal data with placeholders
  (services.members.erasure); orders, invoices, payments, refunds, payout lines and the ledger
  stay, with every amount unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash

from coopshop.db import db
from coopshop.models import DataRequest, User, utcnow
from coopshop.models.privacy import DATA_REQUEST_TRANSITIONS
from coopshop.services.core import audit, locks, mail
from coopshop.services.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from coopshop.services.members import data_export, erasure

RESPONSE_DAYS = 30  # KVKK m.13: answered within thirty days
EXPORT_LINK_DAYS = 7
MAX_NOTE_LENGTH = 2000
KIND_LABELS = {"export": _l("Verilerimin kopyası"), "erasure": _l("Verilerimin silinmesi")}
STATUS_LABELS = {
    "pending": _l("Bekliyor"),
    "completed": _l("Tamamlandı"),
    "refused": _l("Reddedildi"),
}


def _new(user: User, kind: str, now: datetime) -> DataRequest:
    row = DataRequest(
        user_id=user.id,
        kind=kind,
        status="pending",
        requested_at=now,
        due_at=now + timedelta(days=RESPONSE_DAYS),
        note="",
    )
    db.session.add(row)
    db.session.flush()
    return row


def _transition(row: DataRequest, to: str) -> None:
    if to not in DATA_REQUEST_TRANSITIONS[row.status]:
        raise InvalidTransition(
            _l("Bu talep zaten sonuçlanmış."), from_status=row.status, to_status=to
        )
    row.status = to


def requests_of(user_id: int) -> list[DataRequest]:
    return list(
        db.session.scalars(
            select(DataRequest)
            .where(DataRequest.user_id == user_id)
            .order_by(DataRequest.id.desc())
            .limit(50)
        )
    )


def pending_erasure(user_id: int) -> DataRequest | None:
    return db.session.scalar(
        select(DataRequest).where(
            DataRequest.user_id == user_id,
            DataRequest.kind == "erasure",
            DataRequest.status == "pending",
        )
    )


# -- Export ------------------------------------------------------------------------------------


def request_export(user: User, now: datetime | None = None) -> DataRequest:
    """Her copy, at once: the request is recorded as completed by herself."""
    now = now or utcnow()
    row = _new(user, "export", now)
    _transition(row, "completed")
    row.completed_at = now
    row.completed_by_id = user.id
    audit.record(user.id, "data_request.export", row, user_id=user.id)
    return row


def download_export(
    request_id: int, user_id: int, now: datetime | None = None
) -> tuple[str, bytes]:
    """The zip of a completed export of hers: (file name, bytes). Someone else's request, an
    erasure request, or a link past EXPORT_LINK_DAYS is NotFound (the same answer for all, so
    an id tells nothing)."""
    now = now or utcnow()
    row = db.session.get(DataRequest, request_id)
    if (
        row is None
        or row.user_id != user_id
        or row.kind != "export"
        or row.status != "completed"
        or row.completed_at is None
        or row.completed_at + timedelta(days=EXPORT_LINK_DAYS) < now
    ):
        raise NotFound(_l("İndirilecek veri kopyası bulunamadı; yeni bir kopya isteyin."))
    user = db.session.get(User, user_id)
    content = data_export.build_zip(
        user, now=now, coop_name=current_app.config.get("COOP_NAME", "")
    )
    audit.record(user_id, "data_request.downloaded", row, bytes=len(content))
    return f"verilerim-{now:%Y%m%d}.zip", content


# -- Erasure -----------------------------------------------------------------------------------


def request_erasure(user: User, password: str, now: datetime | None = None) -> DataRequest:
    """She asks for her data to be erased; her password confirms it is her. An admin carries
    it out (``carry_out_erasure``) within RESPONSE_DAYS."""
    now = now or utcnow()
    if not user.active:
        raise Forbidden(_l("Bu hesap kapalı."))
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed(
            _l("Parola yanlış. Silme talebini parolanızla onaylayın."), field="password"
        )
    if pending_erasure(user.id) is not None:
        raise Conflict(_l("Bekleyen bir silme talebiniz zaten var."))
    row = _new(user, "erasure", now)
    audit.record(user.id, "data_request.erasure_requested", row, due_at=row.due_at.isoformat())
    _mail(user, user.email, _("Veri silme talebinizi aldık"), row)
    return row


def _lock(request_id: int) -> DataRequest:
    row = locks.lock_or_404(DataRequest, request_id, _l("Talep bulunamadı."))
    return row


def erasure_holds(user: User, now: datetime | None = None) -> list[str]:
    """Why her data cannot be erased yet (empty when it can), in words an admin can act on."""
    return erasure.holds(user, now=now)


def carry_out_erasure(request_id: int, actor_id: int, now: datetime | None = None) -> DataRequest:
    """An admin carries out a pending erasure: refused (nothing written) while a hold remains;
    otherwise her account is closed and her personal data anonymised, the records the law keeps
    kept. She is told at the address she had."""
    now = now or utcnow()
    row = _lock(request_id)
    if row.kind != "erasure":
        raise NotFound(_l("Talep bulunamadı."))
    if row.status != "pending":
        raise InvalidTransition(
            _l("Bu talep zaten sonuçlanmış."), from_status=row.status, to_status="completed"
        )
    if row.user_id == actor_id:
        raise Forbidden(_l("Kendi silme talebinizi başka bir yönetici uygulamalı."))
    user = db.session.get(User, row.user_id)
    holds = erasure.holds(user, now=now)
    if holds:
        raise Conflict(
            _l("Veriler henüz silinemez: %(reasons)s", reasons=" ".join(str(h) for h in holds))
        )
    address, locale = user.email, user.locale
    summary = erasure.anonymise(user, now=now)
    _transition(row, "completed")
    row.completed_at = now
    row.completed_by_id = actor_id
    audit.record(actor_id, "data_request.erased", row, user_id=user.id, **summary)
    with force_locale(locale):
        _mail(user, address, _("Verileriniz silindi"), row)
    return row


def refuse(request_id: int, actor_id: int, note: str, now: datetime | None = None) -> DataRequest:
    """An admin answers a pending request with a refusal and its reason (KVKK m.13: a refusal
    is reasoned); she receives the reason by e-mail."""
    now = now or utcnow()
    note = " ".join((note or "").split())
    if not note:
        raise ValidationFailed(_l("Reddetme gerekçesini yazın."), field="note")
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            _l("Gerekçe en fazla %(n)d karakter olabilir.", n=MAX_NOTE_LENGTH), field="note"
        )
    row = _lock(request_id)
    _transition(row, "refused")
    row.completed_at = now
    row.completed_by_id = actor_id
    row.note = note
    audit.record(actor_id, "data_request.refused", row, user_id=row.user_id, note=note)
    user = db.session.get(User, row.user_id)
    _mail(user, user.email, _("Veri talebiniz hakkında"), row)
    return row


def _mail(user: User, address: str, subject: str, row: DataRequest) -> None:
    if not address:
        return
    with force_locale(user.locale):
        body = render_template("email/data_request.txt", user=user, request=row)
    mail.queue(address, subject, body)


# -- The admin's list --------------------------------------------------------------------------


def all_requests(status: str = "", limit: int = 200) -> list[DataRequest]:
    """Every request (or those of one status): open ones first, each group by deadline."""
    query = select(DataRequest).options(
        joinedload(DataRequest.user), joinedload(DataRequest.completed_by)
    )
    if status:
        query = query.where(DataRequest.status == status)
    pending_first = (DataRequest.status != "pending").asc()
    return list(
        db.session.scalars(
            query.order_by(pending_first, DataRequest.due_at, DataRequest.id.desc()).limit(limit)
        )
    )
