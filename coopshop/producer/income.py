"""Her yearly income summary (page, CSV and PDF), only her own: the profile comes from the login,
never from the URL (routes on the producer blueprint)."""

from __future__ import annotations

from flask import Response, redirect, render_template, url_for

from coopshop.models import utcnow
from coopshop.producer.routes import bp, or_404
from coopshop.services.reports import income_summary
from coopshop.services.reports.dashboard import LOCAL
from coopshop.web.income_pdf import income_pdf as render_income_pdf
from coopshop.web.pdf import pdf_response
from coopshop.web.permissions import current_producer, roles_required


@bp.get("/income")
@roles_required("producer")
def income_index():
    current_producer()
    return redirect(url_for("producer.income", year=utcnow().astimezone(LOCAL).year))


@bp.get("/income/<int:year>")
@roles_required("producer")
def income(year: int):
    profile = current_producer()
    or_404(income_summary.check_year, year)
    return render_template(
        "producer/income.html",
        profile=profile,
        s=income_summary.summary(profile.id, year),
        labels=income_summary.labels(),
        columns=income_summary.COLUMNS,
        this_year=utcnow().astimezone(LOCAL).year,
        csv_url=url_for("producer.income_csv", year=year),
        pdf_url=url_for("producer.income_pdf", year=year),
        year_url=lambda y: url_for("producer.income", year=y),
    )


@bp.get("/income/<int:year>.csv")
@roles_required("producer")
def income_csv(year: int):
    profile = current_producer()
    or_404(income_summary.check_year, year)
    body = income_summary.summary_csv(income_summary.summary(profile.id, year))
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="gelir-ozeti-{year}.csv"',
        },
    )


@bp.get("/income/<int:year>.pdf")
@roles_required("producer")
def income_pdf(year: int):
    profile = current_producer()
    or_404(income_summary.check_year, year)
    body = render_income_pdf(
        income_summary.summary(profile.id, year),
        income_summary.labels(),
        income_summary.COLUMNS,
        profile.display_name,
    )
    return pdf_response(body, f"gelir-ozeti-{year}.pdf")
