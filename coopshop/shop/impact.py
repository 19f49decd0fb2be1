"""The public impact page: headline figures and charts, never a name or one woman's amount
(coopshop.services.reports.impact_public has the rules). Cached per app for a few minutes, so
the ledger is read at most once per period and interval whatever the traffic."""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app, jsonify, render_template, request

from coopshop.services.core.errors import ValidationFailed
from coopshop.services.reports import impact as impact_service
from coopshop.services.reports import impact_periods
from coopshop.services.reports.impact_public import MIN_WOMEN, public_export, publish
from coopshop.shop.routes import bp
from coopshop.turkey import ISTANBUL
from coopshop.web.impact import impact_charts


def _public_period() -> impact_periods.Period:
    """A course year or a calendar year (the public page offers no months: too few women)."""
    default = impact_periods.course_year_of(datetime.now(ISTANBUL).date())
    try:
        period = impact_periods.parse(request.args.get("period", "") or default.key)
    except ValidationFailed:
        return default
    return period if period.kind in ("course_year", "year") else default


def _published(period: impact_periods.Period):
    cache = current_app.extensions.setdefault("coopshop.public_impact", {})
    now = time.monotonic()
    hit = cache.get(period.key)
    if hit and hit[0] > now:
        return hit[1]
    figures = impact_service.impact(period, current_app.config["IMPACT_MONTHLY_THRESHOLDS_KURUS"])
    public = publish(figures)
    cache[period.key] = (now + current_app.config["IMPACT_PUBLIC_CACHE_SECONDS"], public)
    return public


def _cached(response):
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["IMPACT_PUBLIC_CACHE_SECONDS"]
    return response


@bp.get("/impact")
def impact():
    period = _public_period()
    public = _published(period)
    charts = impact_charts(
        public.months, public.bands, public.centres, public.crafts, prefix="public-impact"
    )
    today = datetime.now(ISTANBUL).date()
    current = impact_periods.course_year_of(today)
    choices = [current, impact_periods.previous(current), impact_periods.parse(str(today.year))]
    response = current_app.make_response(
        render_template(
            "shop/impact.html",
            period=period,
            public=public,
            charts=charts,
            choices=choices,
            min_women=MIN_WOMEN,
        )
    )
    return _cached(response)


@bp.get("/impact.json")
def impact_json():
    return _cached(jsonify(public_export(_published(_public_period()))))
