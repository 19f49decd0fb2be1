"""A member's own profile: what the shop shows about her, her IBAN, her e-mail preference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from coopshop.db import db
from coopshop.models import ProducerProfile
from coopshop.services.core import audit, images
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.members import sms

PHOTO_SIDE = 400


def normalize_iban(text: str | None) -> str | None:
    """A Turkish IBAN (TR + 24 digits, check digits right) in compact form, None when blank;
    ValidationFailed with a message she can act on otherwise."""
    raw = (text or "").strip()
    if not raw:
        return None
    compact = "".join(raw.split()).upper()
    if not compact.startswith("TR"):
        raise ValidationFailed(
            _l("Yalnızca Türkiye'deki bir banka hesabının IBAN'ı (TR ile başlar) girilebilir."),
            field="iban",
        )
    try:
        iban = IBAN(compact)
    except SchwiftyException:
        raise ValidationFailed(
            _l(
                "IBAN geçersiz: TR ve 24 rakam olmalı; rakamları banka kartınızdan ya da "
                "e-Devlet'ten kontrol edin."
            ),
            field="iban",
        ) from None
    return iban.compact


def masked_iban(iban: str | None) -> str:
    """ "TR33 **** 1326": enough for her to recognise it, not enough to copy."""
    if not iban:
        return ""
    return f"{iban[:4]} **** {iban[-4:]}"


@dataclass(frozen=True)
class ProfileInput:
    display_name: str
    centre: str
    craft: str
    bio: str
    notify_email: bool
    # Her other choices (services.members.notifications); the defaults are a new member's.
    notify_payout_email: bool = True
    notify_refund_email: bool = True
    notify_sms: bool = False
    phone: str | None = None  # None: leave her phone as it is


def _phone(profile: ProducerProfile, data: ProfileInput) -> str | None:
    """Her phone as it will be kept: a Turkish mobile number as +905xxxxxxxxx, or none; SMS
    needs one."""
    current = profile.user.phone if profile.user is not None else None
    phone = current if data.phone is None else (data.phone or "").strip() or None
    if phone is not None and data.phone is not None:
        phone = sms.normalise_phone(phone)
        if phone is None:
            raise ValidationFailed(
                _l("Cep telefonu numarasını 05xx xxx xx xx biçiminde yazın."), field="phone"
            )
    if data.notify_sms and sms.normalise_phone(phone) is None:
        raise ValidationFailed(_l("SMS için cep telefonu numaranızı yazın."), field="phone")
    return phone


def _checked_texts(data: ProfileInput) -> dict[str, str]:
    """Her name, centre, craft and bio, trimmed and within their lengths."""
    display_name = (data.display_name or "").strip()
    if not display_name:
        raise ValidationFailed(_l("Mağazada görünecek adınızı yazın."), field="display_name")
    if len(display_name) > 120:
        raise ValidationFailed(_l("En fazla 120 karakter."), field="display_name")
    for name, value in (("centre", data.centre), ("craft", data.craft)):
        if len((value or "").strip()) > 120:
            raise ValidationFailed(_l("En fazla 120 karakter."), field=name)
    bio = (data.bio or "").strip()
    if len(bio) > 2000:
        raise ValidationFailed(_l("En fazla 2000 karakter."), field="bio")
    return {
        "display_name": display_name,
        "centre": (data.centre or "").strip(),
        "craft": (data.craft or "").strip(),
        "bio": bio,
    }


def _stored_photo(profile: ProducerProfile, photo, upload_dir: str | None) -> str:
    """Her new photo stored, re-encoded: the square thumbnail's path (what pages show; the larger
    copy is not needed)."""
    if upload_dir is None:
        raise ValueError("upload_dir is needed to store a photo")
    path, thumb = images.save_upload(
        photo, upload_dir, f"producers/{profile.id}", max_side=PHOTO_SIDE
    )
    images.delete_files(upload_dir, path)
    return thumb


def update_profile(
    profile: ProducerProfile,
    data: ProfileInput,
    actor_id: int | None,
    *,
    photo: bytes | BinaryIO | None = None,
    upload_dir: str | None = None,
) -> list[str]:
    """Save her profile (and a new photo, re-encoded and without EXIF). Returns the old photo's
    file, to delete once the change is committed. Her IBAN is not changed here: that needs her
    password and a hold (services.members.iban_changes)."""
    values = _checked_texts(data)
    phone = _phone(profile, data)
    old_files: list[str] = []
    new_photo = None
    if photo is not None:
        new_photo = _stored_photo(profile, photo, upload_dir)
        if profile.photo_path:
            old_files.append(profile.photo_path)

    changed = []
    values = {
        **values,
        "notify_email": bool(data.notify_email),
        "notify_payout_email": bool(data.notify_payout_email),
        "notify_refund_email": bool(data.notify_refund_email),
        "notify_sms": bool(data.notify_sms),
    }
    if new_photo is not None:
        values["photo_path"] = new_photo
    for name, value in values.items():
        if getattr(profile, name) != value:
            changed.append(name)
            setattr(profile, name, value)
    if profile.user is not None and phone != profile.user.phone:
        profile.user.phone = phone
        changed.append("phone")
    if changed:
        audit.record(actor_id, "producer.profile_updated", profile, changed=changed)
    db.session.flush()
    return old_files
