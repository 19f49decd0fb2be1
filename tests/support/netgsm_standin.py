"""A local stand-in of Netgsm's SMS REST v2 send endpoint, for offline tests of the adapter.

A werkzeug WSGI app in a thread on a free 127.0.0.1 port. ``POST /sms/rest/v2/send`` checks
HTTP Basic authentication and the JSON body the SDK sends (msgheader, messages[{msg, no}]) and
answers as Netgsm documents: HTTP 200 ``{"code": "00", "jobid": …, "description": "queued"}``,
or HTTP 406 ``{"code": …, "description": …}`` for an error (30 wrong credentials, 40 unknown
header, 70 missing field). Tests queue other codes (``answers``) to play a rate limit (80), a
system error (100) or a text refusal (20). ``hang(seconds)`` plays a Netgsm that takes the
message and says nothing for that long (the answer it would give comes after, to nobody).
Every request is recorded when it arrives.

Not modelled: scheduling (startdate/stopdate), reports, the XML and GET APIs, delivery receipts.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

USERNAME, PASSWORD, HEADER = "8503090000", "standin-pass", "KOOPERATIF"


@dataclass
class NetgsmStandin:
    requests: list[dict] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # error codes to answer next, in order
    hung: int = 0  # requests held by hang()

    def __post_init__(self):
        self._jobs = itertools.count(17377215342605050417)
        self._lock = threading.Lock()
        self._hang_seconds = 0.0
        self._released = threading.Event()

    def hang(self, seconds: float) -> None:
        """Hold every answer for ``seconds`` (or until ``unhang``)."""
        self._released.clear()
        self._hang_seconds = seconds

    def unhang(self) -> None:
        self._hang_seconds = 0.0
        self._released.set()

    def start(self) -> NetgsmStandin:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @staticmethod
    def _answer(status: int, body: dict) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            response = self._handle(request)
            hang = self._hang_seconds
            self.hung += 1 if hang else 0
        if hang:
            self._released.wait(hang)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        self.requests.append(
            {"path": request.path, "auth": request.headers.get("Authorization"), "body": body}
        )
        if request.method != "POST" or request.path != "/sms/rest/v2/send":
            return Response("not found", status=404)
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return self._answer(406, {"code": "30", "description": "Invalid credentials"})
        if not isinstance(body, dict) or not body.get("messages"):
            return self._answer(406, {"code": "70", "description": "Invalid query"})
        if body.get("msgheader") != HEADER:
            return self._answer(406, {"code": "40", "description": "Message header not defined"})
        for message in body["messages"]:
            if not message.get("msg") or not str(message.get("no", "")).isdigit():
                return self._answer(406, {"code": "70", "description": "Invalid query"})
        if self.answers:
            code = self.answers.pop(0)
            return self._answer(406, {"code": code, "description": f"error {code}"})
        return self._answer(
            200, {"code": "00", "jobid": str(next(self._jobs)), "description": "queued"}
        )


@pytest.fixture
def netgsm_standin():
    standin = NetgsmStandin().start()
    yield standin
    standin.unhang()
    standin.stop()


@pytest.fixture
def netgsm_sms(app, netgsm_standin, monkeypatch):
    """The app sending SMS through Netgsm's SDK to the stand-in."""
    for name, value in {
        "SMS_PROVIDER": "netgsm",
        "NETGSM_USERNAME": USERNAME,
        "NETGSM_PASSWORD": PASSWORD,
        "NETGSM_MSGHEADER": HEADER,
        "NETGSM_API_URL": netgsm_standin.url,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    return netgsm_standin
