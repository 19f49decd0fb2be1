"""Three-way reconciliation with the bank (issue #16): an MT940 statement and a Ziraat CSV
export, each with planted mismatches, matched against bank-transfer orders, payout lines, cash
sessions and card providers' payouts; every unmatched or different item is listed, a hand match
is audited, the same file twice is refused and overlapping statements do not double a line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, BankStatement, BankStatementLine, Order
from coopshop.services.bazaar import cash
from coopshop.services.core.errors import Conflict, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import bank_files, bank_reconcile, bank_review, month_end
from coopshop.services.payouts import batches as payouts
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bank"
SETTINGS = CoopSettings(payout_minimum_kurus=10000, payout_two_admins=False)
OCT_10 = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
NOV_3 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
NOV_END = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
IBAN = "TR330006100519786457841326"


def _order(number: str, total: int, *, method="bank_transfer", paid=True, when=NOV_3) -> Order:
    product = ProductFactory(price_kurus=total, vat_bp=2000, stock=5)
    if paid:
        order = paid_order(
            [(product, 1)],
            channel="online" if method in ("stripe", "iyzico") else "bank_transfer",
            payment_method=method,
            paid_at=when,
            settings=SETTINGS,
        )
    else:
        from coopshop.services.sales.orders import LineRequest, NewOrder, create_order

        order = create_order(
            NewOrder(
                channel="bank_transfer",
                payment_method="bank_transfer",
                lines=[LineRequest(quantity=1, product_id=product.id)],
            ),
            settings=SETTINGS,
            now=when,
        )
    order.number = number
    return order


@pytest.fixture
def books(app):
    """The documents the fixtures speak of: transfer orders, three payout lines (#1-#3, ₺850,00
    each to the bank), two closed cash sessions (#1 took in ₺1.200,00, #2 ₺1.000,00), ₺500,00
    at Stripe and nothing at iyzico."""
    admin = UserFactory(role="admin")
    _order("2611-AAAAAA", 150000)
    _order("2611-BBBBBB", 100000)
    _order("2611-CCCCCC", 50000, paid=False)  # still waiting for its transfer
    _order("2611-DDDDDD", 100000)
    _order("2611-EEEEEE", 75000)  # paid, and no statement shows its money
    _order("2611-SSSSSS", 50000, method="stripe")
    for n in range(3):
        maker = ProducerFactory(iban=IBAN, display_name=f"Üye {n}")
        product = ProductFactory(price_kurus=120000, vat_bp=2000, makers=[(maker, 10000)])
        paid_order(
            [(product, 1)],
            channel="bazaar",
            payment_method="cash",
            paid_at=OCT_10,
            settings=SETTINGS,
        )
    db.session.flush()
    batch, _ = payouts.close_period(
        datetime(2026, 10, 31, 20, 0, tzinfo=UTC),
        admin.id,
        SETTINGS,
        now=datetime(2026, 11, 2, tzinfo=UTC),
    )
    payouts.approve(batch.id, admin.id, SETTINGS, now=datetime(2026, 11, 2, 8, tzinfo=UTC))
    for counted in (120000, 100000):
        desk = cash.open_session("Kızılay pazarı", f"Masa {counted}", 0, admin.id, now=NOV_3)
        cash.close_session(desk.id, counted, admin.id, now=NOV_3)
    db.session.commit()
    assert [line.id for line in batch.lines] == [1, 2, 3]
    return admin


def _import(name: str, bank: str, admin) -> dict[str, BankStatementLine]:
    data = (FIXTURES / name).read_bytes()
    result = bank_reconcile.import_statement(data, bank, name, admin.id)
    db.session.commit()
    return {line.description: line for line in result.statement.lines}


def _outcome(line: BankStatementLine) -> tuple:
    return (line.status, line.match_kind, line.problem, line.expected_kurus)


def test_the_mt940_statement_names_every_planted_mismatch(books):
    lines = _import("statement.mt940", "mt940", books)
    assert {d: _outcome(line) for d, line in lines.items()} == {
        "HAVALE AYSE YILMAZ SIPARIS 2611-AAAAAA": ("matched", "transfer_order", "", 150000),
        "GELEN EFT ZEYNEP KAYA 2611BBBBBB": ("different", "transfer_order", "amount", 100000),
        "HAVALE ELIF SAHIN 2611-CCCCCC": ("different", "transfer_order", "not_confirmed", 50000),
        "HAVALE KIRA KASIM": ("unmatched", None, "no_reference", None),
        "Baskent Kadin Girisimi odeme 2026-10 #1": ("matched", "payout_line", "", 85000),
        "Baskent Kadin Girisimi odeme 2026-10 #2": ("different", "payout_line", "amount", 85000),
        "NAKIT YATIRMA KASA 1 KIZILAY PAZARI": ("matched", "cash_session", "", 120000),
        "STRIPE PAYMENTS UK LTD TRANSFER": ("matched", "provider_payout", "", None),
        "HESAP ISLETIM UCRETI": ("unmatched", None, "no_reference", None),
    }
    # The other side: documents of those days the bank does not show.
    missing = bank_review.missing(date(2026, 11, 1), date(2026, 11, 7))
    assert [(m.kind, m.ref, m.amount_kurus) for m in missing] == [
        ("transfer_order", "2611-BBBBBB", 100000),
        ("transfer_order", "2611-DDDDDD", 100000),
        ("transfer_order", "2611-EEEEEE", 75000),
        ("payout_line", "#2", -85000),
        ("payout_line", "#3", -85000),
        ("cash_session", "#2", 100000),
    ]
    statement = db.session.scalars(select(BankStatement)).one()
    assert (statement.opening_kurus, statement.closing_kurus) == (1000000, 1317750)


def test_the_ziraat_csv_names_every_planted_mismatch(books):
    _import("statement.mt940", "mt940", books)  # order A and cash desk #1 are banked already
    lines = _import("ziraat.csv", "ziraat", books)
    assert {d: _outcome(line) for d, line in lines.items()} == {
        "GELEN EFT FATMA DEMİR SİPARİŞ 2611-DDDDDD": ("matched", "transfer_order", "", 100000),
        "GELEN HAVALE AYŞE YILMAZ 2611-AAAAAA": (
            "different",
            "transfer_order",
            "duplicate",
            150000,
        ),
        "NAKİT YATIRMA KASA #2": ("different", "cash_session", "amount", 100000),
        "Başkent Kadın Girişimi ödeme 2026-10 #3": ("matched", "payout_line", "", 85000),
        "İYZİCO ÖDEME KURULUŞU A.Ş. HAKEDİŞ": (
            "different",
            "provider_payout",
            "exceeds_clearing",
            0,
        ),
        "GELEN EFT MEHMET ÖZ BAĞIŞ": ("unmatched", None, "no_reference", None),
    }
    assert lines["Başkent Kadın Girişimi ödeme 2026-10 #3"].reference == "700104"


def test_an_admin_matches_a_line_by_hand_with_a_reason(books):
    lines = _import("statement.mt940", "mt940", books)
    fee = lines["HESAP ISLETIM UCRETI"]
    with pytest.raises(ValidationFailed):
        bank_review.match_by_hand(fee.id, "other", "", "  ", books.id)
    with pytest.raises(ValidationFailed):
        bank_review.match_by_hand(fee.id, "transfer_order", "2611-ZZZZZZ", "yanlış", books.id)
    bank_review.match_by_hand(fee.id, "other", "", "Banka hesap işletim ücreti", books.id)
    bank_review.match_by_hand(
        lines["GELEN EFT ZEYNEP KAYA 2611BBBBBB"].id,
        "transfer_order",
        "2611-bbbbbb",
        "Eksik gelen ₺10 alıcıdan istendi",
        books.id,
    )
    db.session.commit()
    assert (fee.status, fee.match_kind, fee.note) == (
        "manual",
        "other",
        "Banka hesap işletim ücreti",
    )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "bank.line_matched").order_by(AuditEvent.id)
    ).all()
    assert [(e.object_id, e.data["kind"], e.data["was"]) for e in events] == [
        (str(fee.id), "other", "unmatched"),
        (str(lines["GELEN EFT ZEYNEP KAYA 2611BBBBBB"].id), "transfer_order", "different"),
    ]
    # Order B now counts as banked.
    missing = bank_review.missing(date(2026, 11, 1), date(2026, 11, 7))
    assert "2611-BBBBBB" not in [m.ref for m in missing]


def test_the_same_file_twice_is_refused_and_overlaps_are_not_doubled(books):
    data = (FIXTURES / "statement.mt940").read_bytes()
    bank_reconcile.import_statement(data, "mt940", "a.mt940", books.id)
    db.session.commit()
    with pytest.raises(Conflict):
        bank_reconcile.import_statement(data, "mt940", "again.mt940", books.id)
    # The next statement repeats the last movement (overlapping days) and adds one.
    overlap = (
        b":20:BKG2612\r\n:25:TR120001000158000000000001\r\n:28C:00012/001\r\n"
        b":60F:C261107TRY13190,00\r\n:61:2611070107D12,50NCHGNONREF//ZB0009\r\n"
        b":86:HESAP ISLETIM UCRETI\r\n:61:2611080108C100,00NTRFNONREF//ZB0010\r\n"
        b":86:HAVALE BAGIS\r\n:62F:C261108TRY13277,50\r\n"
    )
    result = bank_reconcile.import_statement(overlap, "mt940", "b.mt940", books.id)
    assert (result.added, result.skipped) == (1, 1)


@pytest.mark.parametrize(
    ("bank", "data"),
    [
        ("mt940", b":20:X\r\n:25:TR1\r\n:28C:1\r\n:60F:C261101TRY1,00\r\n:62F:C261101TRY2,00\r\n"),
        ("ziraat", "Tarih;Fiş No;Açıklama;İşlem Tutarı\r\n31.02.2026;1;X;1,00\r\n".encode()),
        ("ziraat", b"Date;Amount\r\n"),
        ("isbank", "Tarih/Saat;İşlem;Dekont No;Açıklama;İşlem Tutarı\r\n".encode()),
        ("garanti", b"x"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(app, bank, data):
    with pytest.raises(ValidationFailed) as caught:
        bank_files.read(data, bank)
    assert caught.value.details["field"] == "file"


def test_an_isbank_export_reads_its_own_columns(app):
    data = (
        "Tarih/Saat;İşlem;Kanal;Dekont No;Açıklama;İşlem Tutarı;Bakiye\r\n"
        "03/11/2026-14:22:05;Gelen EFT;İnternet;D-88;AYŞE YILMAZ 2611-AAAAAA;1.500,00;9.500,00\r\n"
        "04/11/2026-09:01:00;Giden EFT;İnternet;D-89;ÖDEME #1;-850,00;8.650,00\r\n"
    ).encode("utf-8-sig")
    statement = bank_files.read(data, "isbank")
    assert [
        (m.booked_on, m.amount_kurus, m.reference, m.description) for m in statement.movements
    ] == [
        (date(2026, 11, 3), 150000, "D-88", "Gelen EFT AYŞE YILMAZ 2611-AAAAAA"),
        (date(2026, 11, 4), -85000, "D-89", "Giden EFT ÖDEME #1"),
    ]


def test_the_command_imports_and_lists_what_does_not_match(app, books):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["bank", "import", str(FIXTURES / "statement.mt940"), "--bank", "mt940"]
    )
    assert result.exit_code == 1, result.output
    out = result.output
    assert "statement #1: 9 line(s) added, 0 already known" in out
    assert "[different:amount] 2026-11-03 ₺990,00 expected ₺1.000,00" in out
    assert "[different:not_confirmed]" in out and "[unmatched:no_reference]" in out
    assert "[not_in_bank:transfer_order] 2611-EEEEEE ₺750,00" in out
    assert "[not_in_bank:cash_session] #2 ₺1.000,00" in out
    # 3 lines different and 2 unmatched; orders B, D, E and desk #2 of those days not banked
    # (the payouts were approved the day before the statement's first day).
    assert "9 item(s) to look at" in out
    again = runner.invoke(
        args=["bank", "import", str(FIXTURES / "statement.mt940"), "--bank", "mt940"]
    )
    assert again.exit_code == 2 and "zaten yüklenmiş" in again.output


def test_month_end_explains_each_clearing_balance(books):
    _import("statement.mt940", "mt940", books)
    report = month_end.close(date(2026, 11, 1))
    explained = {a.account: a for a in report.accounts}

    def parts(account):
        return {p.code: (p.amount_kurus, p.count) for p in explained[account].parts}

    bank = explained["clearing:bank"]
    assert bank.balance_kurus == 425000  # orders A, B, D and E
    assert parts("clearing:bank") == {
        "transfers_banked": (150000, 1),
        "transfers_not_banked": (275000, 3),
        "transfer_refunds": (0, 0),
    }
    assert bank.other_kurus == 0 and bank.in_transit_kurus == 275000
    assert bank.parts[1].since == NOV_3
    assert [(p.code, p.amount_kurus, p.count) for p in bank.beside] == [
        ("transfers_awaited", 50000, 1)  # order C, not in the books until its money comes
    ]
    cash_account = explained["clearing:cash"]
    assert parts("clearing:cash") == {
        "cash_deposited": (120000, 1),
        "cash_not_deposited": (100000, 1),
        "cash_at_open_desks": (0, 0),
    }
    # The fixture's three ₺1.200,00 bazaar sales were booked with no desk: "other".
    assert cash_account.other_kurus == 360000
    assert parts("clearing:stripe") == {
        "provider_banked": (30000, 1),
        "settlements_not_banked": (0, 0),  # no settlement recorded
        "at_provider": (20000, 0),
    }
    assert explained["clearing:iyzico"].balance_kurus == 0
    assert parts("bank:payouts") == {
        "payouts_confirmed": (-85000, 1),
        "payouts_marked_paid": (0, 0),
        "payouts_not_confirmed": (-170000, 2),
    }
    assert explained["bank:payouts"].other_kurus == 0
    # At the end of October none of November's money had moved.
    october = {a.account: a for a in month_end.close(date(2026, 10, 1)).accounts}
    assert october["clearing:bank"].balance_kurus == 0
    assert october["bank:payouts"].balance_kurus == 0


@pytest.mark.postgres
def test_two_admins_importing_one_statement_at_once_keep_it_once(app, books):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    data = (FIXTURES / "statement.mt940").read_bytes()
    start = threading.Barrier(2)
    admin_id = books.id

    def upload(_n: int) -> str:
        with app.app_context():
            start.wait(timeout=30)
            try:
                bank_reconcile.import_statement(data, "mt940", "kasim.mt940", admin_id)
                db.session.commit()
                return "ok"
            except Conflict:
                db.session.rollback()
                return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(upload, range(2), timeout=60)) == ["conflict", "ok"]
    db.session.expire_all()
    assert len(db.session.scalars(select(BankStatementLine)).all()) == 9
