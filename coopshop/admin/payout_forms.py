"""Forms of the payout pages: closing a period, approving, settling each line."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length


class ClosePeriodForm(FlaskForm):
    last_day = DateField(
        _l("Dönemin son günü"),
        validators=[DataRequired(_l("Dönemin son gününü seçin."))],
        description=_l("Bu güne kadar ödenebilir olan bakiyeler listeye girer."),
    )


class ActionForm(FlaskForm):
    """A button with a CSRF token (approve, cancel, download the bank file)."""


class LinePaidForm(FlaskForm):
    bank_reference = StringField(
        _l("Banka referansı"),
        validators=[DataRequired(_l("Banka referansını yazın.")), Length(max=80)],
    )


class LineFailedForm(FlaskForm):
    reason = StringField(
        _l("Neden ödenmedi?"),
        validators=[DataRequired(_l("Bir açıklama yazın.")), Length(max=500)],
    )
