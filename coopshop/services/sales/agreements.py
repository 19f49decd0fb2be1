"""What a buyer approves at checkout: the pre-information form and the distance sales contract
rendered for her order, and their immutable record with the order.

``context_for_order`` and ``context_for_cart`` describe an order the same way (the stored copy
and the checkout preview); services.legal.render.render_agreement turns either into text.
``record`` writes one OrderAgreement per kind, with the version, the SHA-256, the time and the
IP, in the transaction that creates the order; nothing ever updates it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, OrderAgreement, Product, utcnow
from coopshop.models.legal import AGREEMENT_KINDS
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.legal import documents
from coopshop.services.legal.render import (
    AgreementContext,
    AgreementLine,
    digest,
    render_agreement,
)
from coopshop.services.legal.seller import SellerIdentity
from coopshop.services.sales import withdrawals

# The stored, binding text is Turkish (the documents' required language).
AGREEMENT_LOCALE = "tr"

_MISSING = {
    "on_bilgilendirme": (
        _l("Siparişi vermek için ön bilgilendirme formunu okuduğunuzu onaylayın."),
        "accept_pre_information",
    ),
    "mesafeli_satis": (
        _l("Siparişi vermek için mesafeli satış sözleşmesini onaylayın."),
        "accept_contract",
    ),
}


@dataclass(frozen=True)
class Acceptance:
    """The buyer's two ticks at checkout, and where she ticked them from."""

    pre_information: bool = False
    contract: bool = False
    ip: str = ""

    def accepted(self, kind: str) -> bool:
        return self.pre_information if kind == "on_bilgilendirme" else self.contract


def require(acceptance: Acceptance) -> None:
    """Refuse (naming the box) unless both approvals were given: nothing is written before."""
    for kind in AGREEMENT_KINDS:
        if not acceptance.accepted(kind):
            message, field = _MISSING[kind]
            raise ValidationFailed(message, field=field)


def payment_label(payment_method: str) -> str:
    if payment_method == "bank_transfer":
        return _("Havale / EFT (banka hesabımıza)")
    if payment_method == "iyzico":
        return _("Kredi veya banka kartı (iyzico güvenli ödeme sayfası)")
    if payment_method == "stripe":
        return _("Kredi veya banka kartı (Stripe güvenli ödeme sayfası)")
    return _("Kredi veya banka kartı")


def delivery_days(products: Iterable[Product | None], settings: CoopSettings) -> int:
    """Days until the carrier has it: the dispatch time, or a made-to-order line's lead time
    when that is longer (never beyond the law's 30 days)."""
    days = settings.dispatch_days
    for product in products:
        if product is not None and product.made_to_order and product.lead_time_days:
            days = max(days, product.lead_time_days)
    return min(days, 30)


def _address(line: str, ilce: str, il: str, postal_code: str) -> str:
    place = " / ".join(p for p in (ilce.strip(), il.strip()) if p)
    return ", ".join(p for p in (line.strip().replace("\n", ", "), place, postal_code.strip()) if p)


def _billing(company: str, tax_office: str, tax_id: str) -> str:
    if not (company or tax_id):
        return _("bireysel; fatura adresi teslimat adresiyle aynı")
    parts = [company or ""]
    if tax_office:
        parts.append(_("Vergi dairesi: %(office)s", office=tax_office))
    if tax_id:
        parts.append(_("VKN/TCKN: %(number)s", number=tax_id))
    parts.append(_("fatura adresi teslimat adresiyle aynı"))
    return "; ".join(p for p in parts if p)


def context_for_order(
    order: Order, seller: SellerIdentity, settings: CoopSettings
) -> AgreementContext:
    """An order as its agreements describe it, from its lines' snapshots."""
    with force_locale(AGREEMENT_LOCALE):
        return AgreementContext(
            seller=seller,
            placed_at=order.created_at,
            order_number=order.number,
            buyer_name=order.buyer_name,
            buyer_email=order.buyer_email,
            buyer_phone=order.buyer_phone,
            delivery_address=_address(order.address_line, order.ilce, order.il, order.postal_code),
            billing=_billing(order.buyer_company, order.buyer_tax_office, order.buyer_tax_id),
            lines=tuple(
                AgreementLine(
                    title=line.title,
                    code=line.product_code,
                    quantity=line.quantity,
                    unit_price_kurus=line.unit_price_kurus,
                    vat_bp=line.vat_bp,
                    gross_kurus=line.gross_kurus,
                    excluded_reason=withdrawals.exclusion_reason(line.withdrawal_exclusion),
                )
                for line in order.lines
            ),
            subtotal_kurus=order.subtotal_kurus,
            shipping_kurus=order.shipping_kurus,
            total_kurus=order.total_kurus,
            payment_method=payment_label(order.payment_method),
            delivery_days=delivery_days((line.product for line in order.lines), settings),
            withdrawal_days=settings.return_window_days,
        )


