"""Photos of a member's product: up to six, checked and re-encoded by services.images (JPEG, PNG or
WebP, size-limited, EXIF removed, thumbnail made), all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from coopshop.db import db
from coopshop.models import ProducerProfile, Product, ProductImage
from coopshop.services.catalog.co_makers import require_owner
from coopshop.services.catalog.producer_products import require_member
from coopshop.services.catalog.products import change_status
from coopshop.services.core import audit, images
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed

MAX_PHOTOS = 6


def add_photos(
    producer: ProducerProfile,
    product: Product,
    files: Sequence[bytes | BinaryIO],
    upload_dir: str,
    actor_id: int | None,
) -> bool:
    """Check, re-encode and store ``files`` (services.images.save_upload: JPEG, PNG or WebP, size
    limited, EXIF removed, thumbnail made). All or nothing: when one file is refused the ones
    already written are deleted and ValidationFailed is raised. Returns True when the new photos
    sent an active product back to review (the shop shows photos, so an admin sees them first).
    """
    require_member(producer)
    require_owner(producer, product)
    if product.status == "archived":
        raise Conflict(_l("Arşivdeki bir ürünü düzenlemek için önce arşivden çıkarın."))
    files = [f for f in files if f is not None]
    if not files:
        raise ValidationFailed(_l("Bir fotoğraf seçin."), field="photos")
    if len(product.images) + len(files) > MAX_PHOTOS:
        raise ValidationFailed(
            _l(
                "Bir ürünün en fazla %(n)d fotoğrafı olabilir; şu an %(have)d fotoğraf var.",
                n=MAX_PHOTOS,
                have=len(product.images),
            ),
            field="photos",
        )
    written: list[str] = []
    try:
        stored = []
        for source in files:
            path, thumb = images.save_upload(source, upload_dir, f"products/{product.id}")
            written += [path, thumb]
            stored.append((path, thumb))
    except ValidationFailed:
        images.delete_files(upload_dir, *written)
        raise
    next_position = max((i.position for i in product.images), default=-1) + 1
    for offset, (path, thumb) in enumerate(stored):
        product.images.append(
            ProductImage(
                path=path, thumb_path=thumb, position=next_position + offset, alt=product.title_tr
            )
        )
    to_review = product.status == "active"
    if to_review:
        change_status(product, "in_review")
    db.session.flush()
    audit.record(actor_id, "product.photos_added", product, count=len(stored))
    return to_review


def _own_image(product: Product, image_id: int) -> ProductImage:
    for image in product.images:
        if image.id == image_id:
            return image
    raise NotFound(_l("Fotoğraf bulunamadı."))


def remove_photo(
    producer: ProducerProfile, product: Product, image_id: int, actor_id: int | None
) -> tuple[str, str]:
    """Remove a photo; returns its files' paths, for the caller to delete after commit."""
    require_member(producer)
    require_owner(producer, product)
    image = _own_image(product, image_id)
    paths = (image.path, image.thumb_path)
    product.images.remove(image)
    for position, other in enumerate(product.images):
        other.position = position
    audit.record(actor_id, "product.photo_removed", product, image_id=image_id)
    db.session.flush()
    return paths


def make_cover(producer: ProducerProfile, product: Product, image_id: int) -> None:
    """Put a photo first: the shop's cards show the first one."""
    require_member(producer)
    require_owner(producer, product)
    image = _own_image(product, image_id)
    ordered = [image] + [i for i in product.images if i is not image]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
