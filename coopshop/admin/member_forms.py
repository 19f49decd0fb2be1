"""Forms of the members pages: filters, membership decisions, rate override, deductions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from coopshop.money import MoneyError, parse_kurus, parse_rate_bp
from coopshop.services.deductions import DEDUCTION_KINDS, MAX_REASON_LENGTH
from coopshop.services.membership import MAX_NOTE_LENGTH, MEMBERSHIP_STATUS_LABELS

_REQUIRED = _l("Bu alan zorunlu.")
_MONEY_ERRORS = {
    "negative": _l("Tutar eksi olamaz."),
    "zero": _l("Tutar sıfırdan büyük olmalı."),
    "too_many_decimals": _l("Kuruş en fazla iki basamak olabilir: 1.250,50 gibi yazın."),
    "ambiguous": _l("Bu tutar iki türlü okunabilir: 1.250 ya da 1250,00 gibi yazın."),
    "too_large": _l("Tutar çok büyük."),
}


class KurusField(StringField):
    """An amount typed the Turkish way ("1.234,50", "250", "₺12"); ``.kurus`` holds it once the
    form validates, and the text stays as typed when it does not."""

    kurus: int | None = None

    def pre_validate(self, form) -> None:
        self.kurus = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.kurus = parse_kurus(text)
        except MoneyError as exc:
            message = _MONEY_ERRORS.get(exc.code, _l("Tutarı 1.250 ya da 1250,00 gibi yazın."))
            raise ValidationError(str(message)) from None


class RateField(StringField):
    """A percentage ("15", "%12,5"); ``.bp`` holds it in basis points, None when left blank."""

    bp: int | None = None

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


class MemberFilterForm(FlaskForm):
    """The members list's filters (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Durum"), validators=[Optional()], validate_choice=False)
    centre = SelectField(_l("Merkez"), validators=[Optional()], validate_choice=False)
    q = StringField(_l("Ad"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, centres=(), **kwargs):
        super().__init__(*args, **kwargs)
        everyone = SelectChoice("", _l("Hepsi"))
        self.status.choices = [everyone] + [
            SelectChoice(k, v) for k, v in MEMBERSHIP_STATUS_LABELS.items()
        ]
        self.centre.choices = [everyone] + [SelectChoice(c, c) for c in centres]


class DecisionForm(FlaskForm):
    """Approve, refuse, suspend or reactivate, with a note (required to refuse)."""

    note = TextAreaField(
        _l("Not (üyeye e-postayla gider)"), validators=[Length(max=MAX_NOTE_LENGTH)]
    )


class CommissionForm(FlaskForm):
    rate = RateField(
        _l("Kendi komisyon oranı (%)"),
        description=_l("Boş bırakılırsa koleksiyon ya da kooperatif oranı uygulanır."),
    )


class DeductionForm(FlaskForm):
    kind = SelectField(
        _l("Tür"),
        choices=[SelectChoice(k, v) for k, v in DEDUCTION_KINDS.items()],
        validators=[InputRequired(_REQUIRED)],
    )
    amount = KurusField(_l("Tutar (₺)"), validators=[InputRequired(_REQUIRED)])
    reason = StringField(
        _l("Açıklama (üye hesap dökümünde görür)"),
        validators=[InputRequired(_REQUIRED), Length(max=MAX_REASON_LENGTH)],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
