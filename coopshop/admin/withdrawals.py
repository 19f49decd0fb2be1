"""Admin pages: refunding a buyer's withdrawal through the existing refund path, or closing it
without a refund (routes on the admin blueprint). The list is staff's (staff.withdrawals_queue)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coopshop.admin.refund_forms import WithdrawalRefundForm, WithdrawalRejectForm
from coopshop.admin.routes import bp
from coopshop.money import kurus_text
from coopshop.services.core.errors import NotFound
from coopshop.services.sales import payments, refund_flow, withdrawal_steps
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


def _back():
    return redirect(url_for("staff.withdrawals_queue"))


@bp.post("/withdrawals/<int:request_id>/refund")
@roles_required("admin")
def withdrawal_refund(request_id: int):
    try:
        order = withdrawal_steps.get_request(request_id).order
    except NotFound:
        abort(404)
    form = WithdrawalRefundForm()
    form.method.choices = [SelectChoice(m, m) for m in refund_flow.methods_for(order)]
    if not form.validate_on_submit():
        flash(_("Form gönderilemedi; lütfen yeniden deneyin."), "danger")
        return _back()
    provider = payments.refund_provider(current_app.config, order)
    outcome = attempt(
        withdrawal_steps.refund,
        request_id,
        current_user.id,
        provider=provider,
        method=form.method.data or None,
        note=form.note.data or "",
    )
    if outcome.ok:
        done = outcome.value
        if done.refunded and done.request.refund is not None:
            flash(
                _(
                    "Cayma talebi #%(id)d: %(amount)s iade edildi.",
                    id=request_id,
                    amount=kurus_text(done.request.refund.amount_kurus),
                ),
                "success",
            )
        elif done.error:
            flash(_("İade yapılamadı: %(error)s", error=done.error), "danger")
        else:
            flash(_("İade ödeme sağlayıcısına iletildi; onaylanınca talep kapanır."), "warning")
    return _back()


@bp.post("/withdrawals/<int:request_id>/reject")
@roles_required("admin")
def withdrawal_reject(request_id: int):
    form = WithdrawalRejectForm()
    if not form.validate_on_submit():
        flash(_("Bir açıklama yazın."), "danger")
        return _back()
    outcome = attempt(withdrawal_steps.reject, request_id, form.note.data, current_user.id)
    if outcome.ok:
        flash(_("Cayma talebi #%(id)d kapatıldı.", id=request_id), "success")
    return _back()
