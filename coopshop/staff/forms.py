"""The staff desk's forms: cash sessions, the point of sale, transfers and fulfilment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from coopshop.services.sales.orders import MAX_QUANTITY
from coopshop.web.fields import KurusField, WholeNumberField
from coopshop.web.invoice_fields import InvoiceFieldsMixin

_REQUIRED = _l("Bu alan zorunlu.")


class OpenSessionForm(FlaskForm):
    event_name = StringField(_l("Etkinlik"), validators=[InputRequired(_REQUIRED), Length(max=120)])
    desk = StringField(
        _l("Masa"), default="Masa 1", validators=[InputRequired(_REQUIRED), Length(max=40)]
    )
    opening_float = KurusField(
        _l("Açılış kasası (bozuk para)"),
        default="0",
        allow_zero=True,
        validators=[InputRequired(_REQUIRED)],
    )


class CloseSessionForm(FlaskForm):
    counted = KurusField(
        _l("Sayılan nakit"), allow_zero=True, validators=[InputRequired(_REQUIRED)]
    )
    # What the clerk was shown: the close is refused if a sale changed it since.
    expected = HiddenField()
    confirm = HiddenField()


class PosAddForm(FlaskForm):
    code = StringField(
        _l("Ürün kodu"), validators=[InputRequired(_l("Ürün kodunu yazın ya da okutun."))]
    )
    quantity = WholeNumberField(
        _l("Adet"),
        default=1,
        validators=[
            InputRequired(_l("Adet girin.")),
            NumberRange(1, MAX_QUANTITY, _l("Adet 1 ile %(max)s arasında olmalı.")),
        ],
    )


class PosLineForm(FlaskForm):
    code = HiddenField(validators=[InputRequired()])


class PosPayForm(InvoiceFieldsMixin, FlaskForm):
    name_needs_tax_id = False  # the buyer's name alone asks for an invoice at the desk
    ticket_ref = HiddenField(validators=[InputRequired()])
    # Sent by the button pressed ("Nakit" or "Kart"), not rendered as a field of its own.
    method = StringField(validators=[InputRequired(_l("Ödeme yöntemi seçin."))])
    # Optional: the cash handed over, to show the change.
    tendered = KurusField(_l("Alınan nakit"), allow_zero=True)


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (clear the ticket, cancel, delivered)."""


class ConfirmTransferForm(FlaskForm):
    # The card's own order number: a confirmation typed into one card never pays another order.
    number = HiddenField(validators=[InputRequired()])
    reference = StringField(
        _l("Banka referansı (dekont no)"),
        validators=[InputRequired(_l("Banka referansını (dekont no) yazın.")), Length(max=255)],
    )
    amount = KurusField(_l("Gelen tutar"), validators=[InputRequired(_l("Gelen tutarı yazın."))])


class ReceiveForm(FlaskForm):
    line_ids = SelectMultipleField(_l("Teslim alındı"), coerce=int, validate_choice=False)


class ShipForm(FlaskForm):
    tracking_number = StringField(
        _l("Kargo takip no"),
        validators=[InputRequired(_l("Kargo takip numarasını yazın.")), Length(max=80)],
    )


class PickupTickForm(FlaskForm):
    """Items of a centre's pickup run ticked received (services.shipping.pickup.tick)."""

    centre = HiddenField(validators=[InputRequired()])
    day = HiddenField(validators=[InputRequired()])
    line_ids = SelectMultipleField(_l("Teslim alındı"), coerce=int, validate_choice=False)
