"""Staff pages: the bazaar point of sale (routes on the staff blueprint).

Built for a tablet and a barcode scanner: the code field has the focus, a scanner types the code
and Enter, the running ticket is kept in the session (per cash session), and one press on
"Nakit" or "Kart" sells it and shows the order number.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.services.bazaar import cash
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.core.errors import DomainError, NotFound
from coopshop.services.sales.orders import Buyer, LineRequest
from coopshop.staff.forms import ActionForm, PosAddForm, PosLineForm, PosPayForm
from coopshop.staff.routes import bp
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

STAFF = ("staff", "admin")
SESSION_KEY = "pos"


# -- the ticket in the (signed cookie) session, one per cash session --------------------------


def _all_tickets() -> dict:
    raw = session.get(SESSION_KEY)
    return raw if isinstance(raw, dict) else {}


def _ticket_state(session_id: int) -> dict:
    state = _all_tickets().get(str(session_id))
    if not isinstance(state, dict) or not isinstance(state.get("ref"), str):
        state = {"ref": bazaar.new_ticket_ref(), "items": [], "last": None}
    items = []
    for item in state.get("items") or []:
        try:
            code, quantity = str(item[0]), int(item[1])
        except (TypeError, ValueError, IndexError):
            continue
        if code and quantity > 0:
            items.append((code, quantity))
    return {"ref": state["ref"], "items": items, "last": state.get("last")}


def _save(session_id: int, state: dict) -> None:
    tickets = dict(_all_tickets())
    tickets[str(session_id)] = {
        "ref": state["ref"],
        "items": [[code, qty] for code, qty in state["items"]],
        "last": state.get("last"),
    }
    session[SESSION_KEY] = tickets


def _open_session_or_redirect(session_id: int):
    try:
        cash_session = cash.get(session_id)
    except NotFound:
        abort(404)
    if cash_session.status != "open":
        flash(_("Bu kasa oturumu kapatılmış; satış yapılamaz."), "warning")
        return None, redirect(url_for("staff.session_detail", session_id=session_id))
    return cash_session, None


def _render(cash_session, state, add_form=None, pay_form=None, status=200):
    ticket = bazaar.price_ticket(state["items"])
    add_form = add_form or PosAddForm(formdata=None)
    pay_form = pay_form or PosPayForm(formdata=None, ticket_ref=state["ref"])
    pay_form.ticket_ref.data = state["ref"]
    return (
        render_template(
            "staff/pos.html",
            cash_session=cash_session,
            ticket=ticket,
            last=None if state["items"] else state.get("last"),
            add_form=add_form,
            pay_form=pay_form,
        ),
        status,
    )


@bp.get("/sessions/<int:session_id>/pos")
@roles_required(*STAFF)
def pos(session_id: int):
    cash_session, redirect_to = _open_session_or_redirect(session_id)
    if redirect_to:
        return redirect_to
    return _render(cash_session, _ticket_state(session_id))


@bp.post("/sessions/<int:session_id>/pos/add")
@roles_required(*STAFF)
def pos_add(session_id: int):
    cash_session, redirect_to = _open_session_or_redirect(session_id)
    if redirect_to:
        return redirect_to
    state = _ticket_state(session_id)
    form = PosAddForm()
    if not form.validate_on_submit():
        return _render(cash_session, state, add_form=form, status=422)
    try:
        state["items"] = bazaar.add_to_ticket(state["items"], form.code.data, form.quantity.data)
    except DomainError as exc:
        field = form.quantity if exc.details.get("field") == "quantity" else form.code
        field.errors = [*field.errors, exc.message]
        return _render(cash_session, state, add_form=form, status=409)
    state["last"] = None
    _save(session_id, state)
    return redirect(url_for("staff.pos", session_id=session_id))


@bp.post("/sessions/<int:session_id>/pos/remove")
@roles_required(*STAFF)
def pos_remove(session_id: int):
    form = PosLineForm()
    state = _ticket_state(session_id)
    if form.validate_on_submit():
        state["items"] = [(c, q) for c, q in state["items"] if c != form.code.data]
        _save(session_id, state)
    return redirect(url_for("staff.pos", session_id=session_id))


@bp.post("/sessions/<int:session_id>/pos/clear")
@roles_required(*STAFF)
def pos_clear(session_id: int):
    if ActionForm().validate_on_submit():
        state = _ticket_state(session_id)
        _save(session_id, {"ref": bazaar.new_ticket_ref(), "items": [], "last": state["last"]})
    return redirect(url_for("staff.pos", session_id=session_id))


def _invoice_buyer(form: PosPayForm) -> Buyer | None:
    """The buyer who asked for an invoice at the desk (None when nobody asked)."""
    details = form.invoice_details()
    if not details["company"] and not details["tax_id"]:
        return None
    return Buyer(name=details["company"], **details)


@bp.post("/sessions/<int:session_id>/pos/pay")
@roles_required(*STAFF)
def pos_pay(session_id: int):
    cash_session, redirect_to = _open_session_or_redirect(session_id)
    if redirect_to:
        return redirect_to
    state = _ticket_state(session_id)
    form = PosPayForm()
    if not form.validate_on_submit():
        return _render(cash_session, state, pay_form=form, status=422)
    if form.ticket_ref.data != state["ref"]:
        # A page from before the last sale (a second click, the back button): sell nothing.
        sold = bazaar.order_for_ticket(form.ticket_ref.data)
        if sold is not None:
            flash(_("Bu fiş zaten satıldı: %(number)s", number=sold.number), "info")
        else:
            flash(_("Fiş değişti; lütfen yeniden deneyin."), "warning")
        return redirect(url_for("staff.pos", session_id=session_id))
    method = form.method.data
    ticket = bazaar.price_ticket(state["items"])
    tendered = form.tendered.kurus if method == "cash" else None
    if tendered is not None and tendered < ticket.total_kurus:
        form.tendered.errors = [_("Alınan nakit toplamdan az.")]
        return _render(cash_session, state, pay_form=form, status=422)
    lines = [LineRequest(code=code, quantity=qty) for code, qty in state["items"]]
    outcome = attempt(
        bazaar.sell_ticket,
        session_id,
        lines,
        method,
        current_user.id,
        form.ticket_ref.data,
        buyer=_invoice_buyer(form),
    )
    if not outcome.ok:
        return _render(cash_session, state, pay_form=form, status=409)
    order = outcome.value
    change = tendered - order.total_kurus if tendered is not None else None
    _save(
        session_id,
        {
            "ref": bazaar.new_ticket_ref(),
            "items": [],
            "last": {
                "number": order.number,
                "total": order.total_kurus,
                "method": order.payment_method,
                "change": change,
            },
        },
    )
    return redirect(url_for("staff.pos", session_id=session_id))
