"""The subcommands of the ``chainrule`` program, one module each.

Each module has ``register(subparsers)``, which adds its parser and sets ``run`` to
the function that does the work; `chainrule.cli` lists the modules. What they share
lives here: the error for bad input, and writing a drawing with or without Graphviz.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class CommandError(Exception):
    """Bad input from the user: printed as one line on stderr, exit code 2, no traceback."""


def save_drawing(root: Any, path: Path, format: str = "svg") -> tuple[Path, str | None]:
    """Draw ``root`` into ``path`` and return ``(written path, note)``.

    Without Graphviz's ``dot`` program, the DOT text goes to ``path`` with the suffix
    ``.dot`` instead, and the note says so and how to get the picture.
    """
    from chainrule.viz.dot import GraphvizNotFoundError, write_drawing

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return write_drawing(root, path, format=format), None
    except GraphvizNotFoundError:
        dot_path = write_drawing(root, path.with_suffix(".dot"), format="dot")
        note = (
            f"Graphviz's `dot` program is not installed, so {dot_path} holds the DOT text instead "
            f"of a {format} picture. Install Graphviz (apt-get install graphviz, brew install "
            f"graphviz or conda install -c conda-forge graphviz), then run: "
            f"dot -T{format} {dot_path} -o {path}"
        )
        return dot_path, note


def write_explorer(root: Any, path: Path, title: str) -> Path:
    """Write the interactive HTML explorer page of ``root``'s graph to ``path``."""
    from chainrule.viz.html import explore

    path.parent.mkdir(parents=True, exist_ok=True)
    explore(root, path=path, title=title)
    return path
