"""``chainrule tour``: the micrograd walk-through's lessons, run and explained.

Five short lessons in the walk-through's order, each with its numbers and a picture:
the graph of ``L = (a*b + d)*f``, derivatives by nudging an input (the seed's
``deriv()``), the chain rule by hand with ``_backward()``, ``backward()``, and a neuron.
"""

from __future__ import annotations

import argparse
import inspect
import textwrap
from pathlib import Path
from typing import Any

from chainrule.commands import save_drawing, write_explorer

HELP = "walk through the chain rule on the micrograd lesson's graph, with numbers and pictures"

H = 0.001  # the walk-through's nudge
NEURON_SEED = 1  # numpy seed for the neuron's weights, so every tour shows the same numbers
NEURON_INPUTS = (1.0, -3.4, 2.4)  # the walk-through's x


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tour", help=HELP, description=HELP + ".")
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path("chainrule-tour"),
                        help="folder for the pictures (default: ./chainrule-tour)")
    parser.add_argument("--html", action="store_true",
                        help="also write an interactive explorer page per lesson")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    tour = _Tour(args.out, args.html)
    print("chainrule tour: how gradients flow back through a graph, after the micrograd walk-through.")
    for lesson in (lesson_graph, lesson_nudging, lesson_by_hand, lesson_backward, lesson_neuron):
        print()
        lesson(tour)
    tour.finish()
    return 0


class _Tour:
    """Where the pictures go, and what has been written so far."""

    def __init__(self, out: Path, html: bool) -> None:
        self.out = out
        self.html = html
        self.files: list[Path] = []
        self.note: str | None = None

    def heading(self, number: int, title: str) -> None:
        print(f"{number}. {title}")
        print("-" * (len(title) + len(str(number)) + 2))

    def say(self, text: str) -> None:
        print(inspect.cleandoc(text))  # lines broken by hand, so no formula is split

    def show(self, text: str) -> None:
        print(textwrap.indent(text, "    "))

    def picture(self, root: Any, stem: str, title: str, page: bool = True, announce: bool = True) -> Path:
        """Draw ``root`` now (and with --html and ``page``, write its explorer page); say where."""
        written, note = save_drawing(root, self.out / f"{stem}.svg")
        self.files.append(written)
        self.note = self.note or note
        where = [str(written)]
        if self.html and page:
            page = write_explorer(root, self.out / f"{stem}.html", title=title)
            self.files.append(page)
            where.append(f"{page} (open it in a browser and press step)")
        if announce:
            print("Picture: " + ", ".join(where))
        return written

    def finish(self) -> None:
        print()
        names = ", ".join(path.name for path in self.files)
        print(f"The pictures are in {self.out.resolve()}: {names}")
        if self.note:
            print(self.note.split(", so ")[0] + ", so the pictures were written as .dot text.")
            print("Install Graphviz (apt-get install graphviz) and turn one into a picture with:")
            print(f"    dot -Tsvg {self.files[0]} -o {self.files[0].with_suffix('.svg')}")


def seed_graph(nudge: str | None = None, h: float = H) -> dict[str, Any]:
    """The walk-through's graph ``L = (a*b + d)*f``, with ``h`` added to node ``nudge``.

    The nudge goes where the walk-through's ``deriv()`` puts it: into a leaf's starting
    value, or into an inner node's ``data`` right after it is computed.
    """
    from chainrule.scalar.value import Value

    def bump(name: str) -> float:
        return h if name == nudge else 0.0

    a = Value(10.0 + bump("a"), name="a")
    b = Value(3.0 + bump("b"), name="b")
    c = a * b; c.name = "c"  # fmt: skip
    c.data = c.data + bump("c")
    d = Value(-2.0 + bump("d"), name="d")
    e = c + d; e.name = "e"  # fmt: skip
    e.data = e.data + bump("e")
    f = Value(3.0 + bump("f"), name="f")
    L = e * f; L.name = "L"  # fmt: skip
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": L}


def _grads(nodes: dict[str, Any], names: str) -> str:
    from chainrule.viz.explain import format_number

    return ", ".join(f"{name}.grad = {format_number(nodes[name].grad)}" for name in names.split())


def lesson_graph(tour: _Tour) -> None:
    from chainrule.viz.explain import node_table

    tour.heading(1, "A graph of values: L = (a*b + d)*f")
    g = seed_graph()
    tour.say("""Each Value remembers the op that made it and the Values it came from, so
        computing L with a=10, b=3, d=-2, f=3 also builds a graph:
        c = a*b, e = c + d, L = e*f. No gradients yet: every grad is 0.""")
    tour.show(node_table(g["L"]))
    tour.picture(g["L"], "1-graph", "1. The graph of L = (a*b + d)*f")


