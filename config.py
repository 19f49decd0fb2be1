"""Settings classes, read from the environment. Production refuses to start half-configured."""

import os
import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of whole numbers ("50000,200000")."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        values = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise RuntimeError(
            f"{name} must be whole numbers separated by commas, got {raw!r}"
        ) from exc
    if any(v <= 0 for v in values):
        raise RuntimeError(f"{name} must be positive amounts in kuruş, got {raw!r}")
    return values


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# Keys that have been in this repository or its docs: a production process never signs with them.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (development only, refused in production)
KNOWN_DEVELOPMENT_KEYS = frozenset(
    {DEVELOPMENT_SECRET_KEY, "testing-secret", "dev", "secret", "change-me", "changeme"}
)
MIN_SECRET_KEY_BYTES = 32


# --- Payment provider settings (issue 14: iyzico) -------------------------------------------
IYZICO_SANDBOX = "https://sandbox-api.iyzipay.com"
PAYMENT_PROVIDERS = ("iyzico", "stripe", "demo")
PROVIDER_VARIABLES = {
    "iyzico": ("IYZICO_API_KEY", "IYZICO_SECRET_KEY", "IYZICO_BASE_URL"),
    "stripe": ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
}


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if value <= 0:
        raise RuntimeError(f"{name} must be positive, got {raw!r}")
    return value


def payment_provider_problem(env, production: bool) -> str | None:
    """Why the payment settings in ``env`` cannot start, naming the missing variable; None when
    they can. Production needs one provider fully configured (IYZICO_BASE_URL too: the sandbox
    default is for development) and refuses the demo path; a provider started but not finished
    (one of its variables set, another not) is refused everywhere it is chosen."""
    chosen = (env.get("PAYMENT_PROVIDER") or "").strip().lower()
    if chosen and chosen not in PAYMENT_PROVIDERS:
        return f"PAYMENT_PROVIDER must be one of {', '.join(PAYMENT_PROVIDERS)}, got {chosen!r}"
    if not chosen:
        started = [p for p, names in PROVIDER_VARIABLES.items() if any(env.get(n) for n in names)]
        chosen = started[0] if len(started) == 1 else ("" if not started else "ambiguous")
        if chosen == "ambiguous":
            return "Both iyzico and Stripe variables are set: choose one with PAYMENT_PROVIDER."
    if chosen in ("", "demo"):
        if not production:
            return None
        return (
            "Production refuses the demo payment path: set PAYMENT_PROVIDER=iyzico with "
            "IYZICO_API_KEY, IYZICO_SECRET_KEY and IYZICO_BASE_URL, or STRIPE_SECRET_KEY and "
            "STRIPE_WEBHOOK_SECRET."
        )
    needed = PROVIDER_VARIABLES[chosen]
    if not production and chosen == "iyzico":
        needed = needed[:2]  # the sandbox is the default base URL outside production
    missing = [name for name in needed if not env.get(name)]
    if missing:
        return (
            f"Production refuses the demo payment path: {chosen} is half-configured, set "
            f"{' and '.join(missing)}."
            if production
            else f"{chosen} is half-configured: set {' and '.join(missing)}."
        )
    return None


