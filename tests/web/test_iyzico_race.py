"""The iyzico callback and the iyzico webhook for the same payment arriving at the same moment
(PostgreSQL, real row locks): the sale is booked exactly once and both answer 2xx.

Each side runs in its own thread with its own app context, so its own database session and
connection, as two gunicorn workers would. ``IYZICO_RACE_ROUNDS`` sets how many payments race
(a new order each round).
"""

from __future__ import annotations

import os
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import LedgerTransaction, Order, Payment, WebhookEvent
from coopshop.services.books import ledger_check
from coopshop.shop.cart import SESSION_KEY
from tests.support.factories import ProductFactory
from tests.support.iyzico_support import CHECKOUT_FORM

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning"),
]

ROUNDS = int(os.environ.get("IYZICO_RACE_ROUNDS", "10"))


def _pending_paid_at_iyzico(app, standin, product_id: int) -> str:
    """A checkout whose shopper has paid on iyzico's page; nothing has come back yet."""
    shopper = app.test_client()
    with shopper.session_transaction() as session:
        session[SESSION_KEY] = {str(product_id): 1}
    started = shopper.post("/checkout", data=CHECKOUT_FORM)
    token = parse_qs(urlsplit(started.headers["Location"]).query)["token"][0]
    standin.complete(token)
    return token


def _race(app, token: str, webhook: tuple[bytes, dict]) -> dict[str, tuple[int, object]]:
    body, headers = webhook
    answers: dict[str, tuple[int, object]] = {}
    barrier = threading.Barrier(2)

    def callback():
        with app.app_context():
            client = app.test_client()
            barrier.wait(10)
            response = client.post("/checkout/iyzico/callback", data={"token": token})
            answers["callback"] = (response.status_code, response.headers.get("Location"))
            db.session.remove()

    def notification():
        with app.app_context():
            client = app.test_client()
            barrier.wait(10)
            response = client.post("/webhooks/iyzico", data=body, headers=headers)
            answers["webhook"] = (response.status_code, response.get_json())
            db.session.remove()

    threads = [threading.Thread(target=callback), threading.Thread(target=notification)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_callback_and_webhook_racing_book_the_sale_once_and_both_answer_2xx(
    iyzico_app, iyzico_standin
):
    product = ProductFactory(price_kurus=41250, stock=ROUNDS + 1, title_tr="Kilim yastık")
    db.session.commit()
    for _ in range(ROUNDS):
        token = _pending_paid_at_iyzico(iyzico_app, iyzico_standin, product.id)
        webhook = iyzico_standin.webhook_for(token)

        answers = _race(iyzico_app, token, webhook)

        assert set(answers) == {"callback", "webhook"}, answers
        status, location = answers["callback"]
        assert status == 303 and "/orders/" in location, answers
        status, body = answers["webhook"]
        assert status == 200 and body["action"] in {"paid", "already paid"}, answers
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.payment_reference == token))
        assert order.status == "paid"
        sales = _count(
            LedgerTransaction,
            LedgerTransaction.order_id == order.id,
            LedgerTransaction.kind == "sale",
        )
        assert sales == 1
        assert _count(Payment, Payment.order_id == order.id) == 1
        recorded = _count(
            WebhookEvent,
            WebhookEvent.order_id == order.id,
            WebhookEvent.event_id.like("payment:%"),
        )
        assert recorded == 1
    db.session.expire_all()
    assert db.session.get(type(product), product.id).stock == 1
    assert ledger_check.check() == []
