"""Her yearly income summary (page, CSV and PDF), only her own: the profile comes from the login,
never from the URL (routes on the producer blueprint)."""

from __future__ import annotations

from flask import redirect, render_template, url_for

from coopshop.producer.routes import bp, or_404
from coopshop.services.reports import income_summary
from coopshop.web import income as income_page
from coopshop.web.permissions import current_producer, roles_required


@bp.get("/income")
@roles_required("producer")
def income_index():
    current_producer()
    return redirect(url_for("producer.income", year=income_page.this_year()))


@bp.get("/income/<int:year>")
@roles_required("producer")
def income(year: int):
    profile = current_producer()
    or_404(income_summary.check_year, year)
    return render_template(
        "producer/income.html",
        profile=profile,
        **income_page.page_values(
            profile.id,
            year,
            csv_url=url_for("producer.income_csv", year=year),
            pdf_url=url_for("producer.income_pdf", year=year),
            year_url=lambda y: url_for("producer.income", year=y),
        ),
    )


@bp.get("/income/<int:year>.csv")
@roles_required("producer")
def income_csv(year: int):
    profile = current_producer()
    or_404(income_summary.check_year, year)
    return income_page.csv_download(profile.id, year, f"gelir-ozeti-{year}.csv")


@bp.get("/income/<int:year>.pdf")
@roles_required("producer")
def income_pdf(year: int):
    profile = current_producer()
    or_404(income_summary.check_year, year)
    return income_page.pdf_download(
        profile.id, year, profile.display_name, f"gelir-ozeti-{year}.pdf"
    )
