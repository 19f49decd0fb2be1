"""The reconciliation page's provider and period."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, ValidationError

MAX_DAYS = 92


class ReconcileForm(FlaskForm):
    # Choices are the configured providers, set by the view; "" when there is none.
    provider = SelectField(_l("Ödeme sağlayıcısı"), choices=[], validate_choice=True)
    first_day = DateField(_l("İlk gün"), validators=[DataRequired(_l("İlk günü seçin."))])
    last_day = DateField(_l("Son gün"), validators=[DataRequired(_l("Son günü seçin."))])

    def validate_last_day(self, field) -> None:
        if self.first_day.data is None or field.data is None:
            return
        if field.data < self.first_day.data:
            raise ValidationError(str(_l("Son gün ilk günden önce olamaz.")))
        if (field.data - self.first_day.data).days >= MAX_DAYS:
            raise ValidationError(
                str(_l("Bir seferde en fazla %(days)d gün karşılaştırılabilir.", days=MAX_DAYS))
            )