class Config:
    """Shared defaults. Every value can be overridden by an environment variable."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    # Links that leave the site (e-mails, provider callbacks) start here, never at the
    # request's Host header (which anyone can set).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    ORDER_LINK_DAYS = _env_int("ORDER_LINK_DAYS", 90)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'coopshop.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600  # a month, not Flask-Login's year
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # photo uploads; anything larger answers 413
    MAX_FORM_MEMORY_SIZE = 100 * 1024  # one text field of a multipart form
    # Any body that is not a multipart upload (forms, JSON, webhooks); larger answers 413.
    MAX_BODY_WITHOUT_FILES = 512 * 1024

    # Language and time
    BABEL_DEFAULT_LOCALE = "tr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Istanbul"
    LANGUAGES = ("tr", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # Payments. No key means the demo payment path (refused in production).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    STRIPE_TIMEOUT_SECONDS = _env_int("STRIPE_TIMEOUT_SECONDS", 8)
    MAIL_TIMEOUT_SECONDS = _env_int("MAIL_TIMEOUT_SECONDS", 10)
    # Which provider takes cards (iyzico | stripe | demo); empty: the one whose keys are set.
    # See "Payment provider settings" below for the iyzico ones and what production demands.
    PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "").strip().lower()
    IYZICO_API_KEY = os.environ.get("IYZICO_API_KEY", "")
    IYZICO_SECRET_KEY = os.environ.get("IYZICO_SECRET_KEY", "")
    IYZICO_BASE_URL = os.environ.get("IYZICO_BASE_URL", "") or IYZICO_SANDBOX
    IYZICO_TIMEOUT = _env_float("IYZICO_TIMEOUT", 10.0)
    IYZICO_INSTALLMENTS = os.environ.get("IYZICO_INSTALLMENTS", "1,2,3,6,9")
    # How long a taksit table for one price is kept (in the shared cache, CACHE_TYPE below)
    # before iyzico is asked again: a day.
    IYZICO_INSTALMENT_CACHE_SECONDS = _env_float("IYZICO_INSTALMENT_CACHE_SECONDS", 86400.0)

    # Mail. Without MAIL_SERVER, mail is written to MAIL_OUTBOX_DIR and logged.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Başkent Kadın Girişimi <bilgi@example.org>"
    )
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))

    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))

    # Background jobs (services/core/outbox.py): mail and invoices are written to the outbox
    # table with the change, then run by RQ workers over Redis (`flask --app wsgi worker`). With
    # no REDIS_URL (development) they run in this process after the response; production
    # requires Redis.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "coopshop")
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_AFTER_RESPONSE = True  # without Redis: after the answer has gone, not before
    # `flask outbox prune` (cron, daily) deletes finished jobs and sent mail older than this:
    # a sent message's body holds names, addresses and reset links, kept only as long as useful.
    OUTBOX_KEEP_DAYS = _env_int("OUTBOX_KEEP_DAYS", 30)

    # How many proxies in front of gunicorn set X-Forwarded-For/-Proto (coopshop.trust_proxy):
    # production's default is one TLS proxy; 0 ignores the headers.
    TRUSTED_PROXY_HOPS = _env_int("TRUSTED_PROXY_HOPS", 0)

    # Rate limits: Redis when REDIS_URL is set, memory otherwise.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in, registration, application and reset forms, per client address (each account is
    # throttled on its own as well). Flask-Limiter's syntax; the browser journeys raise it, as
    # they sign in dozens of times a minute from one address.
    AUTH_ADDRESS_LIMIT = os.environ.get("AUTH_ADDRESS_LIMIT", "10 per minute;60 per hour")

    # The public catalog's cached fragments (coopshop/web/catalog_cache.py): on Redis when
    # REDIS_URL is set (one cache for every worker, so a change drops them for all at once), in
    # this process's memory otherwise. A fragment is dropped by any catalog change anyway;
    # CATALOG_CACHE_SECONDS only bounds how long an unread one is kept.
    CACHE_TYPE = "RedisCache" if REDIS_URL else "SimpleCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_KEY_PREFIX = "coopshop:"
    CACHE_DEFAULT_TIMEOUT = _env_int("CATALOG_CACHE_SECONDS", 300)
    # Static files: a year in browsers' caches, for URLs carrying the file's fingerprint (?v=,
    # added by url_for); without it, the default (revalidated) answer.
    STATIC_FINGERPRINT_MAX_AGE = 365 * 24 * 3600

    # The cooperative's money settings (kuruş and basis points, never floats).
    COOP_NAME = "Başkent Kadın Girişimi Kooperatifi"
    COOP_IBAN = os.environ.get("COOP_IBAN", "TR330006100519786457841326")
    DEFAULT_COMMISSION_BP = _env_int("DEFAULT_COMMISSION_BP", 1500)
    RETURN_WINDOW_DAYS = _env_int("RETURN_WINDOW_DAYS", 14)
    OFFLINE_AVAILABLE_DAYS = _env_int("OFFLINE_AVAILABLE_DAYS", 0)
    # An online sale is payable RETURN_WINDOW_DAYS after delivery; with no delivery recorded,
    # this many days after payment.
    MAX_PAYABLE_WAIT_DAYS = _env_int("MAX_PAYABLE_WAIT_DAYS", 45)
    PAYOUT_MINIMUM_KURUS = _env_int("PAYOUT_MINIMUM_KURUS", 10000)
    PAYOUT_TWO_ADMINS = _env_bool("PAYOUT_TWO_ADMINS", True)
    # A member's new IBAN is paid to only this many hours after she asked (or once an admin
    # confirms it), and she is told by e-mail: a stolen session cannot redirect her income.
    IBAN_HOLD_HOURS = _env_int("IBAN_HOLD_HOURS", 48)
    # Production refuses IBAN_HOLD_HOURS=0 (a new IBAN paid to at once) unless this says so.
    IBAN_CHANGE_WITHOUT_HOLD = _env_bool("IBAN_CHANGE_WITHOUT_HOLD", False)
    # The makers bear the fee on their parts of the lines only; on a refund the spread fee stays
    # (the processor keeps it), an iyzico same-day cancel reverses it (services.books.fee_spread).
    FEES_SPREAD_TO_MAKERS = _env_bool("FEES_SPREAD_TO_MAKERS", False)
    SHIPPING_FLAT_KURUS = _env_int("SHIPPING_FLAT_KURUS", 7500)
    FREE_SHIPPING_THRESHOLD_KURUS = _env_int("FREE_SHIPPING_THRESHOLD_KURUS", 150000)
    ORDER_EXPIRY_MINUTES = _env_int("ORDER_EXPIRY_MINUTES", 30)
    # Days a bank-transfer (havale/EFT) order waits for its money before it expires.
    TRANSFER_PAYMENT_DAYS = _env_int("TRANSFER_PAYMENT_DAYS", 3)
    PASSWORD_RESET_MAX_AGE = _env_int("PASSWORD_RESET_MAX_AGE", 3600)

    # Impact page: monthly earnings thresholds (kuruş) whose reach is counted, e.g. ₺500, ₺2.000.
    IMPACT_MONTHLY_THRESHOLDS_KURUS = _env_ints("IMPACT_MONTHLY_THRESHOLDS_KURUS", (50000, 200000))
    IMPACT_PUBLIC_CACHE_SECONDS = _env_int("IMPACT_PUBLIC_CACHE_SECONDS", 600)

    # Shipping (README, "Shipping"): "manual" (staff type carrier and number) or "geliver".
    SHIPPING_PROVIDER = os.environ.get("SHIPPING_PROVIDER", "manual")
    SHIPPING_DEFAULT_CARRIER = os.environ.get("SHIPPING_DEFAULT_CARRIER", "")
    SHIPPING_DEFAULT_WEIGHT_G = _env_int("SHIPPING_DEFAULT_WEIGHT_G", 1000)
    SHIPPING_DEFAULT_DIMENSIONS_CM = os.environ.get("SHIPPING_DEFAULT_DIMENSIONS_CM", "30x20x10")
    SHIPPING_SENDER_NAME = os.environ.get("SHIPPING_SENDER_NAME", COOP_NAME)
    SHIPPING_SENDER_PHONE = os.environ.get("SHIPPING_SENDER_PHONE", "")
    SHIPPING_SENDER_EMAIL = os.environ.get("SHIPPING_SENDER_EMAIL", "")
    SHIPPING_SENDER_ADDRESS1 = os.environ.get("SHIPPING_SENDER_ADDRESS1", "")
    SHIPPING_SENDER_CITY_NAME = os.environ.get("SHIPPING_SENDER_CITY_NAME", "Ankara")
    SHIPPING_SENDER_CITY_CODE = os.environ.get("SHIPPING_SENDER_CITY_CODE", "06")
    SHIPPING_SENDER_DISTRICT = os.environ.get("SHIPPING_SENDER_DISTRICT", "")
    SHIPPING_SENDER_ZIP = os.environ.get("SHIPPING_SENDER_ZIP", "")
    # A withdrawal request gets its return label through the aggregator as soon as she asks.
    SHIPPING_RETURN_LABEL_AUTO = _env_bool("SHIPPING_RETURN_LABEL_AUTO", False)
    # Checkout's shipping price: "table" (the admin's rate table, else the flat fee) or
    # "aggregator" (the provider's price for the cart's parcel, else the table).
    SHIPPING_PRICE_SOURCE = os.environ.get("SHIPPING_PRICE_SOURCE", "table")
    # The weight one item adds to the cart's parcel when pricing it (products carry none).
    SHIPPING_ITEM_WEIGHT_G = _env_int("SHIPPING_ITEM_WEIGHT_G", 500)
    GELIVER_API_TOKEN = os.environ.get("GELIVER_API_TOKEN", "")
    GELIVER_BASE_URL = os.environ.get("GELIVER_BASE_URL", "")  # empty: the SDK's production URL
    GELIVER_WEBHOOK_SECRET = os.environ.get("GELIVER_WEBHOOK_SECRET", "")
    # The secret in the webhook address given to Geliver (/webhooks/geliver?token=…): Geliver
    # signs nothing, so this is what keeps strangers out (README, "Shipping").
    GELIVER_WEBHOOK_TOKEN = os.environ.get("GELIVER_WEBHOOK_TOKEN", "")
    GELIVER_TIMEOUT_SECONDS = _env_int("GELIVER_TIMEOUT_SECONDS", 5)
    GELIVER_OFFERS_WAIT_SECONDS = _env_int("GELIVER_OFFERS_WAIT_SECONDS", 5)
    GELIVER_SENDER_ADDRESS_ID = os.environ.get("GELIVER_SENDER_ADDRESS_ID", "")
    GELIVER_SOURCE_IDENTIFIER = os.environ.get("GELIVER_SOURCE_IDENTIFIER", "")
    GELIVER_TEST_MODE = _env_bool("GELIVER_TEST_MODE", False)

    # SMS to members who turn it on (README, "Notifications"): "netgsm", "log" (development:
    # logged, nothing leaves) or "none" (off). Transactional messages only.
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "log")
    NETGSM_USERNAME = os.environ.get("NETGSM_USERNAME", "")
    NETGSM_PASSWORD = os.environ.get("NETGSM_PASSWORD", "")
    NETGSM_MSGHEADER = os.environ.get("NETGSM_MSGHEADER", "")  # the sender name Netgsm approved
    NETGSM_API_URL = os.environ.get("NETGSM_API_URL", "")  # empty: the SDK's production URL
    # Seconds to connect to Netgsm and to wait for each read of its answer (the SDK's own is 30).
    SMS_TIMEOUT_SECONDS = _env_float("SMS_TIMEOUT_SECONDS", 8.0)

    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)
    DEMO_PAYMENTS = False

    # -- Invoicing (services/invoicing; README "Invoices"). Off unless INVOICING_ENABLED. ------
    INVOICING_ENABLED = _env_bool("INVOICING_ENABLED", False)
    INVOICING_PROVIDER = os.environ.get("INVOICING_PROVIDER", "local")  # local | nilvera
    NILVERA_API_KEY = os.environ.get("NILVERA_API_KEY", "")
    NILVERA_BASE_URL = os.environ.get("NILVERA_BASE_URL", "")
    NILVERA_TIMEOUT_SECONDS = _env_int("NILVERA_TIMEOUT_SECONDS", 5)
    NILVERA_EARSIV_SERIES = os.environ.get("NILVERA_EARSIV_SERIES", "")
    NILVERA_EFATURA_SERIES = os.environ.get("NILVERA_EFATURA_SERIES", "")
    NILVERA_EFATURA_PROFILE = os.environ.get("NILVERA_EFATURA_PROFILE", "TEMELFATURA")
    INVOICING_SELLER_VKN = os.environ.get("INVOICING_SELLER_VKN", "")
    INVOICING_SELLER_NAME = os.environ.get("INVOICING_SELLER_NAME", COOP_NAME)
    INVOICING_SELLER_TAX_OFFICE = os.environ.get("INVOICING_SELLER_TAX_OFFICE", "")
    INVOICING_SELLER_ADDRESS = os.environ.get("INVOICING_SELLER_ADDRESS", "")
    INVOICING_SELLER_DISTRICT = os.environ.get("INVOICING_SELLER_DISTRICT", "")
    INVOICING_SELLER_CITY = os.environ.get("INVOICING_SELLER_CITY", "Ankara")
    INVOICING_SELLER_POSTAL_CODE = os.environ.get("INVOICING_SELLER_POSTAL_CODE", "")
    INVOICING_SELLER_EMAIL = os.environ.get("INVOICING_SELLER_EMAIL", "")
    INVOICING_SELLER_WEBSITE = os.environ.get("INVOICING_SELLER_WEBSITE", "")
    INVOICING_LOCAL_EFATURA_USERS = os.environ.get("INVOICING_LOCAL_EFATURA_USERS", "")
    # The shipping's VAT rate, snapshotted on every order (ledger and invoice alike);
    # INVOICING_SHIPPING_VAT_BP is its older name, still read.
    SHIPPING_VAT_BP = _env_int("SHIPPING_VAT_BP", _env_int("INVOICING_SHIPPING_VAT_BP", 2000))
    INVOICING_BAZAAR_ALWAYS = _env_bool("INVOICING_BAZAAR_ALWAYS", False)
    INVOICING_MAX_ATTEMPTS = _env_int("INVOICING_MAX_ATTEMPTS", 8)
    # The (Istanbul) date invoicing was switched on: `ledger check` wants an invoice for every
    # order paid from then on. Empty: from the first invoiced order.
    INVOICING_SINCE = os.environ.get("INVOICING_SINCE", "")
    # Withholding (stopaj) on payouts to members with an exemption certificate, basis points.
    WITHHOLDING_EXEMPT_BP = _env_int("WITHHOLDING_EXEMPT_BP", 0)
    EXEMPTION_REMINDER_DAYS = _env_int("EXEMPTION_REMINDER_DAYS", 30)

    # -- The seller's identity (services/legal; README "Legal texts"): in the footer, on every
    # legal page and in every contract. Development shows clearly-sample values; production
    # refuses to start without each of them (seller_identity_problems).
    SELLER_LEGAL_NAME = os.environ.get("SELLER_LEGAL_NAME", COOP_NAME)
    SELLER_ADDRESS = os.environ.get("SELLER_ADDRESS", "")
    SELLER_PHONE = os.environ.get("SELLER_PHONE", "")
    SELLER_EMAIL = os.environ.get("SELLER_EMAIL", "")
    SELLER_KEP_ADDRESS = os.environ.get("SELLER_KEP_ADDRESS", "")
    SELLER_MERSIS_NO = os.environ.get("SELLER_MERSIS_NO", "")
    SELLER_TAX_OFFICE = os.environ.get("SELLER_TAX_OFFICE", "")
    SELLER_TAX_NUMBER = os.environ.get("SELLER_TAX_NUMBER", "")
    SELLER_ETBIS_NO = os.environ.get("SELLER_ETBIS_NO", "")
    # Days within which an in-stock order is handed to the carrier (the contract's delivery
    # time; made-to-order lines add their lead time). The law's ceiling is 30.
    DISPATCH_DAYS = _env_int("DISPATCH_DAYS", 3)


# Sample seller identity for development and tests: obviously not real (no such MERSİS).
SAMPLE_SELLER = {
    "SELLER_ADDRESS": "Örnek Mah. Kooperatif Sk. No: 1, Çankaya / Ankara",
    "SELLER_PHONE": "+90 312 000 00 00",
    "SELLER_EMAIL": "bilgi@example.org",
    "SELLER_KEP_ADDRESS": "baskentkadin@hs01.kep.tr",
    "SELLER_MERSIS_NO": "0000000000000000",
    "SELLER_TAX_OFFICE": "Çankaya",
    "SELLER_TAX_NUMBER": "0000000000",
    "SELLER_ETBIS_NO": "ÖRNEK-ETBİS-0000",
}


def _sample_seller(name: str) -> str:
    return os.environ.get(name) or SAMPLE_SELLER[name]


class SampleSeller:
    """The sample seller identity as class attributes (tests mix it into their configs)."""


for _name, _value in SAMPLE_SELLER.items():
    setattr(SampleSeller, _name, _value)


class DevelopmentConfig(Config):
    DEBUG = True
    DEMO_PAYMENTS = True
    SELLER_ADDRESS = _sample_seller("SELLER_ADDRESS")
    SELLER_PHONE = _sample_seller("SELLER_PHONE")
    SELLER_EMAIL = _sample_seller("SELLER_EMAIL")
    SELLER_KEP_ADDRESS = _sample_seller("SELLER_KEP_ADDRESS")
    SELLER_MERSIS_NO = _sample_seller("SELLER_MERSIS_NO")
    SELLER_TAX_OFFICE = _sample_seller("SELLER_TAX_OFFICE")
    SELLER_TAX_NUMBER = _sample_seller("SELLER_TAX_NUMBER")
    SELLER_ETBIS_NO = _sample_seller("SELLER_ETBIS_NO")
    PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "demo").strip().lower() or "demo"


class TestingConfig(SampleSeller, Config):
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 (tests only)
    PUBLIC_BASE_URL = "http://localhost"
    # Tests run on PostgreSQL when DATABASE_URL says so; otherwise the fixture picks a temp file.
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    DEMO_PAYMENTS = True
    PAYOUT_TWO_ADMINS = False
    SERVER_NAME = "localhost"
    # Fast on purpose: tests hash many passwords.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105
    MAIL_SERVER = ""
    # Jobs run in this process right after each commit, so a test sees its mail at once.
    REDIS_URL = ""
    OUTBOX_AFTER_RESPONSE = False
    IMPACT_PUBLIC_CACHE_SECONDS = 0  # each test has its own data; the cache has its own test
    CACHE_TYPE = "SimpleCache"  # emptied for every test (conftest); its own tests below


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = "https"

    REMEMBER_COOKIE_SAMESITE = "Lax"
    TRUSTED_PROXY_HOPS = _env_int("TRUSTED_PROXY_HOPS", 1)  # the TLS proxy (README: deploying)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")

    @classmethod
    def validate(cls) -> None:
        """Fail fast: a production process must not start on defaults."""
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL")
            if not os.environ.get(name)
        ]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        problem = payment_provider_problem(os.environ, production=True)
        if problem:
            raise RuntimeError(problem)
        problem = invoicing_problem(os.environ)
        if problem:
            raise RuntimeError(problem)
        problem = sms_problem(os.environ)
        if problem:
            raise RuntimeError(problem)


MIN_WEBHOOK_TOKEN_CHARS = 32  # e.g. python -c "import secrets; print(secrets.token_urlsafe(32))"


def production_problems(config) -> list[str]:
    """What is wrong with a production app's final settings (a mapping such as app.config)."""
    problems = []
    key = config.get("SECRET_KEY") or ""
    if key in KNOWN_DEVELOPMENT_KEYS:
        problems.append("SECRET_KEY is a known development key")
    elif len(key.encode()) < MIN_SECRET_KEY_BYTES:
        problems.append(f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes")
    if config.get("SQLALCHEMY_DATABASE_URI", "").startswith("sqlite"):
        problems.append("DATABASE_URL must be PostgreSQL, not SQLite")
    for name in sorted(config):
        if name == "PUBLIC_BASE_URL" or name.endswith(("_API_BASE", "_BASE_URL")):
            value = config[name]
            if value and not str(value).startswith("https://"):
                problems.append(f"{name} must start with https://")
    if not config.get("PUBLIC_BASE_URL"):
        problems.append("PUBLIC_BASE_URL is required")
    for name, low, high in MONEY_RANGES:
        value = config.get(name)
        if value is None or not low <= value <= high:
            problems.append(f"{name} must be between {low} and {high}, got {value!r}")
    problems.extend(seller_identity_problems(config, production=True))
    if not _is_turkish_iban(config.get("COOP_IBAN") or ""):
        # The payout batch compares members' IBANs with it; a typo would hide that warning.
        problems.append("COOP_IBAN must be a Turkish IBAN (TR and 24 digits, check digits right)")
    if not config.get("REDIS_URL"):
        # Mail and invoices wait in the outbox for RQ workers; in-process runs are for one
        # development process, not for several gunicorn nodes.
        problems.append("REDIS_URL is required: mail and invoices run on RQ workers")
    if config.get("SHIPPING_PROVIDER") == "geliver":
        token = config.get("GELIVER_WEBHOOK_TOKEN") or ""
        if len(token) < MIN_WEBHOOK_TOKEN_CHARS:
            problems.append(
                "GELIVER_WEBHOOK_TOKEN must be set (at least "
                f"{MIN_WEBHOOK_TOKEN_CHARS} characters) with SHIPPING_PROVIDER=geliver: Geliver "
                "signs no webhook, the token in its address keeps strangers out"
            )
    if config.get("OUTBOX_MAX_ATTEMPTS", 0) < 1:
        problems.append("OUTBOX_MAX_ATTEMPTS must be at least 1")
    if config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://"):
        workers = os.environ.get("WEB_CONCURRENCY", "")
        if workers.strip() != "1":
            # Each gunicorn worker would count on its own: N workers allow N times the limit.
            problems.append(
                "the memory rate-limit store counts per worker: set REDIS_URL "
                "(or WEB_CONCURRENCY=1 for a single worker)"
            )
    problems.extend(auth_limit_problems(config.get("AUTH_ADDRESS_LIMIT")))
    if config.get("IBAN_HOLD_HOURS") == 0 and not config.get("IBAN_CHANGE_WITHOUT_HOLD"):
        # A stolen session could then point her payouts at another account at once.
        problems.append(
            "IBAN_HOLD_HOURS=0 applies a new IBAN at once: set a hold "
            "(or IBAN_CHANGE_WITHOUT_HOLD=1 to mean it)"
        )
    return problems


# The most sign-in, registration, application and reset posts one address may make in a minute.
AUTH_ADDRESS_MAX_PER_MINUTE = 30


def auth_limit_problems(value) -> list[str]:
    """AUTH_ADDRESS_LIMIT must be Flask-Limiter's syntax (the limits package parses it) and hold
    an address to at most AUTH_ADDRESS_MAX_PER_MINUTE posts in a minute: the strictest of its
    limits binds, and one over a minute or longer allows its whole amount within one minute."""
    from limits import parse_many

    try:
        items = parse_many(str(value or ""))
    except ValueError:
        return [f"AUTH_ADDRESS_LIMIT is not a rate limit Flask-Limiter can read: {value!r}"]
    per_minute = min(item.amount * max(1.0, 60 / item.get_expiry()) for item in items)
    if per_minute > AUTH_ADDRESS_MAX_PER_MINUTE:
        return [
            f"AUTH_ADDRESS_LIMIT {value!r} allows {per_minute:g} posts a minute from one "
            f"address; at most {AUTH_ADDRESS_MAX_PER_MINUTE}"
        ]
    return []


def _is_turkish_iban(value: str) -> bool:
    compact = "".join(value.split()).upper()
    if len(compact) != 26 or not compact.startswith("TR") or not compact[2:].isdigit():
        return False
    rearranged = compact[4:] + "2927" + compact[2:4]  # T=29, R=27 (ISO 13616 mod 97)
    return int(rearranged) % 97 == 1


_NO_LIMIT = 10**12
MONEY_RANGES = (
    ("DEFAULT_COMMISSION_BP", 0, 10000),
    ("RETURN_WINDOW_DAYS", 0, 365),
    ("OFFLINE_AVAILABLE_DAYS", 0, 365),
    ("MAX_PAYABLE_WAIT_DAYS", 1, 365),
    ("PAYOUT_MINIMUM_KURUS", 0, _NO_LIMIT),
    ("SHIPPING_FLAT_KURUS", 0, _NO_LIMIT),
    ("FREE_SHIPPING_THRESHOLD_KURUS", 0, _NO_LIMIT),
    ("SHIPPING_VAT_BP", 0, 10000),
    ("ORDER_EXPIRY_MINUTES", 1, 24 * 60),
    ("TRANSFER_PAYMENT_DAYS", 1, 60),
    ("ORDER_LINK_DAYS", 1, 3650),
    ("DISPATCH_DAYS", 1, 30),
    ("IBAN_HOLD_HOURS", 0, 24 * 30),
    ("OUTBOX_KEEP_DAYS", 1, 3650),
    ("TRUSTED_PROXY_HOPS", 0, 5),
    ("SMS_TIMEOUT_SECONDS", 1, 30),  # an outbox job's; the SDK's own was 30
)


# -- The seller's identity (services/legal): what a distance seller must show. -----------------
SELLER_FIELDS = (
    "SELLER_LEGAL_NAME",
    "SELLER_ADDRESS",
    "SELLER_PHONE",
    "SELLER_EMAIL",
    "SELLER_KEP_ADDRESS",
    "SELLER_MERSIS_NO",
    "SELLER_TAX_OFFICE",
    "SELLER_TAX_NUMBER",
    "SELLER_ETBIS_NO",
)


def seller_identity_problems(config, production: bool) -> list[str]:
    """What is wrong with the seller identity in ``config`` (a mapping such as app.config): a
    malformed value anywhere; in production also a missing one. Names the variable."""
    problems = []
    for name in SELLER_FIELDS:
        if production and not str(config.get(name) or "").strip():
            problems.append(f"{name} is required (the seller identity shown to buyers)")
    checks = (
        ("SELLER_MERSIS_NO", r"\d{16}", "16 digits"),
        ("SELLER_TAX_NUMBER", r"\d{10}", "10 digits (VKN)"),
        ("SELLER_EMAIL", r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address"),
        ("SELLER_KEP_ADDRESS", r"[^@\s]+@[^@\s]+\.kep\.tr", "a KEP address (…@….kep.tr)"),
        ("SELLER_PHONE", r"\+?[0-9 ()-]{10,20}", "a phone number"),
    )
    for name, pattern, what in checks:
        value = str(config.get(name) or "").strip()
        if value and not re.fullmatch(pattern, value):
            problems.append(f"{name} must be {what}, got {value!r}")
    return problems


# -- Invoicing in production (services/invoicing): a real integrator with all it is sent. ----
_INVOICING_NEEDS = (
    "NILVERA_API_KEY",
    "NILVERA_BASE_URL",
    "INVOICING_SELLER_VKN",
    "INVOICING_SELLER_TAX_OFFICE",
    "INVOICING_SELLER_ADDRESS",
    "INVOICING_SELLER_DISTRICT",
)


def invoicing_problem(env) -> str | None:
    """Why a production process with invoicing on must not start (None when it may)."""
    if env.get("INVOICING_ENABLED", "").strip().lower() not in {"1", "true", "yes", "on"}:
        return None
    if env.get("INVOICING_PROVIDER", "local").strip().lower() != "nilvera":
        return (
            "Production issues legal invoices only: set INVOICING_PROVIDER=nilvera "
            "(or INVOICING_ENABLED=0)."
        )
    missing = [name for name in _INVOICING_NEEDS if not env.get(name, "").strip()]
    if missing:
        return "Invoicing with Nilvera needs: " + ", ".join(missing)
    if not env["NILVERA_BASE_URL"].startswith("https://"):
        return "NILVERA_BASE_URL must be an https:// address in production."
    return None


_NETGSM_NEEDS = ("NETGSM_USERNAME", "NETGSM_PASSWORD", "NETGSM_MSGHEADER")


def sms_problem(env) -> str | None:
    """Why a production process must not start with these SMS settings (None when it may):
    the provider is chosen on purpose (netgsm, or none for no SMS) and has its credentials."""
    chosen = (env.get("SMS_PROVIDER") or "").strip().lower()
    if chosen not in ("netgsm", "none"):
        return (
            "Production needs SMS_PROVIDER=netgsm (with NETGSM_USERNAME, NETGSM_PASSWORD and "
            f"NETGSM_MSGHEADER) or SMS_PROVIDER=none, got {chosen!r}."
        )
    if chosen == "none":
        return None
    missing = [name for name in _NETGSM_NEEDS if not env.get(name, "").strip()]
    if missing:
        return "SMS through Netgsm needs: " + ", ".join(missing)
    url = env.get("NETGSM_API_URL", "").strip()
    if url and not url.startswith("https://"):
        return "NETGSM_API_URL must be an https:// address in production."
    return None


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
