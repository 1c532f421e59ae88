"""Drawing a graph: one box per value, one small node per op, as in micrograd's pictures.

::

    [ a | data 10.0000 | grad 9.0000 ] --\\
                                         (*) --> [ c | data 30.0000 | grad 3.0000 ] --> ...
    [ b | data 3.0000 | grad 30.0000 ] --/

`to_dot` writes the DOT text with no dependency at all; `draw_dot` returns a
``graphviz.Digraph`` (the ``graphviz`` Python package, ``pip install chainrule[viz]``)
that Jupyter shows inline; `write_drawing` renders straight to a file with Graphviz's
``dot`` program. Nodes are named by their position in the topological order
(``n0``, ``n1``...), never by ``id()``, so names cannot collide or change between runs.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

from chainrule.graph import NodeView, graph_edges
from chainrule.viz.explain import format_number, node_names

__all__ = ["to_dot", "draw_dot", "write_drawing", "require_dot", "GraphvizNotFoundError"]

_RANKDIRS = ("LR", "RL", "TB", "BT")
_PREVIEW_CHARS = 40


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program, which turns DOT text into pictures, is not installed."""

    def __init__(self, format: str = "svg") -> None:
        super().__init__(
            f"Graphviz's `dot` program is not on PATH, so the graph cannot be rendered as {format}. "
            "Install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), "
            "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`. "
            "Without it, `chainrule.to_dot(root)` still gives the DOT text "
            "(save it as graph.dot and open it in any Graphviz viewer)."
        )


