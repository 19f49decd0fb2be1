"""iyzico's read-only services, part of the adapter in services.sales.iyzico: the instalment
table for a price, and the reporting service (one day's transactions, one payment's details with
its refunds and cancels), which reconciliation and the refund retry read.

Shapes are iyzico's documentation's:
* instalments: https://docs.iyzico.com/en/advanced/installment-and-bin-service
  (POST /payment/iyzipos/installment {price, binNumber?} → installmentDetails[] per card family,
  each with installmentPrices[] {installmentNumber, installmentPrice, totalPrice});
* reporting: https://docs.iyzico.com/en/advanced/reporting-service
  (GET /v2/reporting/payment/transactions?transactionDate=YYYY-MM-DD&page=N → transactions[],
  currentPage, totalPageCount; GET /v2/reporting/payment/details?paymentId=… or
  paymentConversationId=… → payments[] with itemTransactions[].refunds[] and cancels[]).
Both are GETs signed by the SDK like its POSTs (IYZWSv2 over the path without its query and the
JSON body ``null``: iyzipay-python 1.0.46 RetrieveTransactions / RetrievePaymentDetails). These
answers carry no response signature in the documentation, so none is checked: they only inform
(a table on a page, a list of differences for a person), and TLS to iyzico is what we rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import iyzipay

from coopshop.services.sales.iyzico_messages import _locale
from coopshop.services.sales.iyzico_wire import (
    _amount_to_kurus_rounded,
    _opt,
    _s,
    _to_decimal,
    kurus_to_price,
    price_to_kurus,
)

INSTALLMENT_PATH = "/payment/iyzipos/installment"
DAILY_TRANSACTIONS_PATH = "/v2/reporting/payment/transactions"
PAYMENT_DETAILS_PATH = "/v2/reporting/payment/details"
# Settlement reporting (iyzipay's PayoutCompletedTransactionList, POST {locale, conversationId,
# date}): payoutCompletedTransactions[] {paymentTransactionId, payoutAmount, payoutType
# (MERCHANT | SUB_MERCHANT), subMerchantKey, currency} — what iyzico paid out on that day.
PAYOUT_COMPLETED_PATH = "/reporting/settlement/payoutcompleted"
MAX_PAGES = 200  # a day of a small shop is a page or two; a runaway paging answer stops here


# --------------------------------------------------------------------------- instalments


@dataclass(frozen=True)
class InstalmentPrice:
    count: int
    per_instalment_kurus: int
    total_kurus: int


@dataclass(frozen=True)
class CardFamilyInstalments:
    """One card family's options for a price ("Bonus", "Axess", "World", …)."""

    card_family: str
    bank_name: str | None
    card_association: str | None
    options: tuple[InstalmentPrice, ...]


def _kurus(value) -> int:
    """A displayed amount: exact when it is kuruş, rounded half-up once when iyzico sends more
    decimals (an instalment of ₺100 / 3)."""
    try:
        return price_to_kurus(value)
    except ValueError:
        return _amount_to_kurus_rounded(value)


def installment_info(
    client, price_kurus: int, bin_number: str | None = None, locale: str = "tr"
) -> list[CardFamilyInstalments]:
    """The instalment options iyzico offers for ``price_kurus`` (and a card's BIN if given)."""
    request = {"locale": _locale(locale), "price": kurus_to_price(price_kurus)}
    if bin_number:
        request["binNumber"] = str(bin_number)[:8]
    body = client._post(iyzipay.InstallmentInfo, INSTALLMENT_PATH, request)
    families = []
    for detail in body.get("installmentDetails") or []:
        options = tuple(
            sorted(
                (
                    InstalmentPrice(
                        count=int(row["installmentNumber"]),
                        per_instalment_kurus=_kurus(row["installmentPrice"]),
                        total_kurus=_kurus(row["totalPrice"]),
                    )
                    for row in detail.get("installmentPrices") or []
                ),
                key=lambda option: option.count,
            )
        )
        families.append(
            CardFamilyInstalments(
                card_family=_s(detail.get("cardFamilyName")) or "—",
                bank_name=_opt(detail.get("bankName")),
                card_association=_opt(detail.get("cardAssociation")),
                options=options,
            )
        )
    return families


# --------------------------------------------------------------------------- reporting


@dataclass(frozen=True)
class DailyTransaction:
    """One row of a day's transactions: a PAYMENT, REFUND or CANCEL of one basket item (a
    payment of three items is three PAYMENT rows with one paymentId)."""

    transaction_type: str
    transaction_id: str | None
    payment_id: str | None
    payment_tx_id: str | None
    conversation_id: str | None
    basket_id: str | None
    price_kurus: int
    paid_price_kurus: int
    iyzico_commission: Decimal  # iyzicoCommission + iyzicoFee, exact (PAYMENT rows only)
    transaction_status: int | None
    transaction_date: str | None


@dataclass(frozen=True)
class RefundDetail:
    conversation_id: str | None
    price_kurus: int
    status: int | None


@dataclass(frozen=True)
class ItemDetail:
    payment_transaction_id: str
    price_kurus: int
    paid_price_kurus: int
    refunds: tuple[RefundDetail, ...]


