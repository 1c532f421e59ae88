"""The ``chainrule`` program: ``chainrule tour``, ``chainrule graph ...``.

Each subcommand is a module in `chainrule.commands` with a ``register(subparsers)``
function; adding a command is one more name in `COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from chainrule import __version__
from chainrule.commands import CommandError
from chainrule.expr import ExpressionError

# chainrule.commands.<name>, in the order `chainrule --help` lists them
COMMANDS = ("tour", "graph", "train", "predict")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="Automatic differentiation you can learn from: see the chain rule at work.",
        epilog="Run 'chainrule COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"chainrule.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program with ``argv`` (default: the command line) and return its exit code.

    Bad input (an unknown variable, a formula that is not allowed) is one line on
    stderr and exit code 2, as for argparse's own usage errors.

    >>> main(["graph", "y = x*x", "x=3", "--format", "dot"])   # doctest: +SKIP
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (CommandError, ExpressionError) as error:
        print(f"chainrule {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a folder that cannot be written, a disk that is full
        print(f"chainrule {args.command}: error: {error}", file=sys.stderr)
        return 1
