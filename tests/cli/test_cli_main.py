"""The ``chainrule`` program as a whole: help, commands, ``python -m chainrule``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule
from chainrule import cli

REPO = Path(chainrule.__file__).resolve().parent.parent


def test_help_lists_and_describes_every_command(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        module = __import__(f"chainrule.commands.{name}", fromlist=["HELP"])
        assert f"    {name}" in out
        assert module.HELP[:40] in " ".join(out.split())


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "commands:" in capsys.readouterr().out


def test_unknown_command_and_option_are_usage_errors(capsys):
    for argv in (["fly"], ["graph", "a*2", "a=1", "--colour", "red"]):
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
        assert exited.value.code == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err


def test_every_command_module_registers_itself():
    import argparse

    for name in cli.COMMANDS:
        module = __import__(f"chainrule.commands.{name}", fromlist=["register"])
        subparsers = argparse.ArgumentParser().add_subparsers()
        module.register(subparsers)
        assert list(subparsers.choices) == [name]


def _python_m(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "chainrule", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_python_m_chainrule_runs_graph(tmp_path):
    result = _python_m("graph", "y = tanh(x*w + b)", "x=2", "w=-3", "b=6.8813735870195432", "--format", "dot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "dy/dw = dy/dadd1 · dadd1/dmul1 · dmul1/dw = (1 - tanh(0.8814)²) · 1 · x = 0.5 · 1 · 2 = 1" in result.stdout
    assert (tmp_path / "graph.dot").exists()


def test_python_m_chainrule_bad_input_exits_2_without_traceback(tmp_path):
    result = _python_m("graph", "os.system('ls')", "os=1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "chainrule graph: error: attribute access 'os.system' is not allowed: use numbers, variable names, "
        "+ - * / ** and the functions exp, log, tanh, sigmoid, relu, sqrt, sin, cos, abs"
    )


def test_version(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"chainrule {chainrule.__version__}"
