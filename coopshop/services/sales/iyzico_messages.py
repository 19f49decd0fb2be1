"""iyzico messages: the plain inputs and results of the adapter, the Checkout Form request built
from kuruş, and the answers parsed back into kuruş. Part of coopshop.services.sales.iyzico.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from coopshop.services.sales.iyzico_wire import (
    _amount_to_kurus_rounded,
    _opt,
    _opt_int,
    _s,
    _signature_amount,
    _to_decimal,
    kurus_to_price,
    price_to_kurus,
)

LOCALES = ("tr", "en")
REFUND_REASONS = ("double_payment", "buyer_request", "fraud", "other")

# --------------------------------------------------------------------------- plain inputs


@dataclass(frozen=True)
class Buyer:
    """The shopper as iyzico's buyer object wants it (CF-initialize request, buyer.*)."""

    id: str
    name: str
    surname: str
    email: str
    ip: str
    registration_address: str
    city: str
    country: str = "Turkey"
    gsm_number: str | None = None
    zip_code: str | None = None
    # TCKN. iyzico requires the field; shops that do not collect it commonly send the
    # 11111111111 placeholder. Doubtful for production: README, "iyzico: what is assumed and
    # not yet confirmed".
    identity_number: str = "11111111111"


@dataclass(frozen=True)
class Address:
    """A shipping or billing address. iyzico has no district (ilçe) field: it goes into the
    address text, the province (il) into city."""

    contact_name: str
    city: str
    address: str
    district: str | None = None
    country: str = "Turkey"
    zip_code: str | None = None


@dataclass(frozen=True)
class BasketLine:
    """One order line. ``total_kurus`` is the line total (unit × quantity): iyzico basket items
    have a price but no quantity."""

    id: str
    name: str
    total_kurus: int
    category: str = "El yapımı"
    item_type: str = "PHYSICAL"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CheckoutFormStart:
    """Where to send the shopper and how long the token lives."""

    token: str
    payment_page_url: str
    token_expires_at: datetime
    token_expire_seconds: int
    conversation_id: str


@dataclass(frozen=True)
class ItemTransaction:
    """One basket item of a payment: refunds go to ``payment_transaction_id``.

    Fields from the CF-retrieve response itemTransactions[] (docs CF-retrieve page; names as in
    iyzipay-php src/Iyzipay/Model/Mapper/PaymentItemMapper.php)."""

    item_id: str
    payment_transaction_id: str
    transaction_status: int | None
    price_kurus: int
    paid_price_kurus: int
    merchant_commission_kurus: int  # what the shopper paid above the price (taksit)
    iyzi_commission_kurus: int  # iyziCommissionRateAmount + iyziCommissionFee, rounded
    iyzi_commission_exact: str  # the same, unrounded, for audit
    merchant_payout_exact: str | None


@dataclass(frozen=True)
class CheckoutFormResult:
    """A verified CF-retrieve answer. Only ``is_paid`` results may fulfil an order, and even then
    the caller must check basket_id is its order and paid_price_kurus covers the total."""

    status: str
    payment_status: str | None
    payment_id: str | None
    basket_id: str | None
    conversation_id: str | None
    token: str | None
    currency: str | None
    price_kurus: int | None
    paid_price_kurus: int | None
    installment: int | None
    fraud_status: int | None
    merchant_commission_kurus: int
    iyzi_commission_kurus: int
    iyzi_commission_exact: str
    items: tuple[ItemTransaction, ...]
    card_association: str | None = None
    card_family: str | None = None
    last_four_digits: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def is_paid(self) -> bool:
        """Success, money taken, and cleared by iyzico's fraud check (fraudStatus 1; 0 means
        'in review, wait for the notification', -1 rejected: CF-retrieve docs)."""
        return (
            self.status == "success" and self.payment_status == "SUCCESS" and self.fraud_status == 1
        )


@dataclass(frozen=True)
class RefundResult:
    """A refund iyzico accepted (docs refund-and-cancel; fields as iyzipay-php RefundResource)."""

    payment_id: str | None
    payment_transaction_id: str
    price_kurus: int
    currency: str | None
    auth_code: str | None
    host_reference: str | None
    conversation_id: str | None


@dataclass(frozen=True)
class CancelResult:
    """A same-day void iyzico accepted (docs refund-and-cancel; fields as iyzipay-php Cancel)."""

    payment_id: str
    price_kurus: int
    currency: str | None
    auth_code: str | None
    host_reference: str | None
    conversation_id: str | None


# --------------------------------------------------------------------------- request building


def build_initialize_request(
    *,
    order_number: str,
    lines: Sequence[BasketLine],
    shipping_kurus: int,
    buyer: Buyer,
    shipping_address: Address,
    billing_address: Address,
    callback_url: str,
    enabled_installments: Iterable[int] = (1, 2, 3, 6, 9),
    locale: str = "tr",
    shipping_name: str = "Kargo",
) -> dict:
    """The CF-initialize JSON, separate from sending so it can be checked on its own.

    Every amount is written from kuruş; price and paidPrice are the sum of the items' kuruş, so
    they add up exactly (iyzico refuses a basket whose items do not sum to price)."""
    if not order_number:
        raise ValueError("order number required")
    items, total = _basket_items(lines, shipping_kurus, shipping_name)
    installments = sorted({int(n) for n in enabled_installments})
    if not installments or any(n not in (1, 2, 3, 4, 6, 9, 12) for n in installments):
        raise ValueError(f"instalments must be among 1,2,3,4,6,9,12: {installments}")
    return {
        "locale": _locale(locale),
        "conversationId": order_number,
        "price": kurus_to_price(total),
        "paidPrice": kurus_to_price(total),
        "currency": "TRY",
        "basketId": order_number,
        "paymentGroup": "PRODUCT",
        "callbackUrl": callback_url,
        "enabledInstallments": installments,
        "buyer": _buyer_json(buyer),
        "shippingAddress": _address_json(shipping_address),
        "billingAddress": _address_json(billing_address),
        "basketItems": items,
    }


