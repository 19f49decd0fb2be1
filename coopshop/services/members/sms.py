"""Text messages to members: one small interface, a provider adapter, and the outbox.

A service calls ``queue(phone, text, kind)`` in the fact's own transaction: the row and its
outbox job commit or roll back with the fact, so a rolled-back sale texts nobody. After the
commit the job (``deliver``) hands the text to the provider named by SMS_PROVIDER:

- ``netgsm``: Netgsm's REST v2 API through their SDK (services.members.netgsm);
- ``log``: development; the text is logged and the row marked sent, nothing leaves;
- ``none``: SMS is off; ``queue`` writes nothing.

A provider raises ``Transient`` for a refusal worth trying again (its rate limit, its system
error, no answer): the outbox retries with its backoff. It raises ``Refused`` for one that will
never succeed (bad credentials, an unknown sender name, a text it will not take): the job gives
up at once with the provider's reason on the row, for a person to look at.

Only transactional messages go this way (a sale, a payout, a refund of hers): no marketing, so
İYS (the commercial-message consent register) does not apply; Netgsm is told so per message.

Texts are sent in GSM-7 (160 characters a part): ``gsm_text`` spells the Turkish letters that
GSM-7 lacks (ç ğ ı İ ş) with their plain Latin forms and ₺ as "TL", so the message is readable
on every phone and is not sent as UCS-2 (70 characters a part). ö ü Ö Ü are in GSM-7 and stay.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Protocol

from flask import current_app

from coopshop.db import db
from coopshop.models import SmsMessage, utcnow
from coopshop.services.core import locks, outbox

log = logging.getLogger(__name__)

JOB = "sms"
PROVIDERS = ("none", "log", "netgsm")
MAX_LENGTH = 459  # three GSM-7 parts (153 characters each when concatenated)


class Transient(Exception):  # noqa: N818 (the provider's word, not a bug)
    """The provider did not take the message this time; trying later may work."""


class Refused(Exception):  # noqa: N818
    """The provider will never take this message as it is; the reason is in the text."""


class Provider(Protocol):
    name: str

    def send(self, to: str, text: str) -> str:
        """Send ``text`` to ``to`` (+905xxxxxxxxx); return the provider's reference for it."""


class LogProvider:
    """Development: the message goes to the log, nowhere else."""

    name = "log"

    def send(self, to: str, text: str) -> str:
        log.info("SMS to %s: %s", to, text)
        return "log"


# -- Numbers and text ------------------------------------------------------------------------------

_DIGITS = re.compile(r"\D+")


def normalise_phone(value: str | None) -> str | None:
    """A Turkish mobile number as +905xxxxxxxxx, from any way it is written ("0532 123 45 67",
    "+90 (532) 123-4567", "5321234567"); None when it is not one (a landline, too short)."""
    digits = _DIGITS.sub("", value or "")
    if digits.startswith("0090"):
        digits = digits[4:]
    elif digits.startswith("90") and len(digits) == 12:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    if len(digits) != 10 or not digits.startswith("5"):
        return None
    return "+90" + digits


# GSM 03.38's basic character set (the escape table's characters count double and are left out).
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_SPELL = str.maketrans(
    {"ç": "c", "Ç": "C", "ğ": "g", "Ğ": "G", "ı": "i", "İ": "I", "ş": "s", "Ş": "S",
     "₺": "TL", "\u2212": "-", "–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"',
     "…": "...", "\u00a0": " ", "\u202f": " ", "â": "a", "î": "i", "û": "u", "Â": "A"}
)  # fmt: skip


def gsm_text(text: str) -> str:
    """``text`` in GSM-7's basic set: Turkish letters it lacks spelled plainly, any other
    character by its base letter, or "?" when it has none."""
    out = []
    for char in unicodedata.normalize("NFC", text).translate(_SPELL):
        if char in _GSM7:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)[:1]
        out.append(base if base in _GSM7 else "?")
    return " ".join("".join(out).split())


# -- Queueing and sending --------------------------------------------------------------------------


def provider_name() -> str:
    name = (current_app.config.get("SMS_PROVIDER") or "none").strip().lower()
    if name not in PROVIDERS:
        raise RuntimeError(f"SMS_PROVIDER must be one of {', '.join(PROVIDERS)}, got {name!r}")
    return name


def current_provider() -> Provider:
    name = provider_name()
    if name == "netgsm":
        from coopshop.services.members import netgsm

        return netgsm.from_config(current_app.config)
    if name == "log":
        return LogProvider()
    raise RuntimeError("SMS is off (SMS_PROVIDER=none)")


def queue(phone: str | None, text: str, kind: str) -> SmsMessage | None:
    """Record a text to ``phone`` and its job in the current transaction; None (nothing
    recorded) when SMS is off or the number is not a Turkish mobile number."""
    if provider_name() == "none":
        return None
    to = normalise_phone(phone)
    if to is None:
        log.warning("SMS %s not queued: %r is not a Turkish mobile number", kind, phone)
        return None
    message = SmsMessage(to=to, body=gsm_text(text)[:MAX_LENGTH], kind=kind)
    db.session.add(message)
    db.session.flush()
    outbox.enqueue(JOB, {"sms_id": message.id})
    return message


def deliver(payload: dict) -> None:
    """The outbox handler for one text: send it unless it was sent already (the row is locked
    while it is sent and marked sent in the same transaction)."""
    message = locks.lock_row(SmsMessage, payload["sms_id"])
    if message is None or message.sent_at is not None:
        return None
    provider = current_provider()
    try:
        reference = provider.send(message.to, message.body)
    except Refused as exc:
        raise outbox.GiveUp(f"{provider.name}: {exc}") from exc
    message.provider = provider.name
    message.provider_ref = reference[:80]
    message.sent_at = utcnow()
    message.error = None
    return None


def _record_error(payload: dict, error: str) -> None:
    message = db.session.get(SmsMessage, payload["sms_id"])
    if message is not None:
        message.error = error[:500]


outbox.register(JOB, deliver, on_failure=_record_error)