def lesson_nudging(tour: _Tour) -> None:
    tour.heading(2, "Derivatives by nudging")
    tour.say(f"""How much does L change when a changes a little? Add h = {H} to a,
        compute L again, and divide the change by h. This is the definition of the
        derivative, (L(a+h) - L(a)) / h, with a small h instead of h -> 0:""")
    base = seed_graph()["L"].data
    lines = []
    for name in "a e f c".split():
        nudged = seed_graph(nudge=name)["L"].data
        lines.append(f"dL/d{name} ~ (L({name}+h) - L({name})) / h = {(nudged - base) / H!r}")
    tour.show("\n".join(lines))
    tour.say("""Almost 9, 3, 28 and 3: the last digits are off because h is not infinitely
        small and floats round. Nudging needs one more forward pass per input;
        backpropagation gets every derivative exactly, in one backward pass.""")


def lesson_by_hand(tour: _Tour) -> None:
    from chainrule.viz.explain import explain

    tour.heading(3, "The chain rule by hand, one _backward() at a time")
    g = seed_graph()
    tour.say("""Start at the output: dL/dL = 1, so L.grad = 1. Each node's _backward()
        passes its gradient to its parents, times the local derivative:
            parent.grad += d(node)/d(parent) * node.grad
        The local derivatives are f and e for L = e*f, 1 and 1 for e = c + d,
        and b and a for c = a*b. Calling _backward() from L back to the inputs:""")
    steps = [("L.grad = 1.0; L._backward()", "L", "e f"),
             ("e._backward()", "e", "c d"),
             ("c._backward()", "c", "a b")]  # fmt: skip
    g["L"].grad = 1.0
    for step, (code, node, changed) in enumerate(steps):
        g[node]._backward()
        # one picture per step, as the walk-through redraws the graph after each call
        is_last = step == len(steps) - 1
        drawn = tour.picture(g["L"], f"3{'abc'[step]}-after-{node}", "3. Gradients by hand",
                             page=is_last, announce=False)  # fmt: skip
        tour.show(f"{code:<29} ->  {_grads(g, changed):<26} (picture: {drawn.name})")
    tour.say("""Multiplying the local derivatives along the way from an input to L is the
        chain rule. Written out for every input:""")
    tour.show(explain(g["L"]))


def lesson_backward(tour: _Tour) -> None:
    tour.heading(4, "backward() does it all")
    g = seed_graph()
    g["L"].backward()
    tour.say("""backward() puts the nodes in topological order (each after the nodes it
        was computed from) and does the same step for each, from L back to the inputs:""")
    tour.show("L.backward()  ->  " + _grads(g, "a b c d e f"))
    tour.say("""The same numbers as by hand, and what nudging approximated in lesson 2.""")
    tour.picture(g["L"], "4-backward", "4. L.backward()")


def lesson_neuron(tour: _Tour) -> None:
    import numpy as np

    from chainrule.scalar.nn import Neuron
    from chainrule.scalar.value import Value
    from chainrule.viz.explain import explain, format_number

    tour.heading(5, "A neuron")
    state = np.random.get_state()
    try:
        np.random.seed(NEURON_SEED)
        neuron = Neuron(3, nonlin=False)
    finally:
        np.random.set_state(state)  # the tour leaves the caller's random numbers alone
    x = [Value(v, name=f"x{i}") for i, v in enumerate(NEURON_INPUTS, start=1)]
    for i, w in enumerate(neuron.w, start=1):
        w.name = f"w{i}"
    neuron.b.name = "b"
    y = neuron(x)
    y.name = "y"
    y.backward()
    weights = ", ".join(format_number(w.data) for w in neuron.w)
    tour.say(f"""Neuron(3, nonlin=False) computes y = w1*x1 + w2*x2 + w3*x3 + b,
        with random weights (numpy's seed {NEURON_SEED}) and the walk-through's inputs:""")
    tour.show("\n".join([
        f"x = {list(NEURON_INPUTS)}",
        f"w = [{weights}], b = {format_number(neuron.b.data)}",
        f"y = {format_number(y.data)}",
    ]))  # fmt: skip
    tour.say("After y.backward():")
    tour.show("\n".join([
        ", ".join(f"dy/d{w.name} = {format_number(w.grad)}" for w in neuron.w) + ", dy/db = "
        + format_number(neuron.b.grad),
        ", ".join(f"dy/d{xi.name} = {format_number(xi.grad)}" for xi in x),
    ]))  # fmt: skip
    tour.say("""Each weight's gradient is its input, and each input's gradient is its
        weight: the local derivatives of a product. Training moves every weight a little
        against its gradient to make a loss smaller. The chain rule for w1:""")
    tour.show(explain(y, neuron.w[0]))
    tour.picture(y, "5-neuron", "5. A neuron: y = w·x + b")
