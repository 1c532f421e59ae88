"""README.md stays true: its two set-up commands, and its Python examples print what they say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_starts_with_exactly_two_setup_commands():
    first = README.split("```", 2)
    assert first[1].startswith("bash\n"), "README must open with a bash block of set-up commands"
    commands = [ln for ln in _code_blocks("bash")[0].splitlines() if ln.strip()]
    assert len(commands) == 2
    assert "chainrule tour" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    test_command = [ln for ln in _code_blocks("bash")[0].splitlines() if ln.strip()][1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.replace("pip install -e", "pip install -q -e").replace("pytest -q", "pytest -q") in ci or \
        test_command in ci, "the README's test command and .ci/run must agree"


@pytest.mark.parametrize("index", range(len(_code_blocks("python"))))
def test_python_example_prints_what_its_comments_say(index):
    block = _code_blocks("python")[index]
    # `print(...)  # text` promises that line; a comment in parentheses is only a remark.
    expected = [m.group(1).strip() for m in re.finditer(r"^print\(.*\)\s+#\s*([^(\s].*)$", block, flags=re.M)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, f"README block {index}", "exec"), {"__name__": "__readme__"})
    printed = out.getvalue().splitlines()
    for line in expected:
        assert line in printed, f"README block {index}: expected a printed line {line!r}, got {printed}"
