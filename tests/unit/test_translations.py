"""Turkish first, English second: every string the code marks for translation has English."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [
    ("coopshop/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]


def _msgids() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_string_has_an_english_translation():
    with (ROOT / "coopshop/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = sorted(
        msgid for msgid in _msgids() if not (catalog.get(msgid) and catalog.get(msgid).string)
    )
    assert missing == [], "run `make messages` and translate:\n" + "\n".join(missing)


def test_placeholders_survive_translation():
    with (ROOT / "coopshop/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]")
    broken = [
        m.id
        for m in catalog
        if m.id
        and m.string
        and set(pattern.findall(str(m.id))) != set(pattern.findall(str(m.string)))
    ]
    assert broken == []
