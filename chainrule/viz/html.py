"""The interactive graph explorer: one self-contained HTML page per graph.

The page shows the computational graph and lets a learner step the forward pass
node by node (values appear), then the backward pass in reverse topological order,
where every edge shows ``local derivative × upstream gradient = contribution`` and
every node's gradient visibly accumulates where paths meet. Clicking a leaf
highlights every path from it to the root with the product of local derivatives.

Everything the page needs is embedded: the graph as a JavaScript object literal, the
page's own script and style (``assets/explorer.js``, ``assets/explorer.css``) and the
layout, drawn here by Graphviz's ``dot`` program or, when ``dot`` is missing, by the
layered layout of `chainrule.viz.layout` (in Python); on request (``layout="wasm"``) the
page carries the WebAssembly build of Graphviz vendored in ``assets/viz-global.js`` and
lays itself out in the browser. The page makes no network request.

The explorer reads the graph through the node protocol of `chainrule.graph`, so it
works for `Value` graphs and `Tensor` graphs alike, and never changes the graph.
"""

from __future__ import annotations

import base64
import html as html_escaping
import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from chainrule.graph import NodeView, graph_edges
from chainrule.viz.layout import Arrow, Shape, layout_svg

_ASSETS = Path(__file__).with_name("assets")

# Above this many value nodes the layout reserves no room for edge labels (they would
# spread a big graph thin); the page then shows contributions of the current step only.
EDGE_LABELS_UP_TO = 40

# Laying out and stepping a graph happens in the browser; past a few thousand nodes the
# page would freeze (and no one reads it), so explore() asks for a smaller graph.
MAX_NODES = 5000

# A notebook output also carries a static picture of the graph (shown where the notebook
# view does not run the explorer's script) while the drawing is at most this big.
STATIC_PICTURE_UP_TO = 100_000  # characters of SVG

Layout = Literal["auto", "dot", "python", "wasm"]


@dataclass(frozen=True, repr=False)
class ExplorerPage:
    """A finished explorer page: ``.html`` is the whole self-contained document.

    In Jupyter it displays itself inline (in a sandboxed iframe, so its script runs
    without touching the notebook), over a static picture for notebook views that do
    not run scripts. ``picture`` is the drawing as laid out before the page opens (SVG;
    None when the page lays itself out with ``layout="wasm"``).

    >>> page = explore(L)                       # doctest: +SKIP
    >>> page.save("L.html")                     # doctest: +SKIP
    PosixPath('L.html')
    >>> page                                    # doctest: +SKIP
    ExplorerPage(title='chainrule explorer: L', nodes=7, 52,479 characters)
    """

    html: str
    title: str
    node_count: int
    picture: str | None = field(default=None, compare=False)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def __repr__(self) -> str:
        return f"ExplorerPage(title={self.title!r}, nodes={self.node_count}, {len(self.html):,} characters)"

    def _repr_html_(self) -> str:
        return _notebook_output(self, height=_frame_height(self.node_count))


def explore(
    root: Any,
    path: str | os.PathLike[str] | None = None,
    title: str | None = None,
    *,
    layout: Layout = "auto",
) -> ExplorerPage:
    """Build the interactive explorer page for the graph that ends in ``root``.

    ``path``: also write the page there. ``title``: the page title (default: names the
    root). ``layout``: ``"dot"`` lays the graph out here with Graphviz's ``dot``
    program, ``"python"`` with chainrule's own layered layout (`chainrule.viz.layout`,
    needs nothing installed), ``"auto"`` uses ``dot`` when it is on the PATH and
    ``"python"`` otherwise; each gives a page of some 50 kB. ``"wasm"`` embeds Graphviz
    compiled to WebAssembly, which lays the graph out in the browser as ``dot`` would
    (about 1.4 MB per page, needs nothing installed).

    >>> from chainrule import Value
    >>> a, b = Value(2.0, name="a"), Value(3.0, name="b")
    >>> L = a * b + a; L.name = "L"
    >>> L.backward()
    >>> page = explore(L, layout="python")
    >>> page                       # doctest: +ELLIPSIS
    ExplorerPage(title='chainrule explorer: L', nodes=4, ... characters)
    >>> page.save("L.html")        # open it in any browser, offline     # doctest: +SKIP
    PosixPath('L.html')
    """
    if layout not in ("auto", "dot", "python", "wasm"):
        raise ValueError(f"explore: layout must be 'auto', 'dot', 'python' or 'wasm', got {layout!r}")
    graph = graph_payload(root)
    shapes, arrows = explorer_drawing(graph)
    dot_source = _dot_source(shapes, arrows)
    if layout == "auto":
        layout = "dot" if shutil.which("dot") else "python"
    svg = None
    if layout == "dot":
        svg = _render_with_dot(dot_source)
    elif layout == "python":
        svg = layout_svg(shapes, arrows)
    page_title = title or f"chainrule explorer: {_display_name(graph, len(graph['nodes']) - 1)}"
    page = ExplorerPage(
        html=_page(graph, dot_source, svg, page_title),
        title=page_title,
        node_count=len(graph["nodes"]),
        picture=svg,
    )
    if path is not None:
        page.save(path)
    return page


