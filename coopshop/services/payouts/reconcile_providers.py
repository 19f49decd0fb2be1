"""Reconciliation with whichever card providers are configured (iyzico, Stripe): one entry point
for the admin page and the CLI, so both run the same comparison and know the same errors."""

from __future__ import annotations

from datetime import datetime

import stripe
from flask_babel import lazy_gettext as _l

from coopshop.services.payouts import reconcile, reconcile_iyzico, settlements
from coopshop.services.sales import iyzico, payments

NAMES = {"iyzico": "iyzico", "stripe": "Stripe"}
KINDS = {"iyzico": reconcile_iyzico.KINDS, "stripe": reconcile.KINDS}
# What reading a provider can raise: the page and the CLI say so instead of failing.
READ_ERRORS = (stripe.StripeError, iyzico.ProviderError)


def configured(config) -> dict[str, object]:
    """name → provider for each card provider with its keys set, the chosen one first."""
    found = {
        "iyzico": payments.iyzico_provider(config),
        "stripe": payments.stripe_provider(config),
    }
    order = sorted(found, key=lambda name: name != payments.chosen_provider(config))
    return {name: found[name] for name in order if found[name] is not None}


def run(name: str | None, provider, start: datetime, end: datetime) -> reconcile.Report:
    """The provider's mismatches for [start, end) and the ledger's own check; with no provider
    (``name`` None) the ledger check alone."""
    if name == "iyzico":
        return reconcile_iyzico.run(provider.client, start, end)
    if name == "stripe":
        return reconcile.run(provider, start, end)
    return reconcile.run(None, start, end)


def run_and_record(name: str | None, provider, start: datetime, end: datetime):
    """``run``, and the provider's settlements of the period kept (services.payouts.settlements)
    for the bank statement to be matched to: (report, settlements). Adds and flushes."""
    report = run(name, provider, start, end)
    kept = settlements.record(name, provider, start, end) if name and provider else []
    return report, kept


def read_error_text(name: str | None, exc: Exception) -> str:
    return str(
        _l(
            "Ödeme sağlayıcısından (%(provider)s) okunamadı: %(error)s",
            provider=NAMES.get(name or "", name),
            error=exc,
        )
    )
