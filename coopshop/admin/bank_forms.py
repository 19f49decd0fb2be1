"""The bank reconciliation pages' forms: a statement upload and a match by hand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from coopshop.services.payouts.bank_files import BANKS

MAX_STATEMENT_BYTES = 5 * 1024 * 1024
MATCH_KIND_LABELS = {
    "transfer_order": _l("Havale/EFT siparişi (sipariş no)"),
    "payout_line": _l("Üye ödemesi (ödeme satırı no)"),
    "cash_session": _l("Pazar kasası (kasa no)"),
    "provider_payout": _l("Kart sağlayıcısı aktarımı (stripe ya da iyzico)"),
    "other": _l("Bizim belgemiz değil (banka ücreti, bağış, ...)"),
}


class StatementUploadForm(FlaskForm):
    bank = SelectField(
        _l("Biçim"), choices=[SelectChoice(key, label) for key, label in BANKS.items()]
    )
    statement = FileField(
        _l("Ekstre dosyası"),
        validators=[
            FileRequired(_l("Bir dosya seçin.")),
            FileSize(MAX_STATEMENT_BYTES, message=_l("Dosya en fazla 5 MB olabilir.")),
        ],
    )


class ManualMatchForm(FlaskForm):
    kind = SelectField(
        _l("Eşleşme"),
        choices=[SelectChoice(key, label) for key, label in MATCH_KIND_LABELS.items()],
    )
    ref = StringField(_l("Belge"), validators=[Optional(), Length(max=40)])
    reason = TextAreaField(
        _l("Gerekçe"),
        validators=[DataRequired(_l("Bir gerekçe yazın.")), Length(max=300)],
    )
