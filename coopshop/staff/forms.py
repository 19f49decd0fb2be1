"""The staff desk's forms: cash sessions, the point of sale, transfers and fulfilment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from coopshop.money import MoneyError, parse_kurus
from coopshop.services.orders import MAX_QUANTITY

_REQUIRED = _l("Bu alan zorunlu.")
_MONEY_ERRORS = {
    "negative": _l("Tutar negatif olamaz."),
    "zero": _l("Tutar sıfırdan büyük olmalı."),
    "too_many_decimals": _l("Kuruş en fazla iki hane olabilir."),
    "too_large": _l("Tutar çok büyük."),
    "ambiguous": _l("Tutarı 1.234,50 gibi yazın."),
}


class KurusField(StringField):
    """An amount typed as people write it ("1.234,50", "250", "₺12"); ``.kurus`` holds it in
    kuruş once the form validates. The text stays as typed when it does not."""

    def __init__(self, label=None, validators=None, allow_zero: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_zero = allow_zero
        self.kurus: int | None = None

    def pre_validate(self, form) -> None:
        self.kurus = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.kurus = parse_kurus(text, allow_zero=self.allow_zero)
        except MoneyError as exc:
            raise ValidationError(
                str(_MONEY_ERRORS.get(exc.code, _l("Tutarı 1.234,50 gibi yazın.")))
            ) from None


class _WholeNumberField(IntegerField):
    """An IntegerField whose "not a number" message is ours (and Turkish)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(str(_l("Bir tam sayı yazın."))) from exc


class OpenSessionForm(FlaskForm):
    event_name = StringField(_l("Etkinlik"), validators=[InputRequired(_REQUIRED), Length(max=120)])
    desk = StringField(
        _l("Masa"), default="Masa 1", validators=[InputRequired(_REQUIRED), Length(max=40)]
    )
    opening_float = KurusField(
        _l("Açılış kasası (bozuk para)"), default="0", validators=[InputRequired(_REQUIRED)]
    )


class CloseSessionForm(FlaskForm):
    counted = KurusField(_l("Sayılan nakit"), validators=[InputRequired(_REQUIRED)])
    # What the clerk was shown: the close is refused if a sale changed it since.
    expected = HiddenField()
    confirm = HiddenField()


class PosAddForm(FlaskForm):
    code = StringField(
        _l("Ürün kodu"), validators=[InputRequired(_l("Ürün kodunu yazın ya da okutun."))]
    )
    quantity = _WholeNumberField(
        _l("Adet"),
        default=1,
        validators=[
            InputRequired(_l("Adet girin.")),
            NumberRange(1, MAX_QUANTITY, _l("Adet 1 ile %(max)s arasında olmalı.")),
        ],
    )


class PosLineForm(FlaskForm):
    code = HiddenField(validators=[InputRequired()])


class PosPayForm(FlaskForm):
    ticket_ref = HiddenField(validators=[InputRequired()])
    # Sent by the button pressed ("Nakit" or "Kart"), not rendered as a field of its own.
    method = StringField(validators=[InputRequired(_l("Ödeme yöntemi seçin."))])
    # Optional: the cash handed over, to show the change.
    tendered = KurusField(_l("Alınan nakit"))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (clear the ticket, cancel, delivered)."""


class ConfirmTransferForm(FlaskForm):
    reference = StringField(
        _l("Banka referansı (dekont no)"),
        validators=[InputRequired(_l("Banka referansını (dekont no) yazın.")), Length(max=255)],
    )
    amount = KurusField(
        _l("Gelen tutar"), allow_zero=False, validators=[InputRequired(_l("Gelen tutarı yazın."))]
    )


class ReceiveForm(FlaskForm):
    line_ids = SelectMultipleField(_l("Teslim alındı"), coerce=int, validate_choice=False)


class ShipForm(FlaskForm):
    tracking_number = StringField(
        _l("Kargo takip no"),
        validators=[InputRequired(_l("Kargo takip numarasını yazın.")), Length(max=80)],
    )
