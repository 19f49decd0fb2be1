"""Nilvera adapter: InvoiceDraft -> Nilvera's documented JSON model, over ``requests``.

Why not ``nilvera-client`` 1.1.1 (MIT, unofficial): its public methods catch every exception and
return ``{"success": False, "error": str(e)}``, so a timeout, a 409 duplicate and a 404 "not a
user" look alike (README, dependency notes); their timeout is fixed at
30 s; it has no e-Arşiv PDF/status/cancel call (its PDF/status paths are e-Fatura's) and no
``Send/Model``. Deciding e-Fatura vs e-Arşiv on a swallowed timeout would issue the wrong legal
document, so this adapter talks to the same REST API directly.

Endpoints (Nilvera API v1, Bearer API key; docs: https://developer.nilvera.com):
- GET  /general/GlobalCompany/Check/TaxNumber/{VKN}?globalUserType=Invoice  -> [] when the VKN is
  not a registered e-Fatura user, else [{"TaxNumber", "Title", "Name" (the alias, e.g.
  "urn:mail:defaultpk@..."), "Type", "DocumentType", ...}]
  (GENERAL API › Taxpayer Transactions › "Queries with TIN"; the Odoo l10n_tr_nilvera module
  reads it the same way).
- POST /einvoice/Send/Model  {"EInvoice": EInvoiceDto, "CustomerAlias": alias} -> {"UUID",
  "InvoiceNumber"}; https://developer.nilvera.com/api/e-fatura-api/e-fatura-goenderme/
  faturayi-model-olarak-gonderir
- POST /earchive/Send/Model  {"ArchiveInvoice": ArchiveInvoiceDto} -> {"UUID", "InvoiceNumber"};
  model: https://developer.nilvera.com/api/e-arsiv-api/e-fatura-goenderme/
  model-olarak-gonderilecek-faturayi-onizler (same body), response shape as
  https://developer.nilvera.com/api/e-arsiv-api/taslak-faturalar/taslagi-duezenleyip-goenderir
- Lines: https://developer.nilvera.com/en/nilvera-model/archiveinvoice/invoicelines
  (Index, Name, Quantity, UnitType, Price (net unit price), AllowanceTotal, KDVPercent, KDVTotal)
- A return invoice is the same Send/Model call with InvoiceInfo.InvoiceType "IADE" and
  InvoiceInfo.ReturnInvoiceInfo [{"InvoiceNumber", "IssueDate"}] naming the invoice it returns
  (https://developer.nilvera.com/en/nilvera-model/archiveinvoice/invoiceinfo).
- GET  /earchive/Invoices?Search=&Page=&PageSize= -> {"Content": [{"UUID", "InvoiceNumber",
  "PayableAmount", "StatusCode" (unknown|waiting|succeed|error), "StatusDetail", "IsCancel", ...}]}
  https://developer.nilvera.com/api/e-arsiv-api/e-arsiv-faturalar/faturalari-listeler ;
  GET /einvoice/Sale?... the outgoing e-Fatura list, same paging shape.
- GET  /earchive/Invoices/{UUID}/pdf|html, /einvoice/Sale/{UUID}/pdf|html
- PUT  /earchive/Invoices/{UUID}/Cancel   (e-Arşiv cancellation)
- Errors: {"Message", "Errors": [{"Code", "Description", "Detail"}]}; 409 = "the request already
  exists in the system"; https://developer.nilvera.com/hata-kodlari

Not checked against Nilvera's pages (from other clients; try on apitest first): the e-Arşiv
Send/Model page, Check/TaxNumber's row fields, ReturnInvoiceInfo's field names, the PDF
content type, the cancel call (PUT, no body), SendType=ELEKTRONIK /
SalesPlatform=NORMAL|INTERNET, the /einvoice/Sale list.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from decimal import Decimal

import requests

from coopshop.services.invoicing.interface import (
    TAX_ID_PATTERN,
    InvoiceDraft,
    InvoicingConfigError,
    InvoicingError,
    IssuedInvoice,
)
from coopshop.services.invoicing.nilvera_model import (
    Seller,
    _earsiv_sale,
    _money,
    _party,
    _utc,
    dumps,
    line_model,
)

CHECK_TAX_NUMBER = "/general/GlobalCompany/Check/TaxNumber/{tax_id}"
SEND = {"earsiv": "/earchive/Send/Model", "efatura": "/einvoice/Send/Model"}
LIST = {"earsiv": "/earchive/Invoices", "efatura": "/einvoice/Sale"}
DOCUMENT = {"earsiv": "/earchive/Invoices/{uuid}/{fmt}", "efatura": "/einvoice/Sale/{uuid}/{fmt}"}
CANCEL = "/earchive/Invoices/{uuid}/Cancel"
STATUS_MAP = {"succeed": "issued", "waiting": "waiting", "unknown": "waiting", "error": "error"}


class NilveraAdapter:
    """One instance per worker thread (a requests.Session is not meant to be shared)."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        seller: Seller,
        *,
        timeout: float = 5.0,
        earsiv_series: str = "",
        efatura_series: str = "",
        efatura_profile: str = "TEMELFATURA",
        session: requests.Session | None = None,
    ):
        if not api_key or not base_url:
            raise InvoicingConfigError("NILVERA_API_KEY and NILVERA_BASE_URL are required")
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._seller = seller
        self._timeout = timeout
        self._series = {"earsiv": earsiv_series, "efatura": efatura_series}
        self._profile = efatura_profile
        self._session = session or requests.Session()

    @classmethod
    def from_settings(cls, s: Mapping[str, object], *, session_factory: Callable | None = None):
        def get(name, default=None):
            value = s.get(name, default)
            if value is None or value == "":
                raise InvoicingConfigError(f"setting {name} is required for Nilvera")
            return str(value)

        seller = Seller(
            tax_id=get("INVOICING_SELLER_VKN"),
            name=get("INVOICING_SELLER_NAME"),
            tax_office=get("INVOICING_SELLER_TAX_OFFICE"),
            address=get("INVOICING_SELLER_ADDRESS"),
            district=get("INVOICING_SELLER_DISTRICT"),
            city=get("INVOICING_SELLER_CITY"),
            postal_code=str(s.get("INVOICING_SELLER_POSTAL_CODE", "")),
            email=str(s.get("INVOICING_SELLER_EMAIL", "")),
            web_site=str(s.get("INVOICING_SELLER_WEBSITE", "")),
        )
        return cls(
            get("NILVERA_API_KEY"),
            get("NILVERA_BASE_URL"),
            seller,
            timeout=float(get("NILVERA_TIMEOUT_SECONDS", "5")),
            earsiv_series=str(s.get("NILVERA_EARSIV_SERIES", "")),
            efatura_series=str(s.get("NILVERA_EFATURA_SERIES", "")),
            efatura_profile=str(s.get("NILVERA_EFATURA_PROFILE", "TEMELFATURA")),
            session=session_factory() if session_factory else None,
        )

    # -- the interface ----------------------------------------------------------------------

    def is_efatura_user(self, tax_id: str) -> bool:
        return bool(self._aliases(tax_id))

    def issue(self, draft: InvoiceDraft) -> IssuedInvoice:
        model = self.model(draft)
        if draft.kind == "efatura":
            aliases = self._aliases(draft.buyer.tax_id)
            if not aliases:
                raise InvoicingError(
                    "not_efatura_user", "buyer's VKN is not an e-Fatura user", retryable=False
                )
            body = {"EInvoice": model, "CustomerAlias": _pick_alias(aliases)}
        else:
            body = {"ArchiveInvoice": model}
        try:
            data = _json(self._call("POST", SEND[draft.kind], body=body))
        except InvoicingError as err:
            if err.code != "duplicate":
                raise
            return self._existing(draft)  # sent before (a late answer, a second worker)
        return IssuedInvoice(str(data["UUID"]).lower(), data["InvoiceNumber"], "issued", draft.kind)

    def status(self, uuid: str, kind: str | None = None) -> IssuedInvoice:
        return self._find(uuid, kind)[0]

    def pdf(self, uuid: str, kind: str | None = None) -> bytes:
        return self._document(uuid, kind, "pdf")

    def html(self, uuid: str, kind: str | None = None) -> str:
        return self._document(uuid, kind, "html").decode("utf-8")

    def cancel(self, uuid: str, reason: str, kind: str | None = None) -> IssuedInvoice:
        """e-Arşiv only. ``reason`` stays with the shop's record: the call, as other Nilvera
        clients make it, takes no body (not checked against Nilvera's documentation)."""
        if not reason.strip():
            raise ValueError("a cancellation needs a reason")
        issued, _ = self._find(uuid, kind)
        if issued.kind != "earsiv":
            raise InvoicingError(
                "cancel_not_supported",
                "an e-Fatura is not cancelled through the API; issue a return invoice",
                retryable=False,
            )
        if issued.status != "cancelled":
            self._call("PUT", CANCEL.format(uuid=uuid))
        return IssuedInvoice(issued.uuid, issued.number, "cancelled", issued.kind)

    # -- mapping ----------------------------------------------------------------------------

    def model(self, draft: InvoiceDraft) -> dict:
        """The EInvoiceDto / ArchiveInvoiceDto for ``draft`` (InvoiceInfo, parties, lines)."""
        info = {
            "UUID": draft.uuid,
            "InvoiceType": draft.invoice_type,
            "InvoiceSerieOrNumber": self._series[draft.kind],
            "IssueDate": _utc(draft.issued_at),
            "CurrencyCode": "TRY",
        }
        if draft.order_number:
            info["OrderReference"] = {
                "Value": draft.order_number,
                "IssueDate": _utc(draft.issued_at),
            }
        if draft.returns is not None:
            info["ReturnInvoiceInfo"] = [
                {
                    "InvoiceNumber": draft.returns.number,
                    "IssueDate": _utc(draft.returns.issued_at),
                }
            ]
        if draft.kind == "efatura":
            info["InvoiceProfile"] = self._profile
        else:
            info.update(_earsiv_sale(draft))
        return {
            "InvoiceInfo": info,
            "CompanyInfo": _party(self._seller),
            "CustomerInfo": _party(draft.buyer),
            "InvoiceLines": [line_model(i, li) for i, li in enumerate(draft.lines, start=1)],
            "Notes": list(draft.notes),
        }

    # -- calls ------------------------------------------------------------------------------

    def _aliases(self, tax_id: str) -> list[dict]:
        if not TAX_ID_PATTERN.fullmatch(tax_id):
            raise ValueError("tax id must be a 10-digit VKN or an 11-digit TCKN")
        path = CHECK_TAX_NUMBER.format(tax_id=tax_id)
        try:
            rows = _json(self._call("GET", path, params={"globalUserType": "Invoice"}))
        except InvoicingError as err:
            if err.code == "not_found":
                return []
            raise
        if not isinstance(rows, list):
            raise InvoicingError(
                "unexpected", "taxpayer check did not return a list", retryable=True
            )
        return rows

    def _find(self, uuid: str, kind: str | None) -> tuple[IssuedInvoice, dict]:
        for k in (kind,) if kind else ("earsiv", "efatura"):
            params = {"Search": uuid, "Page": 1, "PageSize": 10}
            page = _json(self._call("GET", LIST[k], params=params))
            for row in page.get("Content") or []:
                if str(row.get("UUID", "")).lower() == uuid.lower():
                    status = (
                        "cancelled"
                        if row.get("IsCancel")
                        else STATUS_MAP.get(str(row.get("StatusCode", "unknown")), "waiting")
                    )
                    return IssuedInvoice(uuid.lower(), row["InvoiceNumber"], status, k), row
        raise InvoicingError("not_found", f"Nilvera has no invoice {uuid}", retryable=False)

    def _existing(self, draft: InvoiceDraft) -> IssuedInvoice:
        """The invoice Nilvera already holds under our UUID, if it is the one we meant."""
        issued, row = self._find(draft.uuid, draft.kind)
        payable = row.get("PayableAmount")
        if payable is not None and Decimal(payable) != _money(draft.totals.gross_kurus):
            raise InvoicingError(
                "uuid_conflict",
                f"UUID {draft.uuid} is already used by an invoice of {payable} TL",
                retryable=False,
            )
        return issued

    def _document(self, uuid: str, kind: str | None, fmt: str) -> bytes:
        kind = kind or self._find(uuid, None)[0].kind
        resp = self._call("GET", DOCUMENT[kind].format(uuid=uuid, fmt=fmt))
        if "json" in resp.headers.get("Content-Type", ""):
            content = _json(resp)  # some answers wrap the file: a (base64) JSON string
            return base64.b64decode(content) if fmt == "pdf" else str(content).encode()
        return resp.content

    def _call(self, method: str, path: str, *, body=None, params=None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = dumps(body), "application/json"
        try:
            resp = self._session.request(
                method,
                self._base + path,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
            )
        except requests.Timeout:
            raise InvoicingError(
                "timeout", f"Nilvera did not answer within {self._timeout:g} s", retryable=True
            ) from None
        except requests.ConnectionError as exc:
            raise InvoicingError(
                "unavailable", f"cannot reach Nilvera: {exc}", retryable=True
            ) from None
        if resp.status_code < 300:
            return resp
        raise _error(resp)


def _json(resp: requests.Response):
    """The answer's JSON with numbers as Decimal, so amounts never pass through float."""
    try:
        return json.loads(resp.content, parse_float=Decimal)
    except ValueError:
        raise InvoicingError("unexpected", "Nilvera's answer is not JSON", retryable=True) from None


def _pick_alias(rows: list[dict]) -> str:
    names = [str(r.get("Name", "")) for r in rows if r.get("Name")]
    for name in names:
        if "defaultpk" in name.lower():
            return name
    return names[0]


_CODES = {401: "auth", 403: "auth", 404: "not_found", 409: "duplicate", 429: "rate_limited"}


def _error(resp: requests.Response) -> InvoicingError:
    try:
        payload = resp.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        parts = [str(payload.get("Message") or "")]
        for e in payload.get("Errors") or []:
            parts.append(" ".join(str(e.get(k) or "") for k in ("Code", "Description", "Detail")))
        message = " | ".join(p.strip() for p in parts if p and p.strip())
    else:
        message = resp.text[:500]
    message = message or f"HTTP {resp.status_code}"
    if resp.status_code >= 500:
        return InvoicingError("unavailable", message, retryable=True)
    code = _CODES.get(resp.status_code, "rejected")
    return InvoicingError(code, message, retryable=code == "rate_limited")
