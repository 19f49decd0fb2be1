"""The producer's workspace."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from coopshop.extensions import db
from coopshop.models import Product, ProductMaker
from coopshop.permissions import current_producer, roles_required

bp = Blueprint("producer", __name__)


@bp.get("/")
@roles_required("producer")
def home():
    profile = current_producer()
    counts = dict(
        db.session.execute(
            select(Product.status, func.count())
            .join(ProductMaker, ProductMaker.product_id == Product.id)
            .where(ProductMaker.producer_id == profile.id)
            .group_by(Product.status)
        ).all()
    )
    return render_template("producer/home.html", profile=profile, counts=counts)
