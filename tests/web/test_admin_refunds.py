"""The order and refund pages: only admins; whole order, a line or part of a line typed the
Turkish way; offline refunds say how the money went back; online ones go through Stripe
(localstripe) and a pending one can be retried without refunding twice."""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, OutboxJob, Refund, RefundRequest
from coopshop.services.books.ledger_check import check
from coopshop.services.core.settings import CoopSettings
from coopshop.services.sales import refund_flow
from coopshop.services.sales.payments import StripeProvider
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.reconcile_support import stripe_paid_order
from tests.support.sql_counter import count_queries
from tests.support.stripe_support import WEBHOOK_SECRET

SHIPPING = CoopSettings(free_shipping_threshold_kurus=10**9)


def _order(channel="bazaar", payment_method="cash", lines=1):
    ayse = ProducerFactory(display_name="Ayşe Yılmaz")
    items = [
        (ProductFactory(price_kurus=120000, title_tr=f"İpek atkı {i}", makers=[(ayse, 10000)]), 1)
        for i in range(lines)
    ]
    order = paid_order(
        items,
        channel=channel,
        payment_method=payment_method,
        charge_shipping=channel == "online",
        settings=SHIPPING,
    )
    db.session.commit()
    return order


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", ["staff", "producer", "customer", "guest"])
def test_only_admins_reach_orders_and_refunds(client, login, role):
    order = _order()
    if role == "producer":
        login(ProducerFactory().user)
    elif role != "guest":
        login(UserFactory(role=role))
    form = {"scope": "order", "reason": "x", "method": "cash"}
    for method, url in [
        ("get", f"/admin/orders/{order.id}"),
        ("get", f"/admin/orders/{order.id}/refund"),
        ("post", f"/admin/orders/{order.id}/refund"),
        ("post", "/admin/refund-requests/1/retry"),
        ("get", "/admin/refunds"),
    ]:
        response = getattr(client, method)(url, data=form)
        if role == "guest":
            assert response.status_code == 302, url
            assert "/auth/login" in response.headers["Location"]
        else:
            assert response.status_code == 403, (role, url)
    assert _count(Refund) == 0


def test_the_order_page_shows_lines_payments_and_ledger(client, login):
    order = _order()
    login(UserFactory(role="admin"))
    html = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert order.number in html
    assert "İpek atkı 0" in html and "Ayşe Yılmaz" in html
    assert "₺1.200,00" in html  # line, payment and sale entry
    assert "clearing:cash" in html and "vat:payable" in html and "coop:commission" in html
    assert f"/admin/orders/{order.id}/refund" in html
    assert client.get("/admin/orders/999999").status_code == 404


def test_part_of_a_line_refunded_in_cash(client, login):
    order = _order()
    admin = UserFactory(role="admin")
    login(admin)
    line_id = order.lines[0].id
    page = client.get(f"/admin/orders/{order.id}/refund").get_data(as_text=True)
    assert "Nakit" in page and "Kart terminalinden" in page

    response = client.post(
        f"/admin/orders/{order.id}/refund",
        data={
            "scope": "part",
            "line": line_id,
            "amount": "600,00",
            "method": "cash",
            "note": "Kasadan elden verildi",
            "reason": "Leke var",
        },
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "İade kaydedildi." in html
    assert "Kasadan elden verildi" in html and "Leke var" in html
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.amount_kurus, refund.method, refund.note, refund.created_by_id) == (
        60000,
        "cash",
        "Kasadan elden verildi",
        admin.id,
    )
    assert [(rl.line_id, rl.amount_kurus) for rl in refund.lines] == [(line_id, 60000)]
    assert db.session.scalars(select(AuditEvent.action)).all() == ["refund.created"]
    assert check() == []