def repr_html(root: Any) -> str:
    """The explorer for ``root`` as an HTML fragment for Jupyter (``Value._repr_html_``).

    Laid out before it reaches the notebook (by ``dot``, else in Python), so every
    output is complete in itself and some 70 kB, however many the notebook shows.

    >>> from chainrule import Value
    >>> "<iframe" in repr_html(Value(1.0) * 2)
    True
    """
    return explore(root, layout="auto")._repr_html_()


# --- the graph as the page sees it ---------------------------------------------------


def graph_payload(root: Any) -> dict:
    """The graph as plain data for the page: nodes in topological order, and edges.

    Each node carries what `NodeView` says about it (``grad`` is what ``backward()``
    left there, for the page to check its own arithmetic against); each edge carries
    the local derivative d(child)/d(parent), or ``None`` for a tensor Jacobian.
    ``expected_grad`` is what replaying the chain rule from the local derivatives
    gives, which the page will reproduce step by step.
    """
    nodes, edges = graph_edges(root)
    if len(nodes) > MAX_NODES:
        raise ValueError(
            f"explore: the graph has {len(nodes):,} nodes, more than the explorer can lay out and "
            f"step through ({MAX_NODES:,}); explore a smaller piece (one neuron, one layer, a shorter "
            "chain), or draw it with chainrule.to_dot(root)"
        )
    views = [_checked_view(node) for node in nodes]
    locals_by_child = [tuple(node._graph_local_derivatives()) for node in nodes]
    edge_rows = []
    for parent_i, child_i, slot in edges:
        local = locals_by_child[child_i][slot]
        edge_rows.append({"p": parent_i, "c": child_i, "slot": slot, "local": _number_or_none(local)})
    names, formulas = _explain_names_and_formulas(nodes, edges)
    node_rows = [_node_row(view) for view in views]
    for i, row in enumerate(node_rows):
        # A leaf is a node with no operands; the protocol's is_leaf is about tensors
        # that require grad, which is not what the drawing needs.
        row["leaf"] = not nodes[i]._graph_parents()
        row["name"] = names[i]
        if not row["scalar"] and views[i].grad is None and not row["leaf"]:
            # backward() keeps only the leaves' gradients (as PyTorch does without retain_grad).
            row["grad_brief"] = "(not kept)"
    for row, formula in zip(edge_rows, formulas):
        row["formula"] = formula
    for row, grad in zip(node_rows, replay_backward(len(node_rows), edge_rows)):
        row["expected_grad"] = grad
    return {"nodes": node_rows, "edges": edge_rows, "root": len(node_rows) - 1}


def _explain_names_and_formulas(nodes: list, edges: list) -> tuple[list[str], list[str | None]]:
    """Node names and symbolic local derivatives (``dc/da = b``) from `chainrule.viz.explain`,
    so the page says what ``explain()`` and ``draw_dot()`` say.

    Without that module the page still works: nodes are called ``#<index>`` and the page
    writes the few formulas it knows itself.
    """
    try:
        from chainrule.viz.explain import local_formula, node_names
    except ImportError:
        return [node._graph_view().label or f"#{i}" for i, node in enumerate(nodes)], [None] * len(edges)
    names = node_names(nodes)
    index = {id(node): i for i, node in enumerate(nodes)}

    def ref(node: Any) -> str:
        # A formula mentions an unnamed constant by its value: d(2*x)/dx = 2.
        view = node._graph_view()
        if view.label:
            return view.label
        value = _number_or_none(view.data) if _is_scalar(view) else None
        return names[index[id(node)]] if value is None or node._graph_parents() else format_short(value)

    formulas = [local_formula(nodes[child_i], slot, ref) for _, child_i, slot in edges]
    return names, formulas


