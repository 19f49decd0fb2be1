"""A local stand-in of the parts of Nilvera's REST API that the adapter uses, for offline tests.

A werkzeug WSGI app served in a thread on a free 127.0.0.1 port. It checks the Bearer API key,
keeps invoices in memory, numbers them as Nilvera does (series + year + 9 digits), answers with
the shapes of Nilvera's documentation (URLs in nilvera.py), rejects a UUID it already holds with
409, refuses an e-Fatura to a VKN that is not a registered user and an e-Arşiv to one that is,
and records every request. Tests can make it hang (optionally after storing the invoice, as a
late answer would) or answer 5xx.

Not modelled: GİB's own validation and the e-Arşiv daily report, real error codes
beyond the documented shape, templates, series management, paging, the answer of an e-Fatura's
buyer, rate limits.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

FAKE_PDF = b"%PDF-1.4\n% stand-in\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SERIES = {"earsiv": "EAR", "efatura": "EFT"}
# InvoiceType values (UBL-TR InvoiceTypeCode) as the Nilvera PHP SDK (done6666/nilvera-sdk-php,
# src/Enums/InvoiceType.php) lists the ones coopshop could send.
INVOICE_TYPES = ("SATIS", "IADE", "ISTISNA", "TEVKIFAT", "IHRACKAYITLI", "OZELMATRAH", "SGK")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | list | None


@dataclass
class Stored:
    kind: str
    number: str
    model: dict
    payable: Decimal
    cancelled: bool = False


@dataclass
class Behaviour:
    hang_seconds: float = 0.0
    hang_after_store: bool = False  # store the invoice first, then hang: a "late answer"
    fail_status: int = 0
    fail_count: int = 0


@dataclass
class NilveraStandin:
    api_key: str = "test-key"
    # VKN -> aliases of registered e-Fatura users
    efatura_users: dict[str, list[str]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    invoices: dict[str, Stored] = field(default_factory=dict)
    behaviour: Behaviour = field(default_factory=Behaviour)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._sequences: dict[tuple[str, int], int] = {}
        self._generation = 0  # bumped by reset(): a request woken after it changes nothing
        self._server = None
        self._thread = None

    # -- control ----------------------------------------------------------------------------

    def start(self) -> NilveraStandin:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake any hanging handler
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.invoices.clear()
            self._sequences.clear()
            self.efatura_users.clear()
            self.behaviour = Behaviour()
            self._generation += 1
            self._release.set()  # wake a handler still hanging from the last test
            self._release = threading.Event()

    def hang(self, seconds: float, *, after_store: bool = False) -> None:
        self.behaviour.hang_seconds, self.behaviour.hang_after_store = seconds, after_store

    def fail(self, status: int, count: int = 1) -> None:
        self.behaviour.fail_status, self.behaviour.fail_count = status, count

    def sent(self, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    # -- WSGI -------------------------------------------------------------------------------

    def wsgi(self, environ, start_response):
        request = Request(environ)
        return self._handle(request)(environ, start_response)

    def _handle(self, request: Request) -> Response:
        body = _parse(request.get_data())
        self.requests.append(
            Recorded(request.method, request.path, dict(request.args), dict(request.headers), body)
        )
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _json({"Message": "Unauthorized"}, 401)
        b = self.behaviour
        if b.fail_count > 0:
            b.fail_count -= 1
            return _json({"Message": "Sunucu hatası"}, b.fail_status)
        generation = self._generation
        if b.hang_seconds and not b.hang_after_store:
            self._wait()
            if generation != self._generation:
                return _json({"Message": "stand-in was reset"}, 503)
        response = self._route(request, body)
        if b.hang_seconds and b.hang_after_store:
            self._wait()
        return response

    def _wait(self) -> None:
        seconds, self.behaviour.hang_seconds = self.behaviour.hang_seconds, 0.0
        self._release.wait(seconds)

    def _route(self, request: Request, body) -> Response:
        m, path = request.method, request.path
        if m == "GET" and (
            hit := re.fullmatch(r"/general/GlobalCompany/Check/TaxNumber/(\d+)", path)
        ):
            return self._check(hit.group(1))
        if m == "POST" and path == "/earchive/Send/Model":
            return self._send("earsiv", (body or {}).get("ArchiveInvoice"), None)
        if m == "POST" and path == "/einvoice/Send/Model":
            body = body or {}
            return self._send("efatura", body.get("EInvoice"), body.get("CustomerAlias"))
        if m == "GET" and path in ("/earchive/Invoices", "/einvoice/Sale"):
            kind = "earsiv" if path.startswith("/earchive") else "efatura"
            return self._list(kind, request.args.get("Search", ""))
        pattern = r"/(earchive/Invoices|einvoice/Sale)/([0-9a-fA-F-]{36})/(pdf|html|Cancel)"
        if hit := re.fullmatch(pattern, path):
            kind = "earsiv" if hit.group(1).startswith("earchive") else "efatura"
            return self._document(m, kind, hit.group(2).lower(), hit.group(3))
        return _json({"Message": "HATALI ISTEK", "Errors": []}, 404)

    # -- endpoints --------------------------------------------------------------------------

    def _check(self, tax_id: str) -> Response:
        rows = [
            {
                "TaxNumber": tax_id,
                "Title": f"Firma {tax_id}",
                "Name": alias,
                "Type": "Özel",
                "DocumentType": "Invoice",
                "FirstCreationTime": "2020-01-01T00:00:00",
            }
            for alias in self.efatura_users.get(tax_id, [])
        ]
        return _json(rows)

    def _send(self, kind: str, model: dict | None, alias: str | None) -> Response:
        problems = _validate(model)
        if problems:
            return _error(400, "GECERSIZ ISTEK", problems)
        uuid = str(model["InvoiceInfo"]["UUID"]).lower()
        tax_id = model["CustomerInfo"]["TaxNumber"]
        registered = tax_id in self.efatura_users
        if kind == "efatura" and alias not in self.efatura_users.get(tax_id, []):
            return _error(422, "İŞ KURALI", [("AliasNotFound", "Alıcı etiketi bulunamadı", alias)])
        if kind == "earsiv" and registered:
            return _error(
                422, "İŞ KURALI", [("EInvoiceUser", "Alıcı e-Fatura mükellefidir", tax_id)]
            )
        info = model["InvoiceInfo"]
        if info.get("InvoiceType") not in INVOICE_TYPES:
            return _error(
                400, "GECERSIZ ISTEK", [("InvoiceType", "Geçersiz", info.get("InvoiceType"))]
            )
        if info.get("InvoiceType") == "IADE":
            problem = self._return_info_problem(kind, info.get("ReturnInvoiceInfo"))
            if problem:
                return _error(422, "İŞ KURALI", [("ReturnInvoiceInfo", problem, "")])
        with self._lock:
            if uuid in self.invoices:
                return _error(409, "ÇAKIŞMA", [("UUIDAlreadySaved", "UUID kayıtlı", uuid)])
            year = datetime.fromisoformat(model["InvoiceInfo"]["IssueDate"]).year
            series = model["InvoiceInfo"].get("InvoiceSerieOrNumber") or SERIES[kind]
            seq = self._sequences.get((series, year), 0) + 1
            self._sequences[(series, year)] = seq
            number = f"{series}{year}{seq:09d}"
            self.invoices[uuid] = Stored(kind, number, model, _payable(model))
        return _json({"UUID": uuid, "InvoiceNumber": number})

    def _return_info_problem(self, kind: str, rows) -> str:
        """ReturnInvoiceInfo as Nilvera's ReturnInvoiceInfoDto has it (developer.nilvera.com,
        e-Arşiv Draft/CreateBulk and Draft/{UUID}/model): a list of {"InvoiceNumber",
        "IssueDate"}, each naming an invoice we issued, with that invoice's issue date."""
        if not isinstance(rows, list) or not rows:
            return "İade edilen fatura yok"
        issued = {
            inv.number: inv.model["InvoiceInfo"]["IssueDate"]
            for inv in self.invoices.values()
            if inv.kind == kind
        }
        for row in rows:
            if not isinstance(row, dict) or set(row) != {"InvoiceNumber", "IssueDate"}:
                return "Alanlar InvoiceNumber ve IssueDate olmalı"
            if row["InvoiceNumber"] not in issued:
                return "İade edilen fatura yok"
            when = datetime.fromisoformat(str(row["IssueDate"]).replace("Z", "+00:00"))
            first = datetime.fromisoformat(issued[row["InvoiceNumber"]].replace("Z", "+00:00"))
            if when.date() != first.date():
                return "İade edilen faturanın tarihi tutmuyor"
        return ""

    def _list(self, kind: str, search: str) -> Response:
        rows = [
            {
                "UUID": uuid,
                "InvoiceNumber": inv.number,
                "PayableAmount": float(inv.payable),
                "ReceiverTaxNumber": inv.model["CustomerInfo"]["TaxNumber"],
                "ReceiverName": inv.model["CustomerInfo"]["Name"],
                "InvoiceType": inv.model["InvoiceInfo"].get("InvoiceType", "SATIS"),
                "StatusCode": "succeed",
                "StatusDetail": "Başarılı",
                "IsCancel": inv.cancelled,
            }
            for uuid, inv in self.invoices.items()
            if inv.kind == kind and (not search or search.lower() in (uuid, inv.number.lower()))
        ]
        page = {"Page": 1, "PageSize": 10, "TotalCount": len(rows), "TotalPages": 1}
        return _json({**page, "Content": rows})

    def _document(self, method: str, kind: str, uuid: str, what: str) -> Response:
        inv = self.invoices.get(uuid)
        if inv is None or inv.kind != kind:
            return _error(404, "HATALI ISTEK", [(3003, "Belge Sistemde Bulunamadı.", uuid)])
        if what == "Cancel" and method == "PUT" and kind == "earsiv":
            inv.cancelled = True
            return _json(True)
        if what == "pdf" and method == "GET":
            return Response(FAKE_PDF, mimetype="application/pdf")
        if what == "html" and method == "GET":
            return Response(f"<html><body>{inv.number}</body></html>", mimetype="text/html")
        return _json({"Message": "Method Not Allowed"}, 405)


