"""The shop's public face: home, collections, categories, makers, products, search, the
language switch and the customer's account page. The cart's routes are in shop/cart.py."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Order, Product
from coopshop.services.catalog import listing as catalog
from coopshop.services.core import uow
from coopshop.services.members import consents
from coopshop.services.sales import cart as cart_service
from coopshop.shop import taksit
from coopshop.web import catalog_cache

bp = Blueprint("shop", __name__)


def _page_arg() -> int:
    # type=int turns "abc" into the default; the service clamps 0, negatives and past-the-end.
    return request.args.get("page", 1, type=int)


@bp.app_template_global()
def product_url(product: Product, **kwargs) -> str:
    return url_for(
        "shop.product", product_id=product.id, slug=catalog.product_slug(product), **kwargs
    )


def _listing(kind: str, params: tuple, load, **context):
    """The cached heading, cards and pager of a listing; ``load`` runs only on a miss."""
    return catalog_cache.fragment(
        kind, params, lambda: render_template("shop/_listing.html", kind=kind, **load(), **context)
    )


@bp.get("/")
def index():
    return render_template(
        "shop/index.html",
        collections=catalog.active_collections(),
        categories=catalog.categories(),
        featured=_listing("featured", (), lambda: {"products": catalog.featured_products(8)}),
    )


@bp.get("/collections/<slug>")
def collection(slug: str):
    found = catalog.collection_by_slug(slug) or abort(404)
    number = _page_arg()
    listing = _listing(
        "collection",
        (found.id, number),
        lambda: {"page": catalog.collection_products(found, number)},
        owner=found,
    )
    return render_template("shop/collection.html", collection=found, listing=listing)


@bp.get("/categories/<slug>")
def category(slug: str):
    found = catalog.category_by_slug(slug) or abort(404)
    number = _page_arg()
    listing = _listing(
        "category",
        (found.id, number),
        lambda: {"page": catalog.category_products(found, number)},
        owner=found,
    )
    return render_template("shop/category.html", category=found, listing=listing)


@bp.get("/producers/<int:producer_id>")
def producer(producer_id: int):
    found = catalog.public_producer(producer_id) or abort(404)
    number = _page_arg()
    listing = _listing(
        "producer",
        (found.id, number),
        lambda: {"page": catalog.producer_products(found, number)},
        owner=found,
    )
    return render_template("shop/producer.html", producer=found, listing=listing)


@bp.get("/products/<int:product_id>")
@bp.get("/products/<int:product_id>-<slug>")
def product(product_id: int, slug: str | None = None):
    found = catalog.product_for_sale(product_id) or abort(404)
    if slug is not None and slug != catalog.product_slug(found):
        return redirect(product_url(found), 301)
    return render_template(
        "shop/product.html",
        product=found,
        max_quantity=cart_service.max_addable(found),
        taksit=taksit.tables_for(found.price_kurus),
    )


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[: catalog.MAX_QUERY_LENGTH]
    number = _page_arg()
    listing = _listing(
        "search",
        (tuple(catalog.search_words(query)), query, number),
        lambda: {"page": catalog.search(query, number)},
        query=query,
    )
    return render_template("shop/search.html", query=query, listing=listing)


@bp.post("/language/<code>")
def set_language(code: str):
    if code not in ("tr", "en"):
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        uow.commit()
    target = request.form.get("next") or request.referrer or url_for("shop.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("shop.index")
    return redirect(target)


@bp.get("/account")
@login_required
def account():
    orders = db.session.scalars(
        select(Order)
        .where(Order.customer_id == current_user.id)
        .order_by(Order.created_at.desc())
        .limit(50)
    ).all()
    from coopshop.shop.privacy import MarketingForm

    consent = consents.marketing_consent(current_user)
    form = MarketingForm(marketing=bool(consent and consent.granted))
    return render_template(
        "shop/account.html", orders=orders, marketing_form=form, marketing_record=consent
    )


@bp.get("/media/<path:path>")
def media(path: str):
    """Product and profile images saved under UPLOAD_DIR (re-encoded on upload)."""
    from flask import current_app, send_from_directory

    return send_from_directory(current_app.config["UPLOAD_DIR"], path, max_age=86400)


# The cart's routes live on this blueprint too; importing the module registers them.
from coopshop.shop import cart  # noqa: E402, F401
