"""The invoicing interface, the local adapter, and the Nilvera adapter against the stand-in."""

from __future__ import annotations

import time
import uuid as uuidlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopshop.money import round_half_up
from coopshop.services.invoicing.interface import (
    NOT_LEGAL_NOTICE,
    Buyer,
    InternetSale,
    InvoicingConfigError,
    InvoicingError,
    LineInput,
    build_totals,
    make_adapter,
    make_draft,
)
from coopshop.services.invoicing.local import LocalAdapter
from coopshop.services.invoicing.nilvera import NilveraAdapter
from coopshop.services.invoicing.nilvera_model import Seller, unit_net_price

WHEN = datetime(2026, 3, 14, 10, 30, tzinfo=UTC)
COMPANY_VKN = "1234567890"
ALIAS = "urn:mail:defaultpk@firma.com.tr"
SELLER = Seller(
    tax_id="9876543210",
    name="Başkent Kadın Girişimi Kooperatifi",
    tax_office="Çankaya",
    address="Atatürk Blv. 1",
    district="Çankaya",
    city="Ankara",
)
# 3 x 19,99 TL at 20 %: net 4997.5 kuruş rounds half-up to 4998; 45,55 TL at 10 %: 4140.9 -> 4141
BASKET = (
    LineInput("İpek Yolu eşarp", 3, 1999, 2000),
    LineInput("Keçe terlik", 1, 4555, 1000),
    LineInput("Seramik kase", 2, 1250, 2000),
)
CONSUMER = Buyer(name="Ayşe Yılmaz", address="Kızılay Mah. 5", district="Çankaya", city="Ankara")
COMPANY = Buyer(
    name="Örnek Tekstil A.Ş.",
    tax_id=COMPANY_VKN,
    tax_office="Ulus",
    address="Sanayi Cd. 9",
    district="Altındağ",
    city="Ankara",
    email="muhasebe@ornek.com.tr",
)


@pytest.fixture
def adapter(standin):
    return NilveraAdapter("secret-key", standin.url, SELLER, timeout=0.5)


def draft(kind="earsiv", buyer=CONSUMER, lines=BASKET, uuid=None, **kw):
    return make_draft(uuid or str(uuidlib.uuid4()), kind, WHEN, buyer, lines, **kw)


# -- totals -----------------------------------------------------------------------------------


def test_totals_per_rate_are_exact_to_the_kurus():
    totals = build_totals(BASKET)
    assert [(li.net_kurus, li.vat_kurus) for li in totals.lines] == [
        (4998, 999),
        (4141, 414),
        (2083, 417),
    ]
    assert totals.net_by_rate == ((1000, 4141), (2000, 7081))
    assert totals.vat_by_rate == ((1000, 414), (2000, 1416))
    assert totals.gross_kurus == 13052 == totals.net_kurus + totals.vat_kurus


def test_bad_lines_are_refused():
    for bad in (
        LineInput("x", 0, 100, 2000),
        LineInput("x", 1, -1, 2000),
        LineInput("x", 1, 100, 10001),
        LineInput(" ", 1, 100, 2000),
    ):
        with pytest.raises(ValueError):
            build_totals([bad])
    with pytest.raises(ValueError):
        build_totals([])


