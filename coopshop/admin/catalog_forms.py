"""Forms of the admin catalog pages: sending a product back, collections and categories."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coopshop.services.catalog.catalog_admin import MAX_REASON_LENGTH
from coopshop.web.fields import WholeNumberField

_REQUIRED = _l("Bu alan zorunlu.")
_SLUG_HELP = _l("Adres için: küçük harf, rakam ve tire (ipek-yolu).")


class SendBackForm(FlaskForm):
    reason = TextAreaField(
        _l("Geri gönderme nedeni (üreticiye gider)"),
        validators=[
            InputRequired(_l("Geri gönderme nedenini yazın.")),
            Length(max=MAX_REASON_LENGTH),
        ],
    )


class CategoryForm(FlaskForm):
    slug = StringField(
        _l("Kısa ad"),
        description=_SLUG_HELP,
        validators=[InputRequired(_REQUIRED), Length(max=80)],
    )
    name_tr = StringField(_l("Ad (Türkçe)"), validators=[InputRequired(_REQUIRED), Length(max=120)])
    name_en = StringField(_l("Ad (İngilizce)"), validators=[Optional(), Length(max=120)])


class CollectionForm(CategoryForm):
    description_tr = TextAreaField(_l("Açıklama (Türkçe)"), validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Açıklama (İngilizce)"), validators=[Length(max=5000)])
    active = BooleanField(_l("Mağazada görünsün"), default=True)
    position = WholeNumberField(
        _l("Sıra"),
        default=0,
        validators=[
            InputRequired(_REQUIRED),
            NumberRange(min=0, max=10000, message=_l("Sıra 0 ile 10000 arasında olmalı.")),
        ],
    )


class WithdrawalExclusionForm(FlaskForm):
    """An admin's choice of whether the buyer may withdraw from a product (m.15 exclusions)."""

    withdrawal_exclusion = SelectField(
        _l("Cayma hakkı"),
        choices=[
            SelectChoice("", _l("Alıcı 14 gün içinde cayabilir")),
            SelectChoice("custom_made", _l("Cayma yok: alıcının isteğine göre üretilir")),
            SelectChoice("personalised", _l("Cayma yok: kişiye özel hazırlanır")),
        ],
        validators=[Optional()],
    )


class PackedForm(FlaskForm):
    """The product's packed weight and box (optional; the shipping label starts from them)."""

    weight_g = WholeNumberField(
        _l("Paketli ağırlık (gram, isteğe bağlı)"),
        message=_l("Ağırlığı gram olarak bir tam sayıyla yazın."),
        validators=[Optional()],
    )
    box = StringField(
        _l("Paket boyutları (cm, U×G×Y, isteğe bağlı)"),
        validators=[Optional(), Length(max=20)],
    )