def context_for_cart(
    summary,
    buyer,
    payment_method: str,
    seller: SellerIdentity,
    settings: CoopSettings,
    now: datetime | None = None,
) -> AgreementContext:
    """The checkout preview: the cart (services.sales.cart.CartSummary) and what the buyer has
    typed so far (a services.sales.orders.Buyer), described as its order will be."""
    with force_locale(AGREEMENT_LOCALE):
        return AgreementContext(
            seller=seller,
            placed_at=now or utcnow(),
            buyer_name=buyer.name,
            buyer_email=buyer.email,
            buyer_phone=buyer.phone,
            delivery_address=_address(buyer.address_line, buyer.ilce, buyer.il, buyer.postal_code),
            billing=_billing(buyer.company, buyer.tax_office, buyer.tax_id),
            lines=tuple(
                AgreementLine(
                    title=line.product.title_tr,
                    code=line.product.code,
                    quantity=line.quantity,
                    unit_price_kurus=line.product.price_kurus,
                    vat_bp=line.product.vat_bp,
                    gross_kurus=line.line_total_kurus,
                    excluded_reason=withdrawals.exclusion_reason(line.product.withdrawal_exclusion),
                )
                for line in summary.lines
            ),
            subtotal_kurus=summary.subtotal_kurus,
            shipping_kurus=summary.shipping_kurus,
            total_kurus=summary.total_kurus,
            payment_method=payment_label(payment_method),
            delivery_days=delivery_days((line.product for line in summary.lines), settings),
            withdrawal_days=settings.return_window_days,
        )


@dataclass(frozen=True)
class RenderedAgreement:
    kind: str
    title: str
    version: int
    text: str


def preview(context: AgreementContext, now: datetime | None = None) -> list[RenderedAgreement]:
    """The two texts as the checkout page shows them (nothing is written)."""
    out = []
    for kind in AGREEMENT_KINDS:
        # Before anything is published, the draft ``record`` will publish for the first order.
        document = documents.in_force_or_draft(kind, now)
        out.append(
            RenderedAgreement(
                kind, document.title(AGREEMENT_LOCALE), document.version,
                render_agreement(document, context, AGREEMENT_LOCALE),
            )
        )  # fmt: skip
    return out


def record(
    order: Order,
    acceptance: Acceptance,
    seller: SellerIdentity,
    settings: CoopSettings,
    now: datetime | None = None,
) -> list[OrderAgreement]:
    """Store what the buyer approved for ``order``: each text rendered from the order, with the
    version in force, its SHA-256, the time and her IP. Refused unless both were approved."""
    require(acceptance)
    now = now or utcnow()
    context = context_for_order(order, seller, settings)
    rows = []
    for kind in AGREEMENT_KINDS:
        document = documents.ensure_in_force(kind, now)
        text = render_agreement(document, context, AGREEMENT_LOCALE)
        row = OrderAgreement(
            order_id=order.id,
            kind=kind,
            document_id=document.id,
            document_version=document.version,
            locale=AGREEMENT_LOCALE,
            rendered_text=text,
            sha256=digest(text),
            accepted_at=now,
            ip=(acceptance.ip or "")[:45],
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def of_order(order_id: int) -> list[OrderAgreement]:
    """The agreements stored with an order, in the order she was shown them."""
    rows = db.session.scalars(
        select(OrderAgreement).where(OrderAgreement.order_id == order_id)
    ).all()
    return sorted(rows, key=lambda row: AGREEMENT_KINDS.index(row.kind))


@dataclass(frozen=True)
class ShownAgreement:
    """An agreement as a page shows it: the stored row, and the text for this viewer."""

    row: OrderAgreement
    text: str
    redacted: bool


def _mask_email(email: str) -> str:
    name, _sep, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else "•••"


def redact(text: str, order: Order, short_name: str) -> str:
    """The stored text with the buyer's name, contact, street and tax details hidden: what the
    holder of a forwarded order link sees (the same rule as the order page's address). The
    stored text itself never changes; its hash is that of the full text."""
    with force_locale(AGREEMENT_LOCALE):
        pairs = [
            (
                _address(order.address_line, order.ilce, order.il, order.postal_code),
                " / ".join(p for p in (order.ilce, order.il) if p),
            ),
            (order.buyer_email, _mask_email(order.buyer_email)),
            (order.buyer_phone, "•••"),
            (order.buyer_tax_id, "•••"),
            (order.buyer_company, "•••"),
            (order.buyer_name, short_name),
        ]
    for full, shown in pairs:
        if full and full.strip():
            text = text.replace(full, shown)
    return text


def shown(order: Order, full: bool, short_name: str) -> list[ShownAgreement]:
    """The order's agreements for its page: in full for the buyer's account and staff, with her
    personal details hidden for the holder of a link."""
    return [
        ShownAgreement(
            row,
            row.rendered_text if full else redact(row.rendered_text, order, short_name),
            not full,
        )
        for row in of_order(order.id)
    ]
