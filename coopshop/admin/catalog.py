"""Admin pages: catalog — the product review queue, collections and categories (routes on the
admin blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from coopshop.admin.catalog_forms import (
    CategoryForm,
    CollectionForm,
    PackedForm,
    SendBackForm,
    WithdrawalExclusionForm,
)
from coopshop.admin.member_forms import ConfirmForm
from coopshop.admin.routes import bp
from coopshop.db import db
from coopshop.models import Category, Collection, Product, utcnow
from coopshop.services.books import commission
from coopshop.services.catalog import catalog_admin, product_input
from coopshop.services.catalog.catalog_admin import CategoryData, CollectionData
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import DomainError
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

# --- the review queue ------------------------------------------------------------------------


def _render_review(status: int = 200, failed: tuple[int, SendBackForm] | None = None):
    page = catalog_admin.review_queue(request.args.get("page", type=int))
    forms = {p.id: SendBackForm(prefix=f"p{p.id}", formdata=None) for p in page.items}
    if failed is not None:
        forms[failed[0]] = failed[1]
    exclusion_forms = {
        p.id: WithdrawalExclusionForm(
            prefix=f"w{p.id}", formdata=None, withdrawal_exclusion=p.withdrawal_exclusion or ""
        )
        for p in page.items
    }
    packed_forms = {
        p.id: PackedForm(
            prefix=f"k{p.id}",
            formdata=None,
            weight_g=p.weight_g,
            box=f"{p.length_cm}x{p.width_cm}x{p.height_cm}" if p.length_cm else "",
        )
        for p in page.items
    }
    return (
        render_template(
            "admin/review.html",
            page=page,
            forms=forms,
            exclusion_forms=exclusion_forms,
            packed_forms=packed_forms,
            # Each product's own dated rate in force now (one query for the page).
            own_rates=commission.rates_in_force(
                utcnow(), [], [], [p.id for p in page.items]
            ).products,
            confirm=ConfirmForm(),
        ),
        status,
    )


def _product_or_404(product_id: int) -> Product:
    product = catalog_admin.product_for_review(product_id)
    if product is None:
        abort(404)
    return product


@bp.get("/review")
@roles_required("admin")
def review():
    return _render_review()


def _back_to_review():
    return redirect(url_for("admin.review", page=request.args.get("page", type=int)))


@bp.post("/review/<int:product_id>/approve")
@roles_required("admin")
def review_approve(product_id: int):
    product = _product_or_404(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not attempt(catalog_admin.approve_product, product, current_user.id).ok:
        return redirect(url_for("admin.review"))
    flash(
        _("“%(title)s” satışa açıldı; üreticilerine haber verildi.", title=product.title_tr),
        "success",
    )
    return _back_to_review()


@bp.post("/review/<int:product_id>/send-back")
@roles_required("admin")
def review_send_back(product_id: int):
    product = _product_or_404(product_id)
    form = SendBackForm(prefix=f"p{product.id}")
    if not form.validate_on_submit():
        return _render_review(400, (product.id, form))
    outcome = attempt(
        catalog_admin.send_back, product, form.reason.data, current_user.id, form=form
    )
    if outcome.rerender:
        return _render_review(outcome.status, (product.id, form))
    if not outcome.ok:
        return redirect(url_for("admin.review"))
    flash(
        _("“%(title)s” nedeniyle birlikte üreticilerine geri gönderildi.", title=product.title_tr),
        "success",
    )
    return _back_to_review()


@bp.post("/products/<int:product_id>/withdrawal-exclusion")
@roles_required("admin")
def product_withdrawal_exclusion(product_id: int):
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    form = WithdrawalExclusionForm(prefix=f"w{product.id}")
    if not form.validate_on_submit():
        flash(_("Cayma hakkı için listeden bir seçenek seçin."), "danger")
        return _back_to_review()
    outcome = attempt(
        catalog_admin.set_withdrawal_exclusion,
        product,
        form.withdrawal_exclusion.data or None,
        current_user.id,
    )
    if outcome.ok:
        flash(_("“%(title)s” için cayma hakkı kaydedildi.", title=product.title_tr), "success")
    return _back_to_review()


@bp.post("/products/<int:product_id>/packed")
@roles_required("admin")
def product_packed(product_id: int):
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    form = PackedForm(prefix=f"k{product.id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "danger")
        return _back_to_review()
    try:
        box = product_input.parse_box(form.box.data)
    except DomainError as exc:
        flash(exc.message, "danger")
        return _back_to_review()
    outcome = attempt(catalog_admin.set_packed, product, form.weight_g.data, box, current_user.id)
    if outcome.ok:
        flash(_("“%(title)s” için kargo paketi kaydedildi.", title=product.title_tr), "success")
    return _back_to_review()


# --- collections -----------------------------------------------------------------------------


def _product_counts(column) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ).all()
    )


@bp.get("/collections")
@roles_required("admin")
def collections():
    rates = commission.rates_in_force(utcnow())
    return render_template(
        "admin/collections.html",
        collections=catalog_admin.collections(),
        rates=rates,
        default_bp=rates.default_or(settings_service.current().default_commission_bp),
        counts=_product_counts(Product.collection_id),
    )


def _save_form(form, save, data, obj, template: str, done_endpoint: str, **context):
    """Validate ``form`` and save it in one unit of work, or show the form again as typed."""
    if form.validate_on_submit():
        outcome = attempt(save, data(form), current_user.id, obj, form=form)
        if outcome.ok:
            flash(_("“%(name)s” kaydedildi.", name=outcome.value.name_tr), "success")
            return redirect(url_for(done_endpoint))
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, obj=obj, **context), status


def _collection_data(form: CollectionForm) -> CollectionData:
    return CollectionData(
        slug=form.slug.data,
        name_tr=form.name_tr.data,
        name_en=form.name_en.data or "",
        description_tr=form.description_tr.data or "",
        description_en=form.description_en.data or "",
        active=form.active.data,
        position=form.position.data,
    )


@bp.route("/collections/new", methods=["GET", "POST"])
@bp.route("/collections/<int:collection_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def collection_edit(collection_id: int | None = None):
    collection = None
    if collection_id is not None:
        collection = db.session.get(Collection, collection_id)
        if collection is None:
            abort(404)
    form = CollectionForm(obj=collection)
    rates = commission.rates_in_force(utcnow(), [collection.id] if collection else [])
    return _save_form(
        form,
        catalog_admin.save_collection,
        _collection_data,
        collection,
        "admin/collection_form.html",
        "admin.collections",
        rate_bp=rates.collection_bp(collection),
    )


# --- categories ------------------------------------------------------------------------------


@bp.get("/categories")
@roles_required("admin")
def categories():
    return render_template(
        "admin/categories.html",
        categories=catalog_admin.categories(),
        counts=_product_counts(Product.category_id),
    )


def _category_data(form: CategoryForm) -> CategoryData:
    return CategoryData(slug=form.slug.data, name_tr=form.name_tr.data, name_en=form.name_en.data)


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def category_edit(category_id: int | None = None):
    category = None
    if category_id is not None:
        category = db.session.get(Category, category_id)
        if category is None:
            abort(404)
    return _save_form(
        CategoryForm(obj=category),
        catalog_admin.save_category,
        _category_data,
        category,
        "admin/category_form.html",
        "admin.categories",
    )
