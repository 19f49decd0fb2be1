"""Staff's desk: bazaar cash sessions and bank transfers waiting for confirmation.

Staff record sales; they never move money out (payouts and refunds are the admin's)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from coopshop.extensions import db
from coopshop.models import CashSession, Order
from coopshop.permissions import roles_required

bp = Blueprint("staff", __name__)


@bp.get("/")
@roles_required("staff", "admin")
def home():
    open_sessions = db.session.scalars(
        select(CashSession).where(CashSession.status == "open").order_by(CashSession.opened_at)
    ).all()
    awaiting_transfer = db.session.scalars(
        select(Order)
        .where(Order.channel == "bank_transfer", Order.status == "pending_payment")
        .order_by(Order.created_at)
        .limit(50)
    ).all()
    return render_template(
        "staff/home.html", open_sessions=open_sessions, awaiting_transfer=awaiting_transfer
    )


# Bazaar desk, bank-transfer queue and fulfilment, one module each; importing them adds their
# routes to this blueprint.
import coopshop.staff.fulfilment  # noqa: E402, F401, I001
import coopshop.staff.pos  # noqa: E402, F401
import coopshop.staff.transfers  # noqa: E402, F401
