"""Product status changes, by the one transition table in models.catalog.PRODUCT_TRANSITIONS."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coopshop.models import Product
from coopshop.models.catalog import PRODUCT_STATUSES, PRODUCT_TRANSITIONS
from coopshop.services.core.errors import InvalidTransition, ValidationFailed

PRODUCT_STATUS_LABELS = {
    "draft": _l("Taslak"),
    "in_review": _l("İncelemede"),
    "active": _l("Satışta"),
    "archived": _l("Arşiv"),
}


def change_status(product: Product, to: str) -> Product:
    """Move ``product`` to status ``to``; a change the table does not allow raises
    InvalidTransition and leaves the product as it was."""
    if to not in PRODUCT_STATUSES:
        raise ValidationFailed(_l("Bilinmeyen ürün durumu: %(status)s", status=to), field="status")
    if to not in PRODUCT_TRANSITIONS[product.status]:
        raise InvalidTransition(
            _l(
                "Ürün “%(from_label)s” durumundan “%(to_label)s” durumuna geçemez.",
                from_label=PRODUCT_STATUS_LABELS[product.status],
                to_label=PRODUCT_STATUS_LABELS[to],
            ),
            from_status=product.status,
            to_status=to,
        )
    product.status = to
    return product
