"""Stripe without the internet (../shared/STRIPE-TESTING.md).

- ``localstripe``: the fake Stripe server from PyPI, started on a free loopback port for the
  session and stopped by its PID; the real SDK talks to it for PaymentIntents, charges, refunds
  and balance transactions.
- ``stripe_stub``: a tiny recording HTTP server for what localstripe lacks (Checkout Sessions):
  the real SDK sends its request, the test asserts what was sent, the stub answers with a
  recorded Stripe object.
- ``signed``: a webhook payload signed with the SDK's own scheme.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

WEBHOOK_SECRET = "whsec_test_coopshop"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def localstripe():
    """Base URL of a localstripe server of this test session, with its state cleared."""
    port = free_port()
    code = (
        "from aiohttp import web; from localstripe.server import app; "
        f"web.run_app(app, host='127.0.0.1', port={port}, print=None)"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        # It keeps state in a fixed file under /tmp: start each session from nothing.
        urllib.request.urlopen(  # noqa: S310 (loopback)
            urllib.request.Request(base + "/_config/data", method="DELETE"), timeout=10
        ).close()
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class StripeStub:
    """Records every request; answers from ``routes[(method, path)]`` (a dict or callable)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.routes: dict[tuple[str, str], object] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                parts = urlsplit(self.path)
                record = {
                    "method": self.command,
                    "path": parts.path,
                    "query": parse_qs(parts.query),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "form": {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw).items()},
                }
                stub.requests.append(record)
                answer = stub.routes.get((self.command, parts.path))
                if callable(answer):
                    answer = answer(record)
                status, body = (200, answer) if answer is not None else (404, _not_found())
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", "req_stub")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _not_found():
    return {"error": {"type": "invalid_request_error", "message": "No such route in the stub"}}


@pytest.fixture
def stripe_stub():
    stub = StripeStub()
    yield stub
    stub.close()


def signed(payload: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict]:
    """A webhook body and its Stripe-Signature header, signed with the SDK's own scheme."""
    body = json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(body, secret)
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{time.time_ns()}",
        "object": "event",
        "type": event_type,
        "api_version": "2025-10-29",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
