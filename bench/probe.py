"""Probe a production-configured coopshop from outside, as an attacker and a bad day would.

Usage: `make probe` (or `.venv/bin/python -m bench.probe`). It makes a fresh PostgreSQL database
on 127.0.0.1:5432 (dropped afterwards), loads the demo data into it, checks that production
refuses to start on each unsafe setting, then serves the app with gunicorn (2 workers, production
settings, Redis for the limits) on a free loopback port behind a pretend proxy and sends it bad
input over HTTP. It prints one row per probe (what was sent, what should happen, what did) and
writes the table to bench/results/probe-<date>.md. Exit status 1 if any probe did not hold.

Not a test: it needs PostgreSQL, Redis and a minute of demo seeding; the suite has a test for
each row (tests/web/test_security*.py, test_sessions.py, test_webhooks*.py, test_proxy.py, …).
"""

# ruff: noqa: S105, S106, S107, S603, S607  (a tool run by hand: the demo password and made-up
# provider secrets of a throwaway database; it starts its own python, flask, gunicorn and git)
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PUBLIC = "https://shop.example.org"
PASSWORD = "demo-12345"  # the demo accounts' (README)


@dataclass
class Row:
    area: str
    sent: str
    expected: str
    observed: str
    held: bool


ROWS: list[Row] = []


def record(area: str, sent: str, expected: str, observed: str, held: bool) -> None:
    ROWS.append(Row(area, sent, expected, observed, held))
    mark = "ok  " if held else "FAIL"
    print(f"{mark} {area:<14} {sent[:60]:<60} → {observed[:70]}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- The environment ------------------------------------------------------------------------


def production_env(database_url: str, tmp: Path, silent_port: int) -> dict[str, str]:
    from config import SAMPLE_SELLER

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "STRIPE_"))}
    env.update(SAMPLE_SELLER)
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL=PUBLIC,
        REDIS_URL=os.environ.get("PROBE_REDIS_URL", "redis://127.0.0.1:6379/13"),
        PAYMENT_PROVIDER="stripe",
        STRIPE_SECRET_KEY="sk_test_probe",
        STRIPE_WEBHOOK_SECRET="whsec_probe",
        UPLOAD_DIR=str(tmp / "uploads"),
        MAIL_OUTBOX_DIR=str(tmp / "mail"),
        WEB_CONCURRENCY="2",
        # A hung partner on both: checkout must not hang with it, and no page waits for mail.
        STRIPE_API_BASE=f"https://127.0.0.1:{silent_port}",
        STRIPE_TIMEOUT_SECONDS="2",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(silent_port),
        MAIL_TIMEOUT_SECONDS="2",
    )
    env.pop("DATABASE_URL_TEST", None)
    return env


