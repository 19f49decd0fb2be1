"""Admin page: reconciliation with a card provider (iyzico or Stripe, whichever are configured)
for a period, and the ledger's own check (routes on the admin blueprint). The same service as
`flask reconcile iyzico|stripe` (services.payouts.reconcile_providers)."""

from __future__ import annotations

from flask import current_app, flash, render_template
from wtforms.fields.choices import SelectChoice

from coopshop import turkey
from coopshop.admin.reconcile_forms import ReconcileForm
from coopshop.admin.routes import bp
from coopshop.models import utcnow
from coopshop.services.payouts import reconcile, reconcile_providers
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


@bp.route("/reconcile", methods=["GET", "POST"])
@roles_required("admin")
def reconcile_page():
    """Reading a provider is only done on a submitted (CSRF-checked) form; what is written is
    the provider's settlement records of the period (for the bank statement's matching)."""
    providers = reconcile_providers.configured(current_app.config)
    form = ReconcileForm(provider=next(iter(providers), ""))
    form.provider.choices = [
        SelectChoice(name, reconcile_providers.NAMES[name]) for name in providers
    ] or [SelectChoice("", "—")]
    today = turkey.istanbul_date(utcnow())
    if form.first_day.data is None and form.last_day.data is None and not form.is_submitted():
        form.first_day.data, form.last_day.data = today.replace(day=1), today
    name = form.provider.data or None
    report = None
    settlements = []
    status = 200
    if form.validate_on_submit():
        start, end = reconcile.day_period(form.first_day.data, form.last_day.data)
        try:
            outcome = attempt(
                reconcile_providers.run_and_record, name, providers.get(name), start, end
            )
            report, settlements = outcome.value if outcome.ok else (None, [])
        except reconcile_providers.READ_ERRORS as exc:
            flash(reconcile_providers.read_error_text(name, exc), "danger")
            status = 502
    elif form.is_submitted():
        status = 422
    return render_template(
        "admin/reconcile/index.html",
        form=form,
        report=report,
        settlements=settlements,
        provider=name,
        provider_name=reconcile_providers.NAMES.get(name or ""),
        providers=providers,
        kinds=reconcile_providers.KINDS.get(name or "", reconcile.KINDS),
    ), status
