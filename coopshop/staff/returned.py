"""Staff pages: parcels returned to sender (services.shipping.returned_parcels) and their
follow-up: ship again here, or the admin's refund page (staff never move money out)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.services.shipping import returned_parcels
from coopshop.staff.forms import ActionForm
from coopshop.staff.routes import bp, done_or_warn
from coopshop.web.permissions import roles_required

STAFF = ("staff", "admin")


@bp.get("/returned")
@roles_required(*STAFF)
def returned_queue():
    return render_template(
        "staff/returned.html", parcels=returned_parcels.returned(), form=ActionForm()
    )


@bp.post("/returned/<int:order_id>/ship-again")
@roles_required(*STAFF)
def returned_ship_again(order_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.returned_queue"))
    return done_or_warn(
        "staff.returned_queue",
        returned_parcels.ship_again,
        order_id,
        current_user.id,
        done=lambda order: _(
            "Sipariş %(number)s yeniden kargoya hazır; yeni etiketi sipariş hazırlamadan alın.",
            number=order.number,
        ),
    )
