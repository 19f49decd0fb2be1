"""Forms of the members pages: filters, membership decisions, rate override, deductions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from coopshop.admin.policy_forms import IstanbulDateTimeField
from coopshop.services.books.commission import MAX_NOTE_LENGTH as RATE_NOTE_LENGTH
from coopshop.services.books.deductions import DEDUCTION_KINDS, MAX_REASON_LENGTH
from coopshop.services.members.membership import MAX_NOTE_LENGTH, MEMBERSHIP_STATUS_LABELS
from coopshop.web.fields import KurusField, RateField  # noqa: F401  (RateField: policy_forms)

_REQUIRED = _l("Bu alan zorunlu.")


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
    """A member's or a product's own dated rate (services.commission)."""

    rate = RateField(
        _l("Kendi komisyon oranı (%)"),
        description=_l("Boş bırakılırsa koleksiyon ya da kooperatif oranı uygulanır."),
    )
    effective_from = IstanbulDateTimeField(
        _l("Başlangıç (İstanbul saati)"),
        description=_l("Boş bırakılırsa hemen başlar."),
        render_kw={"type": "datetime-local"},
    )
    note = TextAreaField(_l("Not (neden)"), validators=[Length(max=RATE_NOTE_LENGTH)])


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
