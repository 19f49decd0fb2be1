"""The pages' unit of work: a refused use case leaves nothing written, and the error is shown
by attempt() or, with show=False, left to the page that shows it its own way."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Category
from coopshop.services.core.errors import Conflict
from coopshop.web.uow import attempt


def _add_then_refuse():
    db.session.add(Category(slug="yarim", name_tr="Yarım kalan", name_en="Half done"))
    db.session.flush()
    raise Conflict("Bu iş yarıda kaldı.")


@pytest.mark.parametrize(("show", "flashed"), [(True, ["Bu iş yarıda kaldı."]), (False, [])])
def test_a_refused_use_case_writes_nothing_and_is_shown_once(app, show, flashed):
    with app.test_request_context("/", method="POST"):
        outcome = attempt(_add_then_refuse, show=show)

        assert not outcome.ok
        assert outcome.error.message == "Bu iş yarıda kaldı."
        assert outcome.status == 409
        assert get_flashed_messages() == flashed
    assert db.session.scalars(select(Category).where(Category.slug == "yarim")).all() == []
