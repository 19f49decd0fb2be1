"""Admin page: the monthly VAT summary (vat:payable tied to the month's invoices, each
difference named) and its CSV for the accountant (routes on the admin blueprint)."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from coopshop.admin.routes import bp
from coopshop.admin.withholding import _period, month_shown
from coopshop.services.reports import vat_report
from coopshop.web.permissions import roles_required


@bp.get("/vat")
@roles_required("admin")
def vat_report_page():
    (year, month), status = month_shown()
    return (
        render_template(
            "admin/vat_report.html",
            s=vat_report.summary(year, month),
            period=f"{year:04d}-{month:02d}",
            kind_label=vat_report.kind_label,
        ),
        status,
    )


@bp.get("/vat.csv")
@roles_required("admin")
def vat_report_csv():
    period = _period()
    if period is None:
        return redirect(url_for("admin.vat_report_page", **request.args))
    year, month = period
    body = "".join(vat_report.csv_chunks(year, month)).encode("utf-8")
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="kdv-{year:04d}-{month:02d}.csv"',
        },
    )
