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


@bp.route("/reconcile", methods=["GET", "POST"])
@roles_required("admin")
def reconcile_page():
    """Reading a provider is only done on a submitted (CSRF-checked) form; nothing is written."""
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
    status = 200
    if form.validate_on_submit():
        start, end = reconcile.day_period(form.first_day.data, form.last_day.data)
        try:
            report = reconcile_providers.run(name, providers.get(name), start, end)
        except reconcile_providers.READ_ERRORS as exc:
            flash(reconcile_providers.read_error_text(name, exc), "danger")
            status = 502
    elif form.is_submitted():
        status = 422
    return render_template(
        "admin/reconcile/index.html",
        form=form,
        report=report,
        provider=name,
        provider_name=reconcile_providers.NAMES.get(name or ""),
        providers=providers,
        kinds=reconcile_providers.KINDS.get(name or "", reconcile.KINDS),
    ), status
