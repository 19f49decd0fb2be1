"""A member's tax status, set by an admin: what document each payout to her needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from coopshop import tax_ids
from coopshop.db import db
from coopshop.models import ProducerProfile
from coopshop.models.user import TAX_STATUSES
from coopshop.services.core import audit
from coopshop.services.core.errors import NotFound, ValidationFailed

TAX_STATUS_LABELS = {
    "sole_trader": _l("Vergi mükellefi (kendi faturasını keser)"),
    "exempt": _l("Esnaf muafiyeti belgeli (gider pusulası, stopaj)"),
    "other": _l("Diğer"),
}


@dataclass(frozen=True)
class TaxStatus:
    status: str
    tax_id: str = ""
    exemption_number: str = ""
    exemption_expires: date | None = None


def set_tax_status(producer_id: int, new: TaxStatus, actor_id: int | None) -> ProducerProfile:
    """Record her status. An exempt member needs her TCKN (it goes on the gider pusulası) and
    her certificate's number and expiry."""
    profile = db.session.get(ProducerProfile, producer_id)
    if profile is None:
        raise NotFound(_l("Üye bulunamadı."))
    if new.status not in TAX_STATUSES:
        raise ValidationFailed(_l("Vergi durumunu seçin."), field="status")
    tax_id = tax_ids.clean(new.tax_id)
    if new.status == "exempt":
        if not tax_ids.is_tckn(tax_id):
            raise ValidationFailed(
                _l("Gider pusulası için üyenin geçerli TCKN'si gerekir."), field="tax_id"
            )
        if not new.exemption_number.strip() or new.exemption_expires is None:
            raise ValidationFailed(
                _l("Muafiyet belgesinin numarasını ve geçerlilik tarihini yazın."),
                field="exemption_number",
            )
    elif tax_id and tax_ids.kind_of(tax_id) is None:
        raise ValidationFailed(
            _l("Bu numara geçerli bir VKN (10 hane) ya da TCKN (11 hane) değil."), field="tax_id"
        )
    profile.tax_status = new.status
    profile.tax_id = tax_id
    profile.exemption_number = new.exemption_number.strip()[:40]
    profile.exemption_expires = new.exemption_expires
    db.session.flush()
    audit.record(
        actor_id,
        "member.tax_status",
        profile,
        status=new.status,
        exemption_expires=new.exemption_expires.isoformat() if new.exemption_expires else None,
    )
    return profile
