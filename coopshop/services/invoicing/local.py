"""The local invoicing adapter for development and tests: numbers invoices itself, keeps them in a
store (in memory here, in the database through settings.DatabaseStore) and renders an HTML
document marked as not a legal invoice. Production refuses it (interface.make_adapter).
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field, replace

from coopshop.services.invoicing.interface import (
    NOT_LEGAL_NOTICE,
    InvoiceDraft,
    InvoicingError,
    IssuedInvoice,
)


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
