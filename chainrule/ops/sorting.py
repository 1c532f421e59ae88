"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode,
unique, nonzero, argwhere, count_nonzero, searchsorted and bucketize.

The ops that return values *picked* from the input (sort, topk, kthvalue, median with a
dim, mode) are one op, `Pick`: its derivative sends each output's gradient back to the
position that value was picked from, and zeros everywhere else (PyTorch's
``value_selecting_reduction_backward``). Which position is picked where values tie
follows PyTorch's CPU kernels exactly: where their C++ algorithm is not stable, rows with
ties replay it (`chainrule.ops._tie_order`). NaN counts as the largest value, as in PyTorch.

The rest return indices or counts: integers, no gradient.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.ops import _tie_order
from chainrule.ops._operands import promote
from chainrule.ops.index import scatter, scatter_add
from chainrule.ops.reduce import _ExtremeShared, _return_type, normalize_dims, return_types, scalar_type_name
from chainrule._tensor import Tensor, _normalize_dim, register_function, tensor_method

for _op in ("sort", "topk", "kthvalue", "median", "nanmedian", "mode"):
    setattr(return_types, _op, _return_type(_op))


# ---------------------------------------------------------------------------------------
# Pick: values taken from the input at known positions


class Pick(Op):
    """The elements of ``x`` at ``index`` along ``axis``; the gradient goes back to those places.

    ``index`` has ``x``'s number of dimensions; ``keepdim=False`` drops ``axis`` from the
    result (a reduction such as kthvalue). ``accumulate`` adds gradients that meet at one
    place (cummax picks one element many times). Each op has its own subclass (`pick`), so
    the node is named as PyTorch's (``SortBackward0``) and drawings say "sort".
    """

    def forward(self, x, index, axis, keepdim, accumulate=False):
        self.index, self.axis, self.keepdim = index, axis, keepdim
        self.accumulate, self.input_shape = accumulate, x._data.shape
        if axis is None:  # a 0-d input: the value itself
            return x._data.copy()
        values = np.take_along_axis(x._data, index, axis)
        return values if keepdim else np.squeeze(values, axis)

    def backward(self, grad):
        if self.axis is None:
            return grad
        if not self.keepdim:
            grad = grad.unsqueeze(self.axis)
        zeros = Tensor._wrap(np.zeros(self.input_shape, dtype=grad._data.dtype))
        place = scatter_add if self.accumulate else scatter
        return place(zeros, self.axis, Tensor._wrap(self.index), grad)


_PICKS: dict[str, type] = {}


def pick(input: Tensor, index: np.ndarray, axis: int | None, label: str, keepdim: bool = True,
         accumulate: bool = False) -> Tensor:
    """``input``'s elements at ``index`` along ``axis``, differentiable (see `Pick`); ``label``
    is PyTorch's node name (``TopkBackward0`` makes the op class ``Topk``)."""
    op = _PICKS.get(label)
    if op is None:
        op = _PICKS[label] = type(label.partition("Backward")[0], (Pick,), {"backward_name": label})
    return op.apply(input, index=index, axis=axis, keepdim=keepdim, accumulate=accumulate)


# ---------------------------------------------------------------------------------------
# rows: the reduced dimension moved last, one row per position of the others


