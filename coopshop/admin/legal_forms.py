"""The legal text form: a new version's Turkish (required) and English (optional) text, from
when it is in force, and why it changed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from coopshop.admin.policy_forms import IstanbulDateTimeField
from coopshop.services.legal.documents import MAX_BODY, MAX_NOTE, MAX_TITLE

_REQUIRED = _l("Bu alan zorunlu.")


class LegalDocumentForm(FlaskForm):
    title_tr = StringField(
        _l("Başlık (Türkçe)"), validators=[DataRequired(_REQUIRED), Length(max=MAX_TITLE)]
    )
    body_tr = TextAreaField(
        _l("Metin (Türkçe)"),
        validators=[DataRequired(_REQUIRED), Length(max=MAX_BODY)],
        render_kw={"rows": 18},
    )
    title_en = StringField(
        _l("Başlık (İngilizce, isteğe bağlı)"), validators=[Optional(), Length(max=MAX_TITLE)]
    )
    body_en = TextAreaField(
        _l("Metin (İngilizce, isteğe bağlı)"),
        validators=[Optional(), Length(max=MAX_BODY)],
        render_kw={"rows": 10},
    )
    effective_from = IstanbulDateTimeField(
        _l("Yürürlük (İstanbul saati)"),
        description=_l("Boş bırakılırsa hemen yürürlüğe girer. Geçmiş bir tarih girilemez."),
        render_kw={"type": "datetime-local"},
    )
    note = TextAreaField(_l("Not (neden değişti)"), validators=[Length(max=MAX_NOTE)])
