"""The checkout form: who is buying, where it goes, how she pays."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from coopshop.turkey import PROVINCES
from coopshop.web.form_messages import max_length
from coopshop.web.invoice_fields import InvoiceFieldsMixin

_REQUIRED = _l("Bu alan zorunlu.")


class CheckoutForm(InvoiceFieldsMixin, FlaskForm):
    name = StringField(_l("Ad soyad"), validators=[DataRequired(_REQUIRED), max_length(120)])
    email = EmailField(
        _l("E-posta"),
        validators=[DataRequired(_REQUIRED), Email(_l("Geçerli bir e-posta adresi girin."))],
    )
    phone = StringField(
        _l("Telefon"),
        validators=[
            DataRequired(_REQUIRED),
            Regexp(
                r"^\+?[0-9 ()-]{10,20}$",
                message=_l("Telefon numarasını 0555 123 45 67 gibi yazın."),
            ),
        ],
    )
    address_line = TextAreaField(
        _l("Adres"),
        validators=[
            DataRequired(_REQUIRED),
            Length(
                min=10,
                max=500,
                message=_l(
                    "Adresi mahalle, cadde/sokak, bina ve daire numarasıyla yazın "
                    "(10 ile 500 karakter arası)."
                ),
            ),
        ],
    )
    il = SelectField(
        _l("İl"),
        choices=[SelectChoice("", _l("İl seçin"))] + [SelectChoice(p, p) for p in PROVINCES],
        validators=[DataRequired(_l("İl seçin."))],
        default="Ankara",
    )
    ilce = StringField(
        _l("İlçe"),
        validators=[
            DataRequired(_l("İlçeyi yazın.")),
            Length(max=60, message=_l("İlçe adı en fazla 60 karakter olabilir.")),
        ],
    )
    postal_code = StringField(
        _l("Posta kodu"),
        validators=[Optional(), Regexp(r"^\d{5}$", message=_l("Posta kodu 5 haneli olmalı."))],
    )
    method = RadioField(
        _l("Ödeme yöntemi"),
        choices=[
            SelectChoice("card", _l("Kart ile öde")),
            SelectChoice("bank_transfer", _l("Havale / EFT")),
        ],
        default="card",
        validators=[DataRequired(_l("Ödeme yöntemi seçin."))],
    )
    # Both unticked until she ticks them; without both the order is not placed (and the service
    # refuses too: services.sales.agreements.require).
    accept_pre_information = BooleanField(
        _l("Ön bilgilendirme formunu okudum."),
        validators=[
            DataRequired(_l("Siparişi vermek için ön bilgilendirme formunu okuduğunuzu onaylayın."))
        ],
    )
    accept_contract = BooleanField(
        _l("Mesafeli satış sözleşmesini onaylıyorum."),
        validators=[
            DataRequired(_l("Siparişi vermek için mesafeli satış sözleşmesini onaylayın."))
        ],
    )
