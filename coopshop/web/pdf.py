"""A stored PDF (a shipping label, a return label) answered inline and never cached: each is
one person's document behind a permission check."""

from __future__ import annotations

from flask import Response


def pdf_response(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
