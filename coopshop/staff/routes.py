"""Staff's desk: bazaar cash sessions and bank transfers waiting for confirmation.

Staff record sales; they never move money out (payouts and refunds are the admin's)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from coopshop.services.bazaar import cash
from coopshop.services.sales import fulfilment, transfers
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

bp = Blueprint("staff", __name__)


@bp.get("/")
@roles_required("staff", "admin")
def home():
    awaiting_transfer, transfer_count = transfers.awaiting(limit=50)
    return render_template(
        "staff/home.html",
        open_sessions=cash.summaries(cash.open_sessions()),
        awaiting_transfer=awaiting_transfer,
        transfer_count=transfer_count,
        to_fulfil=fulfilment.queue_counts(),
    )


def done_or_warn(queue_endpoint: str, action, *args, done=None, params: dict | None = None):
    """A queue's one-press change in its unit of work, then back to the queue (with its filter,
    ``params``): ``done(value)`` says what happened; a refusal (not ready, done already, gone) is
    said as a warning."""
    outcome = attempt(action, *args, show=False)
    if not outcome.ok:
        flash(outcome.error.message, "warning")
    elif done is not None:
        flash(done(outcome.value), "success")
    return redirect(url_for(queue_endpoint, **(params or {})))


# Cash sessions, bazaar desk, bank-transfer queue and fulfilment, one module each; importing
# them adds their routes to this blueprint.
import coopshop.staff.fulfilment  # noqa: E402, F401, I001
import coopshop.staff.labels  # noqa: E402, F401
import coopshop.staff.offline  # noqa: E402, F401
import coopshop.staff.pickup  # noqa: E402, F401
import coopshop.staff.pos  # noqa: E402, F401
import coopshop.staff.returned  # noqa: E402, F401
import coopshop.staff.returns  # noqa: E402, F401
import coopshop.staff.sessions  # noqa: E402, F401
import coopshop.staff.transfers  # noqa: E402, F401
import coopshop.staff.withdrawals  # noqa: E402, F401
