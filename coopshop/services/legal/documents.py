"""Legal documents as dated versions: the one in force, the history, publishing a new version.

Editing never rewrites a version: ``publish`` adds version n+1 of its kind, in force from its
``effective_from`` (now, or a later date), which may not be earlier than the latest version's,
so what was in force at any past moment stays what it was. Each publication goes to the audit
log. The version in force at a moment is the one with the latest ``effective_from`` at or
before it (the higher version on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.models import LegalDocument, utcnow
from coopshop.models.legal import LEGAL_KINDS
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed
from coopshop.services.legal import drafts
from coopshop.services.legal.render import unknown_placeholders

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_NOTE = 1000
# A date typed "now" in a form reaches the server a moment later: that much past is "now".
_NOW_SLACK = timedelta(minutes=5)

KIND_LABELS = {
    "on_bilgilendirme": _l("Ön bilgilendirme formu"),
    "mesafeli_satis": _l("Mesafeli satış sözleşmesi"),
    "kvkk": _l("KVKK aydınlatma metni"),
    "cerez": _l("Çerez politikası"),
    "iade_cayma": _l("İade ve cayma politikası"),
}


def label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@dataclass(frozen=True)
class DocumentDraft:
    kind: str
    title_tr: str
    body_tr: str
    title_en: str = ""
    body_en: str = ""
    effective_from: datetime | None = None  # None: from now
    note: str = ""


def _check_kind(kind: str) -> None:
    if kind not in LEGAL_KINDS:
        raise NotFound(_l("Böyle bir yasal metin yok."))


def in_force(kind: str, at: datetime | None = None) -> LegalDocument | None:
    """The version of ``kind`` in force at ``at`` (now), or None when none has started."""
    _check_kind(kind)
    at = at or utcnow()
    return db.session.scalar(
        select(LegalDocument)
        .where(LegalDocument.kind == kind, LegalDocument.effective_from <= at)
        .order_by(LegalDocument.effective_from.desc(), LegalDocument.version.desc())
        .limit(1)
    )


def version(kind: str, number: int) -> LegalDocument:
    _check_kind(kind)
    document = db.session.scalar(
        select(LegalDocument).where(LegalDocument.kind == kind, LegalDocument.version == number)
    )
    if document is None:
        raise NotFound(_l("Bu metnin böyle bir sürümü yok."))
    return document


def history(kind: str) -> list[LegalDocument]:
    """Every version of ``kind``, newest first."""
    _check_kind(kind)
    return list(
        db.session.scalars(
            select(LegalDocument)
            .where(LegalDocument.kind == kind)
            .order_by(LegalDocument.version.desc())
        )
    )


@dataclass(frozen=True)
class KindOverview:
    kind: str
    current: LegalDocument | None
    upcoming: LegalDocument | None  # the latest version not yet in force
    versions: int


def overview(now: datetime | None = None) -> list[KindOverview]:
    """Each kind with its version in force, the one to come and how many there are (the
    admin list; a few rows per kind, read in one query)."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(LegalDocument).order_by(LegalDocument.kind, LegalDocument.version)
    ).all()
    out = []
    for kind in LEGAL_KINDS:
        mine = [d for d in rows if d.kind == kind]
        started = [d for d in mine if _aware(d.effective_from) <= now]
        current = max(started, key=lambda d: (_aware(d.effective_from), d.version), default=None)
        future = [d for d in mine if _aware(d.effective_from) > now]
        upcoming = max(future, key=lambda d: d.version, default=None)
        out.append(KindOverview(kind, current, upcoming, len(mine)))
    return out


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _check_texts(title_tr: str, body_tr: str, title_en: str, body_en: str, note: str) -> None:
    """Turkish title and text present, every text within its length, an English text with its
    title, and only the placeholders the renderer knows."""
    if not title_tr:
        raise ValidationFailed(_l("Türkçe başlık zorunlu."), field="title_tr")
    if not body_tr:
        raise ValidationFailed(_l("Türkçe metin zorunlu."), field="body_tr")
    for name, value, most in (
        ("title_tr", title_tr, MAX_TITLE),
        ("title_en", title_en, MAX_TITLE),
        ("body_tr", body_tr, MAX_BODY),
        ("body_en", body_en, MAX_BODY),
        ("note", note, MAX_NOTE),
    ):
        if len(value) > most:
            raise ValidationFailed(
                _l("En çok %(count)s karakter olabilir.", count=most), field=name
            )
    if body_en and not title_en:
        raise ValidationFailed(
            _l("İngilizce metin için İngilizce başlığı da yazın."), field="title_en"
        )
    for name, body in (("body_tr", body_tr), ("body_en", body_en)):
        unknown = unknown_placeholders(body)
        if unknown:
            raise ValidationFailed(
                _l(
                    "Bilinmeyen yer tutucu: %(names)s. Listedeki adlardan birini kullanın.",
                    names=", ".join("{{" + n + "}}" for n in unknown),
                ),
                field=name,
            )


