"""The shopper's invoice: linked from her order page, shown to whoever may see the order (her,
the holder of the order's link, staff). A local invoice is rendered here, marked as not a legal
document; the integrator's is its PDF."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coopshop.services.invoicing import reading
from coopshop.shop.checkout import _load_order
from coopshop.shop.routes import bp


@bp.app_template_global("issued_invoice_of")
def issued_invoice_of(order):
    """The order's issued invoice and whether it was cancelled, for the order page."""
    invoice = reading.issued_invoice(order.id)
    return (invoice, reading.is_cancelled(invoice)) if invoice is not None else (None, False)


@bp.get("/orders/<number>/invoice")
def order_invoice(number: str):
    order = _load_order(number)  # 404 unless she may see the order
    invoice = reading.issued_invoice(order.id)
    token = request.args.get("t", "")
    if invoice is None:
        flash(_("Faturanız henüz hazır değil; hazır olunca bu sayfada görünür."), "info")
        return redirect(url_for("shop.order_status", number=number, t=token or None))
    if invoice.provider == "local":
        return render_template(
            "shop/invoice.html",
            order=order,
            invoice=invoice,
            cancelled=reading.is_cancelled(invoice),
            token=token,
        )
    content = reading.pdf(invoice)
    if content is None:
        flash(_("Fatura şu an açılamadı; lütfen biraz sonra yeniden deneyin."), "warning")
        return redirect(url_for("shop.order_status", number=number, t=token or None))
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'},
    )
