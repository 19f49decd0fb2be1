"""Forms of the fulfilment page's shipping part: the parcel and a chosen offer (aggregator), or
the carrier and the typed tracking number (manual)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.validators import ValidationError as FieldError

from coopshop.services.shipping.base import Offer, Parcel
from coopshop.services.shipping.carriers import CARRIERS, parse_dimensions

MAX_WEIGHT_G = 100_000  # 100 kg: beyond any parcel the cooperative sends


class ParcelForm(FlaskForm):
    """The box for one order (prefilled from settings) and, once offers were shown, the one
    chosen (hidden fields: the provider's ids; the price is shown, Geliver charges its own)."""

    weight_g = IntegerField(
        _l("Ağırlık (gram)"),
        validators=[
            InputRequired(_l("Paketin ağırlığını gram olarak yazın.")),
            NumberRange(min=1, max=MAX_WEIGHT_G, message=_l("Ağırlık 1 ile 100.000 gram arası.")),
        ],
    )
    dimensions = StringField(
        _l("Boyutlar (cm, U×G×Y)"),
        validators=[InputRequired(_l("Paketin boyutlarını yazın (ör. 30x20x10).")), Length(max=20)],
    )
    offer_id = HiddenField(validators=[Optional(), Length(max=100), Regexp(r"^[\w:.-]+$")])
    shipment_ref = HiddenField(validators=[Optional(), Length(max=100), Regexp(r"^[\w:.-]+$")])
    offer_carrier = HiddenField(validators=[Optional(), Length(max=40)])
    offer_price = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])

    def validate_dimensions(self, field):
        try:
            parse_dimensions(field.data)
        except ValueError as exc:
            raise FieldError(_l("Boyutları 30x20x10 gibi üç tam sayıyla yazın.")) from exc

    def parcel(self) -> Parcel:
        length, width, height = parse_dimensions(self.dimensions.data)
        return Parcel(self.weight_g.data, length, width, height)

    def offer(self, order_ref: str) -> Offer | None:
        if not self.offer_id.data:
            return None
        return Offer(
            offer_id=self.offer_id.data,
            order_ref=order_ref,
            carrier=self.offer_carrier.data or "",
            service_code="",
            price_kurus=int(self.offer_price.data or 0),
            shipment_ref=self.shipment_ref.data or None,
        )


class ManualLabelForm(FlaskForm):
    """Today's way: the carrier the parcel was handed to and its tracking number."""

    carrier = SelectField(
        _l("Kargo firması"),
        choices=[SelectChoice(code, name) for code, name in CARRIERS.items()],
        validate_choice=True,
    )
    tracking_number = StringField(
        _l("Kargo takip no"),
        validators=[InputRequired(_l("Kargo takip numarasını yazın.")), Length(max=80)],
    )