def _effective_from(kind: str, wanted: datetime | None, now: datetime) -> datetime:
    """When the new version takes effect: now or later, never before the latest version."""
    effective_from = wanted or now
    if effective_from < now - _NOW_SLACK:
        raise ValidationFailed(
            _l("Yürürlük tarihi geçmişte olamaz: eski sürümler değiştirilmez."),
            field="effective_from",
        )
    effective_from = max(effective_from, now)
    latest = _latest(kind)
    if latest is not None and effective_from < _aware(latest.effective_from):
        raise ValidationFailed(
            _l(
                "Yürürlük tarihi, son sürümün (%(version)s) tarihinden önce olamaz.",
                version=latest.version,
            ),
            field="effective_from",
        )
    return effective_from


def validated(draft: DocumentDraft, now: datetime | None = None) -> DocumentDraft:
    """The draft with its text tidied and its date set, or ValidationFailed naming the field."""
    now = now or utcnow()
    _check_kind(draft.kind)
    title_tr = (draft.title_tr or "").strip()
    body_tr = (draft.body_tr or "").replace("\r\n", "\n").strip()
    title_en = (draft.title_en or "").strip()
    body_en = (draft.body_en or "").replace("\r\n", "\n").strip()
    note = (draft.note or "").strip()
    _check_texts(title_tr, body_tr, title_en, body_en, note)
    effective_from = _effective_from(draft.kind, draft.effective_from, now)
    return DocumentDraft(
        kind=draft.kind,
        title_tr=title_tr,
        body_tr=body_tr,
        title_en=title_en,
        body_en=body_en,
        effective_from=effective_from,
        note=note,
    )


def _latest(kind: str, lock: bool = False) -> LegalDocument | None:
    query = (
        select(LegalDocument)
        .where(LegalDocument.kind == kind)
        .order_by(LegalDocument.version.desc())
        .limit(1)
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def publish(
    draft: DocumentDraft, actor_id: int | None, now: datetime | None = None
) -> LegalDocument:
    """Add the next version of the draft's kind; the versions before it stay as they were."""
    now = now or utcnow()
    checked = validated(draft, now)
    latest = _latest(checked.kind, lock=True)
    number = (latest.version if latest is not None else 0) + 1
    document = LegalDocument(
        kind=checked.kind,
        version=number,
        effective_from=checked.effective_from,
        title_tr=checked.title_tr,
        body_tr=checked.body_tr,
        title_en=checked.title_en,
        body_en=checked.body_en,
        note=checked.note,
        created_by_id=actor_id,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(document)
            db.session.flush()
    except IntegrityError as exc:  # two admins published the same kind at once
        raise Conflict(
            _l("Bu metnin yeni bir sürümü az önce kaydedildi; yeniden deneyin.")
        ) from exc
    audit.record(
        actor_id,
        "legal.published",
        document,
        kind=document.kind,
        version=document.version,
        effective_from=document.effective_from.isoformat(),
        note=document.note,
    )
    return document


def ensure_in_force(kind: str, now: datetime | None = None) -> LegalDocument:
    """The version in force at ``now`` for an order. Before the first version's date the first
    version stands (a shop whose first text is scheduled still sells under it); when the shop
    has none at all, the cooperative's draft is published as version 1 (audit-logged), so no
    sale ever goes out without its text."""
    now = now or utcnow()
    document = in_force(kind, now)
    if document is not None:
        return document
    first = db.session.scalar(
        select(LegalDocument)
        .where(LegalDocument.kind == kind)
        .order_by(LegalDocument.version)
        .limit(1)
    )
    if first is not None:
        return first
    title, body = drafts.draft(kind)
    return publish(DocumentDraft(kind=kind, title_tr=title, body_tr=body, note="taslak"), None, now)


def unsaved_draft(kind: str, now: datetime | None = None) -> LegalDocument:
    """The cooperative's draft of ``kind`` as an unsaved version 1 (to show a page or a
    checkout preview before anything is published; never added to the session)."""
    _check_kind(kind)
    title, body = drafts.draft(kind)
    return LegalDocument(
        kind=kind, version=1, effective_from=now or utcnow(), title_tr=title, body_tr=body,
        title_en="", body_en="", note="",
    )  # fmt: skip


def in_force_or_draft(kind: str, now: datetime | None = None) -> LegalDocument:
    """The version in force, else (nothing published yet) the unsaved draft."""
    return in_force(kind, now) or unsaved_draft(kind, now)
