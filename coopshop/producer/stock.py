"""Stock of her products: quick +1 / -1 buttons, adjustments with a reason, and the history."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.producer.forms import QuickStockForm, StockForm
from coopshop.producer.routes import bp, form_error, or_404, wait_page
from coopshop.services.catalog import own_products
from coopshop.services.catalog import stock as stock_service
from coopshop.services.core import uow
from coopshop.services.core.errors import DomainError
from coopshop.web.permissions import current_producer, roles_required


def _render_stock(profile, product, form=None, status=200):
    return render_template(
        "producer/stock.html",
        profile=profile,
        product=product,
        form=form or StockForm(),
        quick_form=QuickStockForm(),
        history=stock_service.history(product.id, request.args.get("page", 1, int)),
        reason_label=stock_service.reason_label,
        low_stock_at=stock_service.LOW_STOCK_AT,
    ), status


@bp.route("/products/<int:product_id>/stock", methods=["GET", "POST"])
@roles_required("producer")
def product_stock(product_id: int):
    profile = current_producer()
    product = or_404(own_products.get_own_product, profile.id, product_id)
    if request.method == "GET":
        return _render_stock(profile, product)
    if not profile.is_member:
        return wait_page(profile)
    form = StockForm()
    if form.validate_on_submit():
        delta = form.quantity.data if form.direction.data == "add" else -form.quantity.data
        try:
            stock_service.adjust(
                profile, product, delta, form.reason.data, form.note.data, current_user.id
            )
        except DomainError as exc:
            uow.rollback()
            form_error(form, exc)
        else:
            uow.commit()
            flash(_("Stok güncellendi: şimdi %(n)d adet.", n=product.stock), "success")
            return redirect(url_for("producer.product_stock", product_id=product_id))
    product = or_404(own_products.get_own_product, profile.id, product_id)
    return _render_stock(profile, product, form=form, status=400)


@bp.post("/products/<int:product_id>/stock/quick")
@roles_required("producer")
def product_stock_quick(product_id: int):
    profile = current_producer()
    product = or_404(own_products.get_own_product, profile.id, product_id)
    if not profile.is_member:
        return wait_page(profile)
    form = QuickStockForm()
    if not form.validate_on_submit() or form.step.data not in ("1", "-1"):
        abort(400)
    delta = int(form.step.data)
    try:
        stock_service.adjust(
            profile, product, delta, "produced" if delta > 0 else "count", "", current_user.id
        )
    except DomainError as exc:
        uow.rollback()
        flash(exc.message, "danger")
    else:
        uow.commit()
        flash(_("Stok güncellendi: şimdi %(n)d adet.", n=product.stock), "success")
    target = request.form.get("next")
    if target != "list":
        return redirect(url_for("producer.product_stock", product_id=product_id))
    return redirect(url_for("producer.products_list"))
