"""Outgoing mail through an outbox: recorded in the request's transaction, sent after commit.

With MAIL_SERVER set, messages go out by SMTP; without it (development, tests) each message is
written as a file under MAIL_OUTBOX_DIR and logged, so nothing is lost and nothing leaves.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import OutboxMessage, utcnow
from coopshop.services.core import uow

log = logging.getLogger(__name__)


def queue(to: str, subject: str, body: str) -> OutboxMessage:
    """Record a message in the current transaction; it is delivered after the commit."""
    message = OutboxMessage(to=to, subject=subject, body=body)
    db.session.add(message)
    uow.after_commit(deliver_pending)
    return message


def deliver_pending(limit: int = 100) -> int:
    """Send queued messages; returns how many went out. Safe to run from cron or after commit."""
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = 0
    for message in pending:
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.error = str(exc)[:500]
            log.warning("mail to %s failed: %s", message.to, exc)
            continue
        message.sent_at = utcnow()
        message.error = None
        sent += 1
    db.session.commit()
    return sent


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
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
