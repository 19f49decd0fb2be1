"""Forms for logging in, registering, applying for membership and resetting a password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from coopshop.services.members.users import MIN_PASSWORD_LENGTH

_REQUIRED = _l("Bu alan zorunlu.")
_EMAIL = _l("Geçerli bir e-posta adresi girin.")


def _strip(value):
    # Phones and password managers add a space after an e-mail address; it is not a mistake.
    return value.strip() if isinstance(value, str) else value


def _email_field() -> EmailField:
    return EmailField(
        _l("E-posta"), filters=[_strip], validators=[DataRequired(_REQUIRED), Email(_EMAIL)]
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("Parola"), validators=[DataRequired(_REQUIRED)])
    remember = BooleanField(_l("Beni hatırla"))


class _NewPasswordMixin:
    password = PasswordField(
        _l("Parola"),
        validators=[
            DataRequired(_REQUIRED),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Parola en az %(n)d karakter olmalı.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Parola (tekrar)"),
        validators=[DataRequired(_REQUIRED), EqualTo("password", _l("Parolalar aynı değil."))],
    )


class RegisterForm(_NewPasswordMixin, FlaskForm):
    name = StringField(_l("Ad soyad"), validators=[DataRequired(_REQUIRED), Length(max=120)])
    email = _email_field()
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=32)])


class ApplyForm(RegisterForm):
    display_name = StringField(
        _l("Mağazada görünecek adınız"), validators=[Optional(), Length(max=120)]
    )
    centre = StringField(
        _l("BELMEK merkezi"), validators=[DataRequired(_REQUIRED), Length(max=120)]
    )
    craft = StringField(_l("Zanaatınız"), validators=[DataRequired(_REQUIRED), Length(max=120)])
    bio = TextAreaField(_l("Kendinizi ve ürünlerinizi anlatın"), validators=[Length(max=2000)])
    note = TextAreaField(_l("Kooperatife notunuz"), validators=[Length(max=2000)])


class ForgotForm(FlaskForm):
    email = _email_field()


class ResetForm(_NewPasswordMixin, FlaskForm):
    pass
