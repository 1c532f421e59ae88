"""The explorer page in a real headless Chromium: step it, click it, look at it."""

from __future__ import annotations

import re
import shutil
from itertools import combinations

import numpy as np
import pytest

from chainrule.expr import build_graph
from chainrule.scalar.nn import MLP
from chainrule.viz.html import explore

from .conftest import Explorer

LAYOUTS = ["wasm", "python", pytest.param("dot", marks=pytest.mark.skipif(shutil.which("dot") is None, reason="no dot"))]
SEED_GRADS = {"a": "9.0000", "b": "30.0000", "c": "3.0000", "d": "3.0000", "e": "3.0000", "f": "28.0000", "L": "1.0000"}


def seed_graph():
    """The seed's L = (a*b + d) * f with a=10, b=3, d=-2, f=3, after backward()."""
    L = build_graph("c = a*b; e = c + d; L = e*f", {"a": 10, "b": 3, "d": -2, "f": 3}).root
    L.backward()
    return L


def mlp_loss_graph():
    """micrograd's MLP(3, [4, 4, 1]) on two samples with a squared-error loss: 218 nodes."""
    np.random.seed(1)
    model = MLP(3, [4, 4, 1])
    samples = [([2.0, 3.0, -1.0], 1.0), ([3.0, -1.0, 0.5], -1.0)]
    loss = sum((model(x) - y) ** 2 for x, y in samples)
    loss.name = "loss"
    loss.backward()
    return loss


@pytest.mark.parametrize("layout", LAYOUTS)
def test_stepping_the_seed_graph_shows_the_seed_gradients_and_nothing_leaves_the_machine(open_page, layout, tmp_path):
    page = open_page(explore(seed_graph(), layout=layout))
    assert page.phase == "start"
    assert set(page.shown("data").values()) == {"?"}  # nothing computed yet
    assert set(page.shown("grad").values()) == {"0.0000"}

    for _ in range(7):  # the forward pass, one node at a time
        page.click("#step")
    assert page.phase == "forward-done"
    assert page.shown("data") == {
        "a": "10.0000", "b": "3.0000", "c": "30.0000", "d": "-2.0000", "e": "28.0000", "f": "3.0000", "L": "84.0000"
    }  # fmt: skip

    for _ in range(3):  # L.grad = 1, then L._backward(), e._backward()
        page.click("#step")
    assert "e = c + d hands its gradient e.grad = 3.0000" in page.text("#step-text")
    assert page.shown("grad")["c"] == "3.0000" and page.shown("grad")["a"] == "0.0000"
    labels = page.js("return [...document.querySelectorAll('#graph g.edge.delivered text')].map(t => t.textContent)")
    assert sorted(labels) == ["1 × 3 = 3", "1 × 3 = 3", "28 × 1 = 28", "3 × 1 = 3"]
    assert len(page.fully_visible()) == 7 + 3  # a small graph stays wholly in view while stepping
    page.screenshot(tmp_path, f"explorer_seed_mid_backward_{layout}.png")

    assert page.step_until_done() == 1  # c._backward() is the last step
    assert page.shown("grad") == SEED_GRADS
    assert "Every gradient matches what backward() computed" in page.text("#check-ok")
    assert page.requests_not_local() == []
    assert page.console_errors() == []


def test_step_back_reset_and_keyboard_replay_the_same_numbers(open_page):
    page = open_page(explore(seed_graph(), layout="wasm"))
    page.press("\ue010")  # End: jump to the end
    assert page.phase == "done" and page.shown("grad") == SEED_GRADS
    page.click("#back")
    assert page.shown("grad")["a"] == "0.0000" and page.shown("grad")["c"] == "3.0000"
    page.press("\ue014")  # ArrowRight: step forward again
    assert page.shown("grad") == SEED_GRADS
    page.click("#reset")
    assert page.phase == "start" and set(page.shown("grad").values()) == {"0.0000"}
    for _ in range(3):
        page.press("\ue014")
    assert page.js("return document.body.dataset.position") == "3"
    page.press("\ue012")  # ArrowLeft
    assert page.js("return document.body.dataset.position") == "2"


