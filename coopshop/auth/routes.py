"""Login, logout, customer registration, membership applications, password reset."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from coopshop.auth.forms import ApplyForm, ForgotForm, LoginForm, RegisterForm, ResetForm
from coopshop.db import db
from coopshop.extensions import limiter
from coopshop.services.core import mail
from coopshop.services.core.errors import DomainError
from coopshop.services.members import users as user_service
from coopshop.web.permissions import home_endpoint

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only follow a ?next= that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _form_error(form, exc: DomainError) -> None:
    field = getattr(form, exc.details.get("field", ""), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_service.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors = [_("E-posta ya da parola yanlış.")]
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("Hoş geldiniz, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("Çıkış yaptınız."), "info")
    return redirect(url_for("shop.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                form.email.data, form.password.data, form.name.data, phone=form.phone.data
            )
        except DomainError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Hesabınız oluşturuldu."), "success")
            return redirect(url_for("shop.account"))
    return render_template("auth/register.html", form=form)


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def apply():
    form = ApplyForm()
    if form.validate_on_submit():
        application = user_service.MembershipApplication(
            email=form.email.data,
            password=form.password.data,
            name=form.name.data,
            display_name=form.display_name.data or "",
            centre=form.centre.data,
            craft=form.craft.data,
            phone=form.phone.data or "",
            bio=form.bio.data or "",
            note=form.note.data or "",
        )
        try:
            profile = user_service.apply_for_membership(application)
        except DomainError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            db.session.commit()
            login_user(profile.user)
            flash(
                _("Başvurunuz alındı. Kooperatif onayladığında ürün ekleyebileceksiniz."),
                "success",
            )
            return redirect(url_for("producer.home"))
    return render_template("auth/apply.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        user = user_service.find_by_email(form.email.data)
        if user is not None and user.active:
            token = user_service.make_reset_token(user, current_app.config["SECRET_KEY"])
            link = url_for("auth.reset", token=token, _external=True)
            mail.queue(
                user.email,
                _("Parola sıfırlama"),
                render_template("auth/email_reset.txt", user=user, link=link),
            )
            db.session.commit()
            mail.deliver_pending()
        # The same answer either way, so the form does not reveal who has an account.
        flash(_("Bu adresle bir hesap varsa, parola sıfırlama bağlantısı gönderildi."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user_service.reset_password(
                token,
                form.password.data,
                current_app.config["SECRET_KEY"],
                current_app.config["PASSWORD_RESET_MAX_AGE"],
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Parolanız değişti. Yeni parolanızla giriş yapın."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
