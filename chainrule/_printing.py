"""Print tensors exactly as PyTorch does.

This is a port of ``torch/_tensor_str.py`` from PyTorch 2.13.0, restricted to
what chainrule has: dense CPU tensors backed by a NumPy array, with real
floating, integer or bool dtypes. Function names and the order of decisions
follow the original, so a difference from PyTorch can be traced line by line.

How a tensor is printed, in four steps:

1. `_Formatter` looks at the values once and picks one style for all of them:
   *integer mode* (``3.``) when every finite value is a whole number, else
   *fixed* (``3.1416``), or *scientific* (``9.0949e-13``) when the magnitudes
   span too much; and one width, so that columns line up.
2. `_summarized_data` keeps only the corners of a big tensor (more than
   ``threshold`` elements), so the formatter measures only what is shown.
3. `_tensor_str_with_formatter` writes nested brackets, one level per
   dimension, wrapping long rows at ``linewidth`` and putting ``...`` in place
   of the elided middle.
4. `_add_suffixes` appends ``dtype=``, ``grad_fn=<...>`` or
   ``requires_grad=True``, on a new line when the line would get too long.

>>> import numpy as np
>>> format_tensor(np.array([1.2607], dtype=np.float32), requires_grad=True)
'tensor([1.2607], requires_grad=True)'
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "format_tensor",
    "get_printoptions",
    "printoptions",
    "set_printoptions",
    "torch_dtype_name",
]


# --------------------------------------------------------------------------
# Print options (torch.set_printoptions)
# --------------------------------------------------------------------------


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


# One global set of options, as in PyTorch (it is not thread-local there either).
_PRINT_OPTS = _PrintOptions()

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors are printed, with the semantics of ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: more elements than this and the tensor is summarised (default 1000).
        edgeitems: items kept at each end of a summarised dimension (default 3).
        linewidth: characters per line before a row is wrapped (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``: a preset that the other
            arguments then override.
        sci_mode: force scientific notation on (True) or off (False); None lets the
            formatter choose. As in PyTorch, every call sets it, so leaving it out
            resets it to None.

    Example:
        >>> import numpy as np
        >>> set_printoptions(precision=2)
        >>> format_tensor(np.array([1.12345], dtype=np.float32))
        'tensor([1.12])'
        >>> set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions: unknown profile {profile!r}; "
                f"use one of {sorted(_PROFILES)}"
            )
        for name, value in _PROFILES[profile].items():
            setattr(_PRINT_OPTS, name, value)
    _check_option("precision", precision, minimum=0)
    _check_option("edgeitems", edgeitems, minimum=0)
    _check_option("linewidth", linewidth, minimum=1)
    if threshold is not None and not threshold >= 0:
        raise ValueError(
            f"set_printoptions: threshold must be a number >= 0 (math.inf prints "
            f"everything), got {threshold!r}"
        )

    if precision is not None:
        _PRINT_OPTS.precision = precision
    if threshold is not None:
        _PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        _PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _PRINT_OPTS.linewidth = linewidth
    _PRINT_OPTS.sci_mode = sci_mode


def _check_option(name: str, value: Any, *, minimum: int) -> None:
    # PyTorch accepts anything here and fails later, deep inside a format call;
    # failing now names the option that was wrong.
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"set_printoptions: {name} must be an integer >= {minimum}, got {value!r}"
        )


def get_printoptions() -> dict[str, Any]:
    """Return the current print options as a dict that `set_printoptions` accepts.

    Example:
        >>> get_printoptions()
        {'precision': 4, 'threshold': 1000, 'edgeitems': 3, 'linewidth': 80, 'sci_mode': None}
    """
    return dataclasses.asdict(_PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Change the print options inside a ``with`` block only.

    Example:
        >>> import numpy as np
        >>> with printoptions(precision=1):
        ...     format_tensor(np.array([3.14159]))
        'tensor([3.1], dtype=torch.float64)'
    """
    old_options = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old_options)


# --------------------------------------------------------------------------
# Dtypes: which NumPy dtype prints as which torch dtype
# --------------------------------------------------------------------------

# Keyed by (kind, itemsize) so that byte order does not matter.
_TORCH_DTYPE_NAMES: dict[tuple[str, int], str] = {
    ("f", 2): "torch.float16",
    ("f", 4): "torch.float32",
    ("f", 8): "torch.float64",
    ("i", 1): "torch.int8",
    ("i", 2): "torch.int16",
    ("i", 4): "torch.int32",
    ("i", 8): "torch.int64",
    ("u", 1): "torch.uint8",
    ("u", 2): "torch.uint16",
    ("u", 4): "torch.uint32",
    ("u", 8): "torch.uint64",
    ("b", 1): "torch.bool",
}


