"""services.members.notifications: a member hears of her sale, her refund, her payout approved and
paid; once per fact, nothing on rollback, only her own numbers, as she chose, in her language;
SMS through the outbox and Netgsm's SDK against a local stand-in of their API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import LedgerEntry, OutboxJob, OutboxMessage, SmsMessage, utcnow
from coopshop.services.core import outbox, uow
from coopshop.services.members import sms
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_lines
from coopshop.services.sales import refunds
from coopshop.services.sales.order_states import PaymentInfo, mark_paid
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.netgsm_standin import HEADER
from tests.support.producer_support import SETTINGS, two_members

IBAN = "TR330006100519786457841326"


def _mail_to(email: str) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.to == email).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app):
    return two_members()


def test_each_maker_hears_of_her_pieces_and_her_share_only(world):
    ayse, fatma = _mail_to(world.ayse.user.email), _mail_to(world.fatma.user.email)
    kilim = world.orders[1].number
    assert [m.subject for m in ayse] == [
        f"Bir satış yaptınız: {world.orders[0].number}",
        f"Bir satış yaptınız: {kilim}",
    ]
    assert [m.subject for m in fatma] == [
        f"Bir satış yaptınız: {kilim}",
        f"Bir satış yaptınız: {world.orders[2].number}",
    ]
    # The co-made kilim (850,00 for the makers): Ayşe reads her 510,00, Fatma her 340,00.
    assert "1 × Kilim: size kalan ₺510,00" in ayse[1].body
    assert "Bu satıştan size kalan: ₺510,00" in ayse[1].body
    assert "340,00" not in ayse[1].body
    assert "1 × Kilim: size kalan ₺340,00" in fatma[0].body
    assert "510,00" not in fatma[0].body and "Atkı" not in fatma[0].body
    assert "Atkı: size kalan ₺177,08" in ayse[0].body
    assert "/producer/earnings" in ayse[0].body


def test_a_sale_is_told_once_and_a_rolled_back_sale_not_at_all(app):
    maker = ProducerFactory()
    product = ProductFactory(price_kurus=10000, makers=[(maker, 10000)], stock=5)
    order = paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    assert len(_mail_to(maker.user.email)) == 1
    # The same payment again changes nothing and tells nothing.
    assert mark_paid(order, PaymentInfo(provider="demo", amount_kurus=order.total_kurus)) is False
    uow.commit()
    assert len(_mail_to(maker.user.email)) == 1

    maker.notify_sms, maker.user.phone = True, "0532 123 45 67"
    uow.commit()
    before = (_count(OutboxMessage), _count(SmsMessage), _count(OutboxJob))
    paid_order([(product, 1)], settings=SETTINGS)
    uow.rollback()
    assert (_count(OutboxMessage), _count(SmsMessage), _count(OutboxJob)) == before
    assert len(_mail_to(maker.user.email)) == 1


def test_her_choices_are_honoured_and_she_reads_her_language(app):
    quiet = ProducerFactory(notify_email=False)
    texted = ProducerFactory(notify_sms=True, user__phone="+90 (532) 765-4321", user__locale="en")
    product = ProductFactory(price_kurus=10000, makers=[(quiet, 5000), (texted, 5000)], stock=5)
    order = paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    assert _mail_to(quiet.user.email) == []
    [mail] = _mail_to(texted.user.email)
    assert mail.subject == f"You made a sale: {order.number}"
    [text] = db.session.scalars(select(SmsMessage))
    assert text.to == "+905327654321"
    assert text.kind == "sale" and order.number in text.body
    assert text.sent_at is not None and text.provider == "log"  # development's adapter
    # Her share of the 50/50 line: 35,41 or 35,42 by the line's tie rule (money.allocate).
    share = -db.session.scalar(
        select(func.sum(LedgerEntry.amount_kurus)).where(LedgerEntry.producer_id == texted.id)
    )
    assert share in (3541, 3542)
    assert "₺" not in text.body and f"TRY {share / 100:.2f}" in text.body
    assert "Your share" in text.body


def test_sms_is_off_unless_she_turns_it_on_and_none_writes_nothing(app, monkeypatch):
    maker = ProducerFactory(user__phone="05321234567")
    product = ProductFactory(price_kurus=10000, makers=[(maker, 10000)], stock=5)
    paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    assert _count(SmsMessage) == 0
    maker.notify_sms = True
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "none")
    paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    assert _count(SmsMessage) == 0


def test_a_refund_tells_each_maker_what_it_took_from_her(world):
    kilim = world.orders[1]
    line = kilim.lines[0]
    refunds.create_refund(kilim, [(line.id, 60000)], method="cash", settings=SETTINGS)
    uow.commit()
    [ayse] = [m for m in _mail_to(world.ayse.user.email) if "iade" in m.subject]
    [fatma] = [m for m in _mail_to(world.fatma.user.email) if "iade" in m.subject]
    # Half the kilim back: half of each share (255,00 and 170,00).
    assert ayse.subject == f"Bir iade size kalandan düşüldü: {kilim.number}"
    assert "Size kalandan düşülen toplam: ₺255,00" in ayse.body and "170,00" not in ayse.body
    assert "Size kalandan düşülen toplam: ₺170,00" in fatma.body and "255,00" not in fatma.body


def test_a_payout_is_told_when_approved_and_when_paid_with_the_iban_masked(app):
    maker = ProducerFactory(iban=IBAN, display_name="Ayşe")
    product = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(maker, 10000)], stock=5)
    when = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
    paid_order([(product, 1)], channel="bazaar", payment_method="cash", paid_at=when,
               settings=SETTINGS)  # fmt: skip
    uow.commit()
    first, second = UserFactory(role="admin"), UserFactory(role="admin")
    batch, _ = payouts.close_period(when + timedelta(days=30), first.id, SETTINGS)
    uow.commit()
    assert [m for m in _mail_to(maker.user.email) if "ödeme" in m.subject] == []
    payouts.approve(batch.id, second.id, SETTINGS)
    uow.commit()
    [approved] = [m for m in _mail_to(maker.user.email) if "ödeme" in m.subject]
    assert approved.subject == "Üye ödemeniz onaylandı: ₺850,00"
    assert "TR33 **** 1326" in approved.body and IBAN not in approved.body
    payout_lines.mark_line_paid(batch.lines[0].id, "EFT-123", second.id)
    uow.commit()
    paid = [m for m in _mail_to(maker.user.email) if "ödeme" in m.subject]
    assert [m.subject for m in paid] == [
        "Üye ödemeniz onaylandı: ₺850,00",
        "Üye ödemeniz gönderildi: ₺850,00",
    ]
    assert "EFT-123" in paid[1].body and "TR33 **** 1326" in paid[1].body


def test_payout_mail_can_be_turned_off(app):
    maker = ProducerFactory(iban=IBAN, notify_payout_email=False)
    product = ProductFactory(price_kurus=120000, makers=[(maker, 10000)], stock=5)
    when = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
    paid_order([(product, 1)], channel="bazaar", payment_method="cash", paid_at=when,
               settings=SETTINGS)  # fmt: skip
    first, second = UserFactory(role="admin"), UserFactory(role="admin")
    batch, _ = payouts.close_period(when + timedelta(days=30), first.id, SETTINGS)
    payouts.approve(batch.id, second.id, SETTINGS)
    uow.commit()
    assert [m.subject.split(":")[0] for m in _mail_to(maker.user.email)] == ["Bir satış yaptınız"]


# -- Numbers and text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("0532 123 45 67", "+905321234567"),
        ("+90 (532) 123-4567", "+905321234567"),
        ("905321234567", "+905321234567"),
        ("0090 532 123 45 67", "+905321234567"),
        ("5321234567", "+905321234567"),
        ("0312 123 45 67", None),  # a landline in Ankara
        ("532 123", None),
        ("", None),
        (None, None),
    ],
)
def test_phone_numbers_become_plus_90_5xx(written, normalised):
    assert sms.normalise_phone(written) == normalised


def test_texts_keep_to_gsm_7():
    assert sms.gsm_text("Ödemeniz: ₺1.234,50 — Şükran Işık, Çağla") == (
        "Ödemeniz: TL1.234,50 - Sükran Isik, Cagla"
    )
    assert sms.gsm_text("İğne oyası ü ö") == "Igne oyasi ü ö"


# -- Netgsm through their SDK, against the stand-in ----------------------------------------------


def _texted_maker():
    maker = ProducerFactory(notify_sms=True, user__phone="0532 123 45 67")
    product = ProductFactory(price_kurus=10000, makers=[(maker, 10000)], stock=5)
    return maker, product


def test_netgsm_takes_the_text_and_its_job_id_is_kept(netgsm_sms):
    _, product = _texted_maker()
    order = paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    [text] = db.session.scalars(select(SmsMessage))
    assert (text.provider, text.provider_ref) == ("netgsm", "17377215342605050417")
    assert text.sent_at is not None and text.error is None
    [call] = netgsm_sms.requests
    assert call["path"] == "/sms/rest/v2/send"
    assert call["body"]["msgheader"] == HEADER
    assert call["body"]["iysfilter"] == "0"  # informational: not İYS-governed
    assert call["body"]["messages"] == [{"msg": text.body, "no": "5321234567"}]
    assert order.number in text.body and "encoding" not in call["body"]
    assert text.body.endswith("/producer/earnings") and len(text.body) <= 160


def test_a_rate_limited_text_is_retried_and_then_sent(netgsm_sms):
    _, product = _texted_maker()
    netgsm_sms.answers = ["80"]  # sending limit exceeded
    paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    [text] = db.session.scalars(select(SmsMessage))
    job = db.session.scalar(select(OutboxJob).where(OutboxJob.kind == "sms"))
    assert text.sent_at is None and "code 80" in text.error
    assert (job.attempts, job.failed_at, job.done_at) == (1, None, None)
    assert outbox.drain(now=utcnow() + timedelta(minutes=5), kinds=("sms",)) == {"done": 1}
    db.session.refresh(text)
    assert text.sent_at is not None and text.provider_ref
    assert len(netgsm_sms.requests) == 2


def test_a_refused_text_gives_up_at_once_with_the_reason(netgsm_sms):
    _, product = _texted_maker()
    netgsm_sms.answers = ["20"]  # the text itself is refused: no retry can help
    paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    [text] = db.session.scalars(select(SmsMessage))
    job = db.session.scalar(select(OutboxJob).where(OutboxJob.kind == "sms"))
    assert job.failed_at is not None and job.attempts == 1
    assert "code 20" in job.last_error and "message text" in text.error
    assert outbox.drain(now=utcnow() + timedelta(hours=7), kinds=("sms",)) == {}
    assert len(netgsm_sms.requests) == 1


def test_wrong_credentials_give_up_too(netgsm_sms, app, monkeypatch):
    monkeypatch.setitem(app.config, "NETGSM_PASSWORD", "wrong")
    _, product = _texted_maker()
    paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    job = db.session.scalar(select(OutboxJob).where(OutboxJob.kind == "sms"))
    assert job.failed_at is not None and "code 30" in job.last_error


def test_no_answer_from_netgsm_is_retried(app, monkeypatch):
    # A port nothing listens on: the SDK's ConnectionException is a transient failure.
    for name, value in {
        "SMS_PROVIDER": "netgsm",
        "NETGSM_USERNAME": "u",
        "NETGSM_PASSWORD": "p",
        "NETGSM_MSGHEADER": HEADER,
        "NETGSM_API_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setitem(app.config, name, value)
    _, product = _texted_maker()
    paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()
    job = db.session.scalar(select(OutboxJob).where(OutboxJob.kind == "sms"))
    assert job.failed_at is None and job.attempts == 1 and "no answer" in job.last_error


def test_a_hanging_netgsm_fails_the_text_within_our_timeout_and_the_outbox_retries_it(
    netgsm_sms, app, monkeypatch
):
    """Netgsm takes the connection and says nothing for 10 s: longer than SMS_TIMEOUT_SECONDS,
    shorter than the SDK's own 30 s (with which the job would have waited and got the answer).
    The job gives up on that attempt at once and is retried by the outbox."""
    monkeypatch.setitem(app.config, "SMS_TIMEOUT_SECONDS", 1)
    netgsm_sms.hang(10)
    _, product = _texted_maker()
    paid_order([(product, 1)], settings=SETTINGS)
    uow.commit()

    [text] = db.session.scalars(select(SmsMessage))
    job = db.session.scalar(select(OutboxJob).where(OutboxJob.kind == "sms"))
    assert netgsm_sms.hung == 1 and len(netgsm_sms.requests) == 1
    assert text.sent_at is None and text.provider_ref is None
    assert "no answer from Netgsm" in text.error
    assert (job.attempts, job.failed_at, job.done_at) == (1, None, None)
    assert "no answer from Netgsm" in job.last_error

    netgsm_sms.unhang()
    assert outbox.drain(now=utcnow() + timedelta(minutes=5), kinds=("sms",)) == {"done": 1}
    db.session.refresh(text)
    assert text.sent_at is not None and text.provider_ref == "17377215342605050418"
    assert len(netgsm_sms.requests) == 2
