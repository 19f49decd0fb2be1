"""The bank pages: an admin uploads a statement, reads what did not match and what the bank
does not show, matches a line by hand with a reason; the month-end close page; in Turkish and
English; nobody else reaches them (the route matrix)."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import BankStatementLine
from tests.services.test_bank_reconcile import FIXTURES, books  # noqa: F401  (fixture)


def _csrf(html: str) -> str:
    """The form's token when CSRF is on (the route matrix tests refusal without it)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return found.group(1) if found else ""


def test_upload_read_and_match_by_hand(client, login, books):  # noqa: F811
    login(books)
    page = client.get("/admin/bank")
    assert page.status_code == 200
    data = {
        "csrf_token": _csrf(page.get_data(as_text=True)),
        "bank": "mt940",
        "statement": (io.BytesIO((FIXTURES / "statement.mt940").read_bytes()), "kasim.mt940"),
    }
    answer = client.post("/admin/bank", data=data, content_type="multipart/form-data")
    assert answer.status_code == 302
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-testid="open-lines">5<', html)
    assert re.search(r'data-testid="missing">4<', html)
    assert "Para geldi ama sipariş hâlâ havale bekliyor" in html
    assert "Belgedeki tutar" in html and "₺1.000,00" in html
    assert "2611-EEEEEE" in html  # paid, and not in the bank

    fee = db.session.scalar(
        select(BankStatementLine).where(BankStatementLine.description == "HESAP ISLETIM UCRETI")
    )
    refused = client.post(
        f"/admin/bank/lines/{fee.id}/match",
        data={
            "csrf_token": _csrf(html),
            "kind": "other",
            "ref": "",
            "reason": "",
            "statement_id": fee.statement_id,
        },
        follow_redirects=True,
    )
    assert "Bir gerekçe yazın." in refused.get_data(as_text=True)
    done = client.post(
        f"/admin/bank/lines/{fee.id}/match",
        data={
            "csrf_token": _csrf(html),
            "kind": "other",
            "ref": "",
            "reason": "Hesap işletim ücreti",
            "statement_id": fee.statement_id,
        },
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert "Satır elle eşleştirildi." in text
    assert re.search(r'data-testid="open-lines">4<', text)
    db.session.expire_all()
    assert db.session.get(BankStatementLine, fee.id).status == "manual"

    again = client.post(
        "/admin/bank",
        data={
            "csrf_token": _csrf(page.get_data(as_text=True)),
            "bank": "mt940",
            "statement": (io.BytesIO((FIXTURES / "statement.mt940").read_bytes()), "x.mt940"),
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 409
    assert "Bu ekstre zaten yüklenmiş." in again.get_data(as_text=True)


def test_a_bad_file_keeps_the_form_with_its_message(client, login, books):  # noqa: F811
    login(books)
    page = client.get("/admin/bank").get_data(as_text=True)
    answer = client.post(
        "/admin/bank",
        data={
            "csrf_token": _csrf(page),
            "bank": "ziraat",
            "statement": (io.BytesIO(b"Date;Amount\r\n1;2\r\n"), "x.csv"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert "sütunu bulunamadı" in answer.get_data(as_text=True)


def test_month_end_page_in_both_languages(client, login, books):  # noqa: F811
    login(books)
    html = client.get("/admin/month-end?month=2026-11").get_data(as_text=True)
    assert "Ay sonu kapanışı" in html
    assert re.search(r'data-testid="balance-clearing:bank">\s*<span class="money">₺4.250,00', html)
    assert "Havalesi beklenen siparişler" in html
    english = client.get(
        "/admin/month-end?month=2026-11", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Month-end close" in english
    assert "Approved payouts with no confirmation from the bank" in english
    assert client.get("/admin/month-end?month=junk").status_code == 200
