"""One vocabulary: every stored code a page can show has its words (services/core/vocabulary.py),
and the words are what docs/glossary.md says."""

from __future__ import annotations

import ast
from pathlib import Path

from coopshop.models.orders import CHANNELS
from coopshop.models.shipping import SHIPMENT_STATUSES
from coopshop.services.core import vocabulary

ROOT = Path(__file__).resolve().parents[2]


def _recorded_actions() -> set[str]:
    """The action codes passed to audit.record(...) anywhere in the code."""
    found = set()
    for path in (ROOT / "coopshop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "record" or not isinstance(node.func.value, ast.Name):
                continue
            if node.func.value.id not in ("audit", "audit_service"):
                continue
            if len(node.args) >= 2:
                action = node.args[1]
                # A constant, or one of two constants (``"a" if x else "b"``).
                choices = (
                    [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
                )
                found |= {c.value for c in choices if isinstance(c, ast.Constant)}
    return found


def test_every_recorded_audit_action_has_words():
    recorded = _recorded_actions()
    assert len(recorded) > 30  # the walk finds the calls
    missing = sorted(recorded - set(vocabulary.AUDIT_ACTIONS))
    assert missing == [], f"add words for {missing} to services/core/vocabulary.py"


# Actions whose code is built at run time (f"member.{action}", f"shipping.{status}", ...).
BUILT = [
    *(f"member.{a}" for a in ("approve", "refuse", "suspend", "reactivate")),
    *(f"shipping.{s}" for s in SHIPMENT_STATUSES),
    *(f"{o}.{v}" for o in ("collection", "category") for v in ("create", "update")),
]


def test_actions_built_at_run_time_have_words():
    missing = [code for code in BUILT if code not in vocabulary.AUDIT_ACTIONS]
    assert missing == []


def test_every_channel_has_one_name():
    assert set(vocabulary.CHANNELS) == set(CHANNELS)


def test_the_glossary_lists_the_channel_names(app):
    glossary = (ROOT / "docs/glossary.md").read_text(encoding="utf-8")
    for code, word in vocabulary.CHANNELS.items():
        assert f"| {word} |" in glossary, code


def test_details_are_words_and_money(app):
    with app.test_request_context():
        pairs = dict(
            vocabulary.audit_details(
                {"amount_kurus": 73659, "rate_bp": 1250, "reason": "Leke", "approved": True},
                "tr",
            )
        )
    assert pairs == {"Tutar": "₺736,59", "Oran": "%12,5", "Gerekçe": "Leke", "Onaylandı": "evet"}


def test_unknown_codes_fall_back_to_the_code_not_an_error():
    assert vocabulary.channel("") == ""
    assert vocabulary.payment_status("weird") == "weird"
