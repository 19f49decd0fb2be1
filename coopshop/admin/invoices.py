"""Admin pages: the invoices with their state and the integrator's message, and a retry button
for those that need a person (routes on the admin blueprint). Only admins."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from coopshop.admin.routes import bp
from coopshop.services.invoicing import queue, reading
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

STATUS_LABELS = {
    "pending": _l("Sırada"),
    "issuing": _l("Gönderiliyor"),
    "issued": _l("Kesildi"),
    "failed": _l("Gönderilemedi"),
    "recorded": _l("Kaydedildi"),
}
PURPOSE_LABELS = {
    "sale": _l("Satış faturası"),
    "cancellation": _l("İptal"),
    "return": _l("İade faturası"),
}


class RetryInvoiceForm(FlaskForm):
    """A button: send a failed invoice again (same UUID, so never twice)."""


@bp.get("/invoices")
@roles_required("admin")
def invoices():
    status = request.args.get("status") or None
    return render_template(
        "admin/invoices.html",
        invoices=reading.listing(status),
        counts=reading.counts(),
        status=status,
        statuses=STATUS_LABELS,
        purposes=PURPOSE_LABELS,
        form=RetryInvoiceForm(),
    )


@bp.post("/invoices/<int:invoice_id>/retry")
@roles_required("admin")
def invoice_retry(invoice_id: int):
    form = RetryInvoiceForm()
    if not form.validate_on_submit():
        flash(_("Oturumunuzun süresi dolmuş olabilir; yeniden deneyin."), "danger")
        return redirect(url_for("admin.invoices"))
    outcome = attempt(queue.retry, invoice_id)
    if outcome.ok:
        flash(_("Fatura yeniden gönderime alındı."), "success")
    return redirect(url_for("admin.invoices", status=request.args.get("status") or None))