def _to_rows(data: np.ndarray, axis: int) -> np.ndarray:
    n = data.shape[axis]
    return np.moveaxis(data, axis, -1).reshape(data.size // n if n else 0, n)


def _from_rows(rows: np.ndarray, shape: tuple, axis: int) -> np.ndarray:
    """Undo `_to_rows` for rows of any length (the length becomes the size along ``axis``)."""
    moved = shape[:axis] + shape[axis + 1:] + (rows.shape[1],)
    return np.moveaxis(rows.reshape(moved), -1, axis)


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a == b, where two NaNs count as equal (as PyTorch's comparators treat them)."""
    same = a == b
    if a.dtype.kind == "f":
        same |= np.isnan(a) & np.isnan(b)
    return same


def _rows_with_ties(rows: np.ndarray) -> np.ndarray:
    """Which rows hold two equal values."""
    ordered = np.sort(rows, axis=-1)
    return _equal(ordered[:, 1:], ordered[:, :-1]).any(axis=-1)


def _ranked(row: np.ndarray, descending: bool = False) -> list:
    """The (key, index) queue a C++ kernel sorts, with integer keys that order as PyTorch's
    comparators order the values (NaN above everything and equal to NaN, -0.0 equal to 0.0):
    then ``key < key`` is the comparison, and the replay compares ints, not floats and NaN checks."""
    _, ranks = np.unique(row, return_inverse=True)  # NaNs share one rank, the highest
    keys = -ranks if descending else ranks
    return list(zip(keys.reshape(-1).tolist(), range(len(row))))


def _key_less(a, b) -> bool:
    return a[0] < b[0]


def _axis_of(input: Tensor, dim, op: str) -> int | None:
    """``dim`` as an axis; None for a 0-d tensor (where dim must be 0 or -1)."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    axis = _normalize_dim(int(dim), input._data.ndim, op)
    return axis if input._data.ndim else None


def _refuse_bool(input: Tensor, kernel: str) -> None:
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _check_reduced_dim(input: Tensor, axis: int | None, op: str) -> None:
    if axis is not None and input._data.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")


def _reduced_result(input: Tensor, axis: int | None, index: np.ndarray, keepdim: bool, op: str, label: str):
    """``(values, indices)`` for a reduction that picks one element per row along ``axis``."""
    if axis is None:
        values = pick(input, None, None, label)
        return getattr(return_types, op)(values, Tensor._wrap(np.zeros((), dtype=np.int64)))
    values = pick(input, index, axis, label, keepdim=keepdim)
    indices = index if keepdim else np.squeeze(index, axis)
    return getattr(return_types, op)(values, Tensor._wrap(indices))


# ---------------------------------------------------------------------------------------
# sort, argsort, msort


def _stable_order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable order along ``axis``, NaN as the largest value.

    Descending: the stable ascending order of the reversed data, reversed back, so equal
    values keep their original order in both directions.
    """
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    reversed_order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(reversed_order, axis)


def _sort_order(data: np.ndarray, axis: int, descending: bool, stable: bool) -> np.ndarray:
    """The order PyTorch's CPU sort produces.

    ``stable=True`` is std::stable_sort. Otherwise it is std::sort, which is an insertion sort
    (stable) for rows of up to 16 and reorders ties beyond that, so rows longer than 16 with
    ties are replayed. (A 1-d integer tensor of 32768 or more sorted ascending takes a radix
    sort instead, which is stable.)
    """
    order = _stable_order(data, axis, descending)
    n = data.shape[axis]
    radix = data.ndim == 1 and data.dtype.kind in "iu" and data.size >= 32768 and not descending
    if stable or n <= 16 or radix:
        return order
    rows, order_rows = _to_rows(data, axis), _to_rows(order, axis)
    for r in np.flatnonzero(_rows_with_ties(rows)):
        queue = _ranked(rows[r], descending)
        _tie_order.sort(queue, _key_less)
        order_rows[r] = [i for _, i in queue]
    return _from_rows(order_rows, data.shape, axis)


_NOT_GIVEN = object()  # sort(stable=None) is another overload than sort() in PyTorch


@tensor_method
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable=_NOT_GIVEN):
    """Sorted values along ``dim`` and where they came from: ``torch.return_types.sort``.

    Equal values keep their order (the sort is stable); NaN sorts as the largest value.

    >>> import chainrule as torch
    >>> torch.tensor([3.0, 1.0, 2.0, 1.0]).sort()
    torch.return_types.sort(
    values=tensor([1., 1., 2., 3.]),
    indices=tensor([1, 3, 2, 0]))
    """
    axis = _axis_of(input, dim, "sort")
    label = "SortBackward0" if stable is _NOT_GIVEN else "SortBackward1"
    if axis is None:
        return return_types.sort(pick(input, None, None, label), Tensor._wrap(np.zeros((), dtype=np.int64)))
    order = _sort_order(input._data, axis, descending, stable is not _NOT_GIVEN and bool(stable))
    return return_types.sort(pick(input, order, axis, label), Tensor._wrap(order))


@tensor_method
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    axis = _axis_of(input, dim, "argsort")
    if axis is None:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    return Tensor._wrap(_sort_order(input._data, axis, descending, stable))


@tensor_method
def msort(input: Tensor) -> Tensor:
    """The values sorted along the first dimension: ``sort(input, dim=0).values``."""
    return sort(input, 0).values


# ---------------------------------------------------------------------------------------
# topk


def _topk_replayed(row: np.ndarray, k: int, largest: bool, sorted: bool) -> list:
    """The indices PyTorch's topk kernel (TopKImpl.h) returns for one row, by replaying it."""
    queue = _ranked(row, descending=largest)
    if k * 64 <= len(queue):
        _tie_order.partial_sort(queue, k, _key_less)
    else:
        _tie_order.nth_element(queue, k - 1, _key_less)
        if sorted:
            _tie_order.sort_range(queue, 0, k - 1, _key_less)  # (the k-th is in place already)
    return [i for _, i in queue[:k]]


@tensor_method
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 5.0, 3.0, 4.0]).topk(2)
    torch.return_types.topk(
    values=tensor([5., 4.]),
    indices=tensor([1, 3]))
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    axis = _axis_of(input, dim, "topk")
    size = input._data.shape[axis] if axis is not None else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if input._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if axis is None:
        return return_types.topk(pick(input, None, None, "TopkBackward0"), Tensor._wrap(np.zeros((), dtype=np.int64)))
    rows = _to_rows(input._data, axis)
    ranked = _stable_order(rows, 1, descending=largest)
    order = ranked[:, :k]
    if k:
        # The answer is unique where the top k and the next value are all different and the
        # result is sorted; otherwise the C++ algorithm decides (unsorted: its own order).
        leading = np.take_along_axis(rows, ranked[:, :k + 1], 1)
        replay = _equal(leading[:, 1:], leading[:, :-1]).any(axis=1) | (not sorted and k * 64 > size)
        for r in np.flatnonzero(replay):
            order[r] = _topk_replayed(rows[r], k, largest, sorted)
    index = _from_rows(order, input._data.shape, axis)
    return return_types.topk(pick(input, index, axis, "TopkBackward0"), Tensor._wrap(index))


