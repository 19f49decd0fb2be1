"""services.questions: a member asks about her own lines only; an admin answers once, with a
correcting adjustment when needed, and the member is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, LedgerEntry, OutboxMessage, StatementQuestion
from coopshop.services.books import balances
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed
from coopshop.services.members import questions
from coopshop.services.reports import statements
from tests.support.factories import UserFactory
from tests.support.producer_support import two_members


def _entry(producer_id: int, line_id: int) -> LedgerEntry:
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.producer_id == producer_id, LedgerEntry.order_line_id == line_id
        )
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app):
    return two_members()


def test_she_asks_about_her_entry_and_the_question_waits_for_an_admin(world):
    line = world.orders[0].lines[0]
    entry = _entry(world.ayse.id, line.id)
    q = questions.ask(world.ayse.id, "Bu tutar neden az?", ledger_entry_id=entry.id)
    db.session.commit()
    assert (q.status, q.producer_id, q.ledger_entry_id) == ("open", world.ayse.id, entry.id)
    assert [x.id for x in questions.queue().items] == [q.id]
    assert questions.open_count() == 1


def test_another_members_entry_or_line_does_not_exist_for_her(world):
    fatmas_line = world.orders[2].lines[0]
    with pytest.raises(NotFound):
        questions.ask(
            world.ayse.id, "Bu nedir?", ledger_entry_id=_entry(world.fatma.id, fatmas_line.id).id
        )
    with pytest.raises(NotFound):
        questions.ask(world.ayse.id, "Bu nedir?", order_line_id=fatmas_line.id)
    assert _count(StatementQuestion) == 0


def test_a_co_maker_may_ask_about_the_shared_line(world):
    shared_line = world.orders[1].lines[0]
    q = questions.ask(world.fatma.id, "Payım doğru mu?", order_line_id=shared_line.id)
    assert q.order_line_id == shared_line.id


@pytest.mark.parametrize("text", ["", "  ", "abc", "x" * 2001])
def test_a_question_needs_words(world, text):
    line = world.orders[0].lines[0]
    with pytest.raises(ValidationFailed):
        questions.ask(world.ayse.id, text, order_line_id=line.id)


def test_an_answer_with_a_correction_books_it_and_stays_with_the_line(world):
    admin = UserFactory(role="admin")
    line = world.orders[0].lines[0]
    entry = _entry(world.ayse.id, line.id)
    q = questions.ask(world.ayse.id, "Komisyon fazla kesilmiş.", ledger_entry_id=entry.id)
    db.session.commit()
    before = balances.balance(world.ayse.id).balance
    when = datetime(2025, 3, 25, 12, 0, tzinfo=UTC)
    questions.answer(
        q.id,
        questions.Answer("Haklısınız, farkı hesabınıza ekledik.", correction_kurus=1250),
        admin.id,
        now=when,
    )
    db.session.commit()
    db.session.refresh(q)
    assert (q.status, q.answered_by_id, q.answered_at) == ("answered", admin.id, when)
    assert q.correction.kind == "adjustment"
    assert q.correction.memo.startswith(f"Soru #{q.id}: Haklısınız")
    assert balances.balance(world.ayse.id).balance == before + 1250
    st = statements.statement(world.ayse.id, 2025, 3)
    assert [x.answer for x in st.questions[entry.id]] == ["Haklısınız, farkı hesabınıza ekledik."]
    assert st.lines[-1].amount == 1250
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "statement_question.answered")
    )
    assert (event.actor_id, event.data["correction_kurus"]) == (admin.id, 1250)
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.to == world.ayse.user.email
    assert "Haklısınız" in mail.body


def test_an_answer_is_given_once(world):
    admin = UserFactory(role="admin")
    q = questions.ask(world.ayse.id, "Bu nedir?", order_line_id=world.orders[0].lines[0].id)
    questions.answer(q.id, questions.Answer("Satışınız."), admin.id)
    db.session.commit()
    with pytest.raises(Conflict):
        questions.answer(q.id, questions.Answer("İkinci yanıt", correction_kurus=-500), admin.id)
    db.session.rollback()
    db.session.refresh(q)
    assert q.answer == "Satışınız."
    assert q.correction_transaction_id is None


def test_no_mail_when_she_asked_for_none(world):
    world.ayse.notify_email = False
    db.session.commit()
    q = questions.ask(world.ayse.id, "Bu nedir?", order_line_id=world.orders[0].lines[0].id)
    questions.answer(q.id, questions.Answer("Satışınız."), UserFactory(role="admin").id)
    assert _count(OutboxMessage) == 0
