"""Staff pages: the pickup run of a BELMEK centre on a day (services.shipping.pickup): the
sheet per member, its print view, and ticking items received."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.services.core.errors import DomainError
from coopshop.services.shipping import pickup
from coopshop.staff.forms import PickupTickForm
from coopshop.staff.routes import bp, done_or_warn
from coopshop.web.permissions import roles_required

STAFF = ("staff", "admin")


def _sheet_or_message(template: str):
    """The chosen centre's sheet (by default the first centre with items to bring, and today);
    a bad day is said and today shown (422), an unknown centre is said with no sheet (404)."""
    centres = pickup.centres()
    waiting = pickup.waiting_by_centre()
    # By default the first centre with something to bring, else the first one.
    busy = [c for c in centres if waiting.get(c)]
    centre = request.args.get("merkez") or (busy or centres or [""])[0]
    sheet, status = None, 200
    try:
        day = pickup.parse_day(request.args.get("gun"))
    except DomainError as exc:
        flash(exc.message, "warning")
        day, status = pickup.today(), 422
    if centre:
        try:
            sheet = pickup.sheet(centre, day)
        except DomainError as exc:
            flash(exc.message, "warning")
            status = 404
    form = PickupTickForm(formdata=None, centre=centre, day=day.isoformat())
    return (
        render_template(
            template,
            centres=centres,
            waiting=waiting,
            centre=centre,
            day=day,
            sheet=sheet,
            form=form,
        ),
        status,
    )


@bp.get("/pickup")
@roles_required(*STAFF)
def pickup_run():
    return _sheet_or_message("staff/pickup.html")


@bp.get("/pickup/print")
@roles_required(*STAFF)
def pickup_print():
    return _sheet_or_message("staff/pickup_print.html")


@bp.post("/pickup/received")
@roles_required(*STAFF)
def pickup_received():
    form = PickupTickForm()
    if not form.validate_on_submit():
        flash(_("Teslim alınan ürünleri seçin."), "warning")
        return redirect(url_for("staff.pickup_run"))
    params = {"merkez": form.centre.data, "gun": form.day.data}
    try:
        day = pickup.parse_day(form.day.data)
    except DomainError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("staff.pickup_run"))
    return done_or_warn(
        "staff.pickup_run",
        pickup.tick,
        form.centre.data,
        day,
        form.line_ids.data or [],
        current_user.id,
        done=lambda n: _("Teslim alındı olarak işaretlenen ürün: %(n)d", n=n),
        params=params,
    )
