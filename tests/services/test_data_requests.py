"""KVKK m.11 data-subject requests against a real database: her export holds her data and
nothing of anyone else's; an erasure keeps every total and the ledger check, ends her login and
frees her address; a member's erasure keeps her payout and tax records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import (
    AuditEvent,
    DataRequest,
    Invoice,
    Order,
    OutboxMessage,
    PayoutLine,
    Product,
    User,
    utcnow,
)
from coopshop.services.books import ledger_check
from coopshop.services.core import uow
from coopshop.services.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import data_requests, signin, users
from coopshop.services.members.erasure import ERASED_NAME, erased_email
from coopshop.services.payouts import batches, payout_lines
from coopshop.services.sales.agreements import Acceptance
from tests.support.data_request_support import customer, data_json, delivered_order, totals, unzip
from tests.support.factories import (
    PASSWORD,
    ProducerFactory,
    ProductFactory,
    UserFactory,
    paid_order,
)
from tests.support.staff_support import audit_actions

APPROVED = Acceptance(pre_information=True, contract=True, ip="192.0.2.7")


@pytest.fixture
def two_customers(local_invoicing):
    """Selin and Zeynep, each with a delivered, invoiced order; Selin's partly refunded."""
    maker = ProducerFactory(user__name="Gülsüm Dokur")
    product = ProductFactory(price_kurus=45_000, stock=10, makers=[(maker, 10_000)])
    selin = customer("Selin Aksoy", "selin@example.org", "0555 111 22 33")
    zeynep = customer("Zeynep Kaya", "zeynep@example.org", "0532 999 88 77")
    mine = delivered_order(selin, product, 2, "Atatürk Bulvarı No: 12", refund_kurus=10_000)
    theirs = delivered_order(zeynep, product, 1, "Tunalı Hilmi Cad. 88/3")
    admin = UserFactory(role="admin", name="Yönetici Hanım")
    return selin, zeynep, mine, theirs, admin, maker


def test_her_export_holds_her_orders_and_nothing_of_anyone_else(two_customers):
    selin, zeynep, mine, theirs, _admin, _maker = two_customers
    request = data_requests.request_export(selin)
    uow.commit()
    assert (request.kind, request.status, request.completed_by_id) == (
        "export",
        "completed",
        selin.id,
    )
    assert request.due_at == request.requested_at + timedelta(days=30)

    name, content = data_requests.download_export(request.id, selin.id)
    uow.commit()
    assert name.startswith("verilerim-") and name.endswith(".zip")
    files = unzip(content)
    for section in ("account", "orders", "order_lines", "payments", "refunds", "invoices",
                    "addresses", "consents", "audit_events", "data_requests"):  # fmt: skip
        assert f"{section}.csv" in files
    document = data_json(files)
    assert document["account"][0]["email"] == "selin@example.org"
    assert "password_hash" not in document["account"][0]
    assert [o["number"] for o in document["orders"]] == [mine.number]
    assert [o["total_kurus"] for o in document["orders"]] == [mine.total_kurus]
    assert {ln["order_id"] for ln in document["order_lines"]} == {mine.id}
    assert [p["amount_kurus"] for p in document["payments"]] == [mine.total_kurus]
    assert [r["amount_kurus"] for r in document["refunds"]] == [10_000]
    # The sale's invoice and the document answering the refund, both of her order.
    assert {i["order_id"] for i in document["invoices"]} == {mine.id}
    assert [i["purpose"] for i in document["invoices"]][0] == "sale"
    assert len(document["invoices"]) == 2
    assert document["addresses"][0]["address_line"] == "Atatürk Bulvarı No: 12"
    assert mine.number in files["orders.csv"]

    # Nothing of Zeynep's, in any file.
    everything = "\n".join(files.values())
    for trace in (theirs.number, "Zeynep", "zeynep@example.org", "Tunalı Hilmi", "0532 999"):
        assert trace not in everything, trace
    # The export and the download are audited, about her.
    assert audit_actions("data_request.") == ["data_request.export", "data_request.downloaded"]


def test_someone_elses_export_is_not_found(two_customers):
    selin, zeynep, *_ = two_customers
    request = data_requests.request_export(selin)
    uow.commit()
    with pytest.raises(NotFound):
        data_requests.download_export(request.id, zeynep.id)
    with pytest.raises(NotFound):  # a link past its days
        data_requests.download_export(request.id, selin.id, now=utcnow() + timedelta(days=8))
    erasure = data_requests.request_erasure(selin, PASSWORD)
    uow.commit()
    with pytest.raises(NotFound):  # an erasure request is no download
        data_requests.download_export(erasure.id, selin.id)


