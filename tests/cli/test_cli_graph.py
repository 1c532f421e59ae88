"""``chainrule graph``: the table, the explanations, the drawing, and one-line errors."""

from __future__ import annotations

import shutil

import pytest

from chainrule.cli import main
from chainrule.expr import build_graph
from chainrule.viz.dot import to_dot
from chainrule.viz.explain import node_table

SEED = ["graph", "c = a*b; e = c + d; L = e*f", "a=10", "b=3", "d=-2", "f=3"]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_graph_prints_the_table_and_the_chain_rule_for_each_input(capsys, tmp_path):
    code, out, err = run(capsys, *SEED, "--out", str(tmp_path), "--format", "dot")
    assert code == 0 and err == ""
    g = build_graph(SEED[1], {"a": 10, "b": 3, "d": -2, "f": 3})
    g.root.backward()
    assert out.startswith(node_table(g.root) + "\n")  # its content: tests/viz/test_explain.py
    for line in [
        "dL/da = dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9",
        "dL/db = dL/de · de/dc · dc/db = f · 1 · a = 3 · 1 · 10 = 30",
        "dL/dd = dL/de · de/dd = f · 1 = 3 · 1 = 3",
        "dL/df = e = 28",
    ]:
        assert line + "\n" in out
    assert f"Drawing: {tmp_path / 'graph.dot'}" in out


def test_graph_writes_the_dot_text_that_to_dot_gives(capsys, tmp_path):
    run(capsys, *SEED, "--output", str(tmp_path / "seed.dot"))
    g = build_graph(SEED[1], {"a": 10, "b": 3, "d": -2, "f": 3})
    g.root.backward()
    assert (tmp_path / "seed.dot").read_text() == to_dot(g.root)


@needs_dot
def test_graph_writes_svg_by_default_and_png_on_request(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, *SEED)
    assert code == 0
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg and "grad 30.0000" in svg
    run(capsys, *SEED, "--output", str(tmp_path / "pic.png"))
    assert (tmp_path / "pic.png").read_bytes().startswith(b"\x89PNG")
    run(capsys, *SEED, "--out", str(tmp_path / "new" / "folder"), "--format", "png")
    assert (tmp_path / "new" / "folder" / "graph.png").exists()


def test_without_dot_graph_writes_the_dot_file_and_says_so(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, err = run(capsys, *SEED, "--out", str(tmp_path))
    assert code == 0 and err == ""
    assert not (tmp_path / "graph.svg").exists()
    assert "grad 9.0000" in (tmp_path / "graph.dot").read_text()
    assert f"Drawing: {tmp_path / 'graph.dot'}" in out
    assert "Graphviz's `dot` program is not installed" in out and "apt-get install graphviz" in out


def test_graph_html_writes_the_explorer_page(capsys, tmp_path, monkeypatch):
    from chainrule.viz import html

    calls = []
    monkeypatch.setattr(html, "explore", lambda root, path=None, title=None: calls.append((root, path, title)))
    code, out, _ = run(capsys, *SEED, "--format", "dot", "--out", str(tmp_path), "--html", str(tmp_path / "e.html"))
    assert code == 0
    ((root, path, title),) = calls
    assert root.name == "L" and root.grad == 1.0 and path == tmp_path / "e.html" and title == SEED[1]
    assert f"Explorer: {tmp_path / 'e.html'}" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["graph", "L = (a*b + d)*f", "a=10", "b=3", "d=-2"], "missing value for variable 'f'"),
        (["graph", "__import__('os').system('echo hi')"], "attribute access"),
        (["graph", "a*b", "a=1", "b=two"], "the value of 'b' must be a number, got 'two'"),
        (["graph", "a*b", "a=1", "b=2", "c=3"], "a value was given for c"),
        (["graph", "a*", "a=1"], "syntax error"),
        (["graph", "log(a)", "a=-1"], "log: undefined"),
        (["graph", "a*2", "a=1", "--output", "graph.txt"], "unknown drawing format 'txt'"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_code_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("chainrule graph: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_an_error_not_a_traceback(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, *SEED, "--out", str(blocker / "sub"), "--format", "dot")
    assert code == 1 and err.startswith("chainrule graph: error: ") and "Traceback" not in err


def test_graph_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["graph", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert 'chainrule graph "L = (a*b + d)*f" a=10 b=3 d=-2 f=3' in out
    assert "--html FILE" in out and "exp log tanh sigmoid relu sqrt sin cos abs" in out