def torch_dtype_name(dtype: np.dtype | type) -> str:
    """The name PyTorch prints for the dtype matching a NumPy dtype.

    Example:
        >>> torch_dtype_name(np.float64)
        'torch.float64'
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise TypeError(
            f"chainrule cannot print complex tensors (got dtype {dtype}); "
            "print the real and imaginary parts separately"
        )
    name = _TORCH_DTYPE_NAMES.get((dtype.kind, dtype.itemsize))
    if name is None:
        raise TypeError(
            f"chainrule cannot print a tensor of NumPy dtype {dtype}; supported: "
            "float16, float32, float64, int8, int16, int32, int64, uint8, uint16, "
            "uint32, uint64 and bool"
        )
    return name


# --------------------------------------------------------------------------
# Step 1: one style and one width for every element
# --------------------------------------------------------------------------


class _Formatter:
    """Chooses how to write each element of one tensor, and how wide.

    The width is measured only on the values that print as numbers with
    digits: for floats, zeros, ``nan`` and ``inf`` do not count, so
    ``tensor([1.5000,    nan])`` pads ``nan`` to the width of ``1.5000``.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.floating_dtype = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        flat = values.reshape(-1)
        if not self.floating_dtype:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return

        nonzero_finite_vals = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite_vals.size == 0:
            # nothing but zeros, nan and inf: integer mode, width 1
            return

        # Measured in Python floats (doubles, as PyTorch does), so that float16
        # does not overflow at 1e8; max / min may still be inf, which counts as
        # a wide range.
        nonzero_finite_abs = np.abs(nonzero_finite_vals).astype(np.float64)
        nonzero_finite_min = float(nonzero_finite_abs.min())
        nonzero_finite_max = float(nonzero_finite_abs.max())

        self.int_mode = bool(np.all(nonzero_finite_vals == np.ceil(nonzero_finite_vals)))

        if _PRINT_OPTS.sci_mode is None:
            self.sci_mode = (
                nonzero_finite_max / nonzero_finite_min > 1000.0
                or nonzero_finite_max > 1.0e8
                or nonzero_finite_min < 1.0e-4
            )
        else:
            self.sci_mode = _PRINT_OPTS.sci_mode

        precision = _PRINT_OPTS.precision
        for value in nonzero_finite_vals.tolist():
            if self.sci_mode:
                value_width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                # "+ 1" leaves room for the "." that marks a whole float: "3."
                value_width = len(f"{value:.0f}") + 1
            else:
                value_width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, value_width)

    def width(self) -> int:
        return self.max_width

    def format(self, value: float | int | bool) -> str:
        """Write one element (a Python number), right-aligned to the common width."""
        if self.floating_dtype:
            precision = _PRINT_OPTS.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


# --------------------------------------------------------------------------
# Step 2: summarisation, keeping the corners of a big tensor
# --------------------------------------------------------------------------


def _summarized_data(data: np.ndarray) -> np.ndarray:
    """The elements that a summarised print shows, for the formatter to measure."""
    edgeitems = _PRINT_OPTS.edgeitems
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        if data.shape[0] > 2 * edgeitems:
            # With edgeitems == 0, data[-0:] is the whole vector, as in PyTorch.
            return np.concatenate((data[:edgeitems], data[-edgeitems:]))
        return data
    if not edgeitems:
        return np.empty([0] * data.ndim, dtype=data.dtype)
    if data.shape[0] > 2 * edgeitems:
        rows = [data[i] for i in range(edgeitems)]
        rows += [data[i] for i in range(len(data) - edgeitems, len(data))]
    else:
        rows = list(data)
    return np.stack([_summarized_data(row) for row in rows])


# --------------------------------------------------------------------------
# Step 3: nested brackets, line wrapping and "..."
# --------------------------------------------------------------------------


def _scalar_str(data: np.ndarray, formatter: _Formatter) -> str:
    return formatter.format(data.item())


