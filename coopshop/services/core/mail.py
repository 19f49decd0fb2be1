"""Outgoing mail through the outbox: recorded in the request's transaction, sent by a job after
the commit (services/core/outbox.py: an RQ worker, or this process without Redis).

With MAIL_SERVER set, messages go out by SMTP; without it (development, tests) each message is
written as a file under MAIL_OUTBOX_DIR and logged, so nothing is lost and nothing leaves. A
message is sent once: its row is locked while it is sent and marked sent in the same
transaction, and its Message-ID is fixed, so even a resend after a crash between the SMTP
server's "250" and the commit can be recognised by the receiving server.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import delete

from coopshop.db import db
from coopshop.models import OutboxMessage, utcnow
from coopshop.services.core import locks, outbox

log = logging.getLogger(__name__)

JOB = "mail"


def queue(to: str, subject: str, body: str) -> OutboxMessage:
    """Record a message and its job in the current transaction; it is sent after the commit."""
    message = OutboxMessage(to=to, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    outbox.enqueue(JOB, {"message_id": message.id})
    return message


def deliver(payload: dict) -> None:
    """The outbox handler for one message: send it unless it was sent already. The row lock
    makes anyone else who reaches the same message (a second job, ``flask mail send``) wait and
    then find it sent."""
    message = locks.lock_row(OutboxMessage, payload["message_id"])
    if message is None or message.sent_at is not None:
        return None
    _send(message)
    message.sent_at = utcnow()
    message.error = None
    return None


def _record_error(payload: dict, error: str) -> None:
    message = db.session.get(OutboxMessage, payload["message_id"])
    if message is not None:
        message.error = error[:500]


outbox.register(JOB, deliver, on_failure=_record_error)


def deliver_pending(limit: int = 100) -> int:
    """Send every due message now (``flask mail send``); returns how many jobs finished."""
    return outbox.drain(limit=limit, kinds=(JOB,)).get("done", 0)


def prune_sent(keep_days: int, now: datetime | None = None) -> int:
    """Delete messages sent more than ``keep_days`` ago (their bodies hold names, addresses and
    reset links); unsent ones stay. Returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    result = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < cutoff
        )
    )
    return result.rowcount or 0


def _message_id(message: OutboxMessage, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "coopshop.invalid"
    stamp = int(message.created_at.timestamp()) if message.created_at else 0
    return f"<outbox-{message.id}-{stamp}@{domain}>"


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = _message_id(message, config["MAIL_DEFAULT_SENDER"])
    email.set_content(message.body)
    if not config.get("MAIL_SERVER"):
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{message.id:08d}.eml"
        path.write_bytes(bytes(email))
        log.info("mail to %s written to %s: %s", message.to, path, message.subject)
        return
    # A short timeout: a hanging SMTP server leaves the message queued, not a request stuck.
    with smtplib.SMTP(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT_SECONDS", 10)
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
