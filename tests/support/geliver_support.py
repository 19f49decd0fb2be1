"""A local stand-in of Geliver's HTTP API for tests, and the fixtures that start it: a werkzeug
WSGI app on 127.0.0.1 in a thread, answering with the shapes of Geliver's documentation and SDK
models.

It checks the bearer token, records every request, keeps shipments, offers and transactions
in memory, and can be told to fail (5xx, 4xx carrier errors), to hang before or after doing
the work (the "answer lost" case), and to sign webhook bodies like Geliver would.

Shapes, each from the docs page or SDK model named beside it (docs.geliver.io/docs/geliver/…):
- envelope            {"result", "additionalMessage", "data"}; errors {"result": false,
                      "code", "message"}                         (every page; SDK Envelope)
- shipment + offers   Shipment with offers = OfferList {cheapest, fastest, list,
                      percentageCompleted, totalOffersRequested, totalOffersCompleted}
                                                  (guides/2-step/update-shipment; SDK models)
- transaction         {"id", "offerID", "amount", "totalAmount", "currency": "TL",
                      "shipment": {… "barcode", "labelFileType", "labelURL", …}}
                                                             (guides/2-step/accept-offer)
- list shipments      {"result", "limit", "page", "totalRows", "totalPages", "data": [...]}
                                                  (SDK tests/test_shipments.py; SDK ListParams)
- cancel              {"result": true, "additionalMessage": "Success"}  (extra/cancel-shipment)
- tracking status     trackingStatus {id, trackingStatusCode, trackingSubStatusCode,
                      statusDetails, statusDate, locationName}   (extra/tracking-status)
- webhook             {"event": "TRACK_UPDATED", "metadata": null, "data": Shipment}
                      (SDK WebhookUpdateTrackingRequest); bare Shipment (extra/webhooktracking)
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API = "/api/v1"

# A one-page PDF, small and valid enough for a printer dialog and for `%PDF-` checks.
LABEL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 283 425]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# The offers every new shipment gets: (providerCode, providerServiceCode, totalAmount, eta).
# MNG's three-decimal amount follows the docs' own "totalAmount": "1.935".
DEFAULT_OFFERS = (
    ("YURTICI", "YURTICI_STANDART", "89.90", "1-2 iş günü"),
    ("ARAS", "ARAS_STANDART", "84.5", "1-3 iş günü"),
    ("MNG", "MNG_STANDART", "79.995", "2-3 iş günü"),
    ("PTT", "PTT_STANDART", "75", "2-4 iş günü"),
    ("SURAT", "SURAT_STANDART", "81.35", "1-2 iş günü"),
)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    method: str
    path_prefix: str
    kind: str  # "status" | "hang" | "hang_after"
    times: int
    status: int = 503
    body: Any = None
    seconds: float = 10.0


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _envelope(data: Any) -> dict:
    return {"result": True, "additionalMessage": "Success", "data": data}


def _error(code: str, message: str) -> dict:
    return {"result": False, "code": code, "message": message}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>." + body (the scheme the SDK's placeholder names)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass
class GeliverStandin:
    token: str = "test-token"
    webhook_secret: str = "test-webhook-secret"
    offers: tuple = DEFAULT_OFFERS
    offer_polls_until_complete: int = 0  # GETs of a new shipment before its offers are all in
    tracking_number_on_accept: bool = True  # some carriers give it only at handover
    requests: list[Recorded] = field(default_factory=list)
    shipments: dict[str, dict] = field(default_factory=dict)
    addresses: dict[str, dict] = field(default_factory=dict)
    transactions: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._pending_polls: dict[str, int] = {}
        self._release = threading.Event()
        self._server = None
        self._thread: threading.Thread | None = None
        self.root = ""

    # ---- running ----------------------------------------------------------------------------

    def start(self) -> GeliverStandin:
        self._server = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler
        )
        self.root = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake every hanging request
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        return self.root + API

    # ---- test controls ----------------------------------------------------------------------

    def fail_next(
        self, method: str, path_prefix: str, status: int = 503, body: Any = None, times: int = 1
    ) -> None:
        """Answer the next matching request(s) with `status` and `body` (plain text when None,
        as a proxy in front of an API would) without doing anything."""
        self._faults.append(Fault(method, path_prefix, "status", times, status, body))

    def hang_next(
        self, method: str, path_prefix: str, seconds: float = 10.0, after: bool = False
    ) -> None:
        """Hold the next matching request for `seconds` (or until stop). With after=True the
        work is done first and only the answer is held: the client times out, yet the label
        was bought."""
        kind = "hang_after" if after else "hang"
        self._faults.append(Fault(method, path_prefix, kind, 1, seconds=seconds))

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        """Recorded requests with this method whose path starts with API + path."""
        return [r for r in self.requests if r.method == method and r.path.startswith(API + path)]

    def set_tracking(
        self,
        shipment_id: str,
        status_code: str,
        sub_status: str,
        status_date: str,
        *,
        event_id: str | None = None,
        details: str = "",
        tracking_number: str | None = None,
    ) -> dict:
        """Give a shipment a new trackingStatus (what a carrier scan does at Geliver)."""
        with self._lock:
            shipment = self.shipments[shipment_id]
            shipment["trackingStatus"] = {
                "id": event_id or str(uuid.uuid4()),
                "createdAt": _now(),
                "updatedAt": _now(),
                "trackingStatusCode": status_code,
                "trackingSubStatusCode": sub_status,
                "statusDetails": details,
                "statusDate": status_date,
                "locationName": "Sarnıç Mikro",
            }
            if tracking_number:
                shipment["trackingNumber"] = tracking_number
                shipment["trackingUrl"] = f"https://tracking.example/{tracking_number}"
            shipment["updatedAt"] = _now()
            return copy.deepcopy(shipment)

    def signed_event(
        self,
        shipment_id: str,
        status_code: str,
        sub_status: str,
        status_date: str,
        *,
        event_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        envelope: bool = True,
        tracking_number: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery for the shipment at a new status: (raw body, headers), signed
        with the stand-in's secret (or `secret`) at `timestamp` (default now)."""
        shipment = self.set_tracking(
            shipment_id,
            status_code,
            sub_status,
            status_date,
            event_id=event_id,
            tracking_number=tracking_number,
        )
        document = (
            {"event": "TRACK_UPDATED", "metadata": None, "data": shipment} if envelope else shipment
        )
        body = json.dumps(document, ensure_ascii=False).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": "application/json",
            "X-Timestamp": stamp,
            "X-Signature": sign(secret or self.webhook_secret, stamp, body),
        }
        return body, headers

    # ---- the app ----------------------------------------------------------------------------

    def _app(self, environ, start_response):
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                prefix = fault.path_prefix
                full = prefix if prefix.startswith("/tags") else API + prefix
                if fault.method == method and path.startswith(full):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _handle(self, request: Request) -> Response:
        body: Any = None
        raw = request.get_data()
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        with self._lock:
            self.requests.append(
                Recorded(
                    request.method,
                    request.path,
                    dict(request.args),
                    dict(request.headers),
                    body,
                )
            )
        fault = self._take_fault(request.method, request.path)
        if fault is not None and fault.kind == "status":
            if fault.body is None:
                return Response("upstream error", status=fault.status, mimetype="text/plain")
            return _json(fault.body, fault.status)
        if fault is not None and fault.kind == "hang":
            self._release.wait(fault.seconds)
        if request.path.startswith("/tags/"):
            response = self._label(request.path)
        elif not request.path.startswith(API):
            response = _json(_error("NOT_FOUND", "no such path"), 404)
        elif request.headers.get("Authorization") != f"Bearer {self.token}":
            response = _json(_error("UNAUTHORIZED", "invalid token"), 401)
        else:
            response = self._route(request.method, request.path[len(API) :], request, body)
        if fault is not None and fault.kind == "hang_after":
            self._release.wait(fault.seconds)
        return response

    def _route(self, method: str, path: str, request: Request, body: Any) -> Response:
        if method == "POST" and path == "/addresses":
            return self._create_address(body)
        if method == "POST" and path == "/shipments":
            return self._create_shipment(body)
        if method == "GET" and path == "/shipments":
            return self._list_shipments(request.args)
        match = re.fullmatch(r"/shipments/([\w-]+)", path)
        if match and method == "GET":
            return self._get_shipment(match.group(1))
        if match and method == "DELETE":
            return self._cancel_shipment(match.group(1))
        if match and method == "POST" and (body or {}).get("isReturn"):
            return self._create_return(match.group(1), body)
        if method == "GET" and path == "/priceList":
            return self._price_list(request.args)
        if method == "POST" and path == "/transactions":
            return self._accept_offer(body)
        return _json(_error("NOT_FOUND", f"{method} {path}"), 404)

    def _create_address(self, body: dict) -> Response:
        address = {**body, "id": str(uuid.uuid4()), "createdAt": _now(), "isActive": True}
        with self._lock:
            self.addresses[address["id"]] = address
        return _json(_envelope(address))

    def _create_shipment(self, body: dict) -> Response:
        if body.get("senderAddressID") not in self.addresses:
            return _json(_error("ADDRESS_NOT_FOUND", "sender address not found"), 400)
        if not (body.get("recipientAddress") or {}).get("phone"):
            return _json(_error("VALIDATION", "recipientAddress.phone is required"), 400)
        shipment_id = str(uuid.uuid4())
        offer_list = []
        for provider, service, total, eta in self.offers:
            offer_list.append(
                {
                    "id": str(uuid.uuid4()),
                    "createdAt": _now(),
                    "amount": total,
                    "currency": "TL",
                    "totalAmount": total,
                    "totalAmountLocal": total,
                    "currencyLocal": "TL",
                    "providerCode": provider,
                    "providerServiceCode": service,
                    "averageEstimatedTimeHumanReadible": eta,
                    "isAccepted": False,
                    "test": bool(body.get("test")),
                }
            )
        shipment = {
            "id": shipment_id,
            "createdAt": _now(),
            "updatedAt": _now(),
            "statusCode": "CREATED",
            "senderAddressID": body["senderAddressID"],
            "recipientAddress": body["recipientAddress"],
            "length": body.get("length"),
            "width": body.get("width"),
            "height": body.get("height"),
            "distanceUnit": body.get("distanceUnit"),
            "weight": body.get("weight"),
            "massUnit": body.get("massUnit"),
            "order": {**(body.get("order") or {}), "id": str(uuid.uuid4())},
            "test": bool(body.get("test")),
            "isReturn": False,
            "acceptedOfferID": None,
            "trackingNumber": None,
            "trackingUrl": None,
            "trackingStatus": None,
            "labelURL": None,
            "barcode": None,
            "cancelDate": None,
            "_offers": offer_list,
        }
        with self._lock:
            self.shipments[shipment_id] = shipment
            self._pending_polls[shipment_id] = self.offer_polls_until_complete
            return _json(_envelope(self._public(shipment)))

    def _public(self, shipment: dict) -> dict:
        """The shipment as the API shows it, offers complete or still coming in."""
        out = {k: copy.deepcopy(v) for k, v in shipment.items() if not k.startswith("_")}
        offers = shipment["_offers"]
        pending = self._pending_polls.get(shipment["id"], 0)
        shown = offers[: max(1, len(offers) // 2)] if pending else offers
        by_price = sorted(shown, key=lambda o: Decimal(o["totalAmount"]))
        out["offers"] = {
            "cheapest": copy.deepcopy(by_price[0]) if by_price else None,
            "fastest": copy.deepcopy(shown[0]) if shown else None,
            "list": copy.deepcopy(shown),
            "percentageCompleted": 50 if pending else 100,
            "totalOffersRequested": len(offers),
            "totalOffersCompleted": len(shown),
        }
        return out

    def _get_shipment(self, shipment_id: str) -> Response:
        with self._lock:
            shipment = self.shipments.get(shipment_id)
            if shipment is None:
                return _json(_error("NOT_FOUND", "shipment not found"), 404)
            if self._pending_polls.get(shipment_id):
                self._pending_polls[shipment_id] -= 1
            return _json(_envelope(self._public(shipment)))

    def _list_shipments(self, args) -> Response:
        limit = int(args.get("limit", 20))
        number = args.get("orderNumber")
        with self._lock:
            found = [
                self._public(s)
                for s in self.shipments.values()
                if number is None or number in str((s.get("order") or {}).get("orderNumber"))
            ]
        return _json(
            {
                "result": True,
                "additionalMessage": "Success",
                "limit": limit,
                "page": int(args.get("page", 1)),
                "totalRows": len(found),
                "totalPages": 1,
                "data": found[:limit],
            }
        )

    def _cancel_shipment(self, shipment_id: str) -> Response:
        with self._lock:
            shipment = self.shipments.get(shipment_id)
            if shipment is None:
                return _json(_error("NOT_FOUND", "shipment not found"), 404)
            shipment["cancelDate"] = _now()
            shipment["statusCode"] = "CANCELLED"  # assumed; the docs show only the envelope
        return _json({"result": True, "additionalMessage": "Success"})

    def _accept_offer(self, body: dict) -> Response:
        offer_id = (body or {}).get("offerID")
        with self._lock:
            for shipment in self.shipments.values():
                offer = next((o for o in shipment["_offers"] if o["id"] == offer_id), None)
                if offer is not None:
                    break
            else:
                return _json(_error("OFFER_NOT_FOUND", "offer not found"), 404)
            if shipment["acceptedOfferID"] or shipment["cancelDate"]:
                # Invented code: the docs do not show what accepting twice answers.
                return _json(_error("OFFER_ALREADY_ACCEPTED", "shipment already has a label"), 400)
            offer["isAccepted"] = True
            number = str(uuid.uuid4().int)[:12]
            shipment.update(
                {
                    "acceptedOfferID": offer_id,
                    "acceptedOffer": copy.deepcopy(offer),
                    "providerCode": offer["providerCode"],
                    "providerServiceCode": offer["providerServiceCode"],
                    "amount": offer["amount"],
                    "totalAmount": offer["totalAmount"],
                    "currency": "TL",
                    "barcode": number[:10],
                    "labelFileType": "PROVIDER_PDF",
                    "labelURL": f"{self.root}/tags/{uuid.uuid4()}.pdf",
                    "statusCode": "INFO_RECEIVED",
                    "updatedAt": _now(),
                }
            )
            if self.tracking_number_on_accept:
                shipment["trackingNumber"] = number
                shipment["trackingUrl"] = f"https://tracking.example/{number}"
            transaction = {
                "id": str(uuid.uuid4()),
                "createdAt": _now(),
                "amount": offer["amount"],
                "currency": "TL",
                "totalAmount": offer["totalAmount"],
                "offerID": offer_id,
                "shipmentID": shipment["id"],
                "isPayed": True,
                "transactionType": "PAYMENT",
                "shipment": self._public(shipment),
            }
            self.transactions[transaction["id"]] = transaction
        return _json(_envelope(transaction))

    def _create_return(self, shipment_id: str, body: dict) -> Response:
        """POST /shipments/{id} {"isReturn": true, "willAccept": true, "count": 1} (SDK
        create_return_transaction): the return of that parcel, its label bought at once; the
        answer is a Transaction with the return Shipment (shape as accept offer's)."""
        with self._lock:
            original = self.shipments.get(shipment_id)
            if original is None:
                return _json(_error("NOT_FOUND", "shipment not found"), 404)
            if not original.get("acceptedOfferID"):
                return _json(_error("SHIPMENT_NOT_PURCHASED", "no label to return"), 400)
            offer = copy.deepcopy(original["acceptedOffer"])
            offer["id"] = str(uuid.uuid4())
            number = str(uuid.uuid4().int)[:12]
            returned = {
                **{k: copy.deepcopy(v) for k, v in original.items()},
                "id": str(uuid.uuid4()),
                "createdAt": _now(),
                "updatedAt": _now(),
                "isReturn": True,
                "senderAddress": copy.deepcopy(original.get("recipientAddress")),
                "acceptedOfferID": offer["id"],
                "acceptedOffer": offer,
                "barcode": number[:10],
                "labelURL": f"{self.root}/tags/{uuid.uuid4()}.pdf",
                "trackingNumber": number,
                "trackingUrl": f"https://tracking.example/{number}",
                "trackingStatus": None,
                "cancelDate": None,
                "statusCode": "INFO_RECEIVED",
                "_offers": [offer],
            }
            self.shipments[returned["id"]] = returned
            transaction = {
                "id": str(uuid.uuid4()),
                "createdAt": _now(),
                "amount": offer["amount"],
                "currency": "TL",
                "totalAmount": offer["totalAmount"],
                "offerID": offer["id"],
                "shipmentID": returned["id"],
                "isPayed": True,
                "transactionType": "PAYMENT",
                "shipment": self._public(returned),
            }
            self.transactions[transaction["id"]] = transaction
        return _json(_envelope(transaction))

    def _price_list(self, args) -> Response:
        """GET /priceList?paramType=parcel&length&width&height&weight (SDK list_prices). Its
        answer's shape is not documented; assumed: offer-like items in `data`."""
        if args.get("paramType") != "parcel" or not args.get("weight"):
            return _json(_error("VALIDATION", "paramType and weight are required"), 400)
        items = [
            {
                "providerCode": provider,
                "providerServiceCode": service,
                "totalAmount": total,
                "currency": "TL",
            }
            for provider, service, total, _eta in self.offers
        ]
        return _json(_envelope(items))

    def _label(self, path: str) -> Response:
        with self._lock:
            known = any((s.get("labelURL") or "").endswith(path) for s in self.shipments.values())
        if not known:
            return Response("not found", status=404)
        return Response(LABEL_PDF, mimetype="application/pdf")


def _json(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document), status=status, mimetype="application/json")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # keep test output clean
        return None


@contextmanager
def running(**options: Any) -> Iterator[GeliverStandin]:
    """A started stand-in, stopped afterwards whatever happens."""
    standin = GeliverStandin(**options).start()
    try:
        yield standin
    finally:
        standin.stop()


# ---- fixtures (imported by tests/conftest.py) ------------------------------------------------

SENDER_SETTINGS = {
    "SHIPPING_SENDER_NAME": "Başkent Kadın Girişimi Kooperatifi",
    "SHIPPING_SENDER_PHONE": "+903121112233",
    "SHIPPING_SENDER_EMAIL": "kargo@example.org",
    "SHIPPING_SENDER_ADDRESS1": "Kızılay Mah. Atatürk Blv. No:1",
    "SHIPPING_SENDER_CITY_NAME": "Ankara",
    "SHIPPING_SENDER_CITY_CODE": "06",
    "SHIPPING_SENDER_DISTRICT": "Çankaya",
    "SHIPPING_SENDER_ZIP": "06420",
}


@pytest.fixture
def geliver_standin():
    """The stand-in on a free 127.0.0.1 port (the OS picks it), stopped after the test."""
    with running() as server:
        yield server


# The secret in the webhook address (GELIVER_WEBHOOK_TOKEN) the tests give the app.
WEBHOOK_TOKEN = "t0ken-in-the-webhook-address-of-the-tests"  # noqa: S105 (tests only)
WEBHOOK_URL = "/webhooks/geliver?token=" + WEBHOOK_TOKEN


@pytest.fixture
def geliver_app(app, geliver_standin, monkeypatch):
    """The app with SHIPPING_PROVIDER=geliver pointed at the stand-in (settings restored after
    the test); the stand-in is the fixture's value."""
    settings = {
        **SENDER_SETTINGS,
        "SHIPPING_PROVIDER": "geliver",
        "GELIVER_API_TOKEN": geliver_standin.token,
        "GELIVER_BASE_URL": geliver_standin.base_url,
        "GELIVER_WEBHOOK_SECRET": geliver_standin.webhook_secret,
        "GELIVER_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "GELIVER_TIMEOUT_SECONDS": 2,
        "GELIVER_OFFERS_WAIT_SECONDS": 2,
        "SHIPPING_DEFAULT_CARRIER": "aras",
    }
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    return geliver_standin


def packed_order(*products, buyer=None):
    """A paid online order of one of each product, every item received from its makers (ready
    to label). Committed."""
    from coopshop.db import db
    from coopshop.services.sales import fulfilment
    from coopshop.services.sales.order_states import PaymentInfo, mark_paid
    from coopshop.services.sales.orders import LineRequest, NewOrder, create_order
    from tests.support.factories import ProductFactory
    from tests.support.staff_support import BUYER

    order = create_order(
        NewOrder(
            channel="online",
            payment_method="demo",
            lines=[
                LineRequest(quantity=1, product_id=p.id) for p in products or [ProductFactory()]
            ],
            buyer=buyer or BUYER,
            charge_shipping=True,
        )
    )
    mark_paid(order, PaymentInfo(provider="demo", amount_kurus=order.total_kurus))
    fulfilment.mark_received([line.id for line in order.lines], None)
    db.session.commit()
    return order