def startup_probes(good: dict[str, str], tmp: Path) -> None:
    """Each unsafe setting alone, on top of a good production environment: refused, named."""
    dev_key = __import__("config").DEVELOPMENT_SECRET_KEY
    cases = [
        ("SECRET_KEY unset", {"SECRET_KEY": None}, "SECRET_KEY"),
        ("SECRET_KEY the development key", {"SECRET_KEY": dev_key}, "SECRET_KEY"),
        ("SECRET_KEY of 31 bytes", {"SECRET_KEY": "x" * 31}, "SECRET_KEY"),
        ("DATABASE_URL SQLite", {"DATABASE_URL": f"sqlite:///{tmp / 'x.db'}"}, "DATABASE_URL"),
        ("PUBLIC_BASE_URL http://", {"PUBLIC_BASE_URL": "http://shop.example.org"}, "https"),
        ("STRIPE_API_BASE http://", {"STRIPE_API_BASE": "http://127.0.0.1:1"}, "STRIPE_API_BASE"),
        ("DEFAULT_COMMISSION_BP=20000", {"DEFAULT_COMMISSION_BP": "20000"}, "DEFAULT_COMMISSION"),
        ("SHIPPING_FLAT_KURUS=-100", {"SHIPPING_FLAT_KURUS": "-100"}, "SHIPPING_FLAT"),
        ("RETURN_WINDOW_DAYS=-1", {"RETURN_WINDOW_DAYS": "-1"}, "RETURN_WINDOW"),
        ("PAYOUT_MINIMUM_KURUS=-1", {"PAYOUT_MINIMUM_KURUS": "-1"}, "PAYOUT_MINIMUM"),
        ("REDIS_URL unset, 2 workers", {"REDIS_URL": None}, "REDIS_URL"),
        ("PAYMENT_PROVIDER=demo", {"PAYMENT_PROVIDER": "demo"}, "demo"),
        ("COOP_IBAN with a wrong check digit", {"COOP_IBAN": "TR330006100519786457841327"}, "IBAN"),
        ("SELLER_MERSIS_NO unset", {"SELLER_MERSIS_NO": ""}, "SELLER_MERSIS_NO"),
    ]
    for label, change, named in cases:
        env = dict(good)
        for key, value in change.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        run = subprocess.run(
            [PYTHON, "-c", "import wsgi"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        last = (run.stderr.strip().splitlines() or [""])[-1]
        held = run.returncode != 0 and named in last
        record("start-up", f"production with {label}", f"refused, naming {named}", last, held)
    run = subprocess.run(
        [
            PYTHON,
            "-c",
            "import wsgi; c = wsgi.app.config; "
            "print(c['DEBUG'], c['SESSION_COOKIE_SECURE'], c['TRUSTED_PROXY_HOPS'])",
        ],
        cwd=ROOT,
        env=good,
        capture_output=True,
        text=True,
        timeout=120,
    )
    record(
        "start-up",
        "`import wsgi` with FLASK_CONFIG unset",
        "production: DEBUG off, Secure cookies",
        (run.stdout.strip() or run.stderr.strip()[-120:]),
        run.returncode == 0 and run.stdout.split()[:2] == ["False", "True"],
    )


# -- A client that keeps Secure cookies over loopback http (the proxy would speak TLS) -------


class Client:
    def __init__(self, base: str, address: str | None = None):
        self.base = base
        self.address = address or f"198.51.100.{secrets.randbelow(250) + 1}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kw) -> requests.Response:
        # As a browser behind the TLS proxy: its address and scheme forwarded, and a same-origin
        # Referer (Flask-WTF checks it on https).
        headers = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Referer": "https://" + self.base.split("://", 1)[1] + path,
        }
        headers.update(kw.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=60, **kw
        )
        for cookie in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "01 Jan 1970" in cookie or "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def token(self, path: str) -> str:
        page = self.get(path).text
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'<meta name="csrf-token" content="([^"]+)"', page
        )
        return found.group(1) if found else ""

    def post(self, path: str, data: dict | None = None, form_page: str | None = None, **kw):
        data = dict(data or {})
        if form_page is not None:
            data.setdefault("csrf_token", self.token(form_page))
        return self.request("POST", path, data=data, **kw)

    def login(self, email: str, password: str = PASSWORD, remember: bool = False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.post("/auth/login", data, form_page="/auth/login")


def _where(response: requests.Response) -> str:
    location = response.headers.get("Location", "")
    return f"{response.status_code} {location}".strip()


# -- The probes over HTTP ----------------------------------------------------------------------


def header_probes(base: str) -> None:
    response = Client(base).get("/")
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    checks = [
        (
            "Content-Security-Policy",
            "no unsafe-inline, frame-ancestors 'none'",
            "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp,
            csp[:70],
        ),
        (
            "X-Content-Type-Options",
            "nosniff",
            h.get("X-Content-Type-Options") == "nosniff",
            h.get("X-Content-Type-Options", "missing"),
        ),
        (
            "X-Frame-Options",
            "DENY",
            h.get("X-Frame-Options") == "DENY",
            h.get("X-Frame-Options", "missing"),
        ),
        ("Referrer-Policy", "set", bool(h.get("Referrer-Policy")), h.get("Referrer-Policy", "-")),
        (
            "Strict-Transport-Security",
            "max-age ≥ 1 year",
            "max-age=" in h.get("Strict-Transport-Security", "")
            and int(re.search(r"max-age=(\d+)", h["Strict-Transport-Security"]).group(1))
            >= 31536000,
            h.get("Strict-Transport-Security", "missing"),
        ),
    ]
    for name, expected, held, seen in checks:
        record("headers", f"GET / → {name}", expected, seen, held)
    cookies = response.raw.headers.getlist("Set-Cookie")
    session_cookie = next((c for c in cookies if c.startswith("session=")), "")
    flags = [f for f in ("Secure", "HttpOnly", "SameSite=Lax") if f in session_cookie]
    record(
        "headers",
        "GET / → session cookie flags",
        "Secure; HttpOnly; SameSite=Lax",
        "; ".join(flags) or "no session cookie set",
        len(flags) == 3 or not session_cookie,
    )


def forged_cookie_probe(base: str, admin_id: int) -> None:
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from config import DEVELOPMENT_SECRET_KEY

    forger = Flask("forger")
    forger.secret_key = DEVELOPMENT_SECRET_KEY
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    for generation in (0, 1):
        cookie = serializer.dumps({"_user_id": f"{admin_id}:{generation}", "_fresh": True})
        client = Client(base)
        client.cookies["session"] = cookie
        response = client.get("/admin/")
        record(
            "sessions",
            f"GET /admin/ with a cookie signed by the dev key (gen {generation})",
            "login page",
            _where(response),
            response.status_code in (302, 401)
            and "/auth/login" in response.headers.get("Location", ""),
        )


def session_probes(base: str) -> None:
    # Logout ends the session: a copy of the cookie taken before is refused after.
    client = Client(base)
    client.login("ayse@example.org")
    stolen = dict(client.cookies)
    before = client.get("/producer/")
    client.post("/auth/logout", {}, form_page="/producer/")
    thief = Client(base, client.address)
    thief.cookies = stolen
    after = thief.get("/producer/")
    record(
        "sessions",
        "producer's cookie copied, she logs out, the copy is used",
        "login page",
        f"before {before.status_code}, after {_where(after)}",
        before.status_code == 200 and after.status_code == 302,
    )
    # Sign out everywhere ends the other device's session and remember cookie.
    phone, laptop = Client(base), Client(base)
    phone.login("customer@example.org", remember=True)
    laptop.login("customer@example.org")
    laptop.post("/auth/sessions/end", {}, form_page="/account")
    remembered = Client(base, phone.address)
    remembered.cookies = {k: v for k, v in phone.cookies.items() if k == "remember_token"}
    seen = (phone.get("/account").status_code, remembered.get("/account").status_code)
    record(
        "sessions",
        "'sign out everywhere' on the laptop; the phone's session and remember cookie",
        "both refused (302 to login)",
        f"session {seen[0]}, remember cookie {seen[1]}",
        seen == (302, 302),
    )


def lockout_probe(base: str, database_url: str) -> None:
    email = "admin2@example.org"  # a demo login no other probe uses
    codes = []
    for i in range(5):
        codes.append(Client(base, f"203.0.113.{i + 1}").login(email, "yanlis-parola-1").status_code)
    right = Client(base, "203.0.113.99").login(email)
    locked = right.status_code != 302
    with psycopg.connect(database_url) as conn:
        notices = conn.execute(
            'SELECT count(*) FROM outbox_messages WHERE "to" = %s', (email,)
        ).fetchone()[0]
    record(
        "brute force",
        "5 wrong passwords from 5 addresses, then the right one from a 6th",
        "refused while locked; one notice mail",
        f"{codes} then {right.status_code}; {notices} mail(s) to her",
        locked and notices == 1,
    )
    client = Client(base)
    codes = [client.login(f"kimse{i}@example.org", "yanlis").status_code for i in range(11)]
    record(
        "brute force",
        "11 login POSTs from one address (2 workers, Redis store)",
        "the 11th is 429",
        str(codes),
        codes[:10] == [200] * 10 and codes[10] == 429,
    )


def _page_words(response: requests.Response) -> str:
    text = re.sub(r'name="csrf_token"[^>]*>', "", response.text)
    text = re.sub(r'content="[^"]{20,}"', "", text)
    return re.sub(r"\s+", " ", text)


def enumeration_probes(base: str, database_url: str) -> None:
    def register(email: str) -> requests.Response:
        data = {
            "name": "Deneme Kişi",
            "email": email,
            "password": "uzun-ve-zor-parola-42",
            "confirm": "uzun-ve-zor-parola-42",
        }
        return Client(base).post("/auth/register", data, form_page="/auth/register")

    taken, fresh = register("customer@example.org"), register(f"yeni{secrets.token_hex(3)}@x.org")
    same = (taken.status_code, taken.headers.get("Location")) == (
        fresh.status_code,
        fresh.headers.get("Location"),
    )
    record(
        "enumeration",
        "register with a taken address vs a new one",
        "the same answer",
        f"{_where(taken)} vs {_where(fresh)}",
        same,
    )

    def forgot(email: str) -> tuple[requests.Response, float]:
        client = Client(base)
        token = client.token("/auth/forgot")
        start = time.perf_counter()
        response = client.post("/auth/forgot", {"email": email, "csrf_token": token})
        return response, time.perf_counter() - start

    real = [forgot("ayse@example.org") for _ in range(3)]
    ghost = [forgot("kimse-yok@example.org") for _ in range(3)]
    real_t = sorted(t for _, t in real)[1]
    ghost_t = sorted(t for _, t in ghost)[1]
    record(
        "enumeration",
        "reset for a real vs an unknown address (median of 3)",
        "same answer, similar time",
        f"{_where(real[0][0])} in {real_t * 1000:.0f} ms vs {_where(ghost[0][0])} in "
        f"{ghost_t * 1000:.0f} ms",
        _where(real[0][0]) == _where(ghost[0][0]) and real_t < 3 * ghost_t + 0.05,
    )
    # The reset link is built from PUBLIC_BASE_URL, never from the Host header.
    client = Client(base)
    token = client.token("/auth/forgot")
    client.post(
        "/auth/forgot",
        {"email": "staff@example.org", "csrf_token": token},
        headers={"Host": "evil.example", "Referer": "https://evil.example/auth/forgot"},
    )
    with psycopg.connect(database_url) as conn:
        body = conn.execute(
            "SELECT body FROM outbox_messages WHERE \"to\" = 'staff@example.org' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
    links = re.findall(r"https?://[^\s/]+", body[0] if body else "")
    record(
        "links",
        "password reset asked with Host: evil.example",
        f"link on {PUBLIC}",
        ", ".join(sorted(set(links))) or "no mail",
        bool(links) and set(links) == {PUBLIC},
    )
    weak = Client(base).post(
        "/auth/register",
        {
            "name": "Zayıf",
            "email": "zayif@example.org",
            "password": "1234567890",
            "confirm": "1234567890",
        },
        form_page="/auth/register",
    )
    record(
        "passwords",
        "register with the password 1234567890",
        "refused with a Turkish message",
        f"{weak.status_code}, message shown: {'kolay tahmin edilir' in weak.text}",
        weak.status_code in (200, 400) and "kolay tahmin edilir" in weak.text,
    )


def size_probes(base: str) -> None:
    client = Client(base)
    token = client.token("/auth/login")
    huge = "ş" * 500_000  # 1 MB of UTF-8
    response = client.post("/auth/login", {"email": huge, "password": "x", "csrf_token": token})
    record(
        "sizes",
        "login with a 1 MB e-mail field",
        "413 or an error, the value not echoed",
        f"{response.status_code}, page {len(response.content)} bytes",
        response.status_code < 500 and len(response.content) < 200_000,
    )
    token = client.token("/")
    response = client.request(
        "POST",
        "/cart/add",
        data=f"csrf_token={token}&a=".encode() + b"x" * 600_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    record(
        "sizes",
        "600 KB form body to /cart/add",
        "413",
        str(response.status_code),
        response.status_code == 413,
    )
    response = client.get("/search?q=%ff%fe%00")
    record(
        "bad input",
        "search with invalid UTF-8 and a NUL byte",
        "400 or a page, never 500",
        str(response.status_code),
        response.status_code < 500,
    )
    response = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    record(
        "escaping",
        "search for <script>alert(1)</script>",
        "shown escaped",
        f"{response.status_code}, raw tag present: {'<script>alert(1)' in response.text}",
        response.status_code == 200 and "<script>alert(1)" not in response.text,
    )
    response = client.get("/media/../../config.py")
    record(
        "paths",
        "GET /media/../../config.py",
        "404",
        str(response.status_code),
        response.status_code == 404,
    )
    response = client.post("/cart/add", {"product_id": "1", "quantity": "1"})
    record(
        "CSRF",
        "POST /cart/add without a CSRF token",
        "400",
        str(response.status_code),
        response.status_code == 400,
    )


def big_id_probes(base: str) -> None:
    staff, admin = Client(base), Client(base)
    admin.login("admin@example.org")
    paths = [
        "/products/{}",
        "/producers/{}",
        "/admin/orders/{}",
        "/admin/members/{}",
        "/admin/payouts/{}",
        "/api/v1/orders/{}",
    ]
    seen = {}
    for big in (2**31, 2**63, 10**30):
        for path in paths:
            for client in (staff, admin):
                code = client.get(path.format(big)).status_code
                seen[code] = seen.get(code, 0) + 1
    record(
        "bad input",
        f"ids 2^31, 2^63, 10^30 on {len(paths)} routes, as guest and admin",
        "404 (or login), never 500",
        ", ".join(f"{k}×{v}" for k, v in sorted(seen.items())),
        all(code < 500 for code in seen),
    )


def idor_probe(base: str, database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT o.id, o.number FROM orders o JOIN users u ON u.id = o.customer_id "
            "WHERE u.email <> 'customer@example.org' LIMIT 1"
        ).fetchone()
    if row is None:
        record("access", "another customer's order", "404", "no such order in the demo", True)
        return
    client = Client(base)
    client.login("customer@example.org")
    response = client.get(f"/orders/{row[1]}")
    record(
        "access",
        "customer opens another customer's order by its number (unsigned link)",
        "404 or 403",
        str(response.status_code),
        response.status_code in (403, 404),
    )
    response = client.get(f"/orders/{row[1]}?sig=forged")
    record(
        "access",
        "the same with a forged signature",
        "404 or 403",
        str(response.status_code),
        response.status_code in (403, 404),
    )
    producer = Client(base)
    producer.login("ayse@example.org")
    with psycopg.connect(database_url) as conn:
        other = conn.execute(
            "SELECT p.id FROM products p JOIN producer_profiles pp ON pp.id = p.owner_id "
            "JOIN users u ON u.id = pp.user_id WHERE u.email <> 'ayse@example.org' LIMIT 1"
        ).fetchone()
    if other:
        response = producer.get(f"/producer/products/{other[0]}")
        record(
            "access",
            "producer opens another producer's product edit page",
            "404 or 403",
            str(response.status_code),
            response.status_code in (403, 404),
        )


def _stripe_post(base: str, body: bytes, at: int | None = None, secret: str = "whsec_probe"):
    stamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return requests.post(
        base + "/webhooks/stripe",
        data=body,
        timeout=30,
        headers={
            "Stripe-Signature": f"t={stamp},v1={signature}",
            "Content-Type": "application/json",
        },
    )


def webhook_probes(base: str, database_url: str) -> None:
    for label, body in (
        ("[]", b"[]"),
        ("{}", b"{}"),
        ('{"id":"evt_1"} (no data)', b'{"id":"evt_1","type":"checkout.session.completed"}'),
        ("not JSON", b"\xff\x00garbage"),
    ):
        response = _stripe_post(base, body)
        record(
            "webhooks",
            f"signed Stripe webhook with {label}",
            "400",
            str(response.status_code),
            response.status_code == 400,
        )
    event = json.dumps(
        {"id": "evt_probe_future", "type": "charge.updated", "data": {"object": {}}}
    ).encode()
    for label, at in (
        ("+1 year", int(time.time()) + 31_536_000),
        ("-301 s", int(time.time()) - 301),
    ):
        response = _stripe_post(base, event, at=at)
        record(
            "webhooks",
            f"signed Stripe webhook stamped {label}",
            "400",
            str(response.status_code),
            response.status_code == 400,
        )
    response = _stripe_post(base, event, secret="whsec_wrong")
    record(
        "webhooks",
        "Stripe webhook signed with another secret",
        "400",
        str(response.status_code),
        response.status_code == 400,
    )
    duplicate = json.dumps(
        {"id": f"evt_dup_{secrets.token_hex(4)}", "type": "charge.updated", "data": {"object": {}}}
    ).encode()
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: _stripe_post(base, duplicate).status_code, range(8)))
    with psycopg.connect(database_url) as conn:
        booked = conn.execute(
            "SELECT count(*) FROM webhook_events WHERE event_id = %s",
            (json.loads(duplicate)["id"],),
        ).fetchone()[0]
    record(
        "webhooks",
        "8 concurrent copies of one signed event",
        "all 2xx, recorded once",
        f"{codes}, {booked} row(s)",
        all(200 <= c < 300 for c in codes) and booked == 1,
    )
    with psycopg.connect(database_url) as conn:
        order = conn.execute(
            "SELECT id, number, total_kurus FROM orders WHERE payment_method = 'bank_transfer' "
            "AND status = 'pending_payment' LIMIT 1"
        ).fetchone()
    if order:
        paid = json.dumps(
            {
                "id": f"evt_bank_{secrets.token_hex(4)}",
                "type": "checkout.session.completed",
                "data": {
                    "object": {
                        "id": "cs_probe",
                        "client_reference_id": order[1],
                        "payment_status": "paid",
                        "amount_total": order[2],
                        "currency": "try",
                        "metadata": {"order_id": str(order[0])},
                    }
                },
            }
        ).encode()
        response = _stripe_post(base, paid)
        with psycopg.connect(database_url) as conn:
            status = conn.execute("SELECT status FROM orders WHERE id = %s", (order[0],)).fetchone()
        record(
            "webhooks",
            "signed Stripe 'paid' event naming a bank-transfer order",
            "not booked (still pending)",
            f"{response.status_code}, order {status[0]}",
            status[0] == "pending_payment",
        )
    response = requests.post(
        base + "/webhooks/iyzico",
        data=b'{"paymentId":"1"}',
        timeout=30,
        headers={"Content-Type": "application/json"},
    )
    record(
        "webhooks",
        "unsigned iyzico webhook",
        "4xx",
        str(response.status_code),
        400 <= response.status_code < 500,
    )
    response = requests.post(base + "/webhooks/geliver", data=b"{}", timeout=30)
    record(
        "webhooks",
        "unsigned Geliver webhook",
        "4xx",
        str(response.status_code),
        400 <= response.status_code < 500,
    )


class SilentServer:
    """A loopback port that accepts connections and never says a word (a hung partner)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                self.held.append(self.listener.accept()[0])
            except TimeoutError:
                continue

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        for conn in self.held:
            conn.close()
        self.listener.close()


def slow_partner_probe(base: str, database_url: str) -> None:
    """Stripe (STRIPE_API_BASE) and SMTP (MAIL_SERVER) point at the silent server."""
    with psycopg.connect(database_url) as conn:
        product_id, stock = conn.execute(
            "SELECT p.id, p.stock FROM products p WHERE p.status = 'active' AND p.stock >= 1 "
            "AND NOT p.made_to_order AND EXISTS (SELECT 1 FROM product_makers m "
            "WHERE m.product_id = p.id) ORDER BY p.id LIMIT 1"
        ).fetchone()
    shopper = Client(base)
    shopper.post("/cart/add", {"product_id": str(product_id), "quantity": "1"}, form_page="/cart")
    form = {
        "name": "Selin Aksoy",
        "email": "selin.probe@example.org",
        "phone": "0532 111 22 33",
        "address_line": "Atatürk Bulvarı No: 12 Daire 3",
        "il": "Ankara",
        "ilce": "Çankaya",
        "postal_code": "06420",
        "method": "card",
        "accept_pre_information": "y",
        "accept_contract": "y",
    }
    token = shopper.token("/checkout")
    started = time.perf_counter()
    response = shopper.post("/checkout", {**form, "csrf_token": token})
    took = time.perf_counter() - started
    landing = shopper.get(response.headers.get("Location", "/").replace(PUBLIC, "")).text
    with psycopg.connect(database_url) as conn:
        order = conn.execute(
            "SELECT status FROM orders WHERE buyer_email = 'selin.probe@example.org' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        stock_after = conn.execute(
            "SELECT stock FROM products WHERE id = %s", (product_id,)
        ).fetchone()[0]
    record(
        "slow partners",
        "card checkout while Stripe accepts the connection and never answers",
        "a message within ~10 s, order cancelled, stock back",
        f"{_where(response)} in {took:.1f} s; message: {'Ödeme sayfası açılamadı' in landing}; "
        f"order {order[0] if order else 'none'}; stock {stock} → {stock_after}",
        took < 12
        and "Ödeme sayfası açılamadı" in landing
        and order is not None
        and order[0] == "cancelled"
        and stock_after == stock,
    )
    client = Client(base)
    token = client.token("/auth/forgot")
    started = time.perf_counter()
    response = client.post("/auth/forgot", {"email": "customer@example.org", "csrf_token": token})
    took = time.perf_counter() - started
    record(
        "slow partners",
        "password reset while the SMTP server never answers",
        "answers at once (mail waits in the outbox for a worker)",
        f"{_where(response)} in {took * 1000:.0f} ms",
        response.status_code == 302 and took < 2,
    )


def database_fault_probe(base: str, database_url: str, dbname: str) -> None:
    client = Client(base)
    client.get("/")
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()) t",
            (dbname,),
        ).fetchone()[0]
    codes = [client.get("/").status_code for _ in range(4)]
    record(
        "faults",
        f"every database connection killed ({killed}) between requests",
        "the next pages answer 200",
        str(codes),
        codes == [200] * 4,
    )


# -- Running it ------------------------------------------------------------------------------


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            requests.get(url, timeout=20)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def write_results(path: Path, seconds: float) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    held = sum(r.held for r in ROWS)
    lines = [
        f"# Probe of coopshop from outside, {date.today().isoformat()}",
        "",
        f"Commit {commit}; {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; PostgreSQL and Redis on loopback; gunicorn 2 workers, "
        f"production settings. {held} of {len(ROWS)} held; {seconds:.0f} s. Command: "
        "`make probe`.",
        "",
        "| area | sent | expected | observed | held |",
        "|---|---|---|---|---|",
    ]
    for r in ROWS:
        cells = [r.area, r.sent, r.expected, r.observed, "yes" if r.held else "**no**"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\n{held} of {len(ROWS)} held; written to {path.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg", default=os.environ.get("PROBE_PG", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    started = time.monotonic()
    dbname = f"coopshop_probe_{os.getpid()}"
    database_url = f"{args.pg}/{dbname}"
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    tmp = Path(tempfile.mkdtemp(prefix="coopshop-probe-"))
    server = None
    silent = SilentServer()
    try:
        dev = {
            **os.environ,
            "FLASK_CONFIG": "development",
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "MAIL_OUTBOX_DIR": str(tmp / "mail"),
        }
        for command in (["db", "upgrade"], ["seed-demo"]):
            print("flask", *command, flush=True)
            subprocess.run(
                [str(BIN / "flask"), "--app", "wsgi", *command],
                cwd=ROOT,
                env=dev,
                check=True,
                capture_output=True,
            )
        good = production_env(database_url, tmp, silent.port)
        startup_probes(good, tmp)
        port = free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=good,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / "gunicorn.log", "w"),  # noqa: SIM115
        )
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/", server)
        with psycopg.connect(database_url) as conn:
            admin_id = conn.execute(
                "SELECT id FROM users WHERE email = 'admin@example.org'"
            ).fetchone()[0]
        header_probes(base)
        forged_cookie_probe(base, admin_id)
        session_probes(base)
        lockout_probe(base, database_url)
        enumeration_probes(base, database_url)
        size_probes(base)
        big_id_probes(base)
        idor_probe(base, database_url)
        webhook_probes(base, database_url)
        slow_partner_probe(base, database_url)
        database_fault_probe(base, database_url, dbname)
        # Flask logs "Exception on <path>" for every unhandled error (a 500); a provider
        # failure the app handles is logged with its traceback on purpose, and is not one.
        log_text = (tmp / "gunicorn.log").read_text(errors="replace")
        unhandled = re.findall(r"Exception on (\S+ \[\w+\])", log_text)
        record(
            "server log",
            "gunicorn's log after every probe",
            "no unhandled error (500)",
            f"{len(unhandled)} unhandled: {', '.join(unhandled[:5])}; "
            f"{log_text.count('Traceback')} handled partner failure(s) logged",
            not unhandled,
        )
    finally:
        silent.close()
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    write_results(
        ROOT / "bench" / "results" / f"probe-{date.today().isoformat()}.md",
        time.monotonic() - started,
    )
    return 0 if all(r.held for r in ROWS) else 1


if __name__ == "__main__":
    sys.exit(main())