def test_clicking_a_leaf_highlights_its_path_with_the_product_of_local_derivatives(open_page, tmp_path):
    page = open_page(explore(seed_graph(), layout="wasm"))
    page.click("#graph #v0")  # the leaf a
    panel = page.text("#node-text")
    assert "1 path from a to L" in panel
    assert "dL/de · de/dc · dc/da" in panel and "= f · 1 · b" in panel and "= 3 · 1 · 3 = 9" in panel
    assert page.text("#path-sum") == "9"
    on_path = page.js("return [...document.querySelectorAll('#graph g.node.on-path')].map(g => g.id).sort()")
    assert on_path == ["o2", "o4", "o6", "v0", "v2", "v4", "v6"]  # a, c, e, L and their ops
    assert page.js("return document.getElementById('graph').classList.contains('highlighting')")
    page.screenshot(tmp_path, "explorer_seed_paths_of_a.png")
    page.press("\ue00c")  # Escape clears it
    assert not page.js("return document.getElementById('graph').classList.contains('highlighting')")


def test_a_node_used_three_times_accumulates_where_its_paths_meet(open_page):
    y = build_graph("y = x*x + x", {"x": 3}).root
    y.backward()
    page = open_page(explore(y, layout="wasm"))
    page.step_until_done()
    assert page.shown("grad")["x"] == "7.0000"  # 2x + 1
    assert "paths meet at x: x.grad = 1 + 3 + 3 = 7" in page.text("#step-text")
    assert page.js("return document.getElementById('v0').classList.contains('accumulated')")
    page.click("#graph #v0")
    panel = page.text("#node-text")
    assert "3 paths from x to y" in panel and "the sum over all 3 paths = 3 + 3 + 1 = 7" in panel


@pytest.mark.parametrize("layout", ["wasm", "python"])
def test_a_200_node_mlp_graph_lays_out_without_overlaps_and_checks_out(open_page, tmp_path, layout):
    loss = mlp_loss_graph()
    page = open_page(explore(loss, layout=layout))
    boxes = page.js(
        """
        const svg = document.getElementById("graph");
        return [...svg.querySelectorAll("g.node")].map((g) => {
          const b = g.getBBox();
          return [g.id, b.x, b.y, b.x + b.width, b.y + b.height];
        });
        """
    )
    assert len([b for b in boxes if b[0].startswith("v")]) >= 200
    overlapping = [
        (p[0], q[0]) for p, q in combinations(boxes, 2) if p[1] < q[3] and q[1] < p[3] and p[2] < q[4] and q[2] < p[4]
    ]
    assert overlapping == []
    # Too big to read when fitted: it opens at a readable zoom, with a minimap.
    assert page.js("return getComputedStyle(document.getElementById('minimap')).display") == "block"
    for _ in range(300):
        page.click("#step")
    assert page.phase == "backward"
    assert page.js("return document.querySelectorAll('#floating-labels text').length") >= 1
    active = page.js("return [...document.querySelectorAll('#graph g.node.active')].map(g => g.id)")
    assert len(active) == 2 and set(active) <= page.fully_visible()  # the view follows the step
    page.screenshot(tmp_path, f"explorer_mlp_mid_backward_{layout}.png")
    page.press("\ue010")  # End
    assert "Every gradient matches what backward() computed" in page.text("#check-ok")
    grads = page.shown("grad")
    assert float(grads["loss"]) == 1.0
    page.click("#fit")
    page.screenshot(tmp_path, f"explorer_mlp_fitted_{layout}.png")
    assert page.requests_not_local() == []


def test_tensor_nodes_show_shape_dtype_and_previews(open_page):
    from chainrule.factories import tensor

    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.name = "x"
    w = tensor([0.5, -1.0], requires_grad=True)
    w.name = "w"
    out = (x * w).tanh().sum()
    out.backward()
    page = open_page(explore(out, layout="wasm"))
    texts = page.node_texts()
    assert texts["x"][1] == "2×2 float32" and texts["w"][1] == "2 float32"
    assert page.shown("grad")["w"] == "—"  # no gradient before the backward pass reaches w
    page.press("\ue010")
    w_grad = ", ".join(f"{g:.4f}" for g in w.grad.numpy())
    assert page.shown("grad")["w"] == f"[{w_grad}]"  # backward()'s, shown once all of w's uses are done
    page.click("#graph #v0")
    panel = page.text("#node-text")
    assert "shape (2, 2) · dtype float32" in panel and "[[1. 2.]" in panel


