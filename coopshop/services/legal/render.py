"""Rendering legal texts: the pre-information form and the distance contract for one order, and
any document as safe blocks for a page.

``render_agreement`` is the one place an agreement's text is made: the checkout preview and the
stored, hashed copy both come from it. The text is plain, markdown-ish (``# `` a heading, ``- ``
a list item, a blank line between paragraphs); pages show it through ``blocks`` (escaped by the
template, never as HTML). Each order line goes through ``render_line``, so what is said about a
line (its price, its VAT, and later whether it is excluded from withdrawal) is said in one place.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coopshop.models import LegalDocument
from coopshop.money import kurus_text, percent_text
from coopshop.services.legal.seller import SellerIdentity
from coopshop.turkey import ISTANBUL

# The placeholders a document may use, with what each is replaced by (the admin's help text;
# a public page shows the description in brackets instead of an order's value).
PLACEHOLDERS = {
    "siparis_no": _l("sipariş numarası"),
    "siparis_tarihi": _l("sipariş tarihi"),
    "alici_adi": _l("alıcının adı soyadı"),
    "alici_eposta": _l("alıcının e-posta adresi"),
    "alici_telefon": _l("alıcının telefonu"),
    "teslimat_adresi": _l("teslimat adresi"),
    "fatura_bilgileri": _l("fatura bilgileri"),
    "urunler": _l("ürün listesi (adet, birim fiyat, KDV, tutar)"),
    "ara_toplam": _l("ara toplam"),
    "kargo": _l("kargo ücreti"),
    "toplam": _l("toplam tutar (KDV dahil)"),
    "odeme_yontemi": _l("ödeme yöntemi"),
    "teslim_suresi": _l("teslim süresi"),
    "cayma_suresi": _l("cayma süresi (gün)"),
    "satici_unvan": _l("satıcının unvanı"),
    "satici_adres": _l("satıcının adresi"),
    "satici_telefon": _l("satıcının telefonu"),
    "satici_eposta": _l("satıcının e-posta adresi"),
    "satici_kep": _l("satıcının KEP adresi"),
    "satici_mersis": _l("satıcının MERSİS numarası"),
    "satici_vergi": _l("satıcının vergi dairesi ve numarası"),
    "satici_etbis": _l("satıcının ETBİS kayıt numarası"),
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def unknown_placeholders(body: str) -> list[str]:
    """Placeholder names in ``body`` that render nothing (a typo the admin should fix)."""
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(body or "")} - set(PLACEHOLDERS))


@dataclass(frozen=True)
class AgreementLine:
    """One line as the buyer agrees to it (from the order line's snapshot, or the cart)."""

    title: str
    code: str
    quantity: int
    unit_price_kurus: int
    vat_bp: int
    gross_kurus: int
    # Why this line has no right of withdrawal (made to her wishes, personalised), or None.
    excluded_reason: str | None = None


@dataclass(frozen=True)
class AgreementContext:
    """Everything an agreement says about one order. ``order_number`` is empty in the checkout
    preview (the order does not exist yet)."""

    seller: SellerIdentity
    placed_at: datetime
    buyer_name: str
    buyer_email: str
    buyer_phone: str
    delivery_address: str
    billing: str
    lines: tuple[AgreementLine, ...]
    subtotal_kurus: int
    shipping_kurus: int
    total_kurus: int
    payment_method: str  # as the buyer reads it ("Havale / EFT")
    delivery_days: int
    withdrawal_days: int
    order_number: str = ""


def digest(text: str) -> str:
    """The SHA-256 of a rendered text (UTF-8), hex: what proves a stored agreement unchanged."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def istanbul_text(value: datetime) -> str:
    return value.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")


def _or_dash(value: str) -> str:
    return value.strip() if value and value.strip() else "—"


def _seller_values(seller) -> dict[str, str]:
    """The seller's placeholders (her identity as the law asks it shown), a dash where unset."""
    return {
        "satici_unvan": _or_dash(seller.legal_name),
        "satici_adres": _or_dash(seller.address),
        "satici_telefon": _or_dash(seller.phone),
        "satici_eposta": _or_dash(seller.email),
        "satici_kep": _or_dash(seller.kep_address),
        "satici_mersis": _or_dash(seller.mersis_no),
        "satici_vergi": f"{_or_dash(seller.tax_office)} / {_or_dash(seller.tax_number)}",
        "satici_etbis": _or_dash(seller.etbis_no),
    }


def seller_lines(seller: SellerIdentity) -> list[str]:
    """The seller block: the same on every page, contract and form."""
    return [
        _("Unvan: %(value)s", value=_or_dash(seller.legal_name)),
        _("Adres: %(value)s", value=_or_dash(seller.address)),
        _("Telefon: %(value)s", value=_or_dash(seller.phone)),
        _("E-posta: %(value)s", value=_or_dash(seller.email)),
        _("KEP adresi: %(value)s", value=_or_dash(seller.kep_address)),
        _("MERSİS no: %(value)s", value=_or_dash(seller.mersis_no)),
        _(
            "Vergi dairesi / no: %(office)s / %(number)s",
            office=_or_dash(seller.tax_office),
            number=_or_dash(seller.tax_number),
        ),
        _("ETBİS kayıt no: %(value)s", value=_or_dash(seller.etbis_no)),
    ]


def render_line(line: AgreementLine, locale: str = "tr") -> str:
    """One order line, the same wherever an agreement lists it."""
    return _(
        "%(quantity)s × %(title)s (%(code)s) · birim fiyat %(unit)s · KDV %(vat)s · "
        "tutar %(total)s (KDV dahil)",
        quantity=line.quantity,
        title=line.title,
        code=line.code,
        unit=kurus_text(line.unit_price_kurus, locale),
        vat=percent_text(line.vat_bp, locale),
        total=kurus_text(line.gross_kurus, locale),
    ) + (" · " + line.excluded_reason if line.excluded_reason else "")


def _values(ctx: AgreementContext, locale: str) -> dict[str, str]:
    seller = ctx.seller
    return {
        "siparis_no": ctx.order_number or _("(sipariş verildiğinde verilir)"),
        "siparis_tarihi": istanbul_text(ctx.placed_at),
        "alici_adi": _or_dash(ctx.buyer_name),
        "alici_eposta": _or_dash(ctx.buyer_email),
        "alici_telefon": _or_dash(ctx.buyer_phone),
        "teslimat_adresi": _or_dash(ctx.delivery_address),
        "fatura_bilgileri": _or_dash(ctx.billing),
        "urunler": "\n".join(f"- {render_line(line, locale)}" for line in ctx.lines),
        "ara_toplam": kurus_text(ctx.subtotal_kurus, locale),
        "kargo": kurus_text(ctx.shipping_kurus, locale),
        "toplam": kurus_text(ctx.total_kurus, locale),
        "odeme_yontemi": ctx.payment_method,
        "teslim_suresi": _("en geç %(days)s gün içinde kargoya verilir", days=ctx.delivery_days),
        "cayma_suresi": str(ctx.withdrawal_days),
        **_seller_values(seller),
    }


def fill(body: str, values: dict[str, str]) -> str:
    """Replace each known placeholder; an unknown one is left as typed."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def render_agreement(document: LegalDocument, ctx: AgreementContext, locale: str = "tr") -> str:
    """The text of ``document`` for this order: title and version, the seller, the buyer and
    the order (lines, totals, payment, delivery time), then the document's own text with its
    placeholders filled. Deterministic: the same inputs give the same bytes."""
    with force_locale(locale):
        values = _values(ctx, locale)
        head = [
            f"# {document.title(locale)}",
            _(
                "Sürüm %(version)s · yürürlük %(since)s",
                version=document.version,
                since=istanbul_text(document.effective_from),
            ),
            _(
                "Sipariş: %(number)s · %(date)s",
                number=values["siparis_no"],
                date=values["siparis_tarihi"],
            ),
            "",
            "## " + _("Satıcı"),
            *seller_lines(ctx.seller),
            "",
            "## " + _("Alıcı"),
            _("Ad soyad: %(value)s", value=values["alici_adi"]),
            _("E-posta: %(value)s", value=values["alici_eposta"]),
            _("Telefon: %(value)s", value=values["alici_telefon"]),
            _("Teslimat adresi: %(value)s", value=values["teslimat_adresi"]),
            _("Fatura bilgileri: %(value)s", value=values["fatura_bilgileri"]),
            "",
            "## " + _("Sipariş edilen ürünler"),
            values["urunler"],
            "",
            _("Ara toplam: %(value)s", value=values["ara_toplam"]),
            _("Kargo: %(value)s", value=values["kargo"]),
            _("Toplam (KDV dahil): %(value)s", value=values["toplam"]),
            _("Ödeme yöntemi: %(value)s", value=values["odeme_yontemi"]),
            _("Teslim süresi: %(value)s", value=values["teslim_suresi"]),
            _("Cayma süresi: teslimden itibaren %(days)s gün", days=values["cayma_suresi"]),
            "",
        ]
        body = fill(document.body(locale).replace("\r\n", "\n").strip(), values)
    return "\n".join(head) + "\n" + body + "\n"


def render_public(document: LegalDocument, seller: SellerIdentity, locale: str = "tr") -> str:
    """A document's text for its public page: the seller's placeholders filled, an order's shown
    as what they stand for ("[alıcının adı soyadı]")."""
    with force_locale(locale):
        values = {name: f"[{label}]" for name, label in PLACEHOLDERS.items()}
        filled = _seller_values(seller)
        values = {name: str(value) for name, value in values.items()} | filled
        return fill(document.body(locale).replace("\r\n", "\n").strip(), values)


@dataclass(frozen=True)
class Block:
    kind: str  # "h2", "h3", "ul" or "p"
    lines: tuple[str, ...]


def blocks(text: str) -> list[Block]:
    """Markdown-ish text as blocks a template renders (escaped): ``# `` and ``## `` headings,
    runs of ``- `` items as a list, other runs of lines as a paragraph (line breaks kept)."""
    out: list[Block] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append(Block("p", tuple(para)))
            para.clear()
        if items:
            out.append(Block("ul", tuple(items)))
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush()
        elif line.startswith("## "):
            flush()
            out.append(Block("h3", (line[3:].strip(),)))
        elif line.startswith("# "):
            flush()
            out.append(Block("h2", (line[2:].strip(),)))
        elif line.lstrip().startswith("- "):
            if para:
                out.append(Block("p", tuple(para)))
                para.clear()
            items.append(line.lstrip()[2:].strip())
        else:
            if items:
                out.append(Block("ul", tuple(items)))
                items.clear()
            para.append(line.strip())
    flush()
    return out
