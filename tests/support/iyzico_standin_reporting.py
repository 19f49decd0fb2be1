"""The stand-in's read-only services (mixed into tests.support.iyzico_standin.IyzicoStandin): the
instalment table and the reporting service, with the shapes of iyzico's documentation
(installment-and-bin-service; reporting-service). The stand-in keeps a day log of every PAYMENT
(per basket item), REFUND and CANCEL it made, which the daily-transactions report pages through.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")

# Invented for the stand-in: each card family's surcharge per instalment count (a real merchant's
# depend on its contract and the bank's campaign).
_BONUS = {1: "0", 2: "0.0385", 3: "0.0525", 6: "0.0895", 9: "0.1240", 12: "0.1585"}
_AXESS = {1: "0", 2: "0.0410", 3: "0.0550", 6: "0.0910", 9: "0.1275"}
_WORLD = {1: "0", 3: "0.0499", 6: "0.0899", 9: "0.1199", 12: "0.1499"}
CARD_FAMILIES = (
    ("Bonus", "Garanti Bankası", "MASTER_CARD", 62, _BONUS),
    ("Axess", "Akbank", "MASTER_CARD", 46, _AXESS),
    ("World", "Yapı ve Kredi Bankası", "VISA", 67, _WORLD),
)
CENT = Decimal("0.01")


def now_text() -> tuple[str, object]:
    """iyzico's "yyyy-MM-dd HH:mm:ss" in Istanbul, and that day."""
    moment = datetime.now(UTC).astimezone(ISTANBUL)
    return moment.strftime("%Y-%m-%d %H:%M:%S"), moment.date()


