"""What of the impact figures may be published, and the export's field names.

The public page and the public export never show a name or one woman's amount, and no group
they publish has fewer than ``MIN_WOMEN`` women: a centre or craft with fewer folds into "diğer"
("other"); if "diğer" itself is still too small, the smallest published groups fold into it too
until it is large enough (or everything is "diğer"). A month with fewer women shows no figures.
A threshold reached by 1–4 women says "fewer than 5". Below ``MIN_WOMEN`` women in all, only the
period is published. Channel totals are left out: a channel is not a group of women, and one
woman selling alone at a bazaar would be readable from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from coopshop.services.reports.impact import Group, Impact, Spread

MIN_WOMEN = 5
OTHER = ""  # the folded group's name; shown as "diğer"

# Export field -> the IRIS+ metric (the GIIN's catalogue) it reports, where one fits; the others
# have no IRIS+ counterpart and go out under their own names. README: "Impact".
IRIS_PLUS = {
    "women_earned": "Supplier Individuals: Total (women)",
    "new_earners": "Supplier Individuals: Total (women, first sale in the period)",
    "earned_kurus": "Payments to Supplier Individuals: Total (earned)",
    "paid_out_kurus": "Payments to Supplier Individuals: Total (paid)",
}

FIELD_LABELS = {
    "women_earned": _l("Kazanç elde eden kadın"),
    "new_earners": _l("İlk kez kazanan kadın"),
    "retention_cohort": _l("İlk satışının üzerinden bir yıl geçen kadın"),
    "retained": _l("Bir yıl sonra hâlâ kazanan kadın"),
    "earned_kurus": _l("Kadınların kazancı (kuruş)"),
    "net_sales_kurus": _l("KDV hariç satışlar (kuruş)"),
    "women_share_bp": _l("Kadınların payı (baz puan)"),
    "paid_out_kurus": _l("Ödenen (kuruş)"),
    "items": _l("Satılan ürün adedi"),
    "median_kurus": _l("Kadın başına kazanç, ortanca (kuruş)"),
    "q1_kurus": _l("Kadın başına kazanç, alt çeyrek (kuruş)"),
    "q3_kurus": _l("Kadın başına kazanç, üst çeyrek (kuruş)"),
}


@dataclass(frozen=True)
class PublicMonth:
    month: str
    women: int | None  # None: fewer than MIN_WOMEN, not shown
    earned: int | None


@dataclass(frozen=True)
class PublicImpact:
    period_key: str
    published: bool  # False: fewer than MIN_WOMEN women in all; only the period is shown
    women_earned: int = 0
    new_earners: int = 0
    earned: int = 0
    women_share_bp: int = 0
    paid_out: int = 0
    items: int = 0
    spread: Spread | None = None
    thresholds: tuple[tuple[int, int | None], ...] = ()  # None: 1–4 women
    bands: tuple[tuple[int, int | None, int | None], ...] = ()  # count None: 1–4 women
    months: tuple[PublicMonth, ...] = ()
    centres: tuple[Group, ...] = ()
    crafts: tuple[Group, ...] = ()


def fold(groups: tuple[Group, ...]) -> tuple[Group, ...]:
    """Groups of at least MIN_WOMEN women as they are, the rest folded into one OTHER group.
    The folded group's median is not known from the groups' figures and is left at 0 (the
    public page shows no group medians)."""
    kept = sorted(
        (g for g in groups if g.name != OTHER and g.women >= MIN_WOMEN),
        key=lambda g: (-g.women, -g.earned, g.name),
    )
    folded = [g for g in groups if g not in kept]
    while folded and sum(g.women for g in folded) < MIN_WOMEN and kept:
        folded.append(kept.pop())  # the smallest published group joins "diğer"
    result = list(kept)
    women = sum(g.women for g in folded)
    if women >= MIN_WOMEN:
        result.append(Group(OTHER, women, sum(g.earned for g in folded), 0))
    return tuple(result)


def _count(n: int) -> int | None:
    """A count of women as it may be published: None for 1–4 (0 reveals no one)."""
    return n if n == 0 or n >= MIN_WOMEN else None


def publish(figures: Impact) -> PublicImpact:
    """The figures that may be shown to anyone (see the module's rules)."""
    if figures.women_earned < MIN_WOMEN:
        return PublicImpact(figures.period.key, published=False)
    return PublicImpact(
        period_key=figures.period.key,
        published=True,
        women_earned=figures.women_earned,
        new_earners=figures.new_earners,
        earned=figures.earned,
        women_share_bp=figures.women_share_bp,
        paid_out=figures.paid_out,
        items=figures.items,
        spread=figures.spread,
        thresholds=tuple((t, _count(n)) for t, n in figures.thresholds),
        bands=tuple((low, high, _count(n)) for low, high, n in figures.bands),
        months=tuple(
            PublicMonth(m.month, m.women, m.earned)
            if m.women >= MIN_WOMEN
            else PublicMonth(m.month, None, None)
            for m in figures.months
        ),
        centres=fold(figures.centres),
        crafts=fold(figures.crafts),
    )


def export_rows(figures: Impact) -> list[tuple[str, int]]:
    """The admin export's headline rows: (field name, value)."""
    s = figures.spread
    return [
        ("women_earned", figures.women_earned),
        ("new_earners", figures.new_earners),
        ("retention_cohort", figures.retention_cohort),
        ("retained", figures.retained),
        ("earned_kurus", figures.earned),
        ("net_sales_kurus", figures.net_sales),
        ("women_share_bp", figures.women_share_bp),
        ("paid_out_kurus", figures.paid_out),
        ("items", figures.items),
        ("median_kurus", s.median),
        ("q1_kurus", s.q1),
        ("q3_kurus", s.q3),
    ]


def public_export(public: PublicImpact) -> dict:
    """The public JSON: headline figures with their IRIS+ metric, folded groups, months."""
    if not public.published:
        return {"period": public.period_key, "published": False, "min_group_size": MIN_WOMEN}
    headline = {
        "women_earned": public.women_earned,
        "new_earners": public.new_earners,
        "earned_kurus": public.earned,
        "women_share_bp": public.women_share_bp,
        "paid_out_kurus": public.paid_out,
        "items": public.items,
        "median_kurus": public.spread.median if public.spread else 0,
    }
    return {
        "period": public.period_key,
        "published": True,
        "min_group_size": MIN_WOMEN,
        "figures": [
            {"field": k, "value": v, "iris_plus": IRIS_PLUS.get(k, "")} for k, v in headline.items()
        ],
        "months": [
            {"month": m.month, "women": m.women, "earned_kurus": m.earned} for m in public.months
        ],  # fmt: skip
        "centres": [_group(g) for g in public.centres],
        "crafts": [_group(g) for g in public.crafts],
    }


def _group(g: Group) -> dict:
    return {"name": g.name or "diğer", "women": g.women, "earned_kurus": g.earned}
