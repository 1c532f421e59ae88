"""The chain rule in words: every path from an input to the output, multiplied out.

For ``L = (a*b + d) * f`` the gradient of ``L`` with respect to ``a`` is the product of
the local derivatives along the one path ``a -> c -> e -> L``; ``explain(L, a)`` says::

    dL/da = dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9

A node used twice (``x * x``, or an input feeding many neurons) is reached along
several paths, and its gradient is the *sum* of the path products. That sum is
what ``backward()`` computes, one node at a time; here it is written out.

Everything here reads a graph through the node protocol of `chainrule.graph`, so it
works for `Value` and `Tensor` graphs alike, and never changes the graph. The numbers
come from each node's local derivatives, so ``backward()`` need not have run.

On a tensor graph some numbers cannot be shown, and the explanation says which and why:
a step between tensors of several elements has a Jacobian, not a number, for its local
derivative (written ``J(2×3→scalar)``, from the input's shape to the output's), and
``backward()`` frees the values saved for the local derivatives (unless
``retain_graph=True``), which leaves ``?`` in their place. What is left is still shown:
the gradients ``backward()`` stored in ``.grad`` (of leaves, and of tensors that called
``retain_grad()``) and the values of the tensors still alive.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from chainrule.graph import NodeView, topological_order

__all__ = [
    "Step",
    "Path",
    "explain",
    "chain_paths",
    "count_paths",
    "chain_derivative",
    "path_product",
    "local_formula",
    "node_names",
    "node_table",
    "format_number",
]


# --- numbers and names, shared with the drawing so both say the same thing ---------------


def format_number(x: Any, digits: int = 4) -> str:
    """A number as a person would write it: ``3``, ``-2``, ``0.8814``, ``1.5e-07``.

    >>> format_number(9.000000000000341), format_number(-2.0), format_number(0.881373587)
    ('9', '-2', '0.8814')
    """
    value = _as_float(x)
    if value is None:
        return "?"
    if not math.isfinite(value):
        return str(value)  # 'nan', 'inf', '-inf'
    if value == 0.0:
        return "0"
    if 1e-3 <= abs(value) < 1e12:
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return f"{value:.{digits}g}"


def node_names(nodes: Sequence[Any]) -> list[str]:
    """A readable, unique name for each node, in the order given.

    A node the user named keeps its name (a second node with the same name becomes
    ``x#2``); an unnamed leaf becomes ``v1``, ``v2``...; an unnamed result is named
    after its op, ``mul1``, ``add2``, ``tanh1``. Pass the nodes in topological order
    (`chainrule.graph.topological_order`) so the drawing and the explanation agree.

    >>> from chainrule import Value
    >>> a = Value(2.0, name="a")
    >>> y = a * Value(3.0) + 1.0
    >>> node_names(topological_order(y))
    ['a', 'v1', 'mul1', 'v2', 'add1']
    """
    views = [node._graph_view() for node in nodes]
    user_names = {view.label for view in views if view.label}
    seen_labels: Counter[str] = Counter()
    counters: Counter[str] = Counter()
    names = []
    for view in views:
        if view.label:
            seen_labels[view.label] += 1
            repeat = seen_labels[view.label]
            names.append(view.label if repeat == 1 else f"{view.label}#{repeat}")
            continue
        prefix = _auto_prefix(view)
        while True:  # skip auto names the user has already taken
            counters[prefix] += 1
            candidate = f"{prefix}{counters[prefix]}"
            if candidate not in user_names:
                break
        names.append(candidate)
    return names


def _auto_prefix(view: NodeView) -> str:
    if not view.op:
        return "v"
    kind, _ = _op_kind(view.op)
    word = re.sub(r"[^a-z0-9]", "", kind.lower())
    return word if word and not word[0].isdigit() else "op"


def _as_float(x: Any) -> float | None:
    """A Python float for a number or a one-element array, else None."""
    if x is None:
        return None
    if isinstance(x, (int, float)):
        return float(x)
    if getattr(x, "size", None) == 1 and hasattr(x, "item"):
        return float(x.item())
    return None


def _as_factor(text: str) -> str:
    """Parenthesise a negative number so ``3 · (-2)`` cannot be misread."""
    return f"({text})" if text.startswith("-") else text


# --- local derivatives, written the way a student writes them -----------------------------

# Op strings as the engines spell them -> one name per rule. Tensor ops arrive as
# PyTorch's node names ("MulBackward0"), stripped of "Backward0" before the look-up.
_OP_KINDS = {
    "+": "add", "add": "add",
    "-": "sub", "sub": "sub",
    "*": "mul", "mul": "mul",
    "/": "div", "div": "div", "truediv": "div",
    "**": "pow", "pow": "pow",
    "neg": "neg",
}  # fmt: skip

# One-operand rules: the derivative of op(x) with respect to x, with x filled in.
_UNARY_RULES = {
    "neg": "-1",
    "exp": "exp({x})",
    "log": "1/{x}",
    "tanh": "1 - tanh({x})²",
    "sigmoid": "σ({x})·(1 - σ({x}))",
    "sqrt": "1/(2·sqrt({x}))",
    "sin": "cos({x})",
    "cos": "-sin({x})",
    "abs": "sign({x})",
}


def _op_kind(op: str) -> tuple[str, str | None]:
    """``(kind, exponent)``: ``"**2"`` -> ``("pow", "2")``, ``"MulBackward0"`` -> ``("mul", None)``."""
    text = op.strip()
    if text.startswith("**") and text[2:]:  # micrograd spells x**2 as the op "**2"
        return "pow", text[2:]
    text = re.sub(r"Backward\d*$", "", text).lower()
    return _OP_KINDS.get(text, text), None


def local_formula(node: Any, slot: int, ref: Callable[[Any], str]) -> str:
    """d(node)/d(parent number ``slot``) as a formula, with operands written by ``ref``.

    ``ref(operand)`` gives the operand's name, or its value when it has none.
    """
    view = node._graph_view()
    parents = node._graph_parents()
    kind, exponent = _op_kind(view.op)
    x = ref(parents[slot])
    if kind == "sub" and len(parents) == 1:
        kind = "neg"
    if kind == "add":
        return "1"
    if kind in ("sub", "mul", "div") and len(parents) != 2:
        # a tensor op with a constant operand: the constant is not in the graph
        return f"∂{kind}/∂{x}"
    if kind == "sub":
        return "1" if slot == 0 else "-1"
    if kind == "mul":
        return ref(parents[1 - slot])  # x * x: the other operand is x itself
    if kind == "div":
        top, bottom = ref(parents[0]), ref(parents[1])
        return f"1/{bottom}" if slot == 0 else f"-{top}/{bottom}²"
    if kind == "pow":
        return _pow_formula(parents, slot, exponent, ref)
    if kind == "relu":
        return f"1 [{x} > 0]" if _positive(parents[slot]) else f"0 [{x} ≤ 0]"
    if kind in _UNARY_RULES:
        return _UNARY_RULES[kind].format(x=x)
    return f"∂{kind}/∂{x}"


def _pow_formula(parents: Sequence[Any], slot: int, exponent: str | None, ref: Callable) -> str:
    base = ref(parents[0])
    if len(parents) == 2:  # v ** w, both in the graph
        power = ref(parents[1])
        return f"{power}·{base}^({power} - 1)" if slot == 0 else f"{base}^{power}·log({base})"
    if exponent is None:
        return f"n·{base}^(n-1)"
    try:
        n = float(exponent)
    except ValueError:
        return f"{exponent}·{base}^({exponent} - 1)"
    lowered = n - 1
    if lowered == 0:
        return "1"
    if lowered == 1:
        return f"{exponent}·{base}"
    if lowered == 2:
        return f"{exponent}·{base}²"
    return f"{exponent}·{base}^{format_number(lowered)}"


def _positive(node: Any) -> bool:
    value = _as_float(node._graph_view().data)
    return value is not None and value > 0


# --- paths ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One edge of a path, walked from the output towards the input.

    ``local`` is d(child)/d(parent) as a float (None when there is no number: see
    ``unavailable``); ``formula`` is the same derivative written symbolically (``"b"``,
    ``"1"``, ``"1 - tanh(x)²"``).
    """

    child: Any
    parent: Any
    slot: int  # the parent's operand position in the child (x * x: slots 0 and 1)
    child_name: str
    parent_name: str
    local: float | None
    formula: str
    # Why `local` is None: "jacobian" (a step between tensors of several elements),
    # "freed" (backward() has released what it is computed from) or "unknown".
    unavailable: str | None = None

    @property
    def symbol(self) -> str:
        """``"de/dc"``: the derivative this step stands for."""
        return f"d{self.child_name}/d{self.parent_name}"


Path = list[Step]  # from the root down to the leaf


def path_product(path: Path) -> float | None:
    """The product of the local derivatives along a path (None if one is not a number)."""
    product = 1.0
    for step in path:
        if step.local is None:
            return None
        product *= step.local
    return product


class _IndexedGraph:
    """The nodes of one graph with their names, looked up by identity."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.nodes = topological_order(root)
        self.names = node_names(self.nodes)
        self.index = {id(node): i for i, node in enumerate(self.nodes)}
        self._locals: dict[int, tuple] = {}
        self.unavailable: dict[str, str] = {}  # derivative symbol -> why it has no number

    def find(self, leaf: Any) -> int:
        """The index of ``leaf`` (a node or a name), or a ValueError naming the choices."""
        if isinstance(leaf, str):
            if leaf in self.names:
                return self.names.index(leaf)
            raise ValueError(
                f"no node named {leaf!r} in the graph of {self.names[-1]}; "
                f"its nodes are: {', '.join(self.names)}"
            )
        i = self.index.get(id(leaf))
        if i is None:
            leaves = ", ".join(self.names[i] for i in self.leaf_indices())
            raise ValueError(
                f"{leaf!r} is not in the graph of {self.names[-1]} (it is not one of the nodes "
                f"{self.names[-1]} was computed from); the graph's leaves are: {leaves}"
            )
        return i

    def leaf_indices(self) -> list[int]:
        return [i for i, node in enumerate(self.nodes) if not node._graph_parents()]

    def local_derivatives(self, i: int) -> tuple:
        if i not in self._locals:
            self._locals[i] = tuple(self.nodes[i]._graph_local_derivatives())
        return self._locals[i]

    def ref(self, node: Any) -> str:
        """How a formula mentions an operand: its own name, else its value."""
        view = node._graph_view()
        if view.label:
            return view.label
        value = _as_float(view.data) if view.shape in (None, ()) else None
        if value is None:
            return self.names[self.index[id(node)]]
        return _as_factor(format_number(value))

    def depends_on(self, leaf_i: int) -> list[bool]:
        """For each node, whether it was computed (directly or not) from node ``leaf_i``."""
        reaches = [False] * len(self.nodes)
        reaches[leaf_i] = True
        for i in range(leaf_i + 1, len(self.nodes)):  # parents come before children
            reaches[i] = any(reaches[self.index[id(p)]] for p in self.nodes[i]._graph_parents())
        return reaches

    def step(self, child_i: int, slot: int) -> Step:
        child = self.nodes[child_i]
        parent = child._graph_parents()[slot]
        local = _as_float(self.local_derivatives(child_i)[slot])
        step = Step(
            child=child,
            parent=parent,
            slot=slot,
            child_name=self.names[child_i],
            parent_name=self.names[self.index[id(parent)]],
            local=local,
            formula=local_formula(child, slot, self.ref),
            unavailable=None if local is not None else _why_no_number(child, parent),
        )
        if step.unavailable is not None:
            self.unavailable.setdefault(step.symbol, step.unavailable)
        return step


def _why_no_number(child: Any, parent: Any) -> str:
    if not (_one_element(child) and _one_element(parent)):
        return "jacobian"
    return "freed" if _released(child) else "unknown"


def _released(node: Any) -> bool:
    """Whether backward() has dropped the values saved for ``node``'s local derivatives.

    The tensor engine marks the grad_fn node (a tensor's, or the node standing in for a
    freed tensor) when it does (chainrule.autograd.node.Node.release).
    """
    return bool(getattr(getattr(node, "grad_fn", node), "_released", False))


def _one_element(node: Any) -> bool:
    shape = node._graph_view().shape
    return shape is None or math.prod(shape) == 1


def chain_paths(root: Any, leaf: Any, limit: int | None = 1000) -> list[Path]:
    """Every path from ``leaf`` up to ``root``, each as the steps from ``root`` down to ``leaf``.

    ``leaf`` is a node of the graph or its display name. At most ``limit`` paths are
    returned (graphs with shared nodes can have exponentially many; `count_paths` says
    how many there are). The gradient d(root)/d(leaf) is the sum of the path products.

    >>> from chainrule import Value
    >>> a, b = Value(10.0, name="a"), Value(3.0, name="b")
    >>> c = a * b; c.name = "c"
    >>> L = c * c; L.name = "L"
    >>> [[step.symbol for step in path] for path in chain_paths(L, a)]
    [['dL/dc', 'dc/da'], ['dL/dc', 'dc/da']]
    >>> [path_product(path) for path in chain_paths(L, a)]
    [90.0, 90.0]
    """
    graph = _IndexedGraph(root)
    return _paths(graph, graph.find(leaf), limit)


def _paths(graph: _IndexedGraph, leaf_i: int, limit: int | None) -> list[Path]:
    root_i = len(graph.nodes) - 1
    if leaf_i == root_i:
        return [[]]  # d(root)/d(root) = 1: one path with no steps
    reaches = graph.depends_on(leaf_i)

    def slots_towards_leaf(child_i: int):
        for slot, parent in enumerate(graph.nodes[child_i]._graph_parents()):
            parent_i = graph.index[id(parent)]
            if reaches[parent_i]:
                yield slot, parent_i

    # Depth-first without recursion, so a chain of a million nodes is fine.
    paths: list[Path] = []
    steps: Path = []
    stack = [slots_towards_leaf(root_i)]
    child_of_frame = [root_i]
    while stack:
        following = next(stack[-1], None)
        if following is None:
            stack.pop()
            child_of_frame.pop()
            if steps:
                steps.pop()
            continue
        slot, parent_i = following
        steps.append(graph.step(child_of_frame[-1], slot))
        if parent_i == leaf_i:
            paths.append(list(steps))
            steps.pop()
            if limit is not None and len(paths) >= limit:
                break
        else:
            stack.append(slots_towards_leaf(parent_i))
            child_of_frame.append(parent_i)
    return paths


def count_paths(root: Any, leaf: Any) -> int:
    """How many paths lead from ``leaf`` to ``root`` (counted, not listed)."""
    graph = _IndexedGraph(root)
    return _count_paths(graph, graph.find(leaf))


def _count_paths(graph: _IndexedGraph, leaf_i: int) -> int:
    counts = [0] * len(graph.nodes)
    counts[leaf_i] = 1
    for i in range(leaf_i + 1, len(graph.nodes)):
        counts[i] = sum(counts[graph.index[id(p)]] for p in graph.nodes[i]._graph_parents())
    return counts[-1]


def chain_derivative(root: Any, leaf: Any) -> float | None:
    """d(root)/d(leaf), summed over all paths at once (reverse accumulation).

    The same number ``backward()`` puts in ``leaf.grad`` (on a fresh graph), computed
    from the local derivatives without touching any ``grad``. None for tensor graphs
    whose local derivatives are Jacobians, or were freed by ``backward()``.
    """
    graph = _IndexedGraph(root)
    return _chain_derivative(graph, graph.find(leaf))


def _chain_derivative(graph: _IndexedGraph, leaf_i: int) -> float | None:
    reaches = graph.depends_on(leaf_i)
    adjoint = [0.0] * len(graph.nodes)
    adjoint[-1] = 1.0
    for i in range(len(graph.nodes) - 1, leaf_i, -1):
        if not reaches[i]:
            continue
        parents = graph.nodes[i]._graph_parents()
        for slot, parent in enumerate(parents):
            parent_i = graph.index[id(parent)]
            if not reaches[parent_i]:
                continue
            local = _as_float(graph.local_derivatives(i)[slot])
            if local is None:
                return None
            adjoint[parent_i] += adjoint[i] * local
    return adjoint[leaf_i]


# --- the text -------------------------------------------------------------------------------

_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def node_table(root: Any) -> str:
    """Every node of the graph, inputs first, as an aligned table of value and gradient.

    >>> from chainrule import Value
    >>> a, b = Value(10.0, name="a"), Value(3.0, name="b")
    >>> c = a * b; c.name = "c"
    >>> c.backward()
    >>> print(node_table(c))
    node  op  computed as  value  grad
    a                         10     3
    b                          3    10
    c     *   a * b           30     1
    """
    graph = _IndexedGraph(root)
    rows = [("node", "op", "computed as", "value", "grad")]
    for node, name in zip(graph.nodes, graph.names):
        view = node._graph_view()
        parents = [graph.names[graph.index[id(p)]] for p in node._graph_parents()]
        rows.append((name, view.op, _definition(view.op, parents), _cell(view.data), _cell(view.grad)))
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = []
    for row in rows:
        left = [text.ljust(width) for text, width in zip(row[:3], widths)]
        right = [text.rjust(width) for text, width in zip(row[3:], widths[3:])]
        lines.append("  ".join(left + right).rstrip())
    return "\n".join(lines)


def _definition(op: str, parents: list[str]) -> str:
    """How a node was computed, in the names of its parents: ``a * b``, ``tanh(e)``, ``x**2``."""
    if not parents:
        return ""
    kind, exponent = _op_kind(op)
    if exponent is not None:
        return f"{parents[0]}**{exponent}"
    if len(parents) == 2 and kind in _SYMBOLS:
        return f"{parents[0]} {_SYMBOLS[kind]} {parents[1]}"
    if kind in ("neg", "sub") and len(parents) == 1:
        return f"-{parents[0]}"
    return f"{op}({', '.join(parents)})"


def _cell(x: Any) -> str:
    """A table cell: a compact number, or an array's shape."""
    if x is None:
        return "-"
    value = _as_float(x)
    if value is not None:
        return format_number(value, digits=6)
    return f"shape {tuple(getattr(x, 'shape', ()))}"


def explain(root: Any, leaf: Any = None, max_paths: int = 20) -> str:
    """The chain rule for d(root)/d(leaf), written out path by path, with the numbers.

    ``leaf`` is a node of ``root``'s graph or its name; None explains every leaf.
    Each path is a product of local derivatives, shown three ways: as derivatives
    (``dL/de · de/dc · dc/da``), as formulas (``f · 1 · b``) and as numbers
    (``3 · 1 · 3``). When several paths lead to the leaf, their sum is the gradient.
    At most ``max_paths`` paths are listed; the sum always covers all of them.

    A factor with no number is written ``J(...)`` (a tensor Jacobian, by its shapes) or
    ``?`` (``backward()`` freed what it is computed from), and the last lines say why
    and what is still known: ``.grad`` and the values of tensors still alive.

    >>> from chainrule import Value
    >>> a, b = Value(10.0, name="a"), Value(3.0, name="b")
    >>> c = a * b; c.name = "c"
    >>> print(explain(c, a))
    dc/da = b = 3
    """
    graph = _IndexedGraph(root)
    targets = graph.leaf_indices() if leaf is None else [graph.find(leaf)]
    lines = [_explain_one(graph, i, max_paths) for i in targets]
    return "\n".join(lines + _notes(graph))


def _explain_one(graph: _IndexedGraph, leaf_i: int, max_paths: int) -> str:
    root_name, leaf_name = graph.names[-1], graph.names[leaf_i]
    gradient = f"d{root_name}/d{leaf_name}"
    if leaf_i == len(graph.nodes) - 1:
        return f"{gradient} = 1 (the output's gradient with respect to itself)"
    paths = _paths(graph, leaf_i, max_paths)
    if len(paths) == 1:
        equation = _path_equation(paths[0])
        # a one-step path is the gradient itself: "dL/df = e = 28", not "dL/df = dL/df = ..."
        line = equation if len(paths[0]) == 1 else f"{gradient} = {equation}"
        if path_product(paths[0]) is not None:
            return line
        stored, hint = _from_backward(graph, leaf_i)
        return "\n".join([line] + [f"  {gradient} = {text}" for text in [stored] if text] + [hint] * bool(hint))

    total_paths = _count_paths(graph, leaf_i)
    lines = [f"{gradient}: {total_paths} paths lead from {leaf_name} to {root_name}; "
             "the gradient is the sum of their products."]
    for k, path in enumerate(paths, start=1):
        lines.append(f"  path {k}: {_path_equation(path)}")
    total = _chain_derivative(graph, leaf_i)
    if len(paths) < total_paths:
        unlisted = total_paths - len(paths)
        lines.append(f"  ... and {unlisted} more path{'s' if unlisted > 1 else ''}, not listed")
    if total is None:
        stored, hint = _from_backward(graph, leaf_i)
        lines.append(f"  {gradient} = the sum of the {total_paths} path products" + (f" = {stored}" if stored else ""))
        lines += [hint] * bool(hint)
    elif len(paths) < total_paths:
        lines.append(f"  {gradient} = sum over all {total_paths} paths = {format_number(total)}")
    else:
        products = [path_product(path) for path in paths]
        terms = " + ".join(_as_factor(format_number(p)) for p in products)
        lines.append(f"  {gradient} = {terms} = {format_number(total)}")
    return "\n".join(lines)


def _path_equation(path: Path) -> str:
    """``dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9``, with repeated forms left out."""
    symbols = " · ".join(step.symbol for step in path)
    formulas = " · ".join(_as_formula_factor(step.formula) for step in path)
    numbers = " · ".join(_number_text(step) for step in path)
    product = path_product(path)
    parts = [symbols, formulas, numbers] + ([format_number(product)] if product is not None else [])
    kept = [part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1]]
    return " = ".join(kept)


