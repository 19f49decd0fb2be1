"""Questions about statement lines through the pages: she asks about her line, an admin answers
at /admin/questions (with a correction if needed), and the answer stays with the line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import LedgerEntry, StatementQuestion
from coopshop.services.books import balances
from tests.support.factories import UserFactory
from tests.support.producer_support import two_members


@pytest.fixture
def world(app):
    return two_members(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))


def _entry_of(producer_id: int) -> LedgerEntry:
    return db.session.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.producer_id == producer_id)
        .order_by(LedgerEntry.id)
        .limit(1)
    )


def test_she_asks_about_a_statement_line_and_reads_the_answer_beside_it(client, login, world):
    login(world.ayse.user)
    entry = _entry_of(world.ayse.id)
    statement = client.get("/producer/statements/2025-03").get_data(as_text=True)
    assert f"/producer/questions/new?entry={entry.id}" in statement

    form = client.get(f"/producer/questions/new?entry={entry.id}")
    assert form.status_code == 200
    assert "₺177,08" in form.get_data(as_text=True)
    response = client.post(
        f"/producer/questions/new?entry={entry.id}", data={"text": "Bu tutar neden az?"}
    )
    assert response.status_code == 302
    listing = client.get(response.location).get_data(as_text=True)
    assert "Sorunuz kooperatife iletildi." in listing
    assert "Bu tutar neden az?" in listing and "Yanıt bekleniyor" in listing
    assert "Sorunuz yanıt bekliyor" in client.get("/producer/statements/2025-03").get_data(
        as_text=True
    )

    client.post("/auth/logout")
    admin = UserFactory(role="admin")
    login(admin)
    queue = client.get("/admin/questions").get_data(as_text=True)
    assert "Bu tutar neden az?" in queue and "Ayşe" in queue
    question = db.session.scalar(select(StatementQuestion))
    before = balances.balance(world.ayse.id).balance
    response = client.post(
        f"/admin/questions/{question.id}/answer",
        data={
            f"q{question.id}-answer": "Komisyon doğru; ama kargo farkını ekledik.",
            f"q{question.id}-correction_amount": "25",
            f"q{question.id}-correction_direction": "credit",
        },
    )
    assert response.status_code == 302
    assert balances.balance(world.ayse.id).balance == before + 2500
    assert "Yanıt bekleyen soru yok." in client.get("/admin/questions").get_data(as_text=True)

    client.post("/auth/logout")
    login(world.ayse.user)
    listing = client.get("/producer/questions").get_data(as_text=True)
    assert "Komisyon doğru; ama kargo farkını ekledik." in listing
    assert "düzeltme kaydı işlendi" in listing
    statement = client.get("/producer/statements/2025-03").get_data(as_text=True)
    assert "Komisyon doğru; ama kargo farkını ekledik." in statement


def test_she_cannot_ask_about_another_members_line(client, login, world):
    login(world.ayse.user)
    fatmas = _entry_of(world.fatma.id)
    assert client.get(f"/producer/questions/new?entry={fatmas.id}").status_code == 404
    response = client.post(f"/producer/questions/new?entry={fatmas.id}", data={"text": "Bu ne?"})
    assert response.status_code == 404
    assert client.get("/producer/questions/new").status_code == 404
    assert db.session.scalar(select(StatementQuestion)) is None


def test_a_bad_answer_keeps_the_form_and_books_nothing(client, login, world):
    entry = _entry_of(world.ayse.id)
    question = StatementQuestion(
        producer_id=world.ayse.id, ledger_entry_id=entry.id, text="Bu nedir?"
    )
    db.session.add(question)
    db.session.commit()
    login(UserFactory(role="admin"))
    before = balances.balance(world.ayse.id).balance
    response = client.post(
        f"/admin/questions/{question.id}/answer",
        data={
            f"q{question.id}-answer": "Düzelttik.",
            f"q{question.id}-correction_amount": "12,345",
            f"q{question.id}-correction_direction": "credit",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tutarı 150 ya da 1.250,50 gibi yazın." in html
    assert "Düzelttik." in html
    db.session.expire_all()
    assert db.session.get(StatementQuestion, question.id).status == "open"
    assert balances.balance(world.ayse.id).balance == before


@pytest.mark.parametrize("role", ["customer", "producer", "staff"])
def test_only_admins_see_the_queue(client, login, world, role):
    user = world.ayse.user if role == "producer" else UserFactory(role=role)
    login(user)
    assert client.get("/admin/questions").status_code == 403
    assert client.post("/admin/questions/1/answer").status_code == 403
