"""Staff pages: shipping labels on the fulfilment page (routes on the staff blueprint).

For a packed order: the parcel (defaults from its products, else settings), the carriers'
offers or the default carrier, the label bought once (by the ``label.buy`` job of
services.shipping.label_jobs, after the page has answered) and printed as PDF; a batch asks a
label for every packed order of the day. With the manual adapter (the default) staff type the
carrier and tracking number, as before.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.db import db
from coopshop.models import Order
from coopshop.services.shipping import label_jobs, labels, parcels
from coopshop.services.shipping.base import Parcel, ShippingError
from coopshop.services.shipping.carriers import CARRIERS, parcel_from_settings
from coopshop.staff.forms import ActionForm
from coopshop.staff.fulfilment import STAFF, _render
from coopshop.staff.label_forms import ManualLabelForm, ParcelForm
from coopshop.staff.routes import bp
from coopshop.web import shipping as shipping_web
from coopshop.web.pdf import pdf_response
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


def _adapter():
    """The configured adapter, or None with a message to staff when settings are incomplete."""
    try:
        return shipping_web.adapter()
    except ShippingError as exc:
        current_app.logger.error("shipping is not configured: %s", exc.message)
        flash(_("Kargo ayarları eksik; yöneticiye haber verin."), "danger")
        return None


def _parcel_form(order_id: int, box: Parcel) -> ParcelForm:
    """The label form of one order, starting from its products' box (else the settings')."""
    form = ParcelForm(formdata=None, prefix=f"p{order_id}")
    form.weight_g.data = box.weight_g
    form.dimensions.data = f"{box.length_cm}x{box.width_cm}x{box.height_cm}"
    return form


@bp.context_processor
def _shipping_page():
    def shipping_page(orders):
        """What the fulfilment page shows of shipping: the provider, each order's shipment
        (one query), a parcel form per packed order, the carriers to choose from."""
        try:
            provider = shipping_web.adapter().name
        except ShippingError:
            provider = None
        packed = [o.id for o in orders if o.fulfilment_status == "received"]
        boxes = parcels.for_orders(packed, current_app.config)
        return {
            "provider": provider,
            "label_jobs": label_jobs.jobs_for(packed) if provider != "manual" else {},
            "label_failure": label_jobs.failure,
            "shipments": labels.shipments_for([o.id for o in orders]),
            "parcel_forms": {i: _parcel_form(i, boxes[i]) for i in packed},
            "carriers": CARRIERS,
        }

    return {"shipping_page": shipping_page}


def _bought(outcome, order_id: int):
    if outcome.ok:
        shipment = outcome.value
        order = db.session.get(Order, order_id)
        flash(
            _(
                "Sipariş %(number)s: %(carrier)s etiketi hazır.",
                number=order.number,
                carrier=shipment.carrier_name,
            ),
            "success",
        )
    return redirect(url_for("staff.fulfilment_queue"))


@bp.post("/fulfilment/<int:order_id>/label")
@roles_required(*STAFF)
def label_buy(order_id: int):
    adapter = _adapter()
    if adapter is None:
        return redirect(url_for("staff.fulfilment_queue"))
    settings = current_app.config
    if adapter.name == "manual":
        form = ManualLabelForm(prefix=f"s{order_id}")
        if not form.validate_on_submit():
            return _render(form, order_id, status=422)
        request_ = labels.LabelRequest(
            order_id,
            parcels.for_order(order_id, settings),
            carrier=form.carrier.data,
            tracking_number=form.tracking_number.data,
        )
        outcome = attempt(labels.buy, request_, adapter, settings, current_user.id, form=form)
        if outcome.rerender:
            return _render(form, order_id, status=422)
        return _bought(outcome, order_id)
    form = ParcelForm(prefix=f"p{order_id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "warning")
        return redirect(url_for("staff.fulfilment_queue"))
    order = db.session.get(Order, order_id)
    offer = form.offer(order.number) if order is not None else None
    request_ = labels.LabelRequest(order_id, form.parcel(), offer=offer)
    if attempt(label_jobs.enqueue, request_, current_user.id).ok:
        flash(
            _(
                "Sipariş %(number)s: etiket kargo aracısından isteniyor; alınınca bu sayfada "
                "görünecek.",
                number=order.number,
            ),
            "info",
        )
    return redirect(url_for("staff.fulfilment_queue"))


@bp.post("/fulfilment/<int:order_id>/offers")
@roles_required(*STAFF)
def label_offers(order_id: int):
    adapter = _adapter()
    form = ParcelForm(prefix=f"p{order_id}")
    if adapter is None or not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "warning")
        return redirect(url_for("staff.fulfilment_queue"))
    parcel = form.parcel()
    outcome = attempt(labels.quote, order_id, parcel, adapter, current_app.config)
    if not outcome.ok:
        return redirect(url_for("staff.fulfilment_queue"))
    return render_template(
        "staff/label_offers.html",
        order=db.session.get(Order, order_id),
        offers=outcome.value,
        form=form,
        carriers=CARRIERS,
    )


@bp.get("/fulfilment/<int:order_id>/label.pdf")
@roles_required(*STAFF)
def label_pdf(order_id: int):
    adapter = _adapter()
    if adapter is None:
        return redirect(url_for("staff.fulfilment_queue"))
    outcome = attempt(labels.label_pdf, order_id, adapter)
    if not outcome.ok:
        return redirect(url_for("staff.fulfilment_queue"))
    order = db.session.get(Order, order_id)
    return pdf_response(outcome.value, f"etiket-{order.number}.pdf")


@bp.post("/fulfilment/labels/batch")
@roles_required(*STAFF)
def label_batch():
    adapter = _adapter()
    if adapter is None or not ActionForm().validate_on_submit():
        return redirect(url_for("staff.fulfilment_queue"))
    settings = current_app.config
    outcome = attempt(
        label_jobs.enqueue_batch,
        labels.today(),
        parcel_from_settings(settings),
        adapter,
        settings,
        current_user.id,
    )
    if outcome.ok:
        result = outcome.value
        flash(
            _("Etiketi kargo aracısından istenen sipariş: %(n)d", n=len(result.labelled)),
            "success",
        )
        for number, message in result.failed:
            flash(_("Sipariş %(number)s: %(message)s", number=number, message=message), "warning")
    return redirect(url_for("staff.fulfilment_queue"))
