"""The reconciliation page: only admins; Stripe's mismatches for a period and the ledger check."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from coopshop import turkey
from coopshop.db import db
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.reconcile_support import paid_intent, proxied_stripe, stripe_paid_order


def _today() -> str:
    return datetime.now(ZoneInfo("Europe/Istanbul")).strftime("%Y-%m-%d")


@pytest.mark.parametrize("role", ["staff", "producer", "customer", "guest"])
def test_only_admins_reconcile(client, login, role):
    if role == "producer":
        login(ProducerFactory().user)
    elif role != "guest":
        login(UserFactory(role=role))
    for method in ("get", "post"):
        response = getattr(client, method)(
            "/admin/reconcile", data={"first_day": _today(), "last_day": _today()}
        )
        if role == "guest":
            assert response.status_code == 302
            assert "/auth/login" in response.headers["Location"]
        else:
            assert response.status_code == 403


def test_without_stripe_the_ledger_check_still_runs(client, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    paid_order([(ProductFactory(price_kurus=30000), 1)], channel="bazaar", payment_method="cash")
    db.session.commit()
    login(UserFactory(role="admin"))
    page = client.get("/admin/reconcile").get_data(as_text=True)
    assert "Kart ödeme sağlayıcısı (iyzico ya da Stripe) ayarlı değil" in page
    assert f'value="{_today()[:8]}01"' in page  # the month so far

    result = client.post("/admin/reconcile", data={"first_day": _today(), "last_day": _today()})
    html = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "Her şey tutuyor" in html and "Defter denetimi temiz." in html


@pytest.fixture
def stripe_config(app, localstripe, monkeypatch):
    with proxied_stripe(localstripe) as (provider, proxy):
        monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_local")
        monkeypatch.setitem(app.config, "STRIPE_API_BASE", proxy.base)
        yield provider


def test_mismatches_and_ledger_violations_are_listed(client, login, stripe_config):
    stray = paid_intent(stripe_config, 4200, "pi-page-stray")
    charge = stripe_config.charge_details(stray["id"]).charge_ref
    order, _ = stripe_paid_order(stripe_config, [(ProductFactory(price_kurus=30000), 1)])
    order.status = "cancelled"  # booked as sold, no longer paid: the ledger check says so
    db.session.commit()
    login(UserFactory(role="admin"))

    result = client.post("/admin/reconcile", data={"first_day": _today(), "last_day": _today()})
    html = result.get_data(as_text=True)

    assert result.status_code == 200
    assert "Siparişi olmayan Stripe ödemesi" in html
    assert f"Stripe ödemesi {charge} (₺42,00) hiçbir ödenmiş siparişe bağlı değil." in html
    assert "Stripe: 2 ödeme, 0 iade, 0 aktarım" in html
    assert f"order {order.number}" in html and "is cancelled but has 1 sale" in html
    assert "Her şey tutuyor" not in html


def test_a_clean_period_says_so(client, login, stripe_config):
    stripe_paid_order(stripe_config, [(ProductFactory(price_kurus=30000), 1)])
    login(UserFactory(role="admin"))
    html = client.post(
        "/admin/reconcile", data={"first_day": _today(), "last_day": _today()}
    ).get_data(as_text=True)
    assert "Her şey tutuyor" in html and "Fark yok." in html


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-11-10", "2026-11-01", "Son gün ilk günden önce olamaz."),
        ("2026-01-01", "2026-11-30", "Bir seferde en fazla 92 gün karşılaştırılabilir."),
        ("", "2026-11-01", "İlk günü seçin."),
    ],
)
def test_a_bad_period_is_explained(client, login, first, last, message):
    login(UserFactory(role="admin"))
    result = client.post("/admin/reconcile", data={"first_day": first, "last_day": last})
    assert result.status_code == 422
    assert message in result.get_data(as_text=True)


def test_stripe_failing_is_reported(client, login, app, stripe_stub, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_stub.base)  # no routes: 404s
    login(UserFactory(role="admin"))
    result = client.post("/admin/reconcile", data={"first_day": _today(), "last_day": _today()})
    assert result.status_code == 502
    assert "Ödeme sağlayıcısından (Stripe) okunamadı" in result.get_data(as_text=True)


# The checkout form's İl select (iyzico_paid_order posts it) passes choices as tuples.
@pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning")
def test_iyzico_is_reconciled_from_its_reporting_service(client, login, iyzico_app, iyzico_standin):
    from sqlalchemy import select

    from coopshop.models import Payment
    from tests.support.iyzico_support import iyzico_paid_order

    product = ProductFactory(price_kurus=30000, stock=3)
    db.session.commit()
    order = iyzico_paid_order(iyzico_app, iyzico_standin, {product.id: 1})
    db.session.scalar(select(Payment)).fee_kurus += 3
    db.session.commit()
    login(UserFactory(role="admin"))

    page = client.get("/admin/reconcile").get_data(as_text=True)
    result = client.post("/admin/reconcile", data={"first_day": _today(), "last_day": _today()})
    html = result.get_data(as_text=True)

    assert 'name="provider" value="iyzico"' in page and "<select" not in page
    assert result.status_code == 200
    assert "iyzico ile farklar" in html and "Ödeme ücreti farkı" in html
    assert f"Sipariş {order.number}: iyzico&#39;nun ücreti" in html
    assert "iyzico: 1 ödeme, 0 iade (2 hareket); defter: 1 iyzico siparişi." in html


def test_with_both_providers_the_admin_chooses(
    client, login, iyzico_app, iyzico_standin, monkeypatch
):
    monkeypatch.setitem(iyzico_app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    login(UserFactory(role="admin"))

    page = client.get("/admin/reconcile").get_data(as_text=True)
    bad = client.post(
        "/admin/reconcile",
        data={"provider": "paypal", "first_day": _today(), "last_day": _today()},
    )

    assert '<option selected value="iyzico">iyzico</option>' in page
    assert '<option value="stripe">Stripe</option>' in page
    assert bad.status_code == 422


def test_iyzico_failing_is_reported(client, login, iyzico_app, iyzico_standin):
    from coopshop.services.sales import iyzico_reporting

    iyzico_standin.error_next(
        iyzico_reporting.DAILY_TRANSACTIONS_PATH, "1000", "Raporlama şu an kullanılamıyor"
    )
    login(UserFactory(role="admin"))

    result = client.post("/admin/reconcile", data={"first_day": _today(), "last_day": _today()})

    assert result.status_code == 502
    html = result.get_data(as_text=True)
    assert "Ödeme sağlayıcısından (iyzico) okunamadı" in html
    assert "Raporlama şu an kullanılamıyor" in html


def test_reconciling_records_the_providers_settlements(client, login, iyzico_app, iyzico_standin):
    from decimal import ROUND_HALF_UP, Decimal

    from sqlalchemy import select

    from coopshop.models import ProviderSettlement, utcnow
    from tests.support.iyzico_support import iyzico_paid_order

    product = ProductFactory(price_kurus=30000, stock=3)
    db.session.commit()
    iyzico_paid_order(iyzico_app, iyzico_standin, {product.id: 1})
    today = turkey.istanbul_date(utcnow())
    paid_out = iyzico_standin.settle(today, today)
    login(UserFactory(role="admin"))

    result = client.post("/admin/reconcile", data={"first_day": _today(), "last_day": _today()})
    html = result.get_data(as_text=True)

    assert result.status_code == 200
    assert "iyzico aktarımları (kaydedildi)" in html and f"iyzico:{today.isoformat()}" in html
    db.session.expire_all()
    (kept,) = db.session.scalars(select(ProviderSettlement)).all()
    assert (kept.provider, kept.arrival_on, kept.status) == ("iyzico", today, "paid")
    assert kept.amount_kurus == int((paid_out * 100).quantize(Decimal(1), ROUND_HALF_UP))