def _number_text(step: Step) -> str:
    if step.local is not None:
        return _as_factor(format_number(step.local))
    if step.unavailable == "jacobian":
        return f"J({_shape_text(step.parent)}→{_shape_text(step.child)})"
    return "?"


def _shape_text(node: Any) -> str:
    shape = node._graph_view().shape
    return "×".join(str(n) for n in shape) if shape else "scalar"


def _from_backward(graph: _IndexedGraph, node_i: int) -> tuple[str | None, str | None]:
    """For a gradient the paths give no number for: what backward() stored for it
    (``"w.grad = 3 (what backward() stored)"``), or a line saying why nothing is there."""
    node, name = graph.nodes[node_i], graph.names[node_i]
    grad = node._graph_view().grad
    if grad is not None:
        return f"{name}.grad = {_value_text(grad)} (what backward() stored)", None
    if node._graph_parents() and any(_released(n) for n in graph.nodes):
        return None, (f"  ({name}.grad was not kept: backward() keeps the gradient of a computed tensor "
                      f"only after {name}.retain_grad())")
    return None, None


def _notes(graph: _IndexedGraph) -> list[str]:
    """Why some factors have no number, once per explanation; then what is still known."""
    missing: dict[str, list[str]] = {}
    for symbol, why in graph.unavailable.items():
        missing.setdefault(why, []).append(symbol)
    notes = []
    if "jacobian" in missing:
        notes.append("J(in→out): a tensor op's local derivative is a Jacobian, one partial derivative per "
                     "element of its output and input, not one number; backward() multiplies the upstream "
                     "gradient by it without forming it.")
    if "freed" in missing:
        notes.append(f"?: backward() freed the values saved for {', '.join(missing['freed'])}; call "
                     "backward(retain_graph=True), or explain before backward(), to see these numbers.")
        notes.append(_still_known(graph))
    if "unknown" in missing:
        notes.append(f"?: no number for {', '.join(missing['unknown'])}: the op could not evaluate its "
                     "local derivative (was a value it saved modified in place?)")
    return notes


