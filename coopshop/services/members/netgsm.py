"""The Netgsm adapter of the SMS interface (services.members.sms), through Netgsm's own SDK
(``netgsm-sms``, MIT, published by Netgsm; README, dependency notes).

The SDK posts JSON to ``{api_url}/sms/rest/v2/send`` with HTTP Basic authentication
(username:password) and returns the answer's JSON. Its ``SmsService.send`` (netgsm-sms 1.1.2)
calls ``requests.post(..., timeout=30)`` with no way to pass another, so ``_BoundedSms`` below
is that method with our SMS_TIMEOUT_SECONDS (same URL, body, authentication header and
exception mapping, the SDK's ``create_api_exception``). A text that times out is ``Transient``:
the outbox job retries it later; Netgsm may have queued it anyway, so a retry can deliver it
twice (a repeated sale notice; nothing is booked from it). Netgsm answers
HTTP 200 ``{"code": "00", "jobid": "…", "description": "queued"}`` when it took the message,
and HTTP 406 ``{"code": "…", "description": "…"}`` when it did not; the SDK raises
``NotAcceptableException`` with that code. The codes of their documentation, and what we do:

- 20 text problem / too long, 30 credentials or API access or IP not allowed, 40 sender name
  (msgheader) not defined, 50/51 İYS account problems, 70 a parameter wrong or missing:
  ``Refused`` (the job gives up with the reason: a person fixes the setting or the text);
- 80 sending limit exceeded, 85 more than 20 messages to one number within a minute, 100/101
  system error, HTTP 5xx, a timeout or no connection: ``Transient`` (the outbox retries).

Every message is sent with ``iysfilter="0"`` (informational content: a sale, a payout, a
refund of hers), which İYS consent does not govern; and without ``encoding`` (GSM-7: the text
is made GSM-7-safe by sms.gsm_text). The number goes as Netgsm writes it: 5xxxxxxxxx.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from coopshop.services.members.sms import Refused, Transient

DEFAULT_TIMEOUT_SECONDS = 8.0

TRANSIENT_CODES = frozenset({"80", "85", "100", "101"})
DESCRIPTIONS = {
    "20": "message text problem or too long",
    "30": "invalid username/password, no API access, or IP not allowed",
    "40": "sender name (msgheader) not defined",
    "50": "İYS-checked sending not allowed for this account",
    "51": "no İYS brand for this account",
    "70": "invalid request: a parameter is wrong or missing",
    "80": "sending limit exceeded",
    "85": "more than 20 messages to the same number within a minute",
    "100": "Netgsm system error",
    "101": "Netgsm system error",
}


def _reason(code: str | None, fallback: str) -> str:
    return f"code {code}: {DESCRIPTIONS.get(code or '', fallback)}" if code else fallback


class _BoundedSms:
    """netgsm-sms 1.1.2's ``SmsService.send`` (the one call we make), with ``timeout`` for the
    connection and each read instead of its fixed 30 seconds."""

    def __init__(self, client, timeout: float):
        self.client, self.timeout = client, timeout

    def send(self, msgheader: str, messages: list[dict], iysfilter: str | None = None) -> dict:
        from netgsm.exceptions.api_exception import create_api_exception

        data = {"msgheader": msgheader, "messages": messages}
        if iysfilter:
            data["iysfilter"] = iysfilter
        if self.client.appname:
            data["appname"] = self.client.appname
        try:
            response = requests.post(
                f"{self.client.api_url}/sms/rest/v2/send",
                headers=self.client.auth_header,
                json=data,
                timeout=self.timeout,
            )
            response.raise_for_status()
            return response.json()
        except requests.exceptions.RequestException as exc:
            raise create_api_exception(exc) from exc


class NetgsmProvider:
    name = "netgsm"

    def __init__(
        self,
        username: str,
        password: str,
        header: str,
        api_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ):
        from netgsm import Netgsm

        self.header = header
        self.client = Netgsm(username=username, password=password, api_url=api_url or None)
        self.sms = _BoundedSms(self.client, timeout)

    def send(self, to: str, text: str) -> str:
        from netgsm import ApiException, ConnectionException, HttpException, TimeoutException

        number = to[3:] if to.startswith("+90") else to
        try:
            answer = self.sms.send(
                msgheader=self.header, messages=[{"msg": text, "no": number}], iysfilter="0"
            )
        except (TimeoutException, ConnectionException) as exc:
            raise Transient(f"no answer from Netgsm: {exc.message}") from exc
        except HttpException as exc:
            code = str(exc.code) if exc.code is not None else None
            if code in TRANSIENT_CODES or (exc.http_status or 0) >= 500:
                raise Transient(_reason(code, f"HTTP {exc.http_status}")) from exc
            raise Refused(_reason(code, f"HTTP {exc.http_status}: {exc.message}")) from exc
        except ApiException as exc:
            raise Transient(f"Netgsm call failed: {exc.message}") from exc
        code = str(answer.get("code", "")) if isinstance(answer, Mapping) else ""
        if code == "00" and answer.get("jobid"):
            return str(answer["jobid"])
        if code in TRANSIENT_CODES:
            raise Transient(_reason(code, "try later"))
        raise Refused(_reason(code, f"unexpected answer: {answer!r}"[:300]))


def from_config(config: Mapping) -> NetgsmProvider:
    return NetgsmProvider(
        username=config.get("NETGSM_USERNAME", ""),
        password=config.get("NETGSM_PASSWORD", ""),
        header=config.get("NETGSM_MSGHEADER", ""),
        api_url=config.get("NETGSM_API_URL") or None,
        timeout=float(config.get("SMS_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS),
    )