@dataclass(frozen=True)
class PaymentDetail:
    payment_id: str
    conversation_id: str | None
    basket_id: str | None
    payment_status: int | None  # 1 success, 2 failure, 3 3-D Secure callback
    refund_status: str | None  # NOT_REFUNDED | PARTIALLY_REFUNDED | TOTALLY_REFUNDED
    price_kurus: int
    paid_price_kurus: int
    items: tuple[ItemDetail, ...]
    cancels: tuple[RefundDetail, ...]

    def refunded_parts(self) -> dict[str, list[RefundDetail]]:
        """paymentTransactionId → its refunds as iyzico knows them."""
        return {item.payment_transaction_id: list(item.refunds) for item in self.items}


def _int(value) -> int | None:
    return None if value is None or value == "" else int(value)


def _money(value) -> int:
    return 0 if value is None else _kurus(value)


def _daily_row(row: dict) -> DailyTransaction:
    return DailyTransaction(
        transaction_type=_s(row.get("transactionType")).upper(),
        transaction_id=_opt(row.get("transactionId")),
        payment_id=_opt(row.get("paymentId")),
        payment_tx_id=_opt(row.get("paymentTxId")),
        conversation_id=_opt(row.get("conversationId")),
        basket_id=_opt(row.get("basketId")),
        price_kurus=_money(row.get("price")),
        paid_price_kurus=_money(row.get("paidPrice")),
        iyzico_commission=_to_decimal(row.get("iyzicoCommission"))
        + _to_decimal(row.get("iyzicoFee")),
        transaction_status=_int(row.get("transactionStatus")),
        transaction_date=_opt(row.get("transactionDate")),
    )


def daily_transactions(client, day: date, locale: str = "tr") -> list[DailyTransaction]:
    """Every transaction iyzico has for one day (iyzico's day, Istanbul), all pages."""
    rows: list[DailyTransaction] = []
    page = 1
    while page <= MAX_PAGES:
        query = urlencode({"transactionDate": day.isoformat(), "page": page, "locale": locale})
        body = client._post(
            iyzipay.RetrieveTransactions, f"{DAILY_TRANSACTIONS_PATH}?{query}", None, "GET"
        )
        rows += [_daily_row(row) for row in body.get("transactions") or []]
        total_pages = _int(body.get("totalPageCount")) or 0
        if page >= total_pages:
            break
        page += 1
    return rows


def _refund_detail(raw: dict, conversation_key: str) -> RefundDetail:
    return RefundDetail(
        conversation_id=_opt(raw.get(conversation_key)),
        price_kurus=_money(raw.get("refundPrice")),
        status=_int(raw.get("refundStatus")),
    )


def payment_details(
    client, payment_id: str | None = None, conversation_id: str | None = None, locale: str = "tr"
) -> PaymentDetail | None:
    """What iyzico's reporting knows of one payment now (its refunds and cancels included), or
    None when it knows no such payment."""
    if not payment_id and not conversation_id:
        raise ValueError("payment_id or conversation_id required")
    params = {"paymentId": payment_id} if payment_id else {"paymentConversationId": conversation_id}
    query = urlencode({**params, "locale": locale})
    body = client._post(
        iyzipay.RetrievePaymentDetails, f"{PAYMENT_DETAILS_PATH}?{query}", None, "GET"
    )
    payments = body.get("payments") or []
    if payment_id:
        payments = [p for p in payments if _s(p.get("paymentId")) == str(payment_id)]
    if not payments:
        return None
    raw = payments[0]
    items = tuple(
        ItemDetail(
            payment_transaction_id=_s(item.get("paymentTransactionId")),
            price_kurus=_money(item.get("price")),
            paid_price_kurus=_money(item.get("paidPrice")),
            refunds=tuple(
                _refund_detail(r, "refundConversationId") for r in item.get("refunds") or []
            ),
        )
        for item in raw.get("itemTransactions") or []
    )
    return PaymentDetail(
        payment_id=_s(raw.get("paymentId")),
        conversation_id=_opt(raw.get("paymentConversationId")),
        basket_id=_opt(raw.get("basketId")),
        payment_status=_int(raw.get("paymentStatus")),
        refund_status=_opt(raw.get("paymentRefundStatus")),
        price_kurus=_money(raw.get("price")),
        paid_price_kurus=_money(raw.get("paidPrice")),
        items=items,
        cancels=tuple(_refund_detail(c, "cancelConversationId") for c in raw.get("cancels") or []),
    )


@dataclass(frozen=True)
class DayPayout:
    """iyzico's payouts completed to the merchant (not to sub-merchants) on one day."""

    day: date
    amount: Decimal  # exact, as iyzico sums it; kuruş once, at the total
    transactions: int
    currency: str

    @property
    def amount_kurus(self) -> int:
        return _amount_to_kurus_rounded(self.amount)


def payouts_completed(client, day: date, locale: str = "tr") -> DayPayout:
    """What iyzico paid out to the merchant on ``day`` (settlement reporting)."""
    body = client._post(
        iyzipay.PayoutCompletedTransactionList,
        PAYOUT_COMPLETED_PATH,
        {
            "locale": locale,
            "conversationId": f"payouts-{day.isoformat()}",
            "date": f"{day} 00:00:00",
        },
    )
    rows = [
        r
        for r in body.get("payoutCompletedTransactions") or []
        if _s(r.get("payoutType")).upper() in ("MERCHANT", "")
    ]
    currencies = {_s(r.get("currency")).upper() or "TRY" for r in rows} or {"TRY"}
    return DayPayout(
        day=day,
        amount=sum((_to_decimal(r.get("payoutAmount")) for r in rows), Decimal(0)),
        transactions=len(rows),
        currency=",".join(sorted(currencies)),
    )
