"""The commission policy form: which rate, how much, from when."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from coopshop.services.books.commission import MAX_NOTE_LENGTH
from coopshop.turkey import ISTANBUL
from coopshop.web.fields import RateField

_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


class IstanbulDateTimeField(StringField):
    """A date and time typed in Istanbul time (a datetime-local input); ``.utc`` holds it as an
    aware UTC-comparable datetime, None when left blank."""

    utc: datetime | None = None

    def pre_validate(self, form) -> None:
        self.utc = None
        text = (self.data or "").strip()
        if not text:
            return
        for fmt in _FORMATS:
            try:
                local = datetime.strptime(text, fmt)  # naive: Istanbul time, zoned below
            except ValueError:
                continue
            self.utc = local.replace(tzinfo=ISTANBUL)
            return
        raise ValidationError(str(_l("Tarihi 2025-09-01 10:00 gibi yazın.")))


class PolicyForm(FlaskForm):
    target = SelectField(_l("Hangi oran"))
    rate = RateField(
        _l("Yeni oran (%)"),
        description=_l(
            "Bir koleksiyon için boş bırakılırsa koleksiyonun kendi oranı kalkar; "
            "ürünlerine genel oran uygulanır."
        ),
    )
    effective_from = IstanbulDateTimeField(
        _l("Başlangıç (İstanbul saati)"),
        description=_l("Boş bırakılırsa hemen başlar."),
        render_kw={"type": "datetime-local"},
    )
    note = TextAreaField(_l("Not (neden)"), validators=[Length(max=MAX_NOTE_LENGTH)])

    def __init__(self, *args, collections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = [SelectChoice("default", _l("Genel (kooperatif) oranı"))] + [
            SelectChoice(f"collection:{c.id}", _l("Koleksiyon: %(name)s", name=c.name_tr))
            for c in collections
        ]

    @property
    def scope(self) -> tuple[str, int | None]:
        """("default", None) or ("collection", its id), from the target choice."""
        if self.target.data.startswith("collection:"):
            return "collection", int(self.target.data.partition(":")[2])
        return "default", None

    def validate_rate(self, field) -> None:
        if self.target.data == "default" and not (field.data or "").strip():
            raise ValidationError(str(_l("Genel oran boş bırakılamaz.")))
