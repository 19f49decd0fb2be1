"""Form fields shared by every blueprint: amounts and rates typed the way people type them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import ValidationError

from coopshop.money import MoneyError, parse_kurus, parse_rate_bp

_MONEY_ERRORS = {
    "negative": _l("Tutar eksi olamaz."),
    "zero": _l("Tutar sıfırdan büyük olmalı."),
    "too_many_decimals": _l("Kuruş en fazla iki basamak olabilir: 1.250,50 gibi yazın."),
    "ambiguous": _l("Bu tutar iki türlü okunabilir: 1.250 ya da 1250,00 gibi yazın."),
    "too_large": _l("Tutar çok büyük."),
}
_MONEY_HINT = _l("Tutarı 1.250 ya da 1250,00 gibi yazın.")


def money_error_message(exc: MoneyError) -> str:
    """The Turkish (translated) message for an amount that could not be read."""
    return str(_MONEY_ERRORS.get(exc.code, _MONEY_HINT))


def read_kurus(text: str, *, allow_zero: bool = False) -> int:
    """parse_kurus for a form: a ValidationError with a message the user can act on."""
    try:
        return parse_kurus(text, allow_zero=allow_zero)
    except MoneyError as exc:
        raise ValidationError(money_error_message(exc)) from None


class KurusField(StringField):
    """An amount typed the Turkish way ("1.234,50", "250", "₺12"); ``.kurus`` holds it once the
    form validates (None when left blank), and the text stays as typed when it does not."""

    def __init__(self, label=None, validators=None, allow_zero: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_zero = allow_zero
        self.kurus: int | None = None

    def pre_validate(self, form) -> None:
        self.kurus = None
        text = (self.data or "").strip()
        if text:
            self.kurus = read_kurus(text, allow_zero=self.allow_zero)


class RateField(StringField):
    """A percentage ("15", "%12,5"); ``.bp`` holds it in basis points, None when left blank."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.bp: int | None = None

    def pre_validate(self, form) -> None:
        self.bp = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.bp = parse_rate_bp(text)
        except MoneyError as exc:
            if exc.code == "rate_too_high":
                raise ValidationError(str(_l("Oran yüzde 100'ü geçemez."))) from None
            raise ValidationError(str(_l("Oranı 15 ya da 12,5 gibi yazın."))) from None


class WholeNumberField(IntegerField):
    """An IntegerField whose "not a number" message is ours (and Turkish), not WTForms'; ``message``
    names what is counted where that helps ("Adet bir tam sayı olmalı."). Blank reads as None, so
    InputRequired (or Optional) decides about it."""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_a_number = message if message is not None else _l("Bir tam sayı yazın.")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(str(self.not_a_number)) from exc
