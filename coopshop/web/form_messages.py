"""Form messages in the project's own voice (Turkish, "siz"; English second).

A validator with its own message says what is wrong with that field (``max_length`` below, or
the form's own ``message=``). A validator left without one would show WTForms' generic text
("Alanın uzunluğu 10 ile 500 karakter arasında olmalıdır.", "Field must be…"): ``install`` puts
``Translations`` in front of Flask-WTF's, so those generic texts become ours, word for word the
same rule, in both languages. tests/web/test_form_messages.py renders every form's errors and finds
none of WTForms' own texts.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as _wtforms_translations
from wtforms.validators import Length


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("En fazla %(n)d karakter yazabilirsiniz.", n=n))


# WTForms' default messages (wtforms 3.x msgids) → ours. Placeholders stay WTForms' own: the
# validator fills them in after translating.
_OURS = {
    "This field is required.": _l("Bu alanı doldurun."),
    "Field cannot be longer than %(max)d character.": _l(
        "En fazla %(max)d karakter yazabilirsiniz."
    ),
    "Field must be at least %(min)d character long.": _l("En az %(min)d karakter yazın."),
    "Field must be exactly %(max)d character long.": _l("Tam %(max)d karakter yazın."),
    "Field must be between %(min)d and %(max)d characters long.": _l(
        "%(min)d ile %(max)d karakter arasında yazın."
    ),
    "Invalid email address.": _l("Geçerli bir e-posta adresi girin."),
    "Field must be equal to %(other_name)s.": _l("İki alan aynı olmalı: %(other_name)s."),
    "Invalid input.": _l("Bu değer uygun değil; düzeltip yeniden deneyin."),
    "Invalid URL.": _l("Geçerli bir web adresi yazın (https:// ile)."),
    "Not a valid integer value.": _l("Bir tam sayı yazın (ör. 3)."),
    "Not a valid decimal value.": _l("Bir sayı yazın (ör. 12,5)."),
    "Not a valid float value.": _l("Bir sayı yazın (ör. 12,5)."),
    "Not a valid date value.": _l("Geçerli bir tarih seçin."),
    "Not a valid datetime value.": _l("Geçerli bir tarih ve saat seçin."),
    "Not a valid time value.": _l("Geçerli bir saat seçin."),
    "Not a valid week value.": _l("Geçerli bir hafta seçin."),
    "Number must be at least %(min)s.": _l("En az %(min)s yazın."),
    "Number must be at most %(max)s.": _l("En fazla %(max)s yazın."),
    "Number must be between %(min)s and %(max)s.": _l("%(min)s ile %(max)s arasında yazın."),
    "Date must be at least %(min)s.": _l("Tarih %(min)s ya da sonrası olmalı."),
    "Date must be at most %(max)s.": _l("Tarih %(max)s ya da öncesi olmalı."),
    "Date must be between %(min)s and %(max)s.": _l("Tarih %(min)s ile %(max)s arasında olmalı."),
    "Not a valid choice.": _l("Listeden bir seçenek seçin."),
    "Invalid Choice: could not coerce.": _l("Listeden bir seçenek seçin."),
    "'%(value)s' is not a valid choice for this field.": _l("Listeden bir seçenek seçin."),
    "'%(value)s' are not valid choices for this field.": _l("Listeden seçenekleri seçin."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l(
        "Listeden seçenekleri seçin."
    ),
    "CSRF token missing.": _l("Sayfanın süresi doldu; sayfayı yenileyip yeniden deneyin."),
    "CSRF failed.": _l("Sayfanın süresi doldu; sayfayı yenileyip yeniden deneyin."),
    "CSRF token expired.": _l("Sayfanın süresi doldu; sayfayı yenileyip yeniden deneyin."),
    "Invalid CSRF Token.": _l("Sayfanın süresi doldu; sayfayı yenileyip yeniden deneyin."),
}


class Translations:
    """Ours first, then Flask-WTF's (which follows the page's locale) for anything else."""

    def gettext(self, string: str) -> str:
        ours = _OURS.get(string)
        return str(ours) if ours is not None else _wtforms_translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        ours = _OURS.get(singular)  # (WTForms passes its singular msgid first)
        if ours is not None:
            return str(ours)
        return _wtforms_translations.ngettext(singular, plural, n)


translations = Translations()


def _get_translations(self, form):
    return translations


def install() -> None:
    """Every FlaskForm of the app speaks with the messages above (Flask-WTF's Meta hook)."""
    FlaskForm.Meta.get_translations = _get_translations