def _vector_str(
    data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter
) -> str:
    edgeitems = _PRINT_OPTS.edgeitems
    # each element is followed by ", "
    element_length = formatter.width() + 2
    elements_per_line = max(
        1, math.floor((_PRINT_OPTS.linewidth - indent) / element_length)
    )

    if summarize and not edgeitems:
        elements = ["..."]
    elif summarize and data.shape[0] > 2 * edgeitems:
        elements = (
            [formatter.format(value) for value in data[:edgeitems].tolist()]
            + [" ..."]
            + [formatter.format(value) for value in data[-edgeitems:].tolist()]
        )
    else:
        elements = [formatter.format(value) for value in data.tolist()]

    lines = [
        ", ".join(elements[start : start + elements_per_line])
        for start in range(0, len(elements), elements_per_line)
    ]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(
    data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter
) -> str:
    if data.ndim == 0:
        return _scalar_str(data, formatter)
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, formatter)

    def row_str(row: int) -> str:
        return _tensor_str_with_formatter(data[row], indent + 1, summarize, formatter)

    edgeitems = _PRINT_OPTS.edgeitems
    if summarize and data.shape[0] > 2 * edgeitems:
        slices = (
            [row_str(row) for row in range(edgeitems)]
            + ["..."]
            + [row_str(row) for row in range(len(data) - edgeitems, len(data))]
        )
    else:
        slices = [row_str(row) for row in range(data.shape[0])]

    # Blocks of a 3-d tensor are separated by one blank line, of a 4-d by two, ...
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _tensor_str(data: np.ndarray, indent: int) -> str:
    if data.size == 0:
        return "[]"
    summarize = data.size > _PRINT_OPTS.threshold
    formatter = _Formatter(_summarized_data(data) if summarize else data)
    return _tensor_str_with_formatter(data, indent, summarize, formatter)


# --------------------------------------------------------------------------
# Step 4: "tensor(" + contents + suffixes + ")"
# --------------------------------------------------------------------------


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    tensor_strs = [tensor_str]
    # PyTorch's arithmetic, kept as is: it counts two more characters than the
    # last line has, which decides where "requires_grad=True" wraps.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _PRINT_OPTS.linewidth:
            tensor_strs.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            tensor_strs.append(", " + suffix)
            last_line_len += len(suffix) + 2
    tensor_strs.append(")")
    return "".join(tensor_strs)


def format_tensor(
    data: np.ndarray,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    default_dtype: np.dtype | type = np.float32,
) -> str:
    """Return what ``repr`` of a PyTorch tensor holding ``data`` prints.

    Args:
        data: the tensor's values; its NumPy dtype stands for the torch dtype of
            the same name (float32 for torch.float32, bool for torch.bool, ...).
        requires_grad: print ``requires_grad=True`` (only when there is no grad_fn,
            as in PyTorch).
        grad_fn_name: the class name of the tensor's ``grad_fn``, e.g.
            ``"MulBackward0"``, printed as ``grad_fn=<MulBackward0>``.
        default_dtype: the default floating dtype (``torch.get_default_dtype()``);
            like it, int64 and bool, it is not printed as a ``dtype=`` suffix.

    Example:
        >>> import numpy as np
        >>> format_tensor(np.array(-7.84, dtype=np.float32))
        'tensor(-7.8400)'
        >>> format_tensor(np.array([-8.0], dtype=np.float32), grad_fn_name="MulBackward0")
        'tensor([-8.], grad_fn=<MulBackward0>)'
        >>> format_tensor(np.zeros((0, 3), dtype=np.int64))
        'tensor([], size=(0, 3), dtype=torch.int64)'
    """
    if isinstance(data, np.generic):
        data = np.asarray(data)
    if not isinstance(data, np.ndarray):
        raise TypeError(
            f"format_tensor expects a numpy.ndarray, got {type(data).__name__}; "
            "convert it with numpy.asarray(..., dtype=...) first"
        )
    dtype_name = torch_dtype_name(data.dtype)
    default_dtype = np.dtype(default_dtype)
    if default_dtype.kind != "f":
        raise ValueError(
            f"format_tensor: default_dtype must be a floating dtype, got {default_dtype}"
        )

    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    if data.size == 0:
        # Explicitly print the shape if it is not (0,), to match NumPy.
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        # An empty tensor shows no values to guess its dtype from, so even
        # int64 and bool are named.
        if dtype_name != torch_dtype_name(default_dtype):
            suffixes.append(f"dtype={dtype_name}")
        tensor_str = "[]"
    else:
        if not _PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype_name not in _dtypes_printed_without_suffix(default_dtype):
            suffixes.append(f"dtype={dtype_name}")
        tensor_str = _tensor_str(data, indent)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + tensor_str, suffixes, indent)


def _dtypes_printed_without_suffix(default_dtype: np.dtype) -> tuple[str, ...]:
    # A value like 3 or True already says int64 or bool; 3. says the default float.
    return (torch_dtype_name(default_dtype), "torch.int64", "torch.bool")
