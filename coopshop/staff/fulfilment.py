"""Staff pages: fulfilment of paid orders (routes on the staff blueprint).

Per order: its lines with their makers and a "received" box each, then ship with a tracking
number (the shopper is e-mailed), then delivered.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.services.sales import fulfilment
from coopshop.staff.forms import ActionForm, ReceiveForm, ShipForm
from coopshop.staff.routes import bp, done_or_warn
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

STAFF = ("staff", "admin")


def _render(ship_form: ShipForm | None = None, ship_id: int | None = None, status=200):
    step = request.args.get("adim")
    step = step if step in fulfilment.QUEUE_STATUSES else None
    orders = fulfilment.queue(step=step)
    return (
        render_template(
            "staff/fulfilment.html",
            orders=orders,
            step=step,
            counts=fulfilment.queue_counts(),
            ship_forms={
                o.id: ship_form
                if o.id == ship_id and ship_form is not None
                else ShipForm(formdata=None, prefix=f"s{o.id}")
                for o in orders
            },
        ),
        status,
    )


@bp.get("/fulfilment")
@roles_required(*STAFF)
def fulfilment_queue():
    return _render()


@bp.post("/fulfilment/received")
@roles_required(*STAFF)
def fulfilment_received():
    form = ReceiveForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.fulfilment_queue"))
    return done_or_warn(
        "staff.fulfilment_queue",
        fulfilment.mark_received,
        form.line_ids.data or [],
        current_user.id,
        done=lambda marked: _("Teslim alındı olarak işaretlenen ürün: %(n)d", n=marked),
    )


@bp.post("/fulfilment/<int:order_id>/ship")
@roles_required(*STAFF)
def fulfilment_ship(order_id: int):
    form = ShipForm(prefix=f"s{order_id}")
    if not form.validate_on_submit():
        return _render(form, order_id, status=422)
    outcome = attempt(
        fulfilment.mark_shipped, order_id, form.tracking_number.data, current_user.id, show=False
    )
    exc = outcome.error
    if exc is not None and exc.details.get("field") == "tracking_number":
        form.tracking_number.errors = [*form.tracking_number.errors, exc.message]
        return _render(form, order_id, status=422)
    if exc is not None:
        flash(exc.message, "warning")  # not ready to ship, or shipped already
    else:
        flash(_("Sipariş %(number)s kargoya verildi.", number=outcome.value.number), "success")
    return redirect(url_for("staff.fulfilment_queue"))


@bp.post("/fulfilment/<int:order_id>/delivered")
@roles_required(*STAFF)
def fulfilment_delivered(order_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.fulfilment_queue"))
    return done_or_warn(
        "staff.fulfilment_queue",
        fulfilment.mark_delivered,
        order_id,
        current_user.id,
        done=lambda order: _("Sipariş %(number)s teslim edildi.", number=order.number),
    )
