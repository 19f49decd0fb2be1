"""The public legal pages: each kind's version in force, and any older version at its own
address (/yasal/<kind>/v/<n>), with the seller's identity (routes on the shop blueprint)."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import get_locale

from coopshop.models.legal import LEGAL_KINDS
from coopshop.services.core.errors import NotFound
from coopshop.services.legal import documents, render
from coopshop.services.legal import seller as seller_service
from coopshop.shop.routes import bp


def _page(kind: str, document, draft: bool):
    locale = str(get_locale() or "tr")
    return render_template(
        "shop/legal.html",
        kind=kind,
        document=document,
        draft=draft,
        text=render.render_public(document, seller_service.current(), locale),
        title=document.title(locale),
        versions=documents.history(kind),
    )


@bp.get("/yasal/<kind>")
def legal_document(kind: str):
    if kind not in LEGAL_KINDS:
        abort(404)
    document = documents.in_force(kind)
    draft = document is None
    if draft:  # nothing published yet: the cooperative's draft, unsaved
        document = documents.unsaved_draft(kind)
    return _page(kind, document, draft)


@bp.get("/yasal/<kind>/v/<int:number>")
def legal_version(kind: str, number: int):
    if kind not in LEGAL_KINDS:
        abort(404)
    try:
        document = documents.version(kind, number)
    except NotFound:
        abort(404)
    return _page(kind, document, False)
