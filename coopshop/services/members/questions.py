"""Questions about statement lines: a member asks about one of her ledger entries or sale lines,
an admin answers, and may book a correcting adjustment with the answer. The question, its answer
and the correction stay attached to the line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    OrderLine,
    OrderLineMaker,
    ProducerProfile,
    StatementQuestion,
    utcnow,
)
from coopshop.services.books import postings
from coopshop.services.core import audit, mail
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed
from coopshop.services.core.paging import Page, paginate

MIN_TEXT = 5
MAX_TEXT = 2000
MAX_CORRECTION_KURUS = 10_000_000  # a hundred thousand lira
PER_PAGE = 20


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_TEXT:
        raise ValidationFailed(_l("En az %(n)d karakter yazın.", n=MIN_TEXT), field=field)
    if len(value) > MAX_TEXT:
        raise ValidationFailed(
            _l("En fazla %(n)d karakter yazabilirsiniz.", n=MAX_TEXT), field=field
        )
    return value


def own_entry(producer_id: int, entry_id: int) -> LedgerEntry:
    entry = db.session.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.id == entry_id, LedgerEntry.producer_id == producer_id)
        .options(joinedload(LedgerEntry.transaction))
    )
    if entry is None:
        raise NotFound(_l("Hesap dökümü satırı bulunamadı."))
    return entry


def own_line(producer_id: int, line_id: int) -> OrderLine:
    line = db.session.scalar(
        select(OrderLine)
        .where(
            OrderLine.id == line_id,
            exists().where(
                OrderLineMaker.line_id == OrderLine.id, OrderLineMaker.producer_id == producer_id
            ),
        )
        .options(joinedload(OrderLine.order))
    )
    if line is None:
        raise NotFound(_l("Satış bulunamadı."))
    return line


def ask(
    producer_id: int,
    text: str,
    *,
    ledger_entry_id: int | None = None,
    order_line_id: int | None = None,
    actor_id: int | None = None,
) -> StatementQuestion:
    """Her question about one of her entries or sale lines (NotFound for anyone else's)."""
    if (ledger_entry_id is None) == (order_line_id is None):
        raise ValidationFailed(_l("Hangi satırı sorduğunuzu seçin."), field="text")
    if ledger_entry_id is not None:
        own_entry(producer_id, ledger_entry_id)
    else:
        own_line(producer_id, order_line_id)
    question = StatementQuestion(
        producer_id=producer_id,
        ledger_entry_id=ledger_entry_id,
        order_line_id=order_line_id,
        text=_text(text, "text"),
        status="open",
    )
    db.session.add(question)
    db.session.flush()
    audit.record(
        actor_id,
        "statement_question.asked",
        question,
        ledger_entry_id=ledger_entry_id,
        order_line_id=order_line_id,
    )
    return question


def _with_context():
    return (
        joinedload(StatementQuestion.ledger_entry).joinedload(LedgerEntry.transaction),
        joinedload(StatementQuestion.order_line).joinedload(OrderLine.order),
        joinedload(StatementQuestion.correction),
    )


def questions_of(producer_id: int, page: int | None = 1) -> Page:
    """Her questions, open ones first, then newest."""
    query = (
        select(StatementQuestion)
        .where(StatementQuestion.producer_id == producer_id)
        .options(*_with_context())
        .order_by(
            (StatementQuestion.status == "open").desc(),
            StatementQuestion.created_at.desc(),
            StatementQuestion.id.desc(),
        )
    )
    return paginate(query, page, PER_PAGE)


def queue(status: str = "open", page: int | None = 1) -> Page:
    """The admin's queue: open questions oldest first (answered ones newest first)."""
    query = select(StatementQuestion).options(
        *_with_context(),
        joinedload(StatementQuestion.producer),
        joinedload(StatementQuestion.answered_by),
    )
    if status == "answered":
        query = query.where(StatementQuestion.status == "answered").order_by(
            StatementQuestion.answered_at.desc(), StatementQuestion.id.desc()
        )
    else:
        query = query.where(StatementQuestion.status == "open").order_by(
            StatementQuestion.created_at, StatementQuestion.id
        )
    return paginate(query, page, PER_PAGE)


def open_count() -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(StatementQuestion)
            .where(StatementQuestion.status == "open")
        )
        or 0
    )


@dataclass(frozen=True)
class Answer:
    """An admin's answer; ``correction_kurus`` > 0 credits her that much, < 0 charges her."""

    text: str
    correction_kurus: int = 0


def answer(
    question_id: int, reply: Answer, admin_id: int | None, now: datetime | None = None
) -> StatementQuestion:
    """Answer an open question, booking the correction (books.postings.post_adjustment) when
    one is given. A question is answered once: a second answer (two admins at once) raises
    Conflict and writes nothing."""
    now = now or utcnow()
    text = _text(reply.text, "answer")
    correction = reply.correction_kurus
    if type(correction) is not int or abs(correction) > MAX_CORRECTION_KURUS:
        raise ValidationFailed(_l("Düzeltme tutarı geçersiz."), field="correction")
    question = db.session.scalar(
        select(StatementQuestion)
        .where(StatementQuestion.id == question_id)
        .options(selectinload(StatementQuestion.producer).selectinload(ProducerProfile.user))
    )
    if question is None:
        raise NotFound(_l("Soru bulunamadı."))
    # The guard is the WHERE: of two admins answering at once, one UPDATE finds it open.
    claimed = db.session.execute(
        update(StatementQuestion)
        .where(StatementQuestion.id == question_id, StatementQuestion.status == "open")
        .values(status="answered", answer=text, answered_by_id=admin_id, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(_l("Bu soru zaten yanıtlanmış."))
    txn = None
    if correction:
        txn = postings.post_adjustment(
            question.producer_id,
            -correction,  # post_adjustment charges a positive amount; a credit is negative
            reason=f"Soru #{question.id}: {text}"[:500],
            actor_id=admin_id,
            now=now,
        )
        db.session.execute(
            update(StatementQuestion)
            .where(StatementQuestion.id == question_id)
            .values(correction_transaction_id=txn.id)
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(question)
    audit.record(
        admin_id,
        "statement_question.answered",
        question,
        producer_id=question.producer_id,
        correction_kurus=correction,
        transaction_id=txn.id if txn else None,
    )
    _notify(question)
    db.session.flush()
    return question


def _notify(question: StatementQuestion) -> None:
    """Tell her by e-mail, in her language, when she asked for e-mails (queued in the outbox,
    sent after commit)."""
    producer = question.producer
    if not producer.notify_email or producer.user is None:
        return
    with force_locale(producer.user.locale or "tr"):
        parts = [
            _("Merhaba %(name)s,", name=producer.display_name),
            _("Hesap dökümünüzdeki bir satır hakkındaki sorunuz yanıtlandı."),
            _("Sorunuz: %(text)s", text=question.text),
            _("Yanıt: %(text)s", text=question.answer),
        ]
        if question.correction_transaction_id is not None:
            parts.append(
                _(
                    "Bu yanıtla birlikte hesabınıza bir düzeltme kaydı işlendi; hesap "
                    "dökümünüzde görebilirsiniz."
                )
            )
        parts.append(_("Tüm sorularınız ve yanıtları Atölyem'de, Sorularım sayfasındadır."))
        subject = _("Sorunuz yanıtlandı")
    mail.queue(producer.user.email, subject, "\n\n".join(parts) + "\n")