@pytest.mark.parametrize(
    ("data", "field_value", "message"),
    [
        ({"scope": "part", "amount": "abc"}, "abc", "Tutarı 1.250 ya da 1250,00 gibi yazın."),
        ({"scope": "part", "amount": "1.500,00"}, "1.500,00", "kalan tutarı aşıyor"),
        ({"scope": "part", "amount": "12,345"}, "12,345", "iki türlü okunabilir"),
        ({"scope": "part", "amount": ""}, None, "İade tutarını yazın."),
        ({"scope": "part", "amount": "-5"}, "-5", "Tutar eksi olamaz."),
        ({"scope": "order", "reason": ""}, None, "İade nedenini yazın."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(client, login, data, field_value, message):
    order = _order()
    login(UserFactory(role="admin"))
    form = {"line": order.lines[0].id, "method": "cash", "reason": "Kusurlu", **data}
    response = client.post(f"/admin/orders/{order.id}/refund", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    if field_value is not None:
        assert f'value="{field_value}"' in html  # the form is kept as typed
    assert _count(Refund) == 0


def test_a_whole_demo_order_with_its_shipping(client, login):
    order = _order(channel="online", payment_method="demo")
    login(UserFactory(role="admin"))
    response = client.post(
        f"/admin/orders/{order.id}/refund",
        data={"scope": "order", "include_shipping": "y", "method": "demo", "reason": "Vazgeçti"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "İade kaydedildi." in html
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.amount_kurus, refund.shipping_kurus, refund.method) == (127500, 7500, "demo")
    assert f"/admin/orders/{order.id}/refund" not in html  # nothing left to refund
    again = client.post(
        f"/admin/orders/{order.id}/refund",
        data={"scope": "order", "include_shipping": "y", "method": "demo", "reason": "Tekrar"},
    )
    assert again.status_code == 422
    assert "Bu siparişte iade edilecek tutar kalmadı." in again.get_data(as_text=True)
    assert check() == []


@pytest.fixture
def stripe_app(app, localstripe, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_local")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", localstripe)
    return StripeProvider("sk_test_local", WEBHOOK_SECRET, api_base=localstripe)


def test_an_online_order_is_refunded_through_stripe(app, client, login, stripe_app, monkeypatch):
    # As in development without Redis: the job runs once the answer has gone, not inside it.
    monkeypatch.setitem(app.config, "OUTBOX_AFTER_RESPONSE", True)
    product = ProductFactory(price_kurus=120000)
    order, charge = stripe_paid_order(stripe_app, [(product, 1)], charge_shipping=True)
    login(UserFactory(role="admin"))
    page = client.get(f"/admin/orders/{order.id}/refund").get_data(as_text=True)
    assert "Stripe üzerinden karta geri gönderilir" in page
    assert "Para nasıl geri verildi?" not in page

    response = client.post(
        f"/admin/orders/{order.id}/refund",
        data={"scope": "part", "line": order.lines[0].id, "amount": "250", "reason": "Renk"},
    )

    # The page answered without a word to Stripe: the request is written down, pending.
    assert response.status_code == 302
    assert stripe_app.refunds_for_charge(charge) == []
    request = db.session.scalars(select(RefundRequest)).one()
    assert (request.status, request.amount_kurus) == ("pending", 25000)
    assert _count(Refund) == 0
    response.close()  # the answer has been sent: the refund job asks Stripe now
    html = client.get(response.location).get_data(as_text=True)
    assert "sağlayıcı yanıtlayınca sipariş sayfasında görünecek" in html
    refund = db.session.scalars(select(Refund)).one()
    (at_stripe,) = stripe_app.refunds_for_charge(charge)
    assert (refund.amount_kurus, refund.provider_ref) == (25000, at_stripe["id"])
    assert at_stripe["amount"] == 25000
    db.session.expire_all()
    assert db.session.get(RefundRequest, request.id).status == "succeeded"
    assert "₺250,00" in client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert check() == []


def test_a_refund_waiting_for_stripe_is_retried_once(client, login, stripe_app, monkeypatch):
    order, charge = stripe_paid_order(stripe_app, [(ProductFactory(price_kurus=50000), 1)])
    login(UserFactory(role="admin"))

    def unreachable(*args, **kwargs):
        raise stripe.APIConnectionError("bağlantı yok")

    with monkeypatch.context() as offline:
        offline.setattr(StripeProvider, "refund", unreachable)
        # testing runs the job right after the commit: Stripe is down, the job waits to retry
        waiting = client.post(
            f"/admin/orders/{order.id}/refund",
            data={"scope": "order", "reason": "Kırık geldi"},
            follow_redirects=True,
        )
        html = waiting.get_data(as_text=True)
        assert "İade isteği Stripe&#39;a gönderildi" in html
        assert "bağlantı yok" in html  # the order page shows why it waits
        assert "Yeniden dene" in html
        request = db.session.scalars(select(RefundRequest)).one()
        assert (request.status, request.error) == ("pending", "bağlantı yok")
        (job,) = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "refund.send"))
        assert (job.attempts, job.done_at, job.failed_at) == (1, None, None)  # backoff
        blocked = client.post(
            f"/admin/orders/{order.id}/refund",
            data={"scope": "order", "reason": "Bir daha"},
            follow_redirects=True,
        )
        assert "tamamlanmamış bir iadesi var" in blocked.get_data(as_text=True)

    # The retry button puts the waiting job forward (no second job), and it books the refund.
    done = client.post(f"/admin/refund-requests/{request.id}/retry", follow_redirects=True)
    assert "İade isteği Stripe&#39;a gönderildi" in done.get_data(as_text=True)
    refund_jobs = select(func.count(OutboxJob.id)).where(OutboxJob.kind == "refund.send")
    assert db.session.scalar(refund_jobs) == 1
    again = client.post(f"/admin/refund-requests/{request.id}/retry", follow_redirects=True)
    assert again.status_code == 200
    assert "Bu iade isteği zaten sonuçlandı." in again.get_data(as_text=True)
    assert len(stripe_app.refunds_for_charge(charge)) == 1
    assert _count(Refund) == 1
    assert db.session.scalars(select(Refund)).one().amount_kurus == 50000
    assert check() == []


def test_find_an_order_and_list_refunds(client, login):
    order = _order()
    refund_flow.refund_offline(order, [(order.lines[0].id, 1000)], 0, "Düzeltme", "cash", "", None)
    db.session.commit()
    login(UserFactory(role="admin"))
    found = client.get("/admin/refunds", query_string={"number": order.number.lower()})
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/admin/orders/{order.id}")
    missing = client.get("/admin/refunds", query_string={"number": "2611-YOKYOK"})
    assert missing.status_code == 422
    assert "Bu numarada bir sipariş yok." in missing.get_data(as_text=True)
    listing = client.get("/admin/refunds").get_data(as_text=True)
    assert order.number in listing and "₺10,00" in listing and "Düzeltme" in listing


def test_the_order_page_does_not_query_per_line(client, login):
    login(UserFactory(role="admin"))
    small, large = _order(lines=1), _order(lines=6)
    with count_queries() as few:
        assert client.get(f"/admin/orders/{small.id}").status_code == 200
    with count_queries() as many:
        assert client.get(f"/admin/orders/{large.id}").status_code == 200
    assert len(many) == len(few)
