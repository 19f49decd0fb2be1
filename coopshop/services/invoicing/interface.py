"""Invoicing interface: what coopshop needs from an e-invoicing integrator, and nothing more.

The cooperative is the seller of record; every paid order gets exactly one invoice. An invoice is
an e-Arşiv fatura for a consumer (or a company that is not on GİB's e-Fatura list) and an
e-Fatura when the buyer's VKN is a registered e-Fatura user. Amounts are integer kuruş, VAT rates
integer basis points; the lines, the VAT per rate and the totals are computed here, by one pure
function, so the integrator is told numbers we can prove to the kuruş.

Adapters: ``local.LocalAdapter`` (development, tests; marked as not a legal invoice) and
``nilvera.NilveraAdapter``. ``make_adapter`` chooses by ``INVOICING_PROVIDER`` and refuses the
local one in production.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from coopshop.money import BP, round_half_up

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
    net = round_half_up(gross * BP, BP + line.vat_bp)
    return InvoiceLine(
        name=line.name,
        quantity=line.quantity,
        unit_price_kurus=line.unit_price_kurus,
        vat_bp=line.vat_bp,
        gross_kurus=gross,
        net_kurus=net,
        vat_kurus=gross - net,
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
        from coopshop.services.invoicing.local import LocalAdapter

        users = str(settings.get("INVOICING_LOCAL_EFATURA_USERS", "")).split(",")
        return LocalAdapter(efatura_users=frozenset(u.strip() for u in users if u.strip()))
    if provider == "nilvera":
        from coopshop.services.invoicing.nilvera import NilveraAdapter

        return NilveraAdapter.from_settings(settings, session_factory=session_factory)
    raise InvoicingConfigError(f"unknown INVOICING_PROVIDER {provider!r}")