def replay_backward(node_count: int, edges: list[dict]) -> list[float | None]:
    """Gradients of the root (the last node) by the chain rule over ``edges``.

    The same walk the page animates: the root's gradient is 1, then each node in
    reverse topological order adds ``local × its gradient`` into each parent.
    A gradient is ``None`` where a tensor Jacobian (local ``None``) lies on the way.
    """
    grads: list[float | None] = [0.0] * node_count
    grads[-1] = 1.0
    incoming: list[list[dict]] = [[] for _ in range(node_count)]
    for edge in edges:
        incoming[edge["c"]].append(edge)
    for child in range(node_count - 1, -1, -1):
        upstream = grads[child]
        for edge in incoming[child]:
            parent = edge["p"]
            if upstream is None or edge["local"] is None or grads[parent] is None:
                grads[parent] = None
            else:
                grads[parent] += edge["local"] * upstream
    return grads


def _checked_view(node: Any) -> NodeView:
    view = node._graph_view()
    if not isinstance(view, NodeView):
        raise TypeError(
            f"explore: {type(node).__name__}._graph_view() returned {type(view).__name__}, "
            "not chainrule.graph.NodeView; implement the node protocol of chainrule.graph"
        )
    return view


def _node_row(view: NodeView) -> dict:
    scalar = _is_scalar(view)
    row: dict[str, Any] = {
        "label": view.label,
        "op": view.op,
        "shape": list(view.shape) if view.shape is not None else None,
        "dtype": view.dtype,
        "scalar": scalar,
    }
    if scalar:
        row["data"] = _number_or_none(view.data)
        row["grad"] = _number_or_none(view.grad)
    else:
        row["data"] = None
        row["grad"] = None
        row["data_brief"] = _brief(view.data)
        row["grad_brief"] = _brief(view.grad)
        row["data_preview"] = _preview(view.data)
        row["grad_preview"] = _preview(view.grad)
    return row


def _is_scalar(view: NodeView) -> bool:
    return view.shape is None or tuple(view.shape) == ()


def _number_or_none(x: Any) -> float | None:
    if x is None:
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None  # e.g. a freed buffer or a non-numeric placeholder


def _brief(array: Any) -> str:
    """The first few entries, to fit inside a node: ``[0.12, -0.5, 3, …]``."""
    if array is None:
        return "—"
    import numpy as np

    flat = np.asarray(array).ravel()
    shown = ", ".join(format_short(float(x)) for x in flat[:3])
    return f"[{shown}{', …' if flat.size > 3 else ''}]"


def _preview(array: Any) -> str:
    """A small printout of a whole array (elided in the middle when large)."""
    if array is None:
        return "None (not computed, or freed after backward)"
    import numpy as np

    return np.array2string(np.asarray(array), precision=4, threshold=36, edgeitems=3, suppress_small=True)


def format_number(x: float | None) -> str:
    """How nodes show a number (micrograd's ``%.4f``, exponent when that would mislead).

    Mirrors ``fmtNumber`` in assets/explorer.js, so the layout reserves the width the
    page will need.
    """
    if x is None:
        return "—"
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.3e}"


def format_short(x: float | None) -> str:
    """A number as edge labels and path products write it: ``3``, ``0.8814``, ``1.5e-07``.

    The same form as `chainrule.viz.explain` (mirrored by ``fmtShort`` in explorer.js).
    """
    if x is None:
        return "J"
    try:
        from chainrule.viz.explain import format_number as explain_format
    except ImportError:
        return f"{x:.4g}"
    return explain_format(x)


# --- the layout ----------------------------------------------------------------------


def explorer_drawing(graph: dict) -> tuple[list[Shape], list[Arrow]]:
    """What the page draws: value boxes ``v<i>``, op ellipses ``o<i>``, edges ``e<k>``
    (parent → op, one per operand slot) and ``f<i>`` (op → value).

    Labels carry the final numbers so every box is laid out wide enough for what the
    page will write into it; the page blanks them and fills them in step by step.
    """
    nodes, edges = graph["nodes"], graph["edges"]
    labelled_edges = len(nodes) <= EDGE_LABELS_UP_TO
    shapes, arrows = [], []
    for i, node in enumerate(nodes):
        shapes.append(Shape(f"v{i}", "record", _record_fields(node)))
        if not node["leaf"]:
            shapes.append(Shape(f"o{i}", "ellipse", (node["op"] or "op",)))
            arrows.append(Arrow(f"f{i}", f"o{i}", f"v{i}"))
    for k, edge in enumerate(edges):
        label = _contribution_text(edge, nodes) if labelled_edges else None
        arrows.append(Arrow(f"e{k}", f"v{edge['p']}", f"o{edge['c']}", label))
    return shapes, arrows


