"""Admin pages: the dated commission policy — the rates in force, changes to come, and a new
rate with its preview before it is saved (routes on the admin blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.admin.member_forms import CommissionForm, ConfirmForm
from coopshop.admin.policy_forms import PolicyForm
from coopshop.admin.routes import bp
from coopshop.db import db
from coopshop.models import CommissionRate, Product
from coopshop.money import rate_input_text
from coopshop.services.books import commission, commission_overview, commission_preview
from coopshop.services.books.commission import RateChange
from coopshop.services.catalog import catalog_admin
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import NotFound
from coopshop.web.formatting import when
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt, show_error

_FIELDS = {"scope": "target", "effective_from": "effective_from", "rate": "rate", "note": "note"}


def _check_or_save(change: RateChange, save: bool, default_bp: int):
    """Check the change, then schedule it (the new rate) or only preview it (nothing written)."""
    checked = commission.validated(change)
    if save:
        return commission.schedule(change, current_user.id)
    return commission_preview.preview(checked, default_bp)


@bp.route("/policy", methods=["GET", "POST"])
@roles_required("admin")
def policy():
    default_bp = settings_service.current().default_commission_bp
    collections = catalog_admin.collections()
    form = PolicyForm(collections=collections)
    if request.method == "GET" and request.args.get("target"):
        form.target.data = request.args["target"]
    preview = None
    status = 200
    if form.validate_on_submit():
        scope, collection_id = form.scope
        change = RateChange(
            scope=scope,
            collection_id=collection_id,
            rate_bp=form.rate.bp,
            effective_from=form.effective_from.utc,
            note=form.note.data or "",
        )
        save = request.form.get("action") == "save"
        outcome = attempt(_check_or_save, change, save, default_bp, show=False)
        if outcome.ok and save:
            flash(
                _(
                    "Oran kaydedildi; %(when)s itibarıyla yapılan satışlara uygulanır.",
                    when=when(outcome.value.effective_from, "short"),
                ),
                "success",
            )
            return redirect(url_for("admin.policy"))
        if outcome.ok:
            preview = outcome.value
        else:  # any rule that names a field is shown under it, whatever its kind
            show_error(form, outcome.error, _FIELDS)
            status = 400
    elif request.method == "POST":
        status = 400
    return (
        render_template(
            "admin/policy.html",
            form=form,
            preview=preview,
            overview=commission_overview.overview(default_bp),
            confirm=ConfirmForm(),
        ),
        status,
    )


_BACK_TO = {
    "producer": lambda rate: url_for("admin.member", producer_id=rate.producer_id),
    "product": lambda rate: url_for("admin.product_commission", product_id=rate.product_id),
}


@bp.post("/policy/<int:rate_id>/cancel")
@roles_required("admin")
def policy_cancel(rate_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    rate = db.session.get(CommissionRate, rate_id)
    back = _BACK_TO.get(rate.scope if rate else "", lambda _: url_for("admin.policy"))(rate)
    outcome = attempt(commission.cancel, rate_id, current_user.id, show=False)
    if isinstance(outcome.error, NotFound):
        abort(404)
    if outcome.ok:
        flash(_("Planlanan oran değişikliği geri çekildi."), "success")
    else:
        flash(outcome.error.message, "danger")
    return redirect(back)


def _render_product_rate(product: Product, form: CommissionForm | None = None, status=200):
    own_rates = commission_overview.history_of("product", product.id)
    form = form or CommissionForm(
        prefix="commission", formdata=None, data={"rate": rate_input_text(own_rates.current_bp)}
    )
    return (
        render_template(
            "admin/product_commission.html",
            product=product,
            own_rates=own_rates,
            commission=form,
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.route("/products/<int:product_id>/commission", methods=["GET", "POST"])
@roles_required("admin")
def product_commission(product_id: int):
    """A product's own dated commission rate (before its makers', collection's and the
    default), with its history."""
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    if request.method == "GET":
        return _render_product_rate(product)
    form = CommissionForm(prefix="commission")
    if not form.validate_on_submit():
        return _render_product_rate(product, form, 400)
    outcome = attempt(
        commission_overview.set_own_rate,
        "product",
        product.id,
        form.rate.bp,
        current_user.id,
        form.effective_from.utc,
        form.note.data or "",
        form=form,
    )
    if outcome.rerender:
        return _render_product_rate(product, form, outcome.status)
    if outcome.ok:
        flash(
            _("Ürünün kendi oranı kaydedildi; başlangıcından sonraki satışlara uygulanır."),
            "success",
        )
    return redirect(url_for("admin.product_commission", product_id=product.id))
