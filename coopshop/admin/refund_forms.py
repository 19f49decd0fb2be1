"""Forms of the refund pages: what to give back and why, and finding an order by its number."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from coopshop.web.fields import read_kurus

METHOD_LABELS = {
    "original": _l("Ödendiği karta"),
    "demo": _l("Deneme ödemesi"),
    "cash": _l("Nakit"),
    "bank_transfer": _l("Havale / EFT ile"),
    "card_terminal": _l("Kart terminalinden"),
}


class RefundForm(FlaskForm):
    scope = RadioField(
        _l("Ne iade edilecek?"),
        choices=[
            SelectChoice("order", _l("Siparişin kalan tamamı")),
            SelectChoice("line", _l("Bir satırın kalanı")),
            SelectChoice("part", _l("Bir satırın bir kısmı")),
        ],
        default="order",
        validators=[DataRequired(_l("İade türünü seçin."))],
    )
    line = SelectField(_l("Satır"), coerce=int, validators=[Optional()], validate_choice=False)
    amount = StringField(
        _l("İade tutarı (₺)"),
        validators=[Optional(), Length(max=30)],
        description=_l("1.250,50 gibi yazın."),
    )
    include_shipping = BooleanField(_l("Kalan kargo ücretini de iade et"))
    method = SelectField(_l("Para nasıl geri verildi?"), validators=[Optional()])
    note = StringField(_l("Not (makbuz, dekont no…)"), validators=[Optional(), Length(max=500)])
    reason = TextAreaField(
        _l("İade nedeni"),
        validators=[DataRequired(_l("İade nedenini yazın.")), Length(max=1000)],
    )

    kurus: int | None = None

    def __init__(self, *args, lines=(), methods=(), **kwargs):
        """``lines``: [(line id, label)]; ``methods``: the refund methods this order allows."""
        super().__init__(*args, **kwargs)
        self.line.choices = [SelectChoice(line_id, label) for line_id, label in lines]
        self.method.choices = [SelectChoice(m, METHOD_LABELS[m]) for m in methods]
        if len(methods) == 1:
            self.method.data = methods[0]

    def validate_line(self, field) -> None:
        if self.scope.data in ("line", "part") and not field.data:
            raise ValidationError(str(_l("Bir satır seçin.")))

    def validate_amount(self, field) -> None:
        self.kurus = None
        if self.scope.data != "part":
            return
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(str(_l("İade tutarını yazın.")))
        self.kurus = read_kurus(text)


class RetryForm(FlaskForm):
    """A button: send a pending card refund again (the provider is asked first what it made)."""


class FindOrderForm(FlaskForm):
    """Open an order by its number (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    number = StringField(
        _l("Sipariş numarası"),
        validators=[DataRequired(_l("Sipariş numarasını yazın.")), Length(max=20)],
    )


class WithdrawalRefundForm(FlaskForm):
    """Refund a buyer's withdrawal: the amounts follow from her request; an order paid offline
    says how the money went back."""

    method = SelectField(_l("Para nasıl geri verildi?"), validators=[Optional()])
    note = StringField(_l("Not (ör. havale referansı)"), validators=[Optional(), Length(max=500)])


class WithdrawalRejectForm(FlaskForm):
    note = TextAreaField(
        _l("Neden (alıcıya gider)"),
        validators=[DataRequired(_l("Bir açıklama yazın.")), Length(max=1000)],
    )
