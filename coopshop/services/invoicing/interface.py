"""Invoicing interface: what coopshop needs from an e-invoicing integrator, and nothing more.

The cooperative is the seller of record; every paid order gets exactly one invoice. An invoice is
an e-Arşiv fatura for a consumer (or a company that is not on GİB's e-Fatura list) and an
e-Fatura when the buyer's VKN is a registered e-Fatura user. Amounts are integer kuruş, VAT rates
integer basis points; the lines, the VAT per rate and the totals are computed here, by one pure
function, so the integrator is told numbers we can prove to the kuruş.

Adapters: ``LocalAdapter`` (development, tests; marked as not a legal invoice) and
``nilvera.NilveraAdapter``. ``make_adapter`` chooses by ``INVOICING_PROVIDER`` and refuses the
local one in production.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from coopshop.money import BP, vat_split

KINDS = ("earsiv", "efatura")
# UBL-TR InvoiceTypeCode: a sale, or a return invoice (iade faturası) naming the invoice it returns.
INVOICE_TYPES = ("SATIS", "IADE")
# Our own view of an issued invoice's state; adapters map the integrator's codes onto these.
STATUSES = ("waiting", "issued", "error", "cancelled")
# GİB's placeholder TCKN for a consumer who gives none (e-Arşiv "nihai tüketici").
CONSUMER_TCKN = "11111111111"
NOT_LEGAL_NOTICE = "Bu belge yasal fatura değildir / not a legal invoice"


class InvoicingError(Exception):
    """An invoicing call that did not succeed.

    ``code`` names the problem (``timeout``, ``unavailable``, ``auth``, ``rejected``,
    ``not_found``, ``not_efatura_user``, ``cancel_not_supported``, ...), ``message`` is the
    integrator's own text where it gave one (shown to an admin), and ``retryable`` tells the
    queue whether trying again later with the same UUID can succeed.
    """

    def __init__(self, code: str, message: str, *, retryable: bool):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class InvoicingConfigError(RuntimeError):
    """Settings that cannot run: raised at start-up, never during a request."""


@dataclass(frozen=True)
class LineInput:
    """One line as the order snapshot has it: unit price VAT included, VAT rate in bp."""

    name: str
    quantity: int
    unit_price_kurus: int
    vat_bp: int
    # A return line's VAT as the ledger books it (money.cumulative_split: the steps of a line's
    # refunds add up to its sale's VAT); None: the line's own split (money.vat_split).
    vat_kurus: int | None = None


@dataclass(frozen=True)
class InvoiceLine:
    """A line with its gross split into net and VAT: net = round(G * 10000 / (10000 + v))."""

    name: str
    quantity: int
    unit_price_kurus: int  # VAT included, as the shop sells it
    vat_bp: int
    gross_kurus: int
    net_kurus: int
    vat_kurus: int


@dataclass(frozen=True)
class Totals:
    """Per-rate and overall sums. ``net_by_rate``/``vat_by_rate`` are (vat_bp, kuruş) pairs."""

    lines: tuple[InvoiceLine, ...]
    net_by_rate: tuple[tuple[int, int], ...]
    vat_by_rate: tuple[tuple[int, int], ...]
    net_kurus: int
    vat_kurus: int
    gross_kurus: int


def build_totals(lines: Iterable[LineInput]) -> Totals:
    """Split every line (half-up, per line) and add up by VAT rate; proves net + VAT == gross."""
    built = tuple(_split_line(line) for line in lines)
    if not built:
        raise ValueError("an invoice needs at least one line")
    net: dict[int, int] = {}
    vat: dict[int, int] = {}
    for line in built:
        net[line.vat_bp] = net.get(line.vat_bp, 0) + line.net_kurus
        vat[line.vat_bp] = vat.get(line.vat_bp, 0) + line.vat_kurus
    totals = Totals(
        lines=built,
        net_by_rate=tuple(sorted(net.items())),
        vat_by_rate=tuple(sorted(vat.items())),
        net_kurus=sum(net.values()),
        vat_kurus=sum(vat.values()),
        gross_kurus=sum(line.gross_kurus for line in built),
    )
    if totals.net_kurus + totals.vat_kurus != totals.gross_kurus:  # cannot happen; proves it
        raise AssertionError("invoice totals do not balance")
    return totals


def _split_line(line: LineInput) -> InvoiceLine:
    if not line.name.strip():
        raise ValueError("a line needs a name")
    if line.quantity <= 0:
        raise ValueError("quantity must be positive")
    if line.unit_price_kurus < 0:
        raise ValueError("unit price must not be negative")
    if not 0 <= line.vat_bp <= BP:
        raise ValueError("VAT rate must be between 0 and 10,000 basis points")
    gross = line.unit_price_kurus * line.quantity
    net, vat = vat_split(gross, line.vat_bp)
    if line.vat_kurus is not None:
        if abs(line.vat_kurus - vat) > 1 or not 0 <= line.vat_kurus <= gross:
            raise ValueError("a return line's VAT is within one kuruş of its own split")
        net, vat = gross - line.vat_kurus, line.vat_kurus
    return InvoiceLine(
        name=line.name,
        quantity=line.quantity,
        unit_price_kurus=line.unit_price_kurus,
        vat_bp=line.vat_bp,
        gross_kurus=gross,
        net_kurus=net,
        vat_kurus=vat,
    )


# -- Draft and result -------------------------------------------------------------------------

TAX_ID_PATTERN = re.compile(r"[0-9]{10,11}")


@dataclass(frozen=True)
class Buyer:
    """Who the invoice is made out to. ``tax_id``: VKN (10 digits) or TCKN (11 digits)."""

    name: str
    tax_id: str = CONSUMER_TCKN
    tax_office: str = ""
    address: str = ""
    district: str = ""  # ilçe
    city: str = ""  # il
    postal_code: str = ""
    country: str = "Türkiye"
    email: str = ""

    def __post_init__(self):
        if not self.name.strip():
            raise ValueError("buyer name is required")
        if not TAX_ID_PATTERN.fullmatch(self.tax_id):
            raise ValueError("tax id must be a 10-digit VKN or an 11-digit TCKN")

    @property
    def is_company(self) -> bool:
        return len(self.tax_id) == 10


@dataclass(frozen=True)
class InternetSale:
    """What GİB asks of an e-Arşiv invoice for an online sale (Nilvera's InternetInfo)."""

    web_site: str
    payment_method: str  # KREDIKARTI/BANKAKARTI, EFT/HAVALE, KAPIDAODEME, ODEMEARACISI, DIGER
    payment_date: datetime
    carrier_name: str = ""
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class ReturnOf:
    """The invoice a return invoice (IADE) answers: its number and issue date."""

    number: str
    issued_at: datetime


@dataclass(frozen=True)
class InvoiceDraft:
    """Everything needed to issue one invoice. ``uuid`` is ours (the ETTN), made once per order
    and stored before the first attempt: it is what makes issuing idempotent."""

    uuid: str
    kind: str  # "earsiv" | "efatura"
    issued_at: datetime  # timezone-aware
    buyer: Buyer
    totals: Totals
    order_number: str = ""
    internet_sale: InternetSale | None = None
    notes: tuple[str, ...] = ()
    returns: ReturnOf | None = None  # set on a return invoice (InvoiceType IADE)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if self.returns is not None and not self.returns.number:
            raise ValueError("a return invoice names the invoice it returns")
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware")
        if self.kind == "efatura" and not self.buyer.is_company:
            raise ValueError("an e-Fatura needs the buyer's VKN")

    @property
    def lines(self) -> tuple[InvoiceLine, ...]:
        return self.totals.lines

    @property
    def invoice_type(self) -> str:
        return "IADE" if self.returns is not None else "SATIS"


def make_draft(
    uuid: str, kind: str, issued_at: datetime, buyer: Buyer, lines: Iterable[LineInput], **kw
) -> InvoiceDraft:
    """An InvoiceDraft whose totals come from ``build_totals`` (the only way they should)."""
    return InvoiceDraft(uuid, kind, issued_at, buyer, build_totals(lines), **kw)


@dataclass(frozen=True)
class IssuedInvoice:
    uuid: str
    number: str  # the integrator's (GİB) number: 3 letters + year + 9 digits
    status: str  # one of STATUSES
    kind: str


class InvoiceAdapter(Protocol):
    """``kind`` ("earsiv"/"efatura"), where the shop stored it, saves the adapter a lookup."""

    def is_efatura_user(self, tax_id: str) -> bool: ...

    def issue(self, draft: InvoiceDraft) -> IssuedInvoice:
        """Issue ``draft``; issuing the same UUID again returns the first invoice."""

    def status(self, uuid: str, kind: str | None = None) -> IssuedInvoice: ...

    def pdf(self, uuid: str, kind: str | None = None) -> bytes: ...

    def html(self, uuid: str, kind: str | None = None) -> str: ...

    def cancel(self, uuid: str, reason: str, kind: str | None = None) -> IssuedInvoice:
        """Cancel an e-Arşiv invoice (an e-Fatura is answered with a return invoice instead)."""


# -- Local adapter ----------------------------------------------------------------------------


@dataclass
class LocalRecord:
    draft: InvoiceDraft
    issued: IssuedInvoice
    cancel_reason: str = ""


class MemoryStore:
    """The LocalAdapter's default store. Anything with the same three methods will do (the shop
    can pass one over its database so development invoices survive a restart)."""

    def __init__(self):
        self._records: dict[str, LocalRecord] = {}
        self._sequences: dict[int, int] = {}
        self.lock = threading.Lock()

    def get(self, uuid: str) -> LocalRecord | None:
        return self._records.get(uuid)

    def put(self, record: LocalRecord) -> None:
        self._records[record.issued.uuid] = record

    def next_sequence(self, year: int) -> int:
        self._sequences[year] = self._sequences.get(year, 0) + 1
        return self._sequences[year]


@dataclass
class LocalAdapter:
    """Numbers invoices "TST" + year + 9 digits (GİB's shape) and renders them as HTML marked
    as not a legal invoice. ``efatura_users`` are the VKNs it treats as registered."""

    efatura_users: frozenset[str] = frozenset()
    store: MemoryStore = field(default_factory=MemoryStore)
    prefix: str = "TST"

    def is_efatura_user(self, tax_id: str) -> bool:
        return tax_id in self.efatura_users

    def issue(self, draft: InvoiceDraft) -> IssuedInvoice:
        with self.store.lock:
            existing = self.store.get(draft.uuid)
            if existing is not None:
                return existing.issued
            if draft.kind == "efatura" and not self.is_efatura_user(draft.buyer.tax_id):
                raise InvoicingError(
                    "not_efatura_user", "buyer is not a registered e-Fatura user", retryable=False
                )
            year = draft.issued_at.year
            number = f"{self.prefix}{year}{self.store.next_sequence(year):09d}"
            issued = IssuedInvoice(draft.uuid, number, "issued", draft.kind)
            self.store.put(LocalRecord(draft, issued))
            return issued

    def status(self, uuid: str, kind: str | None = None) -> IssuedInvoice:
        return self._record(uuid).issued

    def pdf(self, uuid: str, kind: str | None = None) -> bytes:
        self._record(uuid)
        raise InvoicingError("no_pdf", "the local adapter renders HTML only", retryable=False)

    def html(self, uuid: str, kind: str | None = None) -> str:
        return render_html(self._record(uuid))

    def cancel(self, uuid: str, reason: str, kind: str | None = None) -> IssuedInvoice:
        if not reason.strip():
            raise ValueError("a cancellation needs a reason")
        with self.store.lock:
            record = self._record(uuid)
            if record.issued.kind != "earsiv":
                raise InvoicingError(
                    "cancel_not_supported", "an e-Fatura is not cancelled", retryable=False
                )
            if record.issued.status != "cancelled":
                issued = replace(record.issued, status="cancelled")
                self.store.put(LocalRecord(record.draft, issued, reason))
            return self.store.get(uuid).issued

    def _record(self, uuid: str) -> LocalRecord:
        record = self.store.get(uuid)
        if record is None:
            raise InvoicingError("not_found", f"no invoice {uuid}", retryable=False)
        return record


def _tl(kurus: int) -> str:
    """Kuruş as Turkish lira text without float: 123456 -> "1.234,56 TL"."""
    lira, k = divmod(abs(kurus), 100)
    sign = "-" if kurus < 0 else ""
    return f"{sign}{lira:,}".replace(",", ".") + f",{k:02d} TL"


def _pct(bp: int) -> str:
    whole, frac = divmod(bp, 100)
    return f"%{whole}" + (f",{frac:02d}".rstrip("0") if frac else "")


def render_html(record: LocalRecord) -> str:
    d, e = record.draft, html.escape
    rows = "".join(
        f"<tr><td>{e(li.name)}</td><td>{li.quantity}</td><td>{_tl(li.unit_price_kurus)}</td>"
        f"<td>{_pct(li.vat_bp)}</td><td>{_tl(li.net_kurus)}</td><td>{_tl(li.vat_kurus)}</td>"
        f"<td>{_tl(li.gross_kurus)}</td></tr>"
        for li in d.lines
    )
    vat_rows = "".join(
        f"<tr><th>KDV {_pct(bp)} matrah / VAT base</th><td>{_tl(net)}</td>"
        f"<th>KDV / VAT</th><td>{_tl(vat)}</td></tr>"
        for (bp, net), (_, vat) in zip(d.totals.net_by_rate, d.totals.vat_by_rate, strict=True)
    )
    status = "İPTAL / CANCELLED" if record.issued.status == "cancelled" else ""
    if d.returns is not None:
        status += (
            f" İADE / RETURN — {e(d.returns.number)} ({d.returns.issued_at.date().isoformat()})"
        )
    return (
        '<!doctype html><html lang="tr"><head><meta charset="utf-8">'
        f"<title>{e(record.issued.number)}</title></head><body>"
        f'<p class="not-legal"><strong>{NOT_LEGAL_NOTICE}</strong></p>'
        f"<h1>{'e-Fatura' if d.kind == 'efatura' else 'e-Arşiv Fatura'} "
        f"{e(record.issued.number)} {status}</h1>"
        f"<p>ETTN: {e(d.uuid)}<br>Tarih / Date: {d.issued_at.isoformat()}<br>"
        f"Sipariş / Order: {e(d.order_number)}</p>"
        f"<p>{e(d.buyer.name)}<br>VKN/TCKN: {e(d.buyer.tax_id)} {e(d.buyer.tax_office)}<br>"
        f"{e(d.buyer.address)} {e(d.buyer.district)} {e(d.buyer.city)}</p>"
        "<table><tr><th>Ürün</th><th>Adet</th><th>Birim (KDV dahil)</th><th>KDV</th>"
        f"<th>Matrah</th><th>KDV tutarı</th><th>Toplam</th></tr>{rows}</table>"
        f"<table>{vat_rows}<tr><th>Toplam / Total</th><td>{_tl(d.totals.gross_kurus)}</td>"
        "</tr></table></body></html>"
    )


# -- Choosing the adapter from settings -------------------------------------------------------


def make_adapter(
    settings: Mapping[str, object], *, production: bool, session_factory: Callable | None = None
) -> InvoiceAdapter:
    """INVOICING_PROVIDER = local | nilvera. Production refuses the local adapter."""
    provider = str(settings.get("INVOICING_PROVIDER", "local")).strip().lower()
    if provider == "local":
        if production:
            raise InvoicingConfigError(
                "INVOICING_PROVIDER=local issues no legal invoices; set it to nilvera"
            )
        users = str(settings.get("INVOICING_LOCAL_EFATURA_USERS", "")).split(",")
        return LocalAdapter(efatura_users=frozenset(u.strip() for u in users if u.strip()))
    if provider == "nilvera":
        from coopshop.services.invoicing.nilvera import NilveraAdapter

        return NilveraAdapter.from_settings(settings, session_factory=session_factory)
    raise InvoicingConfigError(f"unknown INVOICING_PROVIDER {provider!r}")