def test_the_network_check_does_see_a_request(open_page):
    """The no-request assertions above can fail: a page that fetches something is caught."""
    page = explore(seed_graph(), layout="wasm")
    probe = "http://127.0.0.1:9/probe.png"  # the discard port: refused at once, never leaves the machine
    leaky = type(page)(page.html.replace("<body>", f'<body><img src="{probe}" alt="">'), page.title, page.node_count)
    assert probe in open_page(leaky, "leaky.html").requests_not_local()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_jupyter_display_runs_inside_its_sandboxed_iframe(chromium, tmp_path, layout):
    """What a notebook shows: the page in <iframe srcdoc sandbox="allow-scripts">."""
    from selenium.webdriver.common.by import By

    output = explore(seed_graph(), layout=layout)._repr_html_()
    chromium.get(notebook_page(tmp_path, [output], "notebook_output.html").as_uri())
    chromium.switch_to.frame(chromium.find_element(By.TAG_NAME, "iframe"))
    try:
        page = Explorer(chromium)
        page.wait_until_ready()
        page.step_until_done()
        assert page.shown("grad") == SEED_GRADS
    finally:
        chromium.switch_to.default_content()


def notebook_page(tmp_path, outputs: list[str], name: str, hidden: bool = False):
    """A stand-in for a notebook: each output in its own cell, as Jupyter inserts them.

    ``hidden``: the cells start out hidden (``#notebook`` is not displayed), as outputs are
    while a notebook renders them before showing them.
    """
    cells = "".join(f'<div class="cell"><p>Out[{k}]:</p>{html}</div>' for k, html in enumerate(outputs, start=1))
    style = ' style="display:none"' if hidden else ""
    host = tmp_path / name
    host.write_text(f'<!DOCTYPE html><html><body><div id="notebook"{style}>{cells}</div></body></html>', encoding="utf-8")
    return host


def test_a_notebook_without_dot_shows_every_displayed_graph(chromium, tmp_path, monkeypatch):
    """Two displays in one notebook, made without Graphviz: each output lays out on its own."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    monkeypatch.setattr(shutil, "which", lambda name: None)
    y = build_graph("y = x*x + x", {"x": 3}).root
    y.backward()
    outputs = [seed_graph()._repr_html_(), y._repr_html_()]
    assert all(len(html) < 120_000 for html in outputs)
    chromium.get(notebook_page(tmp_path, outputs, "two_outputs.html", hidden=True).as_uri())
    frames = chromium.find_elements(By.TAG_NAME, "iframe")
    assert len(frames) == 2
    for frame in frames:  # each page has run its script while the notebook was hidden
        chromium.switch_to.frame(frame)
        WebDriverWait(chromium, 30).until(lambda driver: driver.execute_script("return document.readyState") == "complete")
        chromium.switch_to.default_content()
    chromium.execute_script("document.getElementById('notebook').style.display = 'block'")
    expected = [SEED_GRADS, {"x": "7.0000", "mul1": "1.0000", "y": "1.0000"}]
    for frame, grads in zip(frames, expected):
        # The iframe, not the static picture beneath it, is what shows.
        assert chromium.execute_script(
            "arguments[0].scrollIntoView(); const r = arguments[0].getBoundingClientRect();"
            "return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === arguments[0];",
            frame,
        )
        chromium.switch_to.frame(frame)
        try:
            page = Explorer(chromium)
            page.wait_until_ready()
            # Fitted to the frame the notebook gave it once shown, not to the size 0 it had
            # (a viewBox of width 0 draws nothing): the whole graph in view, no minimap.
            assert page.js("const box = document.getElementById('graph').viewBox.baseVal; return box.width > 0 && box.height > 0")
            assert page.js("return getComputedStyle(document.getElementById('minimap')).display") == "none"
            page.step_until_done()
            assert page.shown("grad") == grads
        finally:
            chromium.switch_to.default_content()
    Explorer(chromium).screenshot(tmp_path, "notebook_two_outputs.png")


def test_where_the_notebook_view_runs_no_scripts_the_static_picture_shows(chromium, tmp_path, monkeypatch):
    """An untrusted notebook in JupyterLab, or a static view: the sanitizer drops the iframe."""
    from selenium.webdriver.common.by import By

    monkeypatch.setattr(shutil, "which", lambda name: None)
    sanitized = re.sub(r"<iframe\b.*?</iframe>", "", seed_graph()._repr_html_(), flags=re.S)
    chromium.get(notebook_page(tmp_path, [sanitized], "untrusted.html").as_uri())
    picture = chromium.find_element(By.TAG_NAME, "img")
    assert picture.is_displayed() and chromium.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 400", picture
    )
    assert "trust the notebook" in chromium.find_element(By.CSS_SELECTOR, ".chainrule-static p").text
    Explorer(chromium).screenshot(tmp_path, "notebook_output_untrusted.png")
