"""A local stand-in for iyzico's HTTP API, for tests that run the real ``iyzipay`` SDK offline.

Why it looks like this: the SDK always opens ``HTTPSConnection(base_url)``, so the stand-in
speaks TLS with a throw-away CA from ``trustme`` (clients get an SSLContext trusting it; nothing
process-wide changes). It checks the IYZWSv2 Authorization header with the same keys, keeps a
little state (token → basket → payment → item transactions → refunds), answers with the shapes of
iyzico's documentation, signs its answers as iyzico does, and records every request so tests can
assert what the SDK really sent. Binds 127.0.0.1 only.

Not modelled: real error codes, 3-D Secure, fraud review, settlement. The
instalment table and the reporting service are in tests.support.iyzico_standin_reporting.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import itertools
import json
import ssl
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import trustme

from coopshop.services.sales import iyzico, iyzico_reporting
from tests.support.iyzico_standin_reporting import ReportingMixin, now_text

# Paths the stand-in answers. Both initialize paths: the documented one the adapter uses and
# the one iyzipay-python 1.0.46's CheckoutFormInitialize.create posts to.
INITIALIZE_PATHS = (iyzico.INITIALIZE_PATH, "/payment/iyzipos/checkoutform/initialize/ecom")

# Invented for the stand-in (iyzico's real rates depend on the merchant contract and card
# programme): what the shopper pays above the price per instalment count, and iyzico's cut.
INSTALMENT_RATES = {
    1: Decimal("0"),
    2: Decimal("0.0385"),
    3: Decimal("0.0525"),
    4: Decimal("0.0670"),
    6: Decimal("0.0895"),
    9: Decimal("0.1240"),
    12: Decimal("0.1585"),
}
IYZI_RATE = Decimal("0.0299")
IYZI_FIXED_FEE = Decimal("0.25")


@dataclass
class Recorded:
    """One request as received: path, parsed JSON body, headers, and whether auth checked out."""

    method: str
    path: str
    body: dict | None
    headers: dict
    auth_ok: bool


@dataclass
class _Form:
    token: str
    request: dict
    status: str = "INIT"  # INIT → SUCCESS | FAILURE
    installment: int = 1
    payment_id: str | None = None
    paid_price: Decimal | None = None
    items: list = field(default_factory=list)
    cancelled: bool = False
    error: tuple[str, str] | None = None
    cancels: list = field(default_factory=list)


@dataclass
class _ItemTxn:
    payment_id: str
    item_id: str
    payment_transaction_id: str
    price: Decimal
    paid_price: Decimal
    merchant_commission: Decimal
    iyzi_rate_amount: Decimal
    iyzi_fee: Decimal
    refunded: Decimal = Decimal(0)
    refunds: list = field(default_factory=list)


def _d(value) -> Decimal:
    return Decimal(str(value))


def _number(value: Decimal) -> str:
    """Amounts go out as JSON numbers with two decimals ("10.00"), so clients must normalise
    them before signing just as with the real API's varying formats."""
    return format(
        value.quantize(Decimal("0.01")) if value.as_tuple().exponent >= -2 else value, "f"
    )


