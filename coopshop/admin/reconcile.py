"""Admin page: reconciliation with Stripe for a period, and the ledger's own check (routes on the
admin blueprint). The same service as `flask reconcile stripe`."""

from __future__ import annotations

import stripe
from flask import current_app, flash, render_template
from flask_babel import gettext as _

from coopshop.admin.reconcile_forms import ReconcileForm
from coopshop.admin.routes import bp
from coopshop.models import utcnow
from coopshop.services.payouts import reconcile
from coopshop.services.sales import payments
from coopshop.web.permissions import roles_required


@bp.route("/reconcile", methods=["GET", "POST"])
@roles_required("admin")
def reconcile_page():
    """Reading Stripe is only done on a submitted (CSRF-checked) form; nothing is written."""
    form = ReconcileForm()
    provider = payments.stripe_provider(current_app.config)
    today = utcnow().astimezone(reconcile.ISTANBUL).date()
    if form.first_day.data is None and form.last_day.data is None and not form.is_submitted():
        form.first_day.data, form.last_day.data = today.replace(day=1), today
    report = None
    status = 200
    if form.validate_on_submit():
        start, end = reconcile.day_period(form.first_day.data, form.last_day.data)
        try:
            report = reconcile.run(provider, start, end)
        except stripe.StripeError as exc:
            flash(_("Stripe'tan okunamadı: %(error)s", error=str(exc)), "danger")
            status = 502
    elif form.is_submitted():
        status = 422
    return render_template(
        "admin/reconcile/index.html",
        form=form,
        report=report,
        stripe_configured=provider is not None,
        kinds=reconcile.KINDS,
    ), status
