"""The yearly income summary as PDF: hers only, the admin's copy of any member's, the same
figures as the page, Turkish letters kept, and a well-formed file (every xref offset right)."""

from __future__ import annotations

import re

from coopshop.money import kurus_text
from coopshop.services.reports import income_summary
from tests.services.test_income_summary import year  # noqa: F401 (the fixture)
from tests.support.factories import ProducerFactory, UserFactory


def _in_pdf(text: str) -> bytes:
    return text.replace("₺", "TL ").encode("cp1254")


def _well_formed(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[start : start + 4] == b"xref"
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", pdf)]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    for length, body in re.findall(rb"<< /Length (\d+) >>\nstream\n(.*?)\nendstream", pdf, re.S):
        assert int(length) == len(body)


def test_her_pdf_has_the_pages_figures(year, client, login):  # noqa: F811
    ayse = year
    login(ayse.user)
    page = client.get("/producer/income/2026").get_data(as_text=True)
    assert "/producer/income/2026.pdf" in page
    response = client.get("/producer/income/2026.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    pdf = response.data
    _well_formed(pdf)
    s = income_summary.summary(ayse.id, 2026)
    for column in income_summary.COLUMNS:
        assert _in_pdf(kurus_text(s.total(column))) in pdf
    assert _in_pdf(kurus_text(s.closing)) in pdf
    assert _in_pdf("Ayşe Yılmaz") in pdf and _in_pdf("Ağustos") in pdf and _in_pdf("Şubat") in pdf
    assert _in_pdf("Yıllık gelir özeti 2026") in pdf
    assert client.get("/producer/income/2999.pdf").status_code == 404


def test_another_member_gets_her_own_and_the_admin_any(year, client, login):  # noqa: F811
    ayse = year
    other = ProducerFactory(display_name="Zehra Kaya")
    login(other.user)
    theirs = client.get("/producer/income/2026.pdf").data
    assert _in_pdf("Zehra Kaya") in theirs and _in_pdf("Ayşe") not in theirs
    client.post("/auth/logout")
    login(UserFactory(role="admin"))
    admin_pdf = client.get(f"/admin/members/{ayse.id}/income/2026.pdf")
    assert admin_pdf.status_code == 200 and _in_pdf("Ayşe Yılmaz") in admin_pdf.data
    _well_formed(admin_pdf.data)
    assert client.get("/admin/members/99999/income/2026.pdf").status_code == 404