def test_erasure_keeps_every_total_and_the_ledger_check(two_customers, app):
    selin, zeynep, mine, theirs, admin, maker = two_customers
    before = totals()
    assert before["invoices"] and before["refunds"] == 10_000
    invoice_buyer = db.session.scalar(select(Invoice.buyer_name).where(Invoice.order_id == mine.id))

    with pytest.raises(ValidationFailed) as wrong:
        data_requests.request_erasure(selin, "yanlis-parola-1")
    uow.rollback()
    assert wrong.value.details["field"] == "password"
    assert db.session.scalar(select(DataRequest.id)) is None

    request = data_requests.request_erasure(selin, PASSWORD)
    uow.commit()
    assert request.status == "pending"
    assert request.due_at == request.requested_at + timedelta(days=30)
    with pytest.raises(Conflict):  # asked twice
        data_requests.request_erasure(selin, PASSWORD)
    uow.rollback()
    with pytest.raises(Forbidden):  # an admin never carries out her own
        data_requests.carry_out_erasure(request.id, selin.id)
    uow.rollback()

    data_requests.carry_out_erasure(request.id, admin.id)
    uow.commit()

    assert totals() == before
    assert [str(v) for v in ledger_check.check()] == []
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output

    erased = db.session.get(User, selin.id)
    assert (erased.email, erased.name, erased.phone, erased.active) == (
        erased_email(selin.id),
        ERASED_NAME,
        None,
        False,
    )
    order = db.session.get(Order, mine.id)
    assert (order.buyer_name, order.buyer_email, order.buyer_phone, order.address_line) == (
        ERASED_NAME,
        "",
        "",
        "",
    )
    assert (order.postal_code, order.ilce, order.il) == ("", "", "Ankara")
    # The invoice is a tax document: kept as issued.
    assert (
        db.session.scalar(select(Invoice.buyer_name).where(Invoice.order_id == mine.id))
        == invoice_buyer
    )
    # Zeynep's order is untouched.
    other = db.session.get(Order, theirs.id)
    assert (other.buyer_name, other.address_line) == ("Zeynep Kaya", "Tunalı Hilmi Cad. 88/3")
    # No mail to her old address is left, except the notice that it is done.
    to_her = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.to == "selin@example.org")
    ).all()
    assert to_her == ["Verileriniz silindi"]
    assert "Atatürk Bulvarı" not in "".join(
        db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.to != "zeynep@example.org")
        )
    )

    request = db.session.get(DataRequest, request.id)
    assert (request.status, request.completed_by_id) == ("completed", admin.id)
    assert audit_actions("data_request.") == [
        "data_request.erasure_requested",
        "data_request.erased",
    ]
    with pytest.raises(InvalidTransition):
        data_requests.carry_out_erasure(request.id, admin.id)
    uow.rollback()

    # The old address and password open nothing; the address can register anew.
    assert signin.sign_in("selin@example.org", PASSWORD).user is None
    assert signin.sign_in(erased_email(selin.id), PASSWORD).user is None
    signin.register("selin@example.org", "yepyeni-bir-parola-42", "Selin A.", None, "/login")
    uow.commit()
    fresh = users.find_by_email("selin@example.org")
    assert fresh is not None and fresh.id != selin.id
    assert db.session.scalars(select(Order.id).where(Order.customer_id == fresh.id)).all() == []


def test_erasure_waits_while_an_order_is_still_on_its_way(two_customers):
    selin, _zeynep, _mine, _theirs, admin, maker = two_customers
    product = ProductFactory(price_kurus=20_000, stock=3, makers=[(maker, 10_000)])
    from coopshop.services.core import settings as settings_service
    from coopshop.services.sales import checkout
    from coopshop.services.sales.order_states import PaymentInfo
    from tests.support.data_request_support import buyer_of

    order = checkout.place_order(
        checkout.CheckoutRequest(
            items={product.id: 1},
            buyer=buyer_of(selin, "Atatürk Bulvarı No: 12"),
            method="card",
            card_payment_method="demo",
            acceptance=APPROVED,
            customer_id=selin.id,
        ),
        settings_service.current(),
    )
    checkout.fulfil(
        order.id,
        PaymentInfo(provider="demo", amount_kurus=order.total_kurus, provider_ref="d-x"),
        settings_service.current(),
    )
    uow.commit()
    request = data_requests.request_erasure(selin, PASSWORD)
    uow.commit()

    assert [str(h) for h in data_requests.erasure_holds(selin)] == [
        "Henüz teslim edilmemiş bir siparişi var (adresi teslimat için gerekli)."
    ]
    with pytest.raises(Conflict) as excinfo:
        data_requests.carry_out_erasure(request.id, admin.id)
    uow.rollback()
    assert "teslim edilmemiş" in str(excinfo.value.message)
    db.session.expire_all()
    assert db.session.get(User, selin.id).email == "selin@example.org"
    assert db.session.get(Order, order.id).address_line == "Atatürk Bulvarı No: 12"
    assert db.session.get(DataRequest, request.id).status == "pending"

    # Refusing names the reason and tells her.
    with pytest.raises(ValidationFailed):
        data_requests.refuse(request.id, admin.id, "  ")
    uow.rollback()
    data_requests.refuse(request.id, admin.id, "Teslim edilmemiş siparişiniz var.")
    uow.commit()
    refused = db.session.get(DataRequest, request.id)
    assert (refused.status, refused.note) == ("refused", "Teslim edilmemiş siparişiniz var.")
    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.subject == "Veri talebiniz hakkında")
    ).one()
    assert "Teslim edilmemiş siparişiniz var." in body


