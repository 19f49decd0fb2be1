"""Staff pages: the bank-transfer queue (routes on the staff blueprint).

Each order waiting for its havale/EFT is confirmed with the bank's reference and the amount that
arrived, or cancelled when the money never comes.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.services.core.errors import NotFound
from coopshop.services.sales import transfers
from coopshop.staff.forms import ActionForm, ConfirmTransferForm
from coopshop.staff.routes import bp, done_or_warn
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

STAFF = ("staff", "admin")


def _prefix(order_id: int) -> str:
    return f"o{order_id}"


def _search() -> str:
    """The queue's filter; the card forms carry it, so an error or a success keeps it."""
    return (request.args.get("q") or "").strip()[:60]


def _back():
    return redirect(url_for("staff.transfers_queue", q=_search() or None))


def _render_queue(
    bound: ConfirmTransferForm | None = None, bound_id: int | None = None, status=200
):
    search = _search()
    rows, total = transfers.awaiting(search)
    forms = {
        order.id: (
            bound
            if order.id == bound_id and bound is not None
            else ConfirmTransferForm(
                formdata=None, prefix=_prefix(order.id), data={"number": order.number}
            )
        )
        for order in rows
    }
    return (
        render_template(
            "staff/transfers.html",
            orders=rows,
            total=total,
            search=search,
            forms=forms,
        ),
        status,
    )


@bp.get("/transfers")
@roles_required(*STAFF)
def transfers_queue():
    return _render_queue()


@bp.post("/transfers/<int:order_id>/confirm")
@roles_required(*STAFF)
def transfer_confirm(order_id: int):
    form = ConfirmTransferForm(prefix=_prefix(order_id))
    if not form.validate_on_submit():
        return _render_queue(form, order_id, status=422)
    if form.number.data != transfers.order_number(order_id):
        flash(_("Bu onay başka bir siparişin kartından geldi; hiçbir şey kaydedilmedi."), "warning")
        return _back()
    outcome = attempt(
        transfers.confirm_transfer,
        order_id,
        form.reference.data,
        current_user.id,
        form.amount.kurus,
        show=False,
    )
    exc = outcome.error
    if isinstance(exc, NotFound):
        flash(_("Havale bekleyen sipariş bulunamadı."), "warning")
        return _back()
    if exc is not None:
        field = form.amount if exc.details.get("field") == "amount" else form.reference
        field.errors = [*field.errors, exc.message]
        return _render_queue(form, order_id, status=409)
    if outcome.value:  # the shopper's e-mail goes out after the commit
        flash(_("Havale onaylandı; sipariş ödendi."), "success")
    else:
        flash(_("Bu siparişin havalesi zaten onaylanmış."), "info")
    return _back()


@bp.post("/transfers/<int:order_id>/cancel")
@roles_required(*STAFF)
def transfer_cancel(order_id: int):
    if not ActionForm().validate_on_submit():
        return _back()
    return done_or_warn(
        "staff.transfers_queue",
        transfers.cancel_transfer,
        order_id,
        current_user.id,
        done=lambda order: _(
            "Sipariş %(number)s iptal edildi; ürünler stoğa döndü.", number=order.number
        ),
        params={"q": _search() or None},
    )