def require_dot(format: str = "svg") -> str:
    """The path of Graphviz's ``dot`` program, or `GraphvizNotFoundError` saying how to get it."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(format)
    return dot


# --- what to draw, independent of how it is written out ---------------------------------------


def _drawing(root: Any, rankdir: str) -> tuple[list[tuple[str, dict[str, str]]], list[tuple[str, str]]]:
    """The graph as ``(nodes, edges)``: ``(id, attributes)`` per drawn node, ``(tail, head)`` per arrow.

    Each value gets a record box ``n<i>``; each computed value also gets an op node
    ``n<i>_op`` feeding it, and one arrow into that op node per operand, so ``x * x``
    draws two arrows from ``x``.
    """
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    nodes, edges = graph_edges(root)
    names = node_names(nodes)
    horizontal = rankdir in ("LR", "RL")
    drawn: list[tuple[str, dict[str, str]]] = []
    arrows: list[tuple[str, str]] = []
    for i, node in enumerate(nodes):
        view = node._graph_view()
        fields = [_escape_record(names[i])] + [_escape_record(text) for text in _box_lines(view)]
        label = " | ".join(fields)
        # A record lays its fields out across the rank direction; braces turn it, so
        # the fields run left to right in both LR and TB drawings.
        drawn.append((f"n{i}", {"label": f"{{ {label} }}" if horizontal else label, "shape": "record"}))
        if view.op:
            drawn.append((f"n{i}_op", {"label": _escape_plain(view.op)}))
            arrows.append((f"n{i}_op", f"n{i}"))
    for parent_i, child_i, _slot in edges:
        arrows.append((f"n{parent_i}", f"n{child_i}_op"))
    return drawn, arrows


def _box_lines(view: NodeView) -> list[str]:
    if view.shape is None:  # a Python-float scalar, shown as micrograd shows it
        return [f"data {_fixed(view.data)}", f"grad {_fixed(view.grad)}"]
    dtype = f" {view.dtype}" if view.dtype else ""
    return [
        f"shape {tuple(view.shape)}{dtype}",
        f"data {_preview(view.data, 'not kept')}",
        f"grad {_preview(view.grad, 'None')}",
    ]


def _fixed(x: Any) -> str:
    return "None" if x is None else f"{float(x):.4f}"


def _preview(array: Any, missing: str) -> str:
    """A short one-line look at an array: ``[[0.1, -0.2], ...]``, cut to fit in a box."""
    if array is None:
        return missing
    import numpy as np

    array = np.asarray(array)
    if array.size == 1:
        return format_number(array.item())
    text = np.array2string(array, precision=3, threshold=6, edgeitems=2, separator=", ", max_line_width=10**6)
    text = " ".join(text.split())  # one line, however many dimensions
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 1] + "…"


def _escape_plain(text: str) -> str:
    """Text for a DOT label in double quotes: backslashes and quotes escaped, one line."""
    return " ".join(text.replace("\\", "\\\\").replace('"', '\\"').split())


def _escape_record(text: str) -> str:
    """Text for one field of a record label, where ``{ } | < >`` are structure."""
    text = _escape_plain(text)
    for special in "{}|<>":
        text = text.replace(special, "\\" + special)
    return text


# --- DOT text, no dependency ------------------------------------------------------------------


def to_dot(root: Any, rankdir: str = "LR") -> str:
    """The graph of ``root`` in Graphviz's DOT language, needing nothing installed.

    Paste it into any Graphviz viewer, or run ``dot -Tsvg graph.dot -o graph.svg``.

    >>> from chainrule import Value
    >>> a = Value(2.0, name="a"); y = a * a; y.name = "y"
    >>> print(to_dot(y))                                       # doctest: +NORMALIZE_WHITESPACE
    digraph chainrule {
      graph [rankdir="LR"]
      n0 [label="{ a | data 2.0000 | grad 0.0000 }" shape="record"]
      n1 [label="{ y | data 4.0000 | grad 0.0000 }" shape="record"]
      n1_op [label="*"]
      n1_op -> n1
      n0 -> n1_op
      n0 -> n1_op
    }
    """
    drawn, arrows = _drawing(root, rankdir)
    lines = ["digraph chainrule {", f'  graph [rankdir="{rankdir}"]']
    for name, attributes in drawn:
        attribute_text = " ".join(f'{key}="{value}"' for key, value in attributes.items())
        lines.append(f"  {name} [{attribute_text}]")
    lines.extend(f"  {tail} -> {head}" for tail, head in arrows)
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_drawing(root: Any, path: str | Path, format: str | None = None, rankdir: str = "LR") -> Path:
    """Draw ``root``'s graph into the file ``path`` and return the path.

    ``format`` ("svg", "png", "pdf", "dot", ...) defaults to the file's suffix. "dot"
    writes the DOT text and needs nothing; any other format runs Graphviz's ``dot``
    program and raises `GraphvizNotFoundError` (saying how to install it) without it.
    """
    path = Path(path)
    format = (format or path.suffix.lstrip(".") or "svg").lower()
    text = to_dot(root, rankdir=rankdir)
    if format in ("dot", "gv"):
        path.write_text(text, encoding="utf-8")
        return path
    dot = require_dot(format)
    result = subprocess.run([dot, f"-T{format}", "-o", str(path)], input=text.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's dot could not draw {path} as {format}: {message}")
    return path


# --- graphviz.Digraph, for Jupyter ------------------------------------------------------------


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR") -> Any:
    """The graph of ``root`` as a ``graphviz.Digraph``, shown inline in Jupyter.

    Each value is a box ``name | data | grad``; each op (``*``, ``+``, ``tanh``) is a small
    node feeding its result. Tensor nodes show their shape, dtype and a preview of
    data and grad. Rendering (``.render()``, ``.pipe()``, Jupyter) needs Graphviz's ``dot``
    program; without it, rendering raises `GraphvizNotFoundError` with install steps,
    and in Jupyter the drawing falls back to chainrule's HTML explorer.

    >>> import chainrule
    >>> a = chainrule.Value(2.0, name="a"); y = (a * a).tanh()
    >>> y.backward()
    >>> dot = chainrule.draw_dot(y)   # in Jupyter, the last line of a cell shows it
    >>> dot.render("y")                                        # doctest: +SKIP
    'y.svg'
    """
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "draw_dot needs the graphviz Python package: pip install 'chainrule[viz]' "
            "(or pip install graphviz). chainrule.to_dot(root) gives the DOT text without it."
        ) from error
    drawn, arrows = _drawing(root, rankdir)
    digraph = _digraph_class()(format=format, graph_attr={"rankdir": rankdir})
    digraph.chainrule_root = root
    for name, attributes in drawn:
        label = graphviz.nohtml(attributes.pop("label"))  # "<" in a label is not HTML here
        digraph.node(name, label, **attributes)
    for tail, head in arrows:
        digraph.edge(tail, head)
    return digraph


@functools.cache
def _digraph_class() -> type:
    """``graphviz.Digraph`` with clear errors and a Jupyter fallback when ``dot`` is missing.

    Built on first use, so importing this module never needs the graphviz package.
    """
    import graphviz

    class ChainruleDigraph(graphviz.Digraph):
        chainrule_root: Any = None  # the graph's output, for the HTML fallback

        def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:
            require_dot(format or self.format)
            return super().pipe(format, *args, **kwargs)

        def render(self, *args: Any, **kwargs: Any) -> Any:
            require_dot(kwargs.get("format") or self.format)
            return super().render(*args, **kwargs)

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
            if shutil.which("dot") is not None:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            return _without_graphviz_bundle(self.chainrule_root, self.source)

    return ChainruleDigraph


def _without_graphviz_bundle(root: Any, source: str) -> dict[str, str]:
    """What Jupyter shows when ``dot`` is missing: the HTML explorer, else the DOT text."""
    note = str(GraphvizNotFoundError())
    if root is not None:
        try:
            from chainrule.viz.html import repr_html
        except ImportError:
            pass
        else:
            return {"text/html": repr_html(root), "text/plain": note}
    return {"text/plain": f"{note}\n\n{source}"}
