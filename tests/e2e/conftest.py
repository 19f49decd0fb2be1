"""Browser tests: the real app under gunicorn, a fresh demo database, Debian's Chromium driven by
Playwright. Run them with `make e2e` (they are deselected from `make test`).

One demo database is built per run (migrate, seed-demo, tests/e2e/scenario.py, a second admin
for the two-admin payout rule) and copied for each viewport, so the phone and the desktop
journeys each start from the same fresh shop. The `viewport` fixture is session-scoped and
parametrized, so pytest runs every phone test, then every desktop test, against one server at
a time; the journeys in a viewport run in file order and hand facts on through `shop.notes`.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR", ROOT / "docs" / "screenshots"))
LOGINS = {
    "admin": "admin@example.org",
    "admin2": "hazine@example.org",  # made by scenario.py: approves the first admin's payouts
    "staff": "staff@example.org",
    "maker": "ayse@example.org",
    "customer": "customer@example.org",
}
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
    "desktop": {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1},
}
TIMEOUT_MS = 15_000
SERVER_START_S = 30
STEP_TIMEOUT_S = 120  # one CLI step (migrate, seed)

try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # `make e2e` installs it (requirements-e2e.txt); `make test` never needs it
    collect_ignore_glob = ["test_*.py"]


def _server_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STRIPE_", "MAIL_", "FLASK_"))
        and k not in ("REDIS_URL", "DATABASE_URL")
    }
    env.update(
        FLASK_CONFIG="development",  # demo payments, no Stripe
        DATABASE_URL=f"sqlite:///{tmp / 'shop.db'}",
        UPLOAD_DIR=str(tmp / "uploads"),
        MAIL_OUTBOX_DIR=str(tmp / "outbox"),
        PYTHONDONTWRITEBYTECODE="1",
        # Every journey signs in through the form from 127.0.0.1, dozens of times a minute.
        AUTH_ADDRESS_LIMIT="1000 per minute",
    )
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def _flask(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", "wsgi", *args]


@pytest.fixture(scope="session")
def e2e_root():
    path = Path(tempfile.mkdtemp(prefix="coopshop-e2e-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_template(e2e_root):
    """A migrated, seeded demo database with the scenario applied; facts as a dict."""
    tmp = e2e_root / "template"
    tmp.mkdir()
    env = _server_env(tmp)
    _run(_flask("db", "upgrade"), env, "flask db upgrade")
    _run(_flask("seed-demo"), env, "flask seed-demo")
    facts = json.loads(
        _run([sys.executable, "-m", "tests.e2e.scenario"], env, "scenario").strip().splitlines()[-1]
    )
    return tmp, facts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(
        f"gunicorn did not answer /healthz in {SERVER_START_S}s:\n{log.read_text()[-4000:]}"
    )


@dataclass
class Shop:
    """One running shop: its address, the scenario's facts, and what journeys hand on."""

    base_url: str
    facts: dict
    viewport: str
    log: Path
    notes: dict = field(default_factory=dict)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@pytest.fixture(scope="session", params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def shop(viewport, demo_template, e2e_root):
    """gunicorn on a free loopback port over a fresh copy of the demo database."""
    template, facts = demo_template
    tmp = e2e_root / viewport
    tmp.mkdir()
    shutil.copyfile(template / "shop.db", tmp / "shop.db")
    shutil.copytree(template / "uploads", tmp / "uploads")
    port = _free_port()
    log = tmp / "gunicorn.log"
    args = [
        str(BIN / "gunicorn"),
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(tmp / "access.log"),
        "--error-logfile",
        str(log),
        "--timeout",
        "30",
        "--no-control-socket",
        "wsgi:app",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=_server_env(tmp), stdout=out, stderr=subprocess.STDOUT
        )
    running = Shop(base_url=f"http://127.0.0.1:{port}", facts=facts, viewport=viewport, log=log)
    try:
        _wait_healthy(running.base_url, proc, log)
        yield running
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium package")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, shop):
    """``new_page(as_="maker")``: a page in a fresh browser context of this viewport, logged in
    through the login form when ``as_`` names a demo login. Fails the test on a JavaScript error."""
    from tests.e2e.support import log_in

    contexts = []
    errors: list[str] = []

    def make(as_: str | None = None, locale: str = "tr-TR"):
        context = browser.new_context(
            base_url=shop.base_url,
            locale=locale,
            timezone_id="Europe/Istanbul",
            accept_downloads=True,
            reduced_motion="reduce",  # no transitions: steady focus rings and screenshots
            **VIEWPORTS[shop.viewport],
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        if as_:
            log_in(page, LOGINS[as_])
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, "JavaScript errors:\n" + "\n".join(errors)


@pytest.fixture
def sale(shop, new_page):
    """Journey 1's sale in this viewport (or a new one, when journey 1 was not run)."""
    if "sale" not in shop.notes:
        from tests.e2e.test_1_shopper import buy_piece

        shop.notes["sale"] = buy_piece(new_page(), shop)
    return shop.notes["sale"]


@pytest.fixture
def snap(shop):
    """``snap(page, "home")``: docs/screenshots/home-phone.jpg, what the viewport shows (a JPEG
    of quality 55, optimised: the README shows them, and the repository keeps them small)."""
    from PIL import Image

    from tests.e2e.support import settle_images

    def take(page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}-{shop.viewport}.jpg"
        page.evaluate("window.scrollTo(0, 0)")
        settle_images(page)
        png = page.screenshot(type="png", animations="disabled")
        with Image.open(io.BytesIO(png)) as image:
            image.convert("RGB").save(path, "JPEG", quality=55, optimize=True, progressive=True)
        return path

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing browser test, add the end of the server's log to the report."""
    report = yield
    if report.when == "call" and report.failed and "shop" in getattr(item, "funcargs", {}):
        report.sections.append(("gunicorn log (tail)", item.funcargs["shop"].log_tail()))
    return report