def _still_known(graph: _IndexedGraph) -> str:
    """The values (and gradients) of the graph's tensors that are still alive."""
    known, gone = [], []
    for node, name in zip(graph.nodes, graph.names):
        view = node._graph_view()
        if view.data is None:
            gone.append(name)
            continue
        text = f"{name} = {_value_text(view.data)}" if _one_element(node) else f"{name} ({_shape_text(node)})"
        if view.grad is not None and _one_element(node):
            text += f" (grad {_value_text(view.grad)})"
        if getattr(node, "_version", 0):
            text += " (modified in place since it was made)"
        known.append(text)
    line = f"Still known: {', '.join(known)}."
    if gone:
        line += f" Freed with the graph (no tensor refers to them): {', '.join(gone)}."
    return line


def _value_text(x: Any) -> str:
    """A number, or an array on one line (elided in the middle when large)."""
    value = _as_float(x)
    if value is not None:
        return format_number(value)
    import numpy as np

    text = np.array2string(np.asarray(x), precision=4, threshold=12, edgeitems=2, separator=", ")
    return " ".join(text.split())


def _as_formula_factor(formula: str) -> str:
    """Bracket a formula with a sum in it, so ``3 · (1 - tanh(x)²)`` multiplies the whole."""
    if formula.startswith("-") or " - " in formula or " + " in formula:
        return f"({formula})"
    return formula
