"""The cooperative's back office."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Order, ProducerProfile, Product
from coopshop.web.permissions import roles_required

bp = Blueprint("admin", __name__)


@bp.get("/")
@roles_required("admin")
def home():
    applications = db.session.scalars(
        select(ProducerProfile)
        .where(ProducerProfile.membership_status == "applied")
        .order_by(ProducerProfile.created_at)
        .limit(20)
    ).all()
    in_review = db.session.scalar(
        select(func.count()).select_from(Product).where(Product.status == "in_review")
    )
    orders_by_status = dict(
        db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
    )
    members = db.session.scalar(
        select(func.count())
        .select_from(ProducerProfile)
        .where(ProducerProfile.membership_status == "active")
    )
    return render_template(
        "admin/home.html",
        applications=applications,
        in_review=in_review,
        orders_by_status=orders_by_status,
        members=members,
    )


# The admin pages live in one module per part of the back office; importing them adds their
# routes to this blueprint.
import coopshop.admin.audit_log  # noqa: E402, F401, I001
import coopshop.admin.iban_changes  # noqa: E402, F401
import coopshop.admin.impact  # noqa: E402, F401
import coopshop.admin.invoices  # noqa: E402, F401
import coopshop.admin.legal  # noqa: E402, F401
import coopshop.admin.jobs  # noqa: E402, F401
import coopshop.admin.catalog  # noqa: E402, F401
import coopshop.admin.data_requests  # noqa: E402, F401
import coopshop.admin.member_tax  # noqa: E402, F401
import coopshop.admin.members  # noqa: E402, F401
import coopshop.admin.payouts  # noqa: E402, F401
import coopshop.admin.policy  # noqa: E402, F401
import coopshop.admin.questions  # noqa: E402, F401
import coopshop.admin.reconcile  # noqa: E402, F401
import coopshop.admin.refunds  # noqa: E402, F401
import coopshop.admin.withholding  # noqa: E402, F401
import coopshop.admin.reports  # noqa: E402, F401
import coopshop.admin.shipping_rates  # noqa: E402, F401
import coopshop.admin.withdrawals  # noqa: E402, F401
