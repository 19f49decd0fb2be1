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


# --- the glossary and the English catalogue -------------------------------------------------------

# "Alıcı" is a buyer there and a bank transfer's payee elsewhere: that table is words for people.
NOT_CHECKED = {"People and places"}


def _glossary_tables() -> dict[str, list[dict[str, str]]]:
    """docs/glossary.md's tables, by section heading: one dict per row, keyed by the header."""
    tables: dict[str, list[list[str]]] = {}
    section = ""
    for line in (ROOT / "docs/glossary.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("|") and not line.startswith("| ---"):
            tables.setdefault(section, []).append([c.strip() for c in line.strip("|").split("|")])
    return {
        name: [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        for name, rows in tables.items()
    }


def _catalogue():
    from babel.messages.pofile import read_po

    with (ROOT / "coopshop/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        return read_po(f)


def _title(name: str) -> str:
    return name.split(" (")[0]


def test_the_catalogue_translates_each_glossary_word_as_the_glossary_says():
    catalogue = _catalogue()
    tables = _glossary_tables()
    checked, wrong = 0, []
    for name, rows in tables.items():
        if _title(name) in NOT_CHECKED:
            continue
        for row in rows:
            turkish, english = row["Türkçe"], row["English"]
            message = catalogue.get(turkish)
            if message is not None and message.string:
                checked += 1
                if message.string != english:
                    wrong.append((name, turkish, english, message.string))
                continue
            # A term used inside sentences: each message that has it says the English term.
            using = [
                m
                for m in catalogue
                if isinstance(m.id, str) and m.id and turkish.lower() in m.id.lower()
            ]
            assert using, f"{turkish!r} ({name}) is in no catalogue message"
            checked += 1
            wrong += [
                (name, m.id, english, m.string)
                for m in using
                if english.lower() not in (m.string or "").lower()
            ]
    assert checked > 60
    assert wrong == []


def test_every_message_about_a_payout_batch_calls_it_one():
    wrong = [
        (m.id, m.string)
        for m in _catalogue()
        if isinstance(m.id, str) and "ödeme listesi" in m.id.lower()
        if "payout batch" not in (m.string or "").lower()
    ]
    assert wrong == []


def _codes(cell: str) -> list[str]:
    import re

    return re.findall(r"`([a-z_]+)`", cell)


def test_the_glossary_has_every_status_with_the_pages_words(app):
    from coopshop.admin.payouts import BATCH_LABELS, LINE_LABELS
    from coopshop.services.catalog.products import PRODUCT_STATUS_LABELS
    from coopshop.services.members.membership import MEMBERSHIP_STATUS_LABELS
    from coopshop.services.sales import order_history, withdrawals
    from coopshop.web.formatting import _ORDER_STATUS

    tables = {_title(name): rows for name, rows in _glossary_tables().items()}
    lists = {
        "Sales channels": [vocabulary.CHANNELS],
        "Payment methods": [vocabulary.PAYMENT_METHODS],
        "Payment statuses": [vocabulary.PAYMENT_STATUSES],
        "Orders": [_ORDER_STATUS, {k: order_history.LABELS[k] for k in ("placed", "shipped")}],
        "Withdrawal requests": [withdrawals.STATUS_LABELS],
        "Products": [PRODUCT_STATUS_LABELS],
        "Membership": [MEMBERSHIP_STATUS_LABELS],
        "Payout batches and their lines": [BATCH_LABELS, LINE_LABELS],
    }
    missing = []
    for name, labels in lists.items():
        words = {}
        for row in tables[name]:
            for code in _codes(row["code"]):
                words.setdefault(code, set()).add(row["Türkçe"])
        for one in labels:
            for code, word in one.items():
                if word._args[0] not in words.get(code, set()):
                    missing.append((name, code, word._args[0]))
    assert missing == []