def test_a_members_erasure_keeps_her_payout_and_tax_records(app):
    settings = CoopSettings(payout_two_admins=True, payout_minimum_kurus=100)
    first, second = UserFactory(role="admin"), UserFactory(role="admin")
    maker = ProducerFactory(user__name="Hatice Dokur", tax_status="exempt", tax_id="10000000146")
    product = ProductFactory(price_kurus=30_000, stock=5, makers=[(maker, 10_000)])
    paid_order([(product, 2)], channel="bazaar", payment_method="cash", settings=settings)
    uow.commit()
    batch, _left = batches.close_period(utcnow(), first.id, settings)
    uow.commit()
    batches.approve(batch.id, second.id, settings)
    uow.commit()
    (line,) = batch.lines
    payout_lines.mark_line_paid(line.id, "HAVALE-2026-1", first.id)
    uow.commit()
    paid_line = (line.id, line.amount_kurus, line.iban, line.account_name, line.status)
    assert paid_line[4] == "paid"
    before = totals()

    request = data_requests.request_erasure(maker.user, PASSWORD)
    uow.commit()
    data_requests.carry_out_erasure(request.id, first.id)
    uow.commit()

    assert totals() == before
    assert [str(v) for v in ledger_check.check()] == []
    line = db.session.get(PayoutLine, line.id)
    assert (line.id, line.amount_kurus, line.iban, line.account_name, line.status) == paid_line
    profile = db.session.get(type(maker), maker.id)
    assert profile.iban is None
    assert profile.display_name == f"Silinmiş üye {maker.id}"
    assert profile.bio == ""
    assert (profile.tax_status, profile.tax_id) == ("exempt", "10000000146")
    assert profile.membership_status == "suspended"
    assert db.session.get(User, maker.user_id).active is False
    # Her product is no longer for sale (her membership ended), but the row and its sales stay.
    from coopshop.services.catalog import listing

    assert listing.product_for_sale(product.id) is None
    assert db.session.get(Product, product.id) is not None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "data_request.erased")
    ).one()
    assert event.data["producer_id"] == maker.id
    assert event.data["membership"] == "active->suspended"


def test_a_member_owed_money_is_not_erased_yet(app):
    settings = CoopSettings()
    admin = UserFactory(role="admin")
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=30_000, stock=5, makers=[(maker, 10_000)])
    paid_order([(product, 1)], channel="bazaar", payment_method="cash", settings=settings)
    uow.commit()
    request = data_requests.request_erasure(maker.user, PASSWORD)
    uow.commit()
    with pytest.raises(Conflict) as excinfo:
        data_requests.carry_out_erasure(request.id, admin.id)
    uow.rollback()
    assert "bakiyesi sıfır değil" in str(excinfo.value.message)
    assert db.session.get(type(maker), maker.id).iban == "TR330006100519786457841326"


def test_a_members_export_holds_her_earnings_and_not_her_co_makers(app):
    settings = CoopSettings()
    hatice = ProducerFactory(user__name="Hatice Dokur", iban="TR330006100519786457841326")
    emine = ProducerFactory(user__name="Emine Örgü", iban="TR560006200000000000000001")
    shared = ProductFactory(price_kurus=50_000, stock=5, makers=[(hatice, 6_000), (emine, 4_000)])
    paid_order([(shared, 1)], channel="bazaar", payment_method="cash", settings=settings)
    uow.commit()

    request = data_requests.request_export(hatice.user)
    uow.commit()
    _name, content = data_requests.download_export(request.id, hatice.user_id)
    files = unzip(content)
    document = data_json(files)
    assert document["member_profile"][0]["iban"] == "TR330006100519786457841326"
    assert [p["id"] for p in document["products"]] == [shared.id]
    entries = document["ledger_entries"]
    assert entries and {e["kind"] for e in entries} == {"sale"}
    # Her 60 % of the line's makers' part, credited to her account (credits are negative).
    from coopshop.models import LedgerEntry

    hers = db.session.scalars(
        select(LedgerEntry.amount_kurus).where(LedgerEntry.producer_id == hatice.id)
    ).all()
    assert [e["amount_kurus"] for e in entries] == list(hers)
    everything = "\n".join(files.values())
    assert "Emine" not in everything
    assert "TR560006200000000000000001" not in everything
