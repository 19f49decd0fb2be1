"""The shop's public face: home, language switch, the customer's account page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from coopshop.extensions import db
from coopshop.models import Collection, Order
from coopshop.services import catalog

bp = Blueprint("shop", __name__)


@bp.get("/")
def index():
    collections = db.session.scalars(
        select(Collection).where(Collection.active.is_(True)).order_by(Collection.position)
    ).all()
    featured = catalog.featured_products(limit=8)
    return render_template("shop/index.html", collections=collections, featured=featured)


@bp.post("/language/<code>")
def set_language(code: str):
    if code not in ("tr", "en"):
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
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
    return render_template("shop/account.html", orders=orders)


@bp.get("/media/<path:path>")
def media(path: str):
    """Product and profile images saved under UPLOAD_DIR (re-encoded on upload)."""
    from flask import current_app, send_from_directory

    return send_from_directory(current_app.config["UPLOAD_DIR"], path, max_age=86400)
