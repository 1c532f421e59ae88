"""examples/explore_the_chain_rule.ipynb runs from top to bottom and shows the graph inline."""

from __future__ import annotations

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
        assert html.startswith("<iframe srcdoc=") and "EXPLORER" in html

    explanation = "".join(o.get("text", "") for o in outputs["print(explain(L, a))"])
    assert "dL/da = dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9" in explanation