def _basket_items(
    lines: Sequence[BasketLine], shipping_kurus: int, shipping_name: str
) -> tuple[list[dict], int]:
    """The basket items (one per line, then shipping) and their total in kuruş."""
    if not lines:
        raise ValueError("an order needs at least one line")
    items = []
    for line in lines:
        if line.total_kurus <= 0:
            raise ValueError(f"line {line.id}: iyzico refuses items priced at zero")
        items.append(
            {
                "id": str(line.id),
                "name": line.name,
                "category1": line.category,
                "itemType": line.item_type,
                "price": kurus_to_price(line.total_kurus),
            }
        )
    total = sum(line.total_kurus for line in lines)
    if shipping_kurus < 0:
        raise ValueError("negative shipping")
    if shipping_kurus:
        items.append(
            {
                "id": "SHIPPING",
                "name": shipping_name,
                "category1": "Kargo",
                "itemType": "PHYSICAL",
                "price": kurus_to_price(shipping_kurus),
            }
        )
        total += shipping_kurus
    return items, total


def _buyer_json(buyer: Buyer) -> dict:
    data = {
        "id": buyer.id,
        "name": buyer.name,
        "surname": buyer.surname,
        "email": buyer.email,
        "identityNumber": buyer.identity_number,
        "registrationAddress": buyer.registration_address,
        "ip": buyer.ip,
        "city": buyer.city,
        "country": buyer.country,
    }
    if buyer.gsm_number:
        data["gsmNumber"] = buyer.gsm_number
    if buyer.zip_code:
        data["zipCode"] = buyer.zip_code
    return data


def _address_json(address: Address) -> dict:
    text = address.address if not address.district else f"{address.address}, {address.district}"
    data = {
        "contactName": address.contact_name,
        "city": address.city,
        "country": address.country,
        "address": text,
    }
    if address.zip_code:
        data["zipCode"] = address.zip_code
    return data


def _add_reason(request: dict, reason: str | None, description: str | None) -> None:
    if reason is not None:
        if reason not in REFUND_REASONS:
            raise ValueError(f"reason must be one of {REFUND_REASONS}")
        request["reason"] = reason
    if description:
        request["description"] = description


def _locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {LOCALES}")
    return locale


# --------------------------------------------------------------------------- response parsing


def _parse_checkout_form(body: dict) -> CheckoutFormResult:
    items = []
    for raw in body.get("itemTransactions") or ():
        price = price_to_kurus(raw.get("price", 0))
        paid = price_to_kurus(raw.get("paidPrice", 0))
        commission = _to_decimal(raw.get("iyziCommissionRateAmount")) + _to_decimal(
            raw.get("iyziCommissionFee")
        )
        items.append(
            ItemTransaction(
                item_id=_s(raw.get("itemId")),
                payment_transaction_id=_s(raw.get("paymentTransactionId")),
                transaction_status=_opt_int(raw.get("transactionStatus")),
                price_kurus=price,
                paid_price_kurus=paid,
                merchant_commission_kurus=_amount_to_kurus_rounded(
                    raw.get("merchantCommissionRateAmount")
                ),
                iyzi_commission_kurus=_amount_to_kurus_rounded(commission),
                iyzi_commission_exact=_signature_amount(commission),
                merchant_payout_exact=(
                    _signature_amount(raw["merchantPayoutAmount"])
                    if raw.get("merchantPayoutAmount") is not None
                    else None
                ),
            )
        )
    commission = _to_decimal(body.get("iyziCommissionRateAmount")) + _to_decimal(
        body.get("iyziCommissionFee")
    )
    return CheckoutFormResult(
        status=str(body.get("status")),
        payment_status=_opt(body.get("paymentStatus")),
        payment_id=_opt(body.get("paymentId")),
        basket_id=_opt(body.get("basketId")),
        conversation_id=_opt(body.get("conversationId")),
        token=_opt(body.get("token")),
        currency=_opt(body.get("currency")),
        price_kurus=price_to_kurus(body["price"]) if body.get("price") is not None else None,
        paid_price_kurus=(
            price_to_kurus(body["paidPrice"]) if body.get("paidPrice") is not None else None
        ),
        installment=_opt_int(body.get("installment")),
        fraud_status=_opt_int(body.get("fraudStatus")),
        merchant_commission_kurus=_amount_to_kurus_rounded(
            body.get("merchantCommissionRateAmount")
        ),
        iyzi_commission_kurus=_amount_to_kurus_rounded(commission),
        iyzi_commission_exact=_signature_amount(commission),
        items=tuple(items),
        card_association=_opt(body.get("cardAssociation")),
        card_family=_opt(body.get("cardFamily")),
        last_four_digits=_opt(body.get("lastFourDigits")),
        error_code=_opt(body.get("errorCode")),
        error_message=_opt(body.get("errorMessage")),
    )