def explorer_dot(graph: dict) -> str:
    """`explorer_drawing` as Graphviz source, for ``dot`` here or in the browser."""
    return _dot_source(*explorer_drawing(graph))


def _dot_source(shapes: list[Shape], arrows: list[Arrow]) -> str:
    lines = [
        "digraph explorer {",
        '  graph [rankdir=LR, nodesep=0.18, ranksep=0.32, bgcolor="transparent"];',
        '  node [fontname="Helvetica", fontsize=11, penwidth=1.2];',
        '  edge [fontname="Helvetica", fontsize=10, arrowsize=0.6, penwidth=1.1];',
    ]
    for shape in shapes:
        if shape.kind == "record":
            label = "|".join(_record_text(field) for field in shape.lines)
            lines.append(f'  {shape.id} [id="{shape.id}", shape=record, label="{label}"];')
        else:
            label = _dot_text(shape.lines[0])
            lines.append(f'  {shape.id} [id="{shape.id}", shape=ellipse, margin="0.04,0.02", label="{label}"];')
    for arrow in arrows:
        attributes = f'id="{arrow.id}"'
        if arrow.label is not None:
            attributes += f', label="{_dot_text(arrow.label)}"'
        lines.append(f"  {arrow.tail} -> {arrow.head} [{attributes}];")
    lines.append("}")
    return "\n".join(lines)


def _record_fields(node: dict) -> tuple[str, ...]:
    # Fields stacked top to bottom (rankdir=LR turns a bare a|b|c into a column):
    # name, [shape and dtype,] data, grad. The page finds data and grad as the last two.
    fields = [node["name"]]
    if node["scalar"]:
        if node["shape"] is not None:
            fields.append(_shape_text(node))
        fields += [f"data {format_number(node['data'])}", f"grad {format_number(node['expected_grad'])}"]
    else:
        fields += [_shape_text(node), f"data {node['data_brief']}", f"grad {node['grad_brief']}"]
    return tuple(fields)


def _shape_text(node: dict) -> str:
    shape = "×".join(str(n) for n in node["shape"]) or "scalar"
    return f"{shape} {node['dtype'] or ''}".strip()


def _contribution_text(edge: dict, nodes: list[dict]) -> str:
    upstream = nodes[edge["c"]]["expected_grad"]
    if edge["local"] is None or upstream is None:
        return "Jᵀ·g"
    return f"{format_short(edge['local'])} × {format_short(upstream)} = {format_short(edge['local'] * upstream)}"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _record_text(text: str) -> str:
    # Braces, bars and angle brackets structure a record label; escape them in text.
    escaped = _dot_text(text)
    for special in "{}|<>":
        escaped = escaped.replace(special, "\\" + special)
    return escaped or " "


def _render_with_dot(dot_source: str) -> str:
    executable = shutil.which("dot")
    if executable is None:
        raise RuntimeError(
            "explore(layout='dot') needs Graphviz's `dot` program, which is not on the PATH: "
            "install it (apt-get install graphviz / brew install graphviz) or use layout='wasm'"
        )
    result = subprocess.run(
        [executable, "-Tsvg"], input=dot_source, capture_output=True, text=True, encoding="utf-8", check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"explore: `dot -Tsvg` failed ({result.returncode}): {result.stderr.strip()}")
    # Drop the XML prolog and DOCTYPE: the SVG is inlined into an HTML page.
    return result.stdout[result.stdout.index("<svg") :]


# --- the page ------------------------------------------------------------------------


def _page(graph: dict, dot_source: str, svg: str | None, title: str) -> str:
    data = {"graph": graph, "dot": dot_source, "svg": svg, "edge_labels": len(graph["nodes"]) <= EDGE_LABELS_UP_TO}
    scripts = [_script_tag(f"const EXPLORER = {_js_literal(data)};")]
    if svg is None:
        scripts.append(_script_tag(_asset("viz-global.js")))
    scripts.append(_script_tag(_asset("explorer.js")))
    return _TEMPLATE.format(
        title=html_escaping.escape(title),
        style=_asset("explorer.css"),
        scripts="\n".join(scripts),
    )


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _script_tag(code: str) -> str:
    # "</script" inside the code would end the element early; JS reads "<\/" as "</".
    return "<script>\n" + code.replace("</script", "<\\/script") + "\n</script>"


