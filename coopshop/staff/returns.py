"""Staff pages: a withdrawal's return code or label (routes on the staff blueprint), and
cancelling an order's label before the carrier has the parcel.

On the withdrawal page, an open request gets its return through the aggregator (the return of
the order's own shipment) or by hand (carrier + the return code of the cooperative's
agreement); the buyer is e-mailed. The label PDF prints from here.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from coopshop.db import db
from coopshop.models import Order, utcnow
from coopshop.services.shipping import labels, returns
from coopshop.services.shipping.base import ShippingError
from coopshop.services.shipping.carriers import CARRIERS
from coopshop.staff.forms import ActionForm
from coopshop.staff.routes import bp
from coopshop.web import shipping as shipping_web
from coopshop.web.pdf import pdf_response
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

STAFF = ("staff", "admin")


class ReturnCodeForm(FlaskForm):
    """By hand: the carrier and the return code; both empty: through the aggregator."""

    carrier = SelectField(
        _l("Kargo firması"),
        choices=[SelectChoice("", "—"), *(SelectChoice(c, n) for c, n in CARRIERS.items())],
        validators=[Optional()],
        validate_choice=True,
    )
    return_code = StringField(_l("İade kodu"), validators=[Optional(), Length(max=80)])


def _adapter():
    try:
        return shipping_web.adapter()
    except ShippingError as exc:
        current_app.logger.error("shipping is not configured: %s", exc.message)
        flash(_("Kargo ayarları eksik; yöneticiye haber verin."), "danger")
        return None


@bp.post("/withdrawals/<int:request_id>/return")
@roles_required(*STAFF)
def withdrawal_return(request_id: int):
    form = ReturnCodeForm(prefix=f"r{request_id}")
    adapter = _adapter()
    if adapter is None or not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "warning")
        return redirect(url_for("staff.withdrawals_queue"))
    req = returns.ReturnRequest(
        request_id, carrier=form.carrier.data or None, return_code=form.return_code.data or None
    )
    outcome = attempt(returns.create_return, req, adapter, current_user.id, show=False)
    if outcome.ok:
        row = outcome.value
        flash(
            _(
                "Cayma talebi #%(id)d: iade kodu hazır (%(carrier)s); alıcıya e-posta gitti.",
                id=request_id,
                carrier=row.carrier_name,
            ),
            "success",
        )
    else:
        flash(outcome.error.message, "warning")
    return redirect(url_for("staff.withdrawals_queue"))


@bp.get("/withdrawals/<int:request_id>/return.pdf")
@roles_required(*STAFF)
def withdrawal_return_pdf(request_id: int):
    adapter = _adapter()
    if adapter is None:
        return redirect(url_for("staff.withdrawals_queue"))
    outcome = attempt(returns.return_pdf, request_id, adapter)
    if not outcome.ok:
        return redirect(url_for("staff.withdrawals_queue"))
    return pdf_response(outcome.value, f"iade-{request_id}.pdf")


@bp.post("/fulfilment/<int:order_id>/label/cancel")
@roles_required(*STAFF)
def label_cancel(order_id: int):
    adapter = _adapter()
    if adapter is None or not ActionForm().validate_on_submit():
        return redirect(url_for("staff.fulfilment_queue"))
    outcome = attempt(labels.cancel, order_id, adapter, current_user.id, show=False)
    if outcome.ok:
        order = db.session.get(Order, order_id)
        flash(
            _("Sipariş %(number)s: etiket iptal edildi; yeni etiket alabilirsiniz.",
              number=order.number),
            "success",
        )  # fmt: skip
    else:
        flash(outcome.error.message, "warning")
    return redirect(url_for("staff.fulfilment_queue"))


@bp.get("/fulfilment/handover")
@roles_required(*STAFF)
def label_handover():
    """Printable: the labelled parcels the carriers have not collected yet, by carrier."""
    return render_template("staff/handover.html", by_carrier=labels.handover(), now=utcnow())


@bp.app_template_global("return_code_form")
def return_code_form(request_id: int) -> ReturnCodeForm:
    return ReturnCodeForm(formdata=None, prefix=f"r{request_id}")


@bp.app_template_global("label_cancellable")
def label_cancellable(shipment) -> bool:
    return labels.cancellable(shipment)