lines_strategy = st.lists(
    st.builds(
        LineInput,
        name=st.just("ürün"),
        quantity=st.integers(1, 500),
        unit_price_kurus=st.integers(0, 5_000_000),
        vat_bp=st.sampled_from([0, 100, 800, 1000, 1800, 2000]) | st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=30,
)


@given(lines_strategy)
def test_build_totals_always_balances(lines):
    totals = build_totals(lines)
    assert totals.net_kurus + totals.vat_kurus == totals.gross_kurus
    assert totals.gross_kurus == sum(li.unit_price_kurus * li.quantity for li in lines)
    assert sum(n for _, n in totals.net_by_rate) == totals.net_kurus
    assert sum(v for _, v in totals.vat_by_rate) == totals.vat_kurus
    for li in totals.lines:
        assert li.net_kurus == round_half_up(li.gross_kurus * 10_000, 10_000 + li.vat_bp)
        assert li.net_kurus + li.vat_kurus == li.gross_kurus and li.vat_kurus >= 0


@given(lines_strategy)
def test_nilvera_unit_price_times_quantity_is_our_net(lines):
    for li in build_totals(lines).lines:
        net = (unit_net_price(li) * li.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert net == Decimal(li.net_kurus) / 100


# -- Nilvera adapter through the stand-in ------------------------------------------------------


def test_consumer_gets_an_earsiv_with_lines_and_vat_as_computed(adapter, standin):
    assert adapter.is_efatura_user(CONSUMER.tax_id) is False
    sale = InternetSale("https://coopshop.example", "KREDIKARTI/BANKAKARTI", WHEN)
    d = draft(order_number="CS-1001", internet_sale=sale)
    issued = adapter.issue(d)

    assert (issued.kind, issued.status, issued.number) == ("earsiv", "issued", "EAR2026000000001")
    (sent,) = standin.sent("/earchive/Send/Model")
    assert sent.headers["Authorization"] == "Bearer secret-key"
    model = sent.body["ArchiveInvoice"]
    assert model["InvoiceInfo"]["UUID"] == d.uuid
    assert model["InvoiceInfo"]["SalesPlatform"] == "INTERNET"
    assert model["InvoiceInfo"]["InternetInfo"]["PaymentMethod"] == "KREDIKARTI/BANKAKARTI"
    assert model["CustomerInfo"]["TaxNumber"] == "11111111111"
    assert model["CompanyInfo"]["TaxNumber"] == SELLER.tax_id
    by_rate: dict[Decimal, list[Decimal]] = {}
    for line, ours in zip(model["InvoiceLines"], d.lines, strict=True):
        net = (line["Price"] * line["Quantity"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert net == Decimal(ours.net_kurus) / 100
        assert line["KDVTotal"] == Decimal(ours.vat_kurus) / 100
        by_rate.setdefault(line["KDVPercent"], []).append(line["KDVTotal"])
    assert {k: sum(v) for k, v in by_rate.items()} == {
        Decimal("10"): Decimal("4.14"),
        Decimal("20"): Decimal("14.16"),
    }
    assert standin.invoices[d.uuid].payable == Decimal("130.52")


def test_registered_vkn_gets_an_efatura_to_its_alias(adapter, standin):
    standin.efatura_users[COMPANY_VKN] = ["urn:mail:gb@firma.com.tr", ALIAS]
    assert adapter.is_efatura_user(COMPANY_VKN) is True
    issued = adapter.issue(draft("efatura", COMPANY))

    assert (issued.kind, issued.number) == ("efatura", "EFT2026000000001")
    (sent,) = standin.sent("/einvoice/Send/Model")
    assert sent.body["CustomerAlias"] == ALIAS
    assert sent.body["EInvoice"]["InvoiceInfo"]["InvoiceProfile"] == "TEMELFATURA"
    assert sent.body["EInvoice"]["CustomerInfo"]["TaxOffice"] == "Ulus"
    assert sent.query == {}  # the check carried globalUserType, the send nothing
    (check,) = standin.sent("/general/GlobalCompany/Check/TaxNumber/" + COMPANY_VKN)[-1:]
    assert check.query == {"globalUserType": "Invoice"}


def test_efatura_for_an_unregistered_vkn_is_refused_before_sending(adapter, standin):
    with pytest.raises(InvoicingError) as err:
        adapter.issue(draft("efatura", COMPANY))
    assert (err.value.code, err.value.retryable) == ("not_efatura_user", False)
    assert standin.sent("/einvoice/Send") == []


def test_same_uuid_twice_returns_the_first_invoice(adapter, standin):
    d = draft()
    first = adapter.issue(d)
    second = adapter.issue(d)
    assert second == first
    assert len(standin.invoices) == 1
    assert len(standin.sent("/earchive/Send/Model")) == 2  # the second got 409, then a lookup
    assert standin.sent("/earchive/Invoices")[-1].query["Search"] == d.uuid


def test_late_answer_then_retry_finds_the_invoice_already_made(adapter, standin):
    d = draft()
    standin.hang(3, after_store=True)  # Nilvera makes the invoice but answers too late
    with pytest.raises(InvoicingError) as err:
        adapter.issue(d)
    assert (err.value.code, err.value.retryable) == ("timeout", True)
    retried = adapter.issue(d)
    assert retried.number == standin.invoices[d.uuid].number == "EAR2026000000001"
    assert len(standin.invoices) == 1


def test_two_workers_sending_the_same_uuid_at_once_make_one_invoice(standin):
    d = draft()
    workers = [NilveraAdapter("secret-key", standin.url, SELLER, timeout=2) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda a: a.issue(d), workers))
    assert results[0] == results[1]
    assert len(standin.invoices) == 1


def test_uuid_reused_for_a_different_invoice_is_an_error(adapter):
    d = draft()
    adapter.issue(d)
    with pytest.raises(InvoicingError) as err:
        adapter.issue(draft(uuid=d.uuid, lines=BASKET[:1]))
    assert (err.value.code, err.value.retryable) == ("uuid_conflict", False)


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.issue(draft()),
        lambda a: a.is_efatura_user(COMPANY_VKN),
        lambda a: a.status(str(uuidlib.uuid4()), kind="earsiv"),
        lambda a: a.pdf(str(uuidlib.uuid4()), kind="earsiv"),
    ],
    ids=["issue", "is_efatura_user", "status", "pdf"],
)
def test_a_hanging_nilvera_raises_a_retryable_timeout_fast(adapter, standin, call):
    standin.hang(10)
    started = time.monotonic()
    with pytest.raises(InvoicingError) as err:
        call(adapter)
    assert time.monotonic() - started < 2
    assert (err.value.code, err.value.retryable) == ("timeout", True)
    assert standin.invoices == {}


def test_server_errors_are_retryable_and_refusals_are_not(adapter, standin):
    standin.fail(503)
    with pytest.raises(InvoicingError) as err:
        adapter.issue(draft())
    assert (err.value.code, err.value.retryable, err.value.message) == (
        "unavailable",
        True,
        "Sunucu hatası",
    )

    bad = NilveraAdapter("wrong-key", standin.url, SELLER, timeout=0.5)
    with pytest.raises(InvoicingError) as err:
        bad.issue(draft())
    assert (err.value.code, err.value.retryable) == ("auth", False)

    standin.efatura_users[COMPANY_VKN] = [ALIAS]  # e-Arşiv to an e-Fatura user: Nilvera refuses
    with pytest.raises(InvoicingError) as err:
        adapter.issue(draft("earsiv", COMPANY))
    assert (err.value.code, err.value.retryable) == ("rejected", False)
    assert "Alıcı e-Fatura mükellefidir" in err.value.message


def test_pdf_and_html_of_an_issued_invoice(adapter, standin):
    d = draft()
    adapter.issue(d)
    pdf = adapter.pdf(d.uuid)
    assert pdf.startswith(b"%PDF")
    assert standin.sent(f"/earchive/Invoices/{d.uuid}/pdf")
    assert "EAR2026000000001" in adapter.html(d.uuid, kind="earsiv")


def test_cancel_an_earsiv_and_refuse_to_cancel_an_efatura(adapter, standin):
    d = draft()
    adapter.issue(d)
    cancelled = adapter.cancel(d.uuid, "Müşteri iade etti")
    assert cancelled.status == "cancelled"
    assert standin.sent(f"/earchive/Invoices/{d.uuid}/Cancel")[0].method == "PUT"
    assert adapter.status(d.uuid).status == "cancelled"

    standin.efatura_users[COMPANY_VKN] = [ALIAS]
    e = draft("efatura", COMPANY)
    adapter.issue(e)
    with pytest.raises(InvoicingError) as err:
        adapter.cancel(e.uuid, "iade")
    assert err.value.code == "cancel_not_supported"


def test_status_of_an_unknown_uuid_is_not_found(adapter):
    with pytest.raises(InvoicingError) as err:
        adapter.status(str(uuidlib.uuid4()))
    assert (err.value.code, err.value.retryable) == ("not_found", False)


# -- local adapter and settings ---------------------------------------------------------------


def test_local_adapter_numbers_renders_and_is_idempotent():
    local = LocalAdapter(efatura_users=frozenset({COMPANY_VKN}))
    a, b = draft(), draft("efatura", COMPANY)
    first = local.issue(a)
    assert local.issue(a) == first
    assert first.number == "TST2026000000001"
    assert local.issue(b).number == "TST2026000000002"
    page = local.html(a.uuid)
    assert NOT_LEGAL_NOTICE in page and "130,52 TL" in page and "%20" in page
    evil = draft(buyer=Buyer(name="<script>x</script>"))
    local.issue(evil)
    assert "<script>" not in local.html(evil.uuid)
    assert local.cancel(a.uuid, "iade").status == "cancelled"
    with pytest.raises(InvoicingError):
        local.issue(draft("efatura", Buyer(name="Başka A.Ş.", tax_id="5555555555")))
    with pytest.raises(InvoicingError):
        local.pdf(a.uuid)


def test_settings_choose_the_adapter_and_production_refuses_local():
    assert isinstance(make_adapter({"INVOICING_PROVIDER": "local"}, production=False), LocalAdapter)
    with pytest.raises(InvoicingConfigError):
        make_adapter({"INVOICING_PROVIDER": "local"}, production=True)
    with pytest.raises(InvoicingConfigError):
        make_adapter({"INVOICING_PROVIDER": "nilvera"}, production=True)  # no key, no seller
    settings = {
        "INVOICING_PROVIDER": "nilvera",
        "NILVERA_API_KEY": "k",
        "NILVERA_BASE_URL": "http://127.0.0.1:9",
        "NILVERA_TIMEOUT_SECONDS": "2",
        "INVOICING_SELLER_VKN": SELLER.tax_id,
        "INVOICING_SELLER_NAME": SELLER.name,
        "INVOICING_SELLER_TAX_OFFICE": "Çankaya",
        "INVOICING_SELLER_ADDRESS": "x",
        "INVOICING_SELLER_DISTRICT": "Çankaya",
        "INVOICING_SELLER_CITY": "Ankara",
    }
    assert isinstance(make_adapter(settings, production=True), NilveraAdapter)


def test_drafts_refuse_what_no_invoice_can_carry():
    with pytest.raises(ValueError):
        draft("efatura", CONSUMER)  # an e-Fatura needs a VKN
    with pytest.raises(ValueError):
        make_draft("u", "earsiv", datetime(2026, 1, 1), CONSUMER, BASKET)  # naive time
    with pytest.raises(ValueError):
        Buyer(name="x", tax_id="12345")
