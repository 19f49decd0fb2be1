"""No application function over 60 lines without a reason.

A function (or method) in coopshop/ longer than LIMIT lines, counted from its ``def`` (or its
first decorator) to its last line, must carry a comment line starting ``# Long on purpose:``
directly above it (above its decorators), saying why one long function is clearer than steps.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "coopshop"
LIMIT = 60
MARK = "# Long on purpose:"


def _has_reason(lines: list[str], first: int) -> bool:
    """A ``# Long on purpose:`` comment directly above line ``first`` (1-based): the comment
    block right above it (a reason may run over several comment lines) starts with the mark."""
    index = first - 2
    block = []
    while index >= 0 and lines[index].strip().startswith("#"):
        block.append(lines[index].strip())
        index -= 1
    return any(line.startswith(MARK) for line in block)


def long_functions_without_reason(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - first + 1
            if length > LIMIT and not _has_reason(lines, first):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} {length}")
    return found


def test_no_function_over_60_lines_without_a_reason():
    assert long_functions_without_reason() == []


def test_the_check_sees_a_long_function_and_its_reason(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(LIMIT))
    (tmp_path / "long.py").write_text(f"def long():\n{body}")
    (tmp_path / "excused.py").write_text(f"# Long on purpose: one recipe.\ndef excused():\n{body}")
    (tmp_path / "short.py").write_text("def short():\n    return 1\n")
    assert long_functions_without_reason(tmp_path) == [f"{tmp_path.name}/long.py:1 long 61"]