def _dumps(obj) -> str:
    """JSON with Decimals written as numbers, exactly (the json module would need floats)."""
    if isinstance(obj, Decimal):
        return _number(obj)
    if isinstance(obj, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_dumps(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list | tuple):
        return "[" + ",".join(_dumps(v) for v in obj) + "]"
    return json.dumps(obj, ensure_ascii=False)


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Share ``total`` over items by weight to the kuruş, largest remainder: parts sum exactly."""
    total_k = int(total * 100)
    weight_sum = sum(weights)
    raw = [total_k * w / weight_sum for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total_k - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) / 100 for p in parts]


class IyzicoStandin(ReportingMixin):
    """Start with :meth:`start`, stop with :meth:`stop`; ``base_url`` and ``client_context`` are
    what an :class:`iyzico.IyzicoClient` needs to talk to it."""

    def __init__(
        self,
        api_key: str = "sandbox-test-api-key",
        secret_key: str = "sandbox-test-secret-key",  # noqa: S107 (the stand-in's own)
    ):
        self.api_key = api_key
        self.secret_key = secret_key
        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(24_478_100)
        self.reset()

    # -- lifecycle

    def start(self) -> IyzicoStandin:
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(server_context)
        server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        # Handshake lazily in the handler thread, so a stuck client cannot block accept().
        server.socket = server_context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="iyzico-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # let hanging handlers go
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client_context(self) -> ssl.SSLContext:
        """An SSLContext that trusts only the stand-in's CA (verification stays on)."""
        context = ssl.create_default_context()
        self._ca.configure_trust(context)
        return context

    def write_ca(self, path) -> None:
        """The CA's certificate as PEM, for a process that trusts it through SSL_CERT_FILE."""
        self._ca.cert_pem.write_to_path(str(path))

    def client(self, timeout: float = 5.0, **kwargs) -> iyzico.IyzicoClient:
        return iyzico.IyzicoClient(
            kwargs.pop("api_key", self.api_key),
            kwargs.pop("secret_key", self.secret_key),
            self.base_url,
            timeout=timeout,
            ssl_context=self.client_context(),
            **kwargs,
        )

    # -- test controls

    def reset(self) -> None:
        """Forget all state between tests (the server keeps running)."""
        with self._lock:
            self.requests: list[Recorded] = []
            self._forms: dict[str, _Form] = {}
            self._txns: dict[str, _ItemTxn] = {}
            self._payments: dict[str, str] = {}  # paymentId → token
            self._hang: float | None = None
            self._errors: dict[str, tuple[str, str, int]] = {}
            self._tamper: dict[str, tuple[str, object]] = {}
            self._log: list = []  # (Istanbul day, daily-transactions row)
            self._payouts: dict = {}  # payout day → payoutCompletedTransactions rows
            self._drop: dict[str, float] = {}
        self._release.clear()

    def hang(self, seconds: float = 30.0) -> None:
        """Every following request waits this long (or until stop/unhang) before answering."""
        with self._lock:
            self._hang = seconds
        self._release.clear()

    def unhang(self) -> None:
        with self._lock:
            self._hang = None
        self._release.set()

    def error_next(
        self,
        path: str,
        code: str = "10051",
        message: str = "Kart limiti yetersiz",
        http_status: int = 200,
    ) -> None:
        """The next request to ``path`` answers an iyzico failure with this code and message."""
        with self._lock:
            self._errors[path] = (code, message, http_status)

    def drop_answer_next(self, path: str, seconds: float = 30.0) -> None:
        """The next request to ``path`` is carried out, but its answer is held back this long
        (or until stop/unhang): the client times out not knowing it went through."""
        with self._lock:
            self._drop[path] = seconds
        self._release.clear()

    def tamper_next(self, path: str, field_name: str, value) -> None:
        """Alter one field of the next answer on ``path`` *after* signing, as a forger would."""
        with self._lock:
            self._tamper[path] = (field_name, value)

    def complete(self, token: str, installment: int = 1, fraud_status: int = 1) -> str:
        """The shopper paid on the payment page: returns the new paymentId."""
        with self._lock:
            form = self._forms[token]
            if form.status != "INIT":
                raise ValueError(f"form {token} is already {form.status}")
            price = _d(form.request["price"])
            rate = INSTALMENT_RATES[installment]
            paid = (price * (1 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            form.status = "SUCCESS"
            form.installment = installment
            form.paid_price = paid
            form.payment_id = str(next(self._ids))
            form.request["_fraudStatus"] = fraud_status
            items = form.request["basketItems"]
            item_prices = [_d(item["price"]) for item in items]
            paid_parts = _split(paid, item_prices)
            for index, (item, item_price, item_paid) in enumerate(
                zip(items, item_prices, paid_parts, strict=True)
            ):
                txn = _ItemTxn(
                    payment_id=form.payment_id,
                    item_id=item["id"],
                    payment_transaction_id=str(next(self._ids)),
                    price=item_price,
                    paid_price=item_paid,
                    merchant_commission=item_paid - item_price,
                    # Four decimals, as in the CF-retrieve doc example (0.2094).
                    iyzi_rate_amount=(item_paid * IYZI_RATE).quantize(
                        Decimal("0.0001"), rounding=ROUND_HALF_UP
                    ),
                    iyzi_fee=IYZI_FIXED_FEE if index == 0 else Decimal(0),
                )
                form.items.append(txn)
                self._txns[txn.payment_transaction_id] = txn
            self._payments[form.payment_id] = token
            for txn in form.items:
                self.log_transaction(
                    "PAYMENT",
                    txn,
                    txn.price,
                    form.request.get("conversationId"),
                    transactionStatus=2,
                    iyzicoCommission=txn.iyzi_rate_amount,
                    iyzicoFee=txn.iyzi_fee,
                    parity=Decimal(1),
                    iyzicoConversionAmount=Decimal(0),
                    merchantPayoutAmount=txn.paid_price - txn.iyzi_rate_amount - txn.iyzi_fee,
                    subMerchantPayoutAmount=Decimal(0),
                )
            return form.payment_id

    def fail(self, token: str, code: str = "10051", message: str = "Kart limiti yetersiz") -> None:
        """The card was refused on the payment page."""
        with self._lock:
            form = self._forms[token]
            form.status = "FAILURE"
            form.error = (code, message)

    def form_request(self, token: str) -> dict:
        with self._lock:
            return dict(self._forms[token].request)

    def requests_to(self, path: str) -> list[Recorded]:
        """Requests to ``path`` (its query, if any, ignored)."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def webhook_for(self, token: str, event_type: str = "CHECKOUT_FORM_AUTH") -> tuple[bytes, dict]:
        """The HPP-format notification iyzico would POST for this form, signed V3."""
        with self._lock:
            form = self._forms[token]
            payload = {
                "paymentConversationId": form.request.get("conversationId"),
                "merchantId": 3382172,
                "token": token,
                "status": "SUCCESS" if form.status == "SUCCESS" else "FAILURE",
                "iyziReferenceCode": str(uuid.uuid4()),
                "iyziEventType": event_type,
                "iyziEventTime": int(time.time() * 1000),
                "iyziPaymentId": int(form.payment_id) if form.payment_id else None,
            }
        headers = {
            iyzico.WEBHOOK_SIGNATURE_HEADER: iyzico.webhook_signature(payload, self.secret_key),
            "Content-Type": "application/json",
        }
        return json.dumps(payload).encode(), headers

    # -- request handling (called from handler threads)

    def _check_auth(self, path: str, headers, body_text: str) -> bool:
        """IYZWSv2 base64("apiKey:K&randomKey:R&signature:HMAC(secret, R + path + body)")."""
        auth = headers.get("Authorization", "")
        if not auth.startswith("IYZWSv2 "):
            return False
        try:
            decoded = base64.b64decode(auth[len("IYZWSv2 ") :], validate=True).decode()
            parts = dict(pair.split(":", 1) for pair in decoded.split("&"))
        except (ValueError, UnicodeDecodeError):
            return False
        random_key = parts.get("randomKey", "")
        expected = hmac.new(
            self.secret_key.encode(),
            (random_key + path.split("?")[0] + body_text).encode(),
            hashlib.sha256,
        ).hexdigest()
        return (
            hmac.compare_digest(parts.get("apiKey", ""), self.api_key)
            and hmac.compare_digest(parts.get("signature", ""), expected)
            and headers.get("x-iyzi-rnd") == random_key
        )

    def handle_api(
        self, path: str, headers, body_text: str, method: str = "POST"
    ) -> tuple[int, dict]:
        url = path
        path = urlsplit(url).path
        try:
            body = json.loads(body_text) if body_text else None
        except ValueError:
            body = None
        auth_ok = self._check_auth(path, headers, body_text)
        with self._lock:
            self.requests.append(Recorded(method, url, body, dict(headers.items()), auth_ok))
            hang = self._hang
        if hang:
            self._release.wait(hang)
        base = {
            "locale": (body or {}).get("locale", "tr"),
            "systemTime": int(time.time() * 1000),
            "conversationId": (body or {}).get("conversationId"),
        }
        if not auth_ok:
            return 401, {
                "status": "failure",
                "errorCode": "1001",
                "errorMessage": "api bilgileri bulunamadı",
                **base,
            }
        with self._lock:
            error = self._errors.pop(path, None)
            tamper = self._tamper.pop(path, None)
        if error:
            code, message, status = error
            return status, {
                "status": "failure",
                "errorCode": code,
                "errorMessage": message,
                "errorGroup": "NOT_SUFFICIENT_FUNDS",
                **base,
            }
        if method == "GET":
            if path in (
                iyzico_reporting.DAILY_TRANSACTIONS_PATH,
                iyzico_reporting.PAYMENT_DETAILS_PATH,
            ):
                return self.handle_reporting(url, base)
            return 404, {
                "status": "failure",
                "errorCode": "404",
                "errorMessage": "not modelled",
                **base,
            }
        if not isinstance(body, dict):
            return 400, {
                "status": "failure",
                "errorCode": "11",
                "errorMessage": "Geçersiz istek",
                **base,
            }
        if path in INITIALIZE_PATHS:
            status, answer = self._initialize(body, base)
        elif path == iyzico.RETRIEVE_PATH:
            status, answer = self._retrieve(body, base)
        elif path == iyzico.REFUND_PATH:
            status, answer = self._refund(body, base)
        elif path == iyzico.CANCEL_PATH:
            status, answer = self._cancel(body, base)
        elif path == iyzico_reporting.INSTALLMENT_PATH:
            status, answer = self._installment(body, base)
        elif path == iyzico_reporting.PAYOUT_COMPLETED_PATH:
            status, answer = self._payouts_completed(body, base)
        else:
            return 404, {
                "status": "failure",
                "errorCode": "404",
                "errorMessage": "not modelled",
                **base,
            }
        if tamper:
            answer[tamper[0]] = tamper[1]
        with self._lock:
            drop = self._drop.pop(path, None)
        if drop:
            self._release.wait(drop)
        return status, answer

    def _fail(self, base: dict, code: str, message: str) -> tuple[int, dict]:
        # Codes here are the stand-in's own unless noted; iyzico's real list is longer.
        return 200, {"status": "failure", "errorCode": code, "errorMessage": message, **base}

    def _sign(self, fields: list) -> str:
        return iyzico.response_signature([iyzico._s(f) for f in fields], self.secret_key)

    def _initialize(self, body: dict, base: dict) -> tuple[int, dict]:
        """CF-initialize answer: token, checkoutFormContent, tokenExpireTime, paymentPageUrl,
        signature over [conversationId, token] (docs CF-initialize; SDK samples)."""
        required = (
            "price",
            "paidPrice",
            "currency",
            "callbackUrl",
            "buyer",
            "shippingAddress",
            "billingAddress",
            "basketItems",
        )
        missing = [name for name in required if not body.get(name)]
        if missing:
            return self._fail(base, "11", f"Geçersiz istek: {', '.join(missing)}")
        for name in ("price", "paidPrice"):
            if not isinstance(body[name], str):
                return self._fail(base, "11", f"{name} must be a decimal string")
        items_total = sum((_d(item["price"]) for item in body["basketItems"]), Decimal(0))
        if items_total != _d(body["price"]):
            # Documented rule: "The sum of basket items' amount must be equal to the price".
            return self._fail(base, "5008", "Sepet tutarı ile ürünlerin toplamı eşit değil")
        token = str(uuid.uuid4())
        with self._lock:
            self._forms[token] = _Form(token=token, request=json.loads(json.dumps(body)))
        page = f"https://{self.base_url}/_pay?token={token}"
        answer = {
            "status": "success",
            **base,
            "token": token,
            "checkoutFormContent": f'<script type="text/javascript">/* {token} */</script>',
            "tokenExpireTime": 1800,
            "paymentPageUrl": page,
        }
        answer["signature"] = self._sign([answer["conversationId"], token])
        return 200, answer

    def _retrieve(self, body: dict, base: dict) -> tuple[int, dict]:
        """CF-retrieve answer, shaped after the docs CF-retrieve example, signed over
        [paymentStatus, paymentId, currency, basketId, conversationId, paidPrice, price, token]."""
        with self._lock:
            form = self._forms.get(body.get("token", ""))
            if form is None:
                return self._fail(base, "5117", "Geçersiz token")
            req = form.request
            base = {**base, "conversationId": req.get("conversationId")}
            answer = {
                "status": "success",
                **base,
                "price": _d(req["price"]),
                "paidPrice": form.paid_price
                if form.paid_price is not None
                else _d(req["paidPrice"]),
                "basketId": req.get("basketId"),
                "currency": req.get("currency", "TRY"),
                "token": form.token,
                "callbackUrl": req.get("callbackUrl"),
                "paymentStatus": form.status,
            }
            if form.status == "SUCCESS":
                items = form.items
                answer.update(
                    {
                        "installment": form.installment,
                        "paymentId": form.payment_id,
                        "fraudStatus": req.get("_fraudStatus", 1),
                        "merchantCommissionRate": INSTALMENT_RATES[form.installment] * 100,
                        "merchantCommissionRateAmount": sum(
                            (t.merchant_commission for t in items), Decimal(0)
                        ),
                        "iyziCommissionRateAmount": sum(
                            (t.iyzi_rate_amount for t in items), Decimal(0)
                        ),
                        "iyziCommissionFee": sum((t.iyzi_fee for t in items), Decimal(0)),
                        "cardType": "CREDIT_CARD",
                        "cardAssociation": "MASTER_CARD",
                        "cardFamily": "Bonus",
                        "binNumber": "55260800",
                        "lastFourDigits": "0006",
                        "authCode": "930115",
                        "phase": "AUTH",
                        "hostReference": "mock00007iyzihostrfn",
                        "itemTransactions": [self._item_json(t) for t in items],
                    }
                )
            elif form.status == "FAILURE":
                answer.update({"errorCode": form.error[0], "errorMessage": form.error[1]})
            answer["signature"] = self._sign(
                [
                    answer["paymentStatus"],
                    answer.get("paymentId"),
                    answer["currency"],
                    answer["basketId"],
                    answer["conversationId"],
                    iyzico._signature_amount(answer["paidPrice"]),
                    iyzico._signature_amount(answer["price"]),
                    answer["token"],
                ]
            )
            return 200, answer

    @staticmethod
    def _item_json(txn: _ItemTxn) -> dict:
        payout = txn.paid_price - txn.iyzi_rate_amount - txn.iyzi_fee
        return {
            "itemId": txn.item_id,
            "paymentTransactionId": txn.payment_transaction_id,
            "transactionStatus": 2,
            "price": txn.price,
            "paidPrice": txn.paid_price,
            "merchantCommissionRate": (txn.merchant_commission / txn.price * 100).quantize(
                Decimal("0.0001")
            ),
            "merchantCommissionRateAmount": txn.merchant_commission,
            "iyziCommissionRateAmount": txn.iyzi_rate_amount,
            "iyziCommissionFee": txn.iyzi_fee,
            "blockageRate": Decimal(0),
            "blockageRateAmountMerchant": Decimal(0),
            "merchantPayoutAmount": payout,
            "convertedPayout": {
                "paidPrice": txn.paid_price,
                "merchantPayoutAmount": payout,
                "iyziCommissionRateAmount": txn.iyzi_rate_amount,
                "iyziCommissionFee": txn.iyzi_fee,
                "currency": "TRY",
            },
        }

    def _refund(self, body: dict, base: dict) -> tuple[int, dict]:
        """Refund answer (docs refund-and-cancel): paymentId, paymentTransactionId, price,
        currency, authCode, hostReference. Refuses more than the item has left."""
        with self._lock:
            txn = self._txns.get(str(body.get("paymentTransactionId")))
            if txn is None:
                return self._fail(base, "5093", "paymentTransactionId bulunamadı")
            form = self._forms[self._payments[txn.payment_id]]
            if form.cancelled:
                return self._fail(base, "5092", "İptal edilmiş ödeme iade edilemez")
            amount = _d(body.get("price", "0"))
            if amount <= 0 or amount > txn.paid_price - txn.refunded:
                return self._fail(base, "5094", "İade tutarı iade edilebilir tutardan fazla")
            txn.refunded += amount
            created, _ = now_text()
            txn.refunds.append(
                {
                    "refundTxId": next(self._ids),
                    "refundConversationId": body.get("conversationId"),
                    "refundPrice": amount,
                    "refundStatus": 1,
                    "isAfterSettlement": False,
                    "createdDate": created,
                    "currencyCode": "TRY",
                    "authCode": "930116",
                    "hostReference": "mock00007iyzihostrfn",
                    "iyziCommissionRateAmount": Decimal(0),
                }
            )
            self.log_transaction(
                "REFUND", txn, amount, body.get("conversationId"), afterSettlement=0
            )
            return 200, {
                "status": "success",
                **base,
                "paymentId": txn.payment_id,
                "paymentTransactionId": txn.payment_transaction_id,
                "price": amount,
                "currency": body.get("currency", "TRY"),
                "authCode": "930116",
                "hostReference": f"mock{next(self._ids)}",
            }

    def _cancel(self, body: dict, base: dict) -> tuple[int, dict]:
        """Cancel answer (docs refund-and-cancel): paymentId, price, currency, authCode."""
        with self._lock:
            token = self._payments.get(str(body.get("paymentId")))
            if token is None:
                return self._fail(base, "5095", "paymentId bulunamadı")
            form = self._forms[token]
            if form.cancelled or any(t.refunded for t in form.items):
                return self._fail(base, "5096", "Ödeme iptal edilemez")
            form.cancelled = True
            created, _ = now_text()
            form.cancels.append(
                {
                    "refundId": next(self._ids),
                    "cancelConversationId": body.get("conversationId"),
                    "refundPrice": form.paid_price,
                    "refundStatus": 1,
                    "createdDate": created,
                    "currencyCode": "TRY",
                    "authCode": "930117",
                    "hostReference": "mock00007iyzihostrfn",
                }
            )
            for txn in form.items:
                self.log_transaction("CANCEL", txn, txn.paid_price, body.get("conversationId"))
            return 200, {
                "status": "success",
                **base,
                "paymentId": form.payment_id,
                "price": form.paid_price,
                "currency": "TRY",
                "authCode": "930117",
                "hostReference": f"mock{next(self._ids)}",
            }

    # -- the shopper's payment page (for browser journeys)

    def payment_page(self, token: str) -> str:
        with self._lock:
            form = self._forms.get(token)
        if form is None:
            return "<h1>Geçersiz token</h1>"
        price = html.escape(form.request["price"])
        options = "".join(
            f'<option value="{n}">{n}</option>'
            for n in form.request.get("enabledInstallments") or [1]
        )
        t = html.escape(token)
        return (
            f"<!doctype html><title>iyzico stand-in</title><h1>{price} TL</h1>"
            f'<form method="post" action="/_pay"><input type="hidden" name="token" '
            f'value="{t}"><select name="installment">{options}</select>'
            f'<button name="outcome" value="pay">Öde</button>'
            f'<button name="outcome" value="fail">Reddet</button></form>'
        )

    def payment_page_post(self, fields: dict) -> str:
        """Pay or fail, then post the token to the shop's callbackUrl as iyzico does."""
        token = fields.get("token", "")
        if fields.get("outcome") == "pay":
            self.complete(token, installment=int(fields.get("installment", "1")))
        else:
            self.fail(token)
        callback = html.escape(self.form_request(token)["callbackUrl"])
        return (
            f'<!doctype html><form id="f" method="post" action="{callback}">'
            f'<input type="hidden" name="token" value="{html.escape(token)}"></form>'
            '<script>document.getElementById("f").submit()</script>'
        )


class _QuietServer(ThreadingHTTPServer):
    """Clients that refuse the certificate or hang up (tests do both on purpose) are not
    errors worth a traceback in the test output."""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            return
        super().handle_error(request, client_address)


def _handler_for(standin: IyzicoStandin):
    class Handler(BaseHTTPRequestHandler):
        """Routes to the stand-in; JSON API under /payment, a tiny HTML page under /_pay."""

        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep pytest output clean
            pass

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path.startswith("/v2/reporting/"):
                # The SDK sends its GETs with the JSON body "null" (and signs it).
                length = int(self.headers.get("Content-Length") or 0)
                text = self.rfile.read(length).decode("utf-8") if length else ""
                status, answer = standin.handle_api(self.path, self.headers, text, "GET")
                with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    self._send(status, _dumps(answer), "application/json;charset=UTF-8")
            elif url.path == "/_pay":
                token = parse_qs(url.query).get("token", [""])[0]
                self._send(200, standin.payment_page(token), "text/html; charset=utf-8")
            else:
                self._send(404, "{}", "application/json")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            text = self.rfile.read(length).decode("utf-8") if length else ""
            url = urlsplit(self.path)
            if url.path == "/_pay":
                fields = {k: v[0] for k, v in parse_qs(text).items()}
                self._send(200, standin.payment_page_post(fields), "text/html; charset=utf-8")
                return
            try:
                status, answer = standin.handle_api(self.path, self.headers, text)
            except (BrokenPipeError, ConnectionResetError):
                return
            # The client may have given up already (timeout tests).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self._send(status, _dumps(answer), "application/json;charset=UTF-8")

    return Handler
