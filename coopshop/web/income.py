"""A member's yearly income summary as the admin's member page and her own page both show it:
the page's values the CSV and the PDF download (services.reports.income_summary has the numbers)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from coopshop import turkey
from coopshop.models import utcnow
from coopshop.services.reports import income_summary
from coopshop.web.income_pdf import income_pdf
from coopshop.web.pdf import pdf_response


def this_year() -> int:
    return turkey.istanbul_date(utcnow()).year


def page_values(
    producer_id: int, year: int, csv_url: str, pdf_url: str, year_url: Callable[[int], str]
):
    """What the income page renders for her ``year`` (checked with income_summary.check_year)."""
    return {
        "s": income_summary.summary(producer_id, year),
        "labels": income_summary.labels(),
        "columns": income_summary.COLUMNS,
        "this_year": this_year(),
        "csv_url": csv_url,
        "pdf_url": pdf_url,
        "year_url": year_url,
    }


def csv_download(producer_id: int, year: int, filename: str) -> Response:
    body = income_summary.summary_csv(income_summary.summary(producer_id, year))
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def pdf_download(producer_id: int, year: int, name: str, filename: str) -> Response:
    body = income_pdf(
        income_summary.summary(producer_id, year),
        income_summary.labels(),
        income_summary.COLUMNS,
        name,
    )
    return pdf_response(body, filename)
