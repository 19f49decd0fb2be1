"""The producer's workspace: her home page, and the helpers its pages share.

The pages live in one module per part of the workspace (products, earnings, questions, profile);
importing them at the bottom adds their routes to this blueprint.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template
from flask_babel import format_date

from coopshop.models import ProducerProfile
from coopshop.services.books import balances
from coopshop.services.catalog import co_makers, own_products
from coopshop.services.catalog import stock as stock_service
from coopshop.services.catalog.products import PRODUCT_STATUS_LABELS
from coopshop.services.core.errors import DomainError, NotFound
from coopshop.services.reports import producer_sales
from coopshop.services.reports import to_bring as bring
from coopshop.web.permissions import current_producer, roles_required

bp = Blueprint("producer", __name__)

# Fields the services name in their errors, and the form field that shows them when the names
# differ ("makers" is about the shares: the error goes under her own share).
_FIELD_ALIASES = {"makers": "my_share", "image": "photo", "correction": "correction_amount"}


def form_error(form, exc: DomainError) -> None:
    """Show a service's error under the field it names, or as a message at the top."""
    name = exc.details.get("field", "")
    field = getattr(form, _FIELD_ALIASES.get(name, name), None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


def or_404(call, *args, **kwargs):
    """Run a service lookup; NotFound (another member's object, or none) becomes a 404."""
    try:
        return call(*args, **kwargs)
    except NotFound:
        abort(404)


def wait_page(profile: ProducerProfile):
    """What a member not (yet) approved sees instead of a product form: a friendly word."""
    return render_template("producer/wait.html", profile=profile), 403


@bp.app_template_filter("month_label")
def month_label(value, fmt: str = "MMM yyyy") -> str:
    """A month in the reader's language: "Mar 2025", "Mart 2025" ("LLLL yyyy": in full)."""
    return format_date(value, fmt)


@bp.context_processor
def _workspace_helpers():
    return {
        "product_status_label": lambda s: str(PRODUCT_STATUS_LABELS.get(s, s)),
        "channel_label": producer_sales.channel_label,
        "share_label": share_label,
    }


def share_label(share_bp: int) -> str:
    """6000 -> "60", 3333 -> "33,33": a share in percent as she reads and types it."""
    whole, rest = divmod(share_bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") if rest else str(whole)


@bp.get("/")
@roles_required("producer")
def home():
    profile = current_producer()
    return render_template(
        "producer/home.html",
        profile=profile,
        counts=own_products.status_counts(profile.id),
        balance=balances.balance(profile.id),
        low_stock=stock_service.low_stock(profile.id, limit=5),
        to_bring=len(bring.to_bring(profile.id)),
        low_stock_at=stock_service.LOW_STOCK_AT,
        invitations=co_makers.invitation_count(profile.id),
    )


import coopshop.producer.earnings  # noqa: E402, F401, I001
import coopshop.producer.invitations  # noqa: E402, F401
import coopshop.producer.products  # noqa: E402, F401
import coopshop.producer.profile  # noqa: E402, F401
import coopshop.producer.questions  # noqa: E402, F401
import coopshop.producer.stock  # noqa: E402, F401
import coopshop.producer.income  # noqa: E402, F401
