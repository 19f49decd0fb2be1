"""No application file under coopshop/ passes 400 lines (migrations aside): a module that grows
past it is split into cohesive modules in its wing (README, "How the code is laid out")."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "coopshop"
MAX_LINES = 400


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_application_file_passes_400_lines():
    too_long = {
        path.relative_to(APP).as_posix(): _line_count(path)
        for path in sorted(APP.rglob("*.py"))
        if "migrations" not in path.relative_to(APP).parts and _line_count(path) > MAX_LINES
    }
    assert too_long == {}


def test_the_check_sees_the_application():
    # The rule above passes trivially if APP points nowhere: it must read the real package.
    assert (APP / "services" / "books" / "ledger.py").is_file()
    assert sum(1 for _ in APP.rglob("*.py")) > 100
