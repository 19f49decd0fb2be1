"""What every page needs of the legal texts: the seller's identity for the footer, the links to
each legal page, and the markdown-ish text as blocks a template escapes."""

from __future__ import annotations

from flask import Flask

from coopshop.models.legal import LEGAL_KINDS
from coopshop.services.legal import documents, render
from coopshop.services.legal import seller as seller_service


def init_app(app: Flask) -> None:
    app.add_template_global(render.blocks, "legal_blocks")
    app.add_template_global(documents.label, "legal_label")

    @app.context_processor
    def inject_legal():
        return {"seller": seller_service.current(), "legal_kinds": LEGAL_KINDS}
