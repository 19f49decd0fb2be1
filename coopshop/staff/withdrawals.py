"""Staff pages: buyers' withdrawal requests with their legal deadlines, and recording that the
goods came back (routes on the staff blueprint). Refunding or closing a request is an admin's
(coopshop.admin.withdrawals): staff never move money out."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.models import utcnow
from coopshop.services.sales import refund_flow, withdrawal_steps, withdrawals
from coopshop.services.shipping import returns
from coopshop.services.shipping.base import ShippingError
from coopshop.staff.forms import ActionForm
from coopshop.staff.routes import bp, done_or_warn
from coopshop.web import shipping as shipping_web
from coopshop.web.permissions import roles_required

STAFF = ("staff", "admin")


@bp.get("/withdrawals")
@roles_required(*STAFF)
def withdrawals_queue():
    open_requests = withdrawal_steps.open_requests()
    return render_template(
        "staff/withdrawals.html",
        open_requests=open_requests,
        closed=withdrawal_steps.recent_closed(),
        now=utcnow(),
        action=ActionForm(),
        status_labels=withdrawals.STATUS_LABELS,
        via_provider=refund_flow.goes_through_provider,
        methods_for=refund_flow.methods_for,
        refund_plan=withdrawal_steps.refund_plan,
        returns_by_request=returns.returns_for([wr.id for wr in open_requests]),
        shipping_provider=_provider(),
    )


def _provider() -> str | None:
    try:
        return shipping_web.adapter().name
    except ShippingError:
        return None


@bp.post("/withdrawals/<int:request_id>/received")
@roles_required(*STAFF)
def withdrawal_received(request_id: int):
    if not ActionForm().validate_on_submit():
        return withdrawals_queue()
    return done_or_warn(
        "staff.withdrawals_queue",
        withdrawal_steps.mark_received,
        request_id,
        current_user.id,
        done=lambda wr: _("Cayma talebi #%(id)d: ürünler teslim alındı.", id=wr.id),
    )
