"""coopshop: the marketplace and sales ledger of Başkent Kadın Girişimi Kooperatifi."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, has_request_context, jsonify, render_template, request, session
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, CONFIGS, ProductionConfig, production_problems
from coopshop.db import db
from coopshop.extensions import babel, bootstrap, cache, csrf, limiter, login_manager, migrate


class DatabaseIntConverter(IntegerConverter):
    """``<int:id>`` up to the largest INTEGER the databases store (2**31 - 1): a bigger number
    in a URL is a page that does not exist (404), not a database error (500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's argument name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def trust_proxy(app: Flask) -> None:
    """Behind TRUSTED_PROXY_HOPS proxies (production: the TLS proxy in front of gunicorn), read
    the client's address and scheme from the X-Forwarded-For/-Proto the proxy sets. Without it
    every shopper would have the proxy's address: the per-address rate limits would lock out
    the whole shop at once. With 0 (development) the headers are ignored: a client could forge
    them to dodge a limit."""
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def create_app(config: str | type | None = None) -> Flask:
    """Build the app. ``config`` is a name from config.CONFIGS, a class, or FLASK_CONFIG."""
    # Production unless told otherwise: a forgotten FLASK_CONFIG must not mean DEBUG on.
    name = config or os.environ.get("FLASK_CONFIG", "production")
    config_class = CONFIGS[name] if isinstance(name, str) else name
    production = isinstance(config_class, type) and issubclass(config_class, ProductionConfig)
    if production:
        config_class.validate()

    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class)
    trust_proxy(app)
    if app.config.get("DEMO_PAYMENTS") and production:
        raise RuntimeError("the demo payment path is refused in production")
    if production and (problems := production_problems(app.config)):
        raise RuntimeError("Production refuses to start: " + "; ".join(problems))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_invoicing(app, production)

    # Before any route is added: <int:...> in every blueprint means an id the database can hold.
    app.url_map.converters["int"] = DatabaseIntConverter
    # Before the extensions: CSRF protection reads the form in its own before_request, and a
    # form read before this limit is set would be read up to MAX_CONTENT_LENGTH (16 MB).
    app.before_request(limit_body_without_files)
    register_extensions(app)
    app.before_request(refuse_nul_bytes)
    register_blueprints(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_errorhandlers(app)
    register_cli(app)
    register_outbox(app)
    return app


def register_outbox(app: Flask) -> None:
    """Without Redis, outbox jobs run in this process; in a page, after the response."""
    from coopshop.services.core import mail, outbox  # noqa: F401  (mail registers its job kind)
    from coopshop.services.members import sms  # noqa: F401  (and so does SMS)
    from coopshop.services.sales import refund_jobs
    from coopshop.services.shipping import label_jobs
    from coopshop.web.uow import defer_after_response

    refund_jobs.install()  # a card refund goes to its provider as a job ("refund.send")
    label_jobs.install()  # and a label is bought from the aggregator as one ("label.buy")
    app.extensions[outbox.DEFER] = defer_after_response


def select_locale() -> str | None:
    if not has_request_context():
        # CLI commands, workers and services run outside a request: the default locale (tr).
        # Without this guard any lazy message (a DomainError's) raises "outside of request".
        return None
    chosen = session.get("locale")
    if chosen in ("tr", "en"):
        return chosen
    return request.accept_languages.best_match(["tr", "en"]) or "tr"


def register_extensions(app: Flask) -> None:
    from coopshop import models  # noqa: F401  (the metadata must be complete)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    bootstrap.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)

    from coopshop.web import catalog_cache, form_messages, static_files

    catalog_cache.init_app(app)
    static_files.init_app(app)
    form_messages.install()

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from coopshop.db import enable_sqlite_foreign_keys

        with app.app_context():
            enable_sqlite_foreign_keys(db.engine)

    from coopshop.web.permissions import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Bu sayfayı görmek için giriş yapın.")


def register_invoicing(app: Flask, production: bool) -> None:
    """Invoicing answers paid orders and refunds (services.invoicing); with it on, the adapter
    is built once now so a bad configuration stops the start, not a sale."""
    from coopshop.services import invoicing

    app.config["INVOICING_REQUIRE_LEGAL"] = production
    invoicing.install()
    from coopshop.services.sales import withdrawal_steps

    withdrawal_steps.install()  # a withdrawal's refund, confirmed now or later, resolves it
    from coopshop.services.shipping import returns

    returns.install()  # SHIPPING_RETURN_LABEL_AUTO: a withdrawal's return label at once
    if app.config.get("INVOICING_ENABLED"):
        invoicing.settings.adapter(app.config)


def register_blueprints(app: Flask) -> None:
    import coopshop.shop.checkout  # noqa: F401  (adds the checkout routes to the shop blueprint)
    import coopshop.shop.impact  # noqa: F401  (adds the public impact page to the shop blueprint)
    import coopshop.shop.invoices  # noqa: F401  (adds the shopper's invoice to the shop blueprint)
    import coopshop.shop.iyzico_callback  # noqa: F401  (iyzico's return to the shop blueprint)
    import coopshop.shop.legal  # noqa: F401  (the public legal pages on the shop blueprint)
    import coopshop.shop.privacy  # noqa: F401  (her data, consents and requests: shop blueprint)
    import coopshop.shop.tokens  # noqa: F401  (adds the API token page to the shop blueprint)
    import coopshop.shop.withdrawals  # noqa: F401  (the buyer's withdrawal from her order page)
    import coopshop.webhooks.geliver  # noqa: F401  (adds /webhooks/geliver)
    from coopshop.admin.routes import bp as admin_bp
    from coopshop.api.routes import bp as api_bp
    from coopshop.auth.routes import bp as auth_bp
    from coopshop.producer.routes import bp as producer_bp
    from coopshop.shop.routes import bp as shop_bp
    from coopshop.staff.routes import bp as staff_bp
    from coopshop.webhooks.routes import bp as webhooks_bp

    app.register_blueprint(shop_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(producer_bp, url_prefix="/producer")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(webhooks_bp, url_prefix="/webhooks")
    app.register_blueprint(api_bp, url_prefix="/api/v1")

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy", whatever its class
            app.logger.exception("health check: the database did not answer")
            db.session.rollback()
            return jsonify(status="error", db="error"), 503
        return jsonify(status="ok", db="ok")


def limit_body_without_files() -> None:
    """Only a multipart upload may be as large as MAX_CONTENT_LENGTH; any other body (a form,
    JSON, a webhook) is refused with 413 beyond MAX_BODY_WITHOUT_FILES, before it is read."""
    from flask import current_app

    if request.mimetype != "multipart/form-data":
        request.max_content_length = current_app.config["MAX_BODY_WITHOUT_FILES"]


def refuse_nul_bytes() -> None:
    """No text field anywhere holds a NUL byte (PostgreSQL refuses them outright): a request
    carrying one is bad input, answered with 400 before any view or query sees it. The API
    validates its own input and names the field, so it is left to do that."""
    from flask import abort

    if request.path.startswith("/api/"):
        return
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400)


# Every page's own: scripts and styles from static files only (no inline script, style element or
# style attribute), never framed. Stripe Checkout is a redirect, so no third-party origin is needed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)


def register_security_headers(app: Flask) -> None:
    """The security headers, set here in a few lines rather than with Flask-Talisman: one more
    dependency would do the same five things, and the cookie flags already live in config.py."""
    hsts = not app.debug and not app.testing and app.config.get("PREFERRED_URL_SCHEME") == "https"

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for old browsers
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def register_template_helpers(app: Flask) -> None:
    from coopshop.web import formatting

    formatting.init_app(app)
    from coopshop.web.links import external_url

    app.add_template_global(external_url, "external_url")


def register_errorhandlers(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l
    from werkzeug.exceptions import HTTPException

    # The same titles as templates/errors/*.html, for API clients.
    titles = {
        400: _l("Geçersiz istek"),
        403: _l("Bu sayfaya erişiminiz yok"),
        404: _l("Sayfa bulunamadı"),
        405: _l("Bu işlem yapılamaz"),
        413: _l("Dosya çok büyük"),
        429: _l("Çok fazla deneme"),
        500: _l("Bir şeyler ters gitti"),
    }

    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if code == 500:
            db.session.rollback()
        # Keep what the protocol asks for (Allow on 405, Retry-After on 429), not the body type.
        headers = []
        if isinstance(error, HTTPException):
            headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            from coopshop.api.errors import http_error_response

            # {"error": {"code": "not_found", "message": ...}}, the API's one error shape.
            return http_error_response(error, titles.get(code), headers)
        return render_template(f"errors/{code}.html"), code, headers

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)


def register_cli(app: Flask) -> None:
    from coopshop.cli import register

    register(app)