def _parse(raw: bytes):
    try:
        return json.loads(raw, parse_float=Decimal) if raw else None
    except ValueError:
        return None


def _validate(model: dict | None) -> list[tuple]:
    if not isinstance(model, dict):
        return [(400, "Model", "Nesnesi Null Olamaz.")]
    problems = []
    for part in ("InvoiceInfo", "CustomerInfo", "InvoiceLines"):
        if not model.get(part):
            problems.append((400, part, "Nesnesi Null Olamaz."))
    for i, line in enumerate(model.get("InvoiceLines") or [], start=1):
        for key in ("Name", "Quantity", "Price", "KDVPercent", "KDVTotal"):
            if line.get(key) in (None, ""):
                problems.append((400, f"InvoiceLines[{i}].{key}", "Boş Olamaz."))
    return problems


def _payable(model: dict) -> Decimal:
    """What Nilvera would compute: sum of round(Price * Quantity, 2) + KDVTotal."""
    total = Decimal(0)
    for line in model["InvoiceLines"]:
        net = (Decimal(str(line["Price"])) * Decimal(str(line["Quantity"]))).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        total += net + Decimal(str(line["KDVTotal"]))
    return total


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status, mimetype="application/json")


def _error(status: int, message: str, errors: list[tuple]) -> Response:
    rows = [{"Code": c, "Description": d, "Detail": det} for c, d, det in errors]
    return _json({"Message": message, "Errors": rows}, status)


# -- fixtures (imported by tests/conftest.py) ---------------------------------------------------

STANDIN_KEY = "secret-key"


@pytest.fixture(scope="session")
def _nilvera_server():
    server = NilveraStandin(api_key=STANDIN_KEY).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def standin(_nilvera_server):
    """Nilvera's stand-in on a free 127.0.0.1 port, emptied for this test."""
    _nilvera_server.reset()
    yield _nilvera_server
    _nilvera_server.reset()  # also releases a handler still hanging
