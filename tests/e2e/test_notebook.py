"""Notebooks: examples/explore_the_chain_rule.ipynb runs from top to bottom and shows the
graph inline, and a notebook that shows many graphs stays small."""

from __future__ import annotations

import importlib.util
import statistics
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "explore_the_chain_rule.ipynb"


def test_the_example_notebook_executes_and_shows_the_graph_inline(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed")

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Run in a scratch folder, so that nothing the notebook might write lands in examples/.
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = {cell.source.splitlines()[-1]: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}
    printed = "".join(o.get("text", "") for o in outputs["print(a.grad, b.grad, c.grad, d.grad, e.grad, f.grad)"])
    assert printed.split() == ["9.0", "30.0", "3.0", "3.0", "3.0", "28.0"]

    drawing = outputs["draw_dot(L)"][0]["data"]
    assert "image/svg+xml" in drawing or "<iframe" in drawing.get("text/html", "")  # dot, or the explorer

    for source in ("explore(L)", "explore(y)", "y"):
        html = outputs[source][0]["data"]["text/html"]
        assert "<iframe srcdoc=" in html and "EXPLORER" in html

    explanation = "".join(o.get("text", "") for o in outputs["print(explain(L, a))"])
    assert "dL/da = dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9" in explanation


def test_many_displayed_graphs_without_dot_stay_small_and_each_output_is_complete(tmp_path):
    """Without Graphviz every output once carried the 1.3 MB WebAssembly Graphviz."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed")
    from nbformat.v4 import new_code_cell, new_notebook

    sources = [
        # Hide Graphviz's dot program from this kernel.
        "import os, shutil, tempfile\nos.environ['PATH'] = tempfile.mkdtemp()\nassert shutil.which('dot') is None",
        "import chainrule\nfrom chainrule.expr import build_graph\n"
        "for k in range(18):\n"
        "    y = build_graph('y = x*x + w*x', {'x': k, 'w': 2}).root\n"
        "    y.backward()\n"
        "    display(y)",
        "x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)\nloss = (x * 2).tanh().sum()\nloss.backward()\nloss",
        "chainrule.explore(y)",
    ]
    if importlib.util.find_spec("graphviz") is not None:
        sources.append("chainrule.draw_dot(y)")  # falls back to the explorer without dot
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    htmls = [output["data"]["text/html"] for cell in notebook.cells for output in cell.outputs if "text/html" in output.get("data", {})]
    assert len(htmls) == len(sources) - 1 + 17
    sizes = [len(html) for html in htmls]
    # Each output is the whole page with its drawing (laid out in Python) and no Graphviz,
    # the first as much as the others: clearing or losing one breaks no other.
    for html in htmls:
        assert "<iframe srcdoc=" in html and "const EXPLORER" in html and "\\u003csvg" in html and "WebAssembly" not in html
    assert max(sizes) < 120_000 and sizes[0] < 1.5 * statistics.median(sizes)
    assert sum(sizes) < 2_500_000  # 21 graphs; 29 MB before