def _js_literal(data: Any) -> str:
    # json.dumps writes NaN and Infinity, which are valid in a JavaScript literal
    # (not in JSON.parse). Escaping "<" keeps "</script>" inside strings harmless.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _display_name(graph: dict, index: int) -> str:
    return graph["nodes"][index]["name"]


def _frame_height(node_count: int) -> int:
    return 420 if node_count <= 12 else 640


def _notebook_output(page: ExplorerPage, height: int) -> str:
    """The page as a notebook output: an iframe over a static fallback.

    Every output is complete in itself: laid out before it leaves Python (`repr_html`),
    it needs no Graphviz in the browser. Sharing one copy of the 1.3 MB WebAssembly
    Graphviz between outputs would break whenever the output holding it is cleared or
    not rendered (a notebook reopened, a cell re-run, Colab's one frame per output), and
    sandboxed iframes cannot reach the notebook page to fetch it without scripts there.

    ``srcdoc`` keeps the page self-contained; the sandbox lets its script run without
    access to the notebook around it. Where the notebook view does not run scripts (an
    untrusted notebook in JupyterLab, GitHub's static view), the HTML sanitizer drops
    the iframe but keeps plain markup: the static picture (an ``<img>`` of the SVG, with
    the final values and gradients) and a note that say what happened. Wherever the
    iframe is shown it covers them.
    """
    title = html_escaping.escape(page.title)
    picture = ""
    if page.picture is not None and len(page.picture) <= STATIC_PICTURE_UP_TO:
        encoded = base64.b64encode(page.picture.encode("utf-8")).decode("ascii")
        picture = (
            f'<img src="data:image/svg+xml;base64,{encoded}" alt="{title}: the graph, with final values and gradients" '
            f'style="max-width:100%;max-height:{height - 80}px">'
        )
    note = (
        f"{title}: an interactive page, shown where the notebook may run its outputs' scripts "
        "(a trusted notebook in Jupyter or VS Code, Colab, nbviewer). "
        + ("Here you see the static picture: the graph with its final values and gradients. " if picture else "")
        + "To step through the chain rule, trust the notebook or run the cell again, or save the page "
        'and open it in a browser: chainrule.explore(root).save("graph.html").'
    )
    cover = f"position:absolute;top:0;left:0;width:100%;height:{height}px"
    return (
        f'<div class="chainrule-explorer" style="position:relative;height:{height}px">'
        f'<div class="chainrule-static" style="{cover};overflow:auto">{picture}'
        f'<p style="font-size:13px;color:#555;margin:4px 2px">{note}</p></div>'
        f'<iframe srcdoc="{html_escaping.escape(page.html, quote=True)}" title="{title}" sandbox="allow-scripts" '
        f'style="{cover};border:1px solid #ddd;border-radius:4px;background:#fff"></iframe>'
        "</div>"
    )


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <div class="controls" role="toolbar" aria-label="stepping">
    <button id="reset" title="Reset (Home)">Reset</button>
    <button id="back" title="Step back (←)">◀ Back</button>
    <button id="step" title="Step forward (→)">Step ▶</button>
    <button id="play" title="Play / pause (space)">Play</button>
    <input id="scrub" type="range" min="0" max="0" value="0" aria-label="step">
    <span id="counter" class="counter"></span>
  </div>
  <div class="controls" role="toolbar" aria-label="view">
    <button id="zoom-in" title="Zoom in (+)">+</button>
    <button id="zoom-out" title="Zoom out (−)">−</button>
    <button id="fit" title="Fit the whole graph (0)">Fit</button>
    <label><input id="follow" type="checkbox" checked> follow the step</label>
  </div>
</header>
<main>
  <div id="canvas" tabindex="0" aria-label="computational graph">
    <div id="loading">laying out the graph…</div>
  </div>
  <aside>
    <section id="step-panel"><h2>Step</h2><div id="step-text"></div></section>
    <section id="check-panel"><div id="check-text"></div></section>
    <section id="node-panel"><h2>Node</h2><div id="node-text">Click a node. Click a leaf to see every path
      from it to the root, with the chain rule's product of local derivatives.</div></section>
  </aside>
</main>
{scripts}
</body>
</html>
"""
