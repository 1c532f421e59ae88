"""The 8x8 handwritten digits that scikit-learn ships (1797 images, 10 classes), without a download.

scikit-learn is an optional dependency (``pip install "chainrule[digits]"``); the file is
read straight from its package data, so scikit-learn itself is never imported.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from chainrule import dtypes
from chainrule._tensor import Tensor

MISSING_MESSAGE = (
    "the digits data set comes with scikit-learn, which is not installed: "
    'pip install "chainrule[digits]" (or pip install scikit-learn)'
)


def digits_file() -> Path:
    """Where scikit-learn keeps ``digits.csv.gz`` (ImportError with the install command if it is missing)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError(MISSING_MESSAGE)
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise ImportError(f"{MISSING_MESSAGE} (this scikit-learn has no {path})")
    return path


def load_digits(images: bool = False) -> tuple[Tensor, Tensor]:
    """``(X, y)``: pixel intensities scaled to [0, 1] and int64 labels 0-9.

    X has shape (1797, 64), or (1797, 1, 8, 8) with ``images=True`` (for Conv2d).

    >>> import chainrule as torch
    >>> X, y = torch.data.load_digits()
    >>> X.shape, y[:5].tolist()
    (torch.Size([1797, 64]), [0, 1, 2, 3, 4])
    """
    with gzip.open(digits_file(), "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    pixels = table[:, :-1] / 16.0  # intensities are 0..16
    labels = table[:, -1].astype(np.int64)
    if images:
        pixels = pixels.reshape(-1, 1, 8, 8)
    return Tensor._wrap(np.ascontiguousarray(pixels, dtype=dtypes.get_default_dtype().numpy)), Tensor._wrap(labels)