class ReportingMixin:
    """Needs the stand-in's _lock, _forms, _txns, _payments, _log and _fail."""

    page_size = 20

    def log_transaction(self, kind: str, txn, price: Decimal, conversation_id, **extra) -> None:
        """Called under the lock by the stand-in when it pays, refunds or cancels an item."""
        text, day = now_text()
        form = self._forms[self._payments[txn.payment_id]]
        row = {
            "transactionType": kind,
            "transactionDate": text,
            "transactionId": str(next(self._ids)),
            "paymentTxId": txn.payment_transaction_id,
            "paymentId": txn.payment_id,
            "conversationId": conversation_id,
            "paymentPhase": "AUTH",
            "price": price,
            "paidPrice": price if kind != "PAYMENT" else txn.paid_price,
            "transactionCurrency": "TRY",
            "installment": form.installment,
            "threeDS": 1,
            "settlementCurrency": "TRY",
            "connectorType": "GARANTI",
            "posOrderId": f"pos-{txn.payment_transaction_id}",
            "authCode": "930115",
            "hostReference": "mock00007iyzihostrfn",
            "basketId": form.request.get("basketId"),
            **extra,
        }
        self._log.append((day, row))

    def shift_log_day(self, payment_id: str, day) -> None:
        """Move a payment's rows to another day (a payment taken across midnight)."""
        with self._lock:
            self._log = [
                (day if row["paymentId"] == payment_id else d, row) for d, row in self._log
            ]

    def forget_refunds(self, payment_id: str) -> None:
        """iyzico has no record of this payment's refunds (a refund booked only on our side)."""
        with self._lock:
            self._log = [
                (d, row)
                for d, row in self._log
                if not (row["paymentId"] == payment_id and row["transactionType"] != "PAYMENT")
            ]
            for txn in self._forms[self._payments[payment_id]].items:
                txn.refunds.clear()

    # -- handlers (called by handle_api under no lock)

    def _installment(self, body: dict, base: dict) -> tuple[int, dict]:
        try:
            price = Decimal(str(body.get("price")))
        except ArithmeticError:
            return self._fail(base, "11", "Geçersiz istek: price")
        if price <= 0:
            return self._fail(base, "11", "Geçersiz istek: price")
        bin_number = body.get("binNumber")
        details = []
        # With a BIN iyzico answers for that card's family only (here always the first).
        for family, bank, association, bank_code, rates in CARD_FAMILIES[
            : 1 if bin_number else None
        ]:
            prices = []
            for count, rate in rates.items():
                total = (price * (1 + Decimal(rate))).quantize(CENT, rounding=ROUND_HALF_UP)
                per = (total / count).quantize(CENT, rounding=ROUND_HALF_UP)
                prices.append(
                    {"installmentPrice": per, "totalPrice": total, "installmentNumber": count}
                )
            details.append(
                {
                    "binNumber": bin_number or "",
                    "price": price,
                    "cardType": "CREDIT_CARD",
                    "cardAssociation": association,
                    "cardFamilyName": family,
                    "force3ds": 0,
                    "bankCode": bank_code,
                    "bankName": bank,
                    "forceCvc": 0,
                    "commercial": 0,
                    "installmentPrices": prices,
                }
            )
        return 200, {"status": "success", **base, "installmentDetails": details}

    def settle(self, transaction_day, payout_day) -> Decimal:
        """Pay out what the day's log owes the merchant on ``payout_day`` (settlement reporting:
        one MERCHANT row per payment transaction, its merchantPayoutAmount less what was refunded
        or cancelled of it that day). Returns the day's total."""
        owed: dict[str, Decimal] = {}
        with self._lock:
            for day, row in self._log:
                if day != transaction_day:
                    continue
                tx = row["paymentTxId"]
                if row["transactionType"] == "PAYMENT":
                    owed[tx] = owed.get(tx, Decimal(0)) + row["merchantPayoutAmount"]
                else:
                    owed[tx] = owed.get(tx, Decimal(0)) - row["price"]
            rows = [
                {
                    "paymentTransactionId": tx,
                    "payoutAmount": amount,
                    "payoutType": "MERCHANT",
                    "subMerchantKey": None,
                    "currency": "TRY",
                }
                for tx, amount in owed.items()
            ]
            self._payouts.setdefault(payout_day.isoformat(), []).extend(rows)
        return sum(owed.values(), Decimal(0))

    def _payouts_completed(self, body: dict, base: dict) -> tuple[int, dict]:
        day = str(body.get("date") or "")[:10]
        with self._lock:
            rows = [dict(r) for r in self._payouts.get(day, [])]
        return 200, {"status": "success", **base, "payoutCompletedTransactions": rows}

    def handle_reporting(self, url: str, base: dict) -> tuple[int, dict]:
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.endswith("/transactions"):
            return self._daily(query, base)
        return self._details(query, base)

    def _daily(self, query: dict, base: dict) -> tuple[int, dict]:
        day = query.get("transactionDate", "")
        page = int(query.get("page") or 1)
        with self._lock:
            rows = [dict(row) for d, row in self._log if d.isoformat() == day]
        if not rows:
            return 200, {"status": "success", **base, "transactions": []}
        pages = -(-len(rows) // self.page_size)
        chunk = rows[(page - 1) * self.page_size : page * self.page_size]
        return 200, {
            "status": "success",
            **base,
            "transactions": chunk,
            "currentPage": page,
            "totalPageCount": pages,
        }

    def _details(self, query: dict, base: dict) -> tuple[int, dict]:
        with self._lock:
            payment_id = query.get("paymentId")
            if not payment_id and query.get("paymentConversationId"):
                payment_id = next(
                    (
                        f.payment_id
                        for f in self._forms.values()
                        if f.payment_id
                        and f.request.get("conversationId") == query["paymentConversationId"]
                    ),
                    None,
                )
            token = self._payments.get(str(payment_id))
            if token is None:
                return 200, {"status": "success", **base, "payments": []}
            form = self._forms[token]
            items = [self._item_json(t) | {"refunds": list(t.refunds)} for t in form.items]
            refunded = sum((t.refunded for t in form.items), Decimal(0))
            status = (
                "TOTALLY_REFUNDED"
                if form.cancelled or refunded >= form.paid_price
                else "PARTIALLY_REFUNDED"
                if refunded
                else "NOT_REFUNDED"
            )
            payment = {
                "paymentId": form.payment_id,
                "paymentStatus": 1,
                "paymentRefundStatus": status,
                "price": Decimal(str(form.request["price"])),
                "paidPrice": form.paid_price,
                "installment": form.installment,
                "paymentConversationId": form.request.get("conversationId"),
                "basketId": form.request.get("basketId"),
                "currency": "TRY",
                "fraudStatus": 1,
                "cancels": list(form.cancels),
                "itemTransactions": items,
            }
        return 200, {"status": "success", **base, "payments": [payment]}
