"""What both engines share: the node protocol and an iterative topological order.

Drawing (`chainrule.viz`), chain-rule explanations (`chainrule.explain`) and the
interactive explorer are written once, against this small protocol, and work for
`Value` graphs and `Tensor` graphs alike.

A *graph node* is any object with three methods:

``_graph_parents() -> tuple``
    the nodes it was computed from, in operand order and with repeats
    (``x * x`` has the parents ``(x, x)``).
``_graph_view() -> NodeView``
    what to show about it: op, name, data, grad, shape, dtype.
``_graph_local_derivatives() -> tuple``
    for each parent, d(node)/d(parent) as a Python float when both are scalars,
    else ``None`` (a Jacobian is shown by its shape instead of a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable


@dataclass(frozen=True)
class NodeView:
    """A read-only description of one node, for drawings and explanations."""

    op: str  # "" for a leaf, else the op symbol or name ("*", "tanh", "MulBackward0")
    label: str  # the user's name for it ("a", "L"), or ""
    data: Any  # a float for scalars, an ndarray (or None when freed) for tensors
    grad: Any  # same kinds as data; None when no gradient has reached it
    shape: tuple | None = None  # None for Python-float scalars
    dtype: str | None = None
    is_leaf: bool = False


def parents_of(node: Any) -> tuple:
    return node._graph_parents()


def topological_order(root: Any, parents: Callable[[Any], Iterable[Any]] = parents_of) -> list:
    """Every node reachable from ``root``, each after all of its parents (leaves first).

    Iterative depth-first search, so a chain of a million nodes needs no recursion
    (micrograd's recursive ``build_topo`` dies near depth 1000).
    """
    order: list = []
    visited: set[int] = {id(root)}
    # Each stack entry is (node, iterator over its not-yet-visited parents).
    stack = [(root, iter(parents(root)))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, iter(parents(parent))))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def graph_edges(root: Any) -> tuple[list, list[tuple[int, int, int]]]:
    """The nodes in topological order and the edges ``(parent_index, child_index, slot)``.

    ``slot`` is the operand position of the parent in the child, so ``x * x`` gives two
    edges from ``x``: slot 0 and slot 1.
    """
    nodes = topological_order(root)
    index = {id(n): i for i, n in enumerate(nodes)}
    edges = []
    for child_i, node in enumerate(nodes):
        for slot, parent in enumerate(node._graph_parents()):
            edges.append((index[id(parent)], child_i, slot))
    return nodes, edges
