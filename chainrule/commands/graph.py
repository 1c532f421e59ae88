"""``chainrule graph``: build a graph from a formula, run backward, show and draw it.

    chainrule graph "L = (a*b + d)*f" a=10 b=3 d=-2 f=3

prints every node's value and gradient, the chain rule for each input, and writes the
drawing (``graph.svg``, or ``graph.dot`` without Graphviz).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chainrule.commands import CommandError, save_drawing, write_explorer

HELP = "build a graph from a formula, run backward, print the gradients and draw it"

EPILOG = """\
examples:
  chainrule graph "L = (a*b + d)*f" a=10 b=3 d=-2 f=3
  chainrule graph "c = a*b; e = c + d; L = e*f" a=10 b=3 d=-2 f=3 --output seed.svg
  chainrule graph "tanh(x1*w1 + x2*w2 + b)" x1=2 w1=-3 x2=0 w2=1 b=6.8813735870195432 --html n.html

A formula uses numbers, variable names, + - * / **, and the functions
exp log tanh sigmoid relu sqrt sin cos abs. Name steps with ';': "c = a*b; L = c + a".
"""

FORMATS = ("svg", "png", "pdf", "dot")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "graph",
        help=HELP,
        description=HELP + ".",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("expression", help='the formula, e.g. "L = (a*b + d)*f"')
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE", help="a value for each variable, e.g. a=10")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", metavar="DIR", type=Path, default=Path("."),
                       help="folder for the drawing, named graph.<format> (default: the current folder)")
    where.add_argument("--output", metavar="FILE", type=Path, help="file for the drawing (its suffix sets the format)")
    parser.add_argument("--format", choices=FORMATS,
                        help="drawing format (default: the --output suffix, else svg); dot needs no Graphviz")
    parser.add_argument("--html", metavar="FILE", type=Path, help="also write the interactive explorer page")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.expr import build_graph, parse_values
    from chainrule.viz.explain import explain, node_table

    path, format = _drawing_target(args)  # a bad --output fails before any output
    graph = build_graph(args.expression, parse_values(args.values))
    root = graph.root
    root.backward()

    print(node_table(root))
    print()
    print("The chain rule for each input (gradients are sums over paths of products of local derivatives):")
    for leaf in graph.inputs.values():
        print(explain(root, leaf))
    print()

    written, note = save_drawing(root, path, format)
    print(f"Drawing: {written}")
    if note:
        print(note)
    if args.html is not None:
        print(f"Explorer: {write_explorer(root, args.html, title=args.expression)}")
    return 0


def _drawing_target(args: argparse.Namespace) -> tuple[Path, str]:
    if args.output is None:
        format = args.format or "svg"
        return args.out / f"graph.{format}", format
    suffix = args.output.suffix.lstrip(".").lower()
    format = args.format or suffix or "svg"
    if format not in FORMATS:
        raise CommandError(f"--output {args.output}: unknown drawing format {suffix!r}; use one of {', '.join(FORMATS)}")
    return args.output, format