# ---------------------------------------------------------------------------------------
# kthvalue, median, nanmedian, mode


@tensor_method
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest value along ``dim`` (k counts from 1) and its index.

    >>> import chainrule as torch
    >>> torch.tensor([4.0, 1.0, 3.0, 2.0]).kthvalue(2)
    torch.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(3))
    """
    axis = _axis_of(input, dim, "kthvalue")
    _check_reduced_dim(input, axis, "kthvalue")
    size = input._data.shape[axis] if axis is not None else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis or 0}")
    _refuse_bool(input, "kthvalue_cpu")
    index = None
    if axis is not None:
        rows = _to_rows(input._data, axis)
        chosen = _stable_order(rows, 1, descending=False)[:, k - 1]
        kth = np.take_along_axis(rows, chosen[:, None], 1)
        for r in np.flatnonzero(_equal(rows, kth).sum(axis=1) > 1):  # the k-th value has twins
            queue = _ranked(rows[r])
            _tie_order.quick_select(queue, k - 1, lambda a, b: a[0] > b[0])  # ATen's own quickselect
            chosen[r] = queue[k - 1][1]
        index = _from_rows(chosen[:, None], input._data.shape, axis)
    return _reduced_result(input, axis, index, keepdim, "kthvalue", "KthvalueBackward0")


def _lower_median(a: np.ndarray, ignore_nan: bool) -> np.ndarray:
    """The lower of the two middle values (PyTorch's median); NaN if any (or, ignoring NaN, all) is NaN."""
    flat = a.reshape(-1)
    if a.dtype.kind == "f":
        nan = np.isnan(flat)
        if ignore_nan:
            flat = flat[~nan]
        elif nan.any():
            return np.array(np.nan, dtype=a.dtype)
    if flat.size == 0:
        with np.errstate(invalid="ignore"):
            return np.array(np.nan).astype(a.dtype)  # PyTorch gives nan (int: its cast of nan)
    return np.array(np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2])


class MedianAll(_ExtremeShared):
    """The median of all elements; ties share the gradient (PyTorch's evenly_distribute_backward)."""

    backward_name = "MedianBackward0"
    places_gradient = True
    numpy_function = staticmethod(lambda a, axis=None, keepdims=False: _lower_median(a, ignore_nan=False))


class NanmedianAll(MedianAll):
    backward_name = "NanmedianBackward0"
    numpy_function = staticmethod(lambda a, axis=None, keepdims=False: _lower_median(a, ignore_nan=True))


def _nanmedian_all_nan(n: int) -> int:
    """The index nanmedian(dim) returns for a row of ``n`` NaNs: what std::nth_element leaves
    first when no element orders before another."""
    indices = list(range(n))
    _tie_order.nth_element(indices, 0, lambda i, j: False)
    return indices[0]


def _median_indices(rows: np.ndarray, ignore_nan: bool) -> np.ndarray:
    """Per row, the index of the lower median in (value, index) order, as ATen's comparator
    ranks ties; median: the first NaN where there is one."""
    order = np.argsort(rows, axis=1, kind="stable")  # NaN last
    nan = np.isnan(rows) if rows.dtype.kind == "f" else np.zeros(rows.shape, dtype=bool)
    if ignore_nan:
        counts = rows.shape[1] - nan.sum(axis=1)
        chosen = order[np.arange(len(rows)), np.maximum(counts - 1, 0) // 2]
        for r in np.flatnonzero(counts == 0):
            chosen[r] = _nanmedian_all_nan(rows.shape[1])
        return chosen
    chosen = order[:, (rows.shape[1] - 1) // 2]
    has_nan = nan.any(axis=1)
    chosen[has_nan] = np.argmax(nan[has_nan], axis=1)
    return chosen


def _median(input: Tensor, dim, keepdim: bool, ignore_nan: bool):
    op = "nanmedian" if ignore_nan else "median"
    if dim is None:
        _refuse_bool(input, "median_cpu")
        return (NanmedianAll if ignore_nan else MedianAll).apply(input)
    axis = _axis_of(input, dim, op)
    _check_reduced_dim(input, axis, "median")
    _refuse_bool(input, "median_out")
    index = None
    if axis is not None:
        rows = _to_rows(input._data, axis)
        index = _from_rows(_median_indices(rows, ignore_nan)[:, None], input._data.shape, axis)
    label = "NanmedianBackward1" if ignore_nan else "MedianBackward1"
    return _reduced_result(input, axis, index, keepdim, op, label)


@tensor_method
def median(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """The lower median (of an even count, the smaller middle value), as PyTorch.

    Without ``dim``, a 0-d tensor (NaN if any element is NaN; ties share the gradient);
    with ``dim``, ``(values, indices)`` as ``torch.return_types.median``.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 4.0, 2.0, 3.0]).median()
    tensor(2.)
    """
    return _median(input, dim, keepdim, ignore_nan=False)


@tensor_method
def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """`median` that skips NaN (NaN only where every element is NaN)."""
    return _median(input, dim, keepdim, ignore_nan=True)


def _mode_replayed(row: np.ndarray) -> int:
    """The index PyTorch's mode kernel returns: std::sort on (value, index) by value, then the
    last element of the first longest run of equal values."""
    queue = _tie_order.pairs(row.tolist())
    _tie_order.sort(queue, lambda a, b: a[0] < b[0])
    best, best_count, count = 0, 0, 0
    for i in range(len(queue)):
        count += 1
        if i == len(queue) - 1 or queue[i][0] != queue[i + 1][0]:
            if count > best_count:
                best, best_count = queue[i][1], count
            count = 0
    return best


def _mode_index(row: np.ndarray) -> int:
    """The replay, skipped where its answer is known: with no NaN and a short row (std::sort
    is then an insertion sort, which is stable) or no repeated value."""
    if row.dtype.kind == "f" and np.isnan(row).any():
        return _mode_replayed(row)
    values, first, counts = np.unique(row, return_index=True, return_counts=True)
    winner = int(np.argmax(counts))  # the smallest of the most frequent values
    if counts[winner] == 1:
        return int(first[winner])
    if len(row) <= 16:
        return int(np.flatnonzero(row == values[winner])[-1])  # its last occurrence
    return _mode_replayed(row)


@tensor_method
def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and an index of it.

    >>> import chainrule as torch
    >>> torch.tensor([2.0, 1.0, 2.0, 3.0]).mode()
    torch.return_types.mode(
    values=tensor(2.),
    indices=tensor(2))
    """
    axis = _axis_of(input, dim, "mode")
    _check_reduced_dim(input, axis, "mode")
    index = None
    if axis is not None:
        rows = _to_rows(input._data, axis)
        chosen = np.array([_mode_index(row) for row in rows], dtype=np.int64).reshape(len(rows))
        index = _from_rows(chosen[:, None], input._data.shape, axis)
    return _reduced_result(input, axis, index, keepdim, "mode", "ModeBackward0")


# ---------------------------------------------------------------------------------------
# unique


class NotDifferentiable(Op):
    """An output that requires grad but has no derivative, as PyTorch's unique and bincount:
    backward raises PyTorch's error."""

    def forward(self, x, result, label, error):
        self.label, self.error = label, error
        return result

    def backward(self, grad):
        raise self.error

    def name(self) -> str:
        return self.label


def without_derivative(input: Tensor, result: np.ndarray, label: str, error: Exception) -> Tensor:
    return NotDifferentiable.apply(input, result=result, label=label, error=error)


def _unique_slices(data: np.ndarray, axis: int) -> tuple:
    """unique(dim=axis): the distinct slices in lexicographic order, the inverse and the counts."""
    n = data.shape[axis]
    slices = np.moveaxis(data, axis, 0).reshape(n, math.prod(data.shape[:axis] + data.shape[axis + 1:]))
    if data.dtype.kind == "f" and np.isnan(slices).any():
        order, starts = _unique_slices_with_nan(slices)
    else:
        order = np.lexsort(slices.T[::-1]) if slices.shape[1] else np.arange(n)
        ordered = slices[order]
        starts = np.ones(n, dtype=bool)
        starts[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    group = np.cumsum(starts) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    counts = np.bincount(group, minlength=int(starts.sum())).astype(np.int64) if n else np.zeros(0, np.int64)
    kept = slices[order][starts]
    values = np.moveaxis(kept.reshape((-1,) + np.moveaxis(data, axis, 0).shape[1:]), 0, axis)
    return values, inverse, counts


def _unique_slices_with_nan(slices: np.ndarray) -> tuple:
    """PyTorch's unique(dim) step by step where NaN is present (it changes the order): std::sort
    with a lexicographic ``<`` in which NaN compares false, so the comparison moves on to the
    next element; then a slice starts a new group unless it equals the group's first slice
    (a slice holding NaN never does)."""
    rows = slices.tolist()

    def less(a: int, b: int) -> bool:
        for x, y in zip(rows[a], rows[b]):
            if x < y:
                return True
            if x > y:
                return False
        return False

    order = list(range(len(rows)))
    _tie_order.sort(order, less)
    starts = np.zeros(len(rows), dtype=bool)
    first = None
    for position, i in enumerate(order):
        if first is None or not np.array_equal(slices[i], slices[first]):
            first, starts[position] = i, True
    return np.array(order, dtype=np.int64), starts


@tensor_method
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None):
    """The distinct values, sorted (``sorted=False`` sorts too, as PyTorch's CPU kernel does);
    optionally where each input element went (``inverse``) and how often each occurs. With
    ``dim``, the distinct slices along ``dim``.

    NaN never equals NaN, so each NaN is its own value. Not differentiable.

    >>> import chainrule as torch
    >>> torch.tensor([3, 1, 3, 2]).unique(return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    data = input._data
    if dim is None:
        values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        inverse = inverse.reshape(data.shape)
        label, op = "Unique2Backward0", "_unique2"
    else:
        if data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        axis = _normalize_dim(int(dim), data.ndim, "unique")
        if data.size == 0 and data.shape[axis] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
        values, inverse, counts = _unique_slices(data, axis)
        label, op = "UniqueDimBackward0", "unique_dim"
    if input._requires_grad and grad_mode.is_grad_enabled():
        out = without_derivative(input, values, label, NotImplementedError(
            f"the derivative for '{op}' is not implemented."))
    else:
        out = Tensor._wrap(values)
    extras = [Tensor._wrap(inverse.astype(np.int64))] if return_inverse else []
    extras += [Tensor._wrap(counts.astype(np.int64))] if return_counts else []
    return (out, *extras) if extras else out


# ---------------------------------------------------------------------------------------
# nonzero, argwhere, count_nonzero


@tensor_method
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of the non-zero elements: one row per element (int64), or with
    ``as_tuple=True`` one 1-d tensor per dimension (for ``x[x.nonzero(as_tuple=True)]``).

    >>> import chainrule as torch
    >>> torch.tensor([[0.0, 1.0], [2.0, 0.0]]).nonzero()
    tensor([[0, 1],
            [1, 0]])
    """
    data = input._data
    if as_tuple:
        # a 0-d tensor counts as one element of a 1-d one, as in PyTorch
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(data.reshape(-1) if not data.ndim else data))
    return Tensor._wrap(np.argwhere(data).astype(np.int64))


@tensor_method
def argwhere(input: Tensor) -> Tensor:
    """`nonzero`: the index of each non-zero element, one row each."""
    return nonzero(input)


@tensor_method
def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """How many elements are non-zero, over ``dim`` (an int or a tuple; all by default); int64."""
    axes = normalize_dims(dim, input._data.ndim, "count_nonzero")
    return Tensor._wrap(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64))


# ---------------------------------------------------------------------------------------
# searchsorted, bucketize


def _binary_search(boundaries: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """Per row, where each value would go in that row of sorted ``boundaries``.

    PyTorch's loop, run for all values at once: move right while ``not (boundary >= value)``
    (``>`` with ``right``). Written out because np.searchsorted orders NaN last, while
    here NaN compares false with everything, which moves it right (PyTorch's answers).
    """
    n = boundaries.shape[-1]
    start = np.zeros(values.shape, dtype=np.int64)
    end = np.full(values.shape, n, dtype=np.int64)
    active = start < end
    while active.any():
        mid = (start + end) >> 1
        boundary = np.take_along_axis(boundaries, np.minimum(mid, n - 1), axis=-1)
        go_right = ~(boundary > values) if right else ~(boundary >= values)
        start = np.where(active & go_right, mid + 1, start)
        end = np.where(active & ~go_right, mid, end)
        active = start < end
    return start


def _side(side: str | None, right: bool) -> bool:
    if side is None:
        return right
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise RuntimeError(
            f"torch.searchsorted(): side and right can't be set to opposites, got side of {side} while right was True"
        )
    return side == "right"


def _check_sorter(sorter, boundaries: Tensor) -> np.ndarray:
    if sorter._data.dtype != np.int64:
        raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                           f"{scalar_type_name(sorter._data.dtype)}")
    if sorter._data.shape != boundaries._data.shape:
        raise RuntimeError(
            "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
            f"{list(boundaries.shape)}and got sorter tensor {list(sorter.shape)}")
    n = boundaries._data.shape[-1]
    if sorter._data.size and (sorter._data.min() < 0 or sorter._data.max() >= n):
        raise RuntimeError("torch.searchsorted(): sorter index out of range")
    return sorter._data


@register_function
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """For each value of ``input``, the index where it would be inserted into ``sorted_sequence``
    to keep it sorted (before equal values; after them with ``right=True`` or ``side='right'``).

    ``sorted_sequence`` is 1-d, or has ``input``'s leading dimensions (one sequence per row).

    >>> import chainrule as torch
    >>> torch.searchsorted(torch.tensor([1.0, 3.0, 5.0]), torch.tensor([3.0, 6.0]))
    tensor([1, 3])
    """
    right = _side(side, right)
    if sorted_sequence._data.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension")
    boundaries, values = promote(sorted_sequence, input, op="searchsorted")  # input may be a number
    bd, vs = boundaries._data, values._data
    if bd.dtype == np.bool_:
        raise NotImplementedError("\"searchsorted_out_cpu\" not implemented for 'Bool'")
    if bd.ndim > 1:
        if vs.ndim == 0:
            raise RuntimeError(
                "torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension is 1, "
                f"but we got boundaries tensor dim({bd.ndim}) and input value's dim(0) numel(1)")
        if bd.shape[:-1] != vs.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                "boundaries tensor and input value tensor must match, but we got boundaries tensor "
                f"{list(bd.shape)} and input value tensor {list(vs.shape)}")
    if sorter is not None:
        bd = np.take_along_axis(bd, _check_sorter(sorter, boundaries), axis=-1)
    rows = math.prod(bd.shape[:-1])  # one sequence per row of values (or one for all)
    values_rows = vs.reshape(rows, vs.shape[-1]) if bd.ndim > 1 else vs.reshape(1, vs.size)
    found = _binary_search(bd.reshape(rows, bd.shape[-1]), values_rows, right)
    return Tensor._wrap(found.reshape(vs.shape).astype(np.int32 if out_int32 else np.int64))


@register_function
def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """Which bucket of the 1-d sorted ``boundaries`` each value falls in: ``searchsorted(boundaries, input)``.

    >>> import chainrule as torch
    >>> torch.bucketize(torch.tensor([0.5, 2.0, 9.0]), torch.tensor([1.0, 2.0, 5.0]))
    tensor([0, 1, 3])
    """
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
