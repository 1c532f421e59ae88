"""Shape ops: the same numbers in another arrangement.

Their derivatives only rearrange the upstream gradient back: reshape it back, transpose
it back, sum the tiles of a repeat, cut a concatenation into its pieces.

Most of these ops return NumPy *views* (no copy), as PyTorch's do. A view shares its
base's version counter, so an in-place edit through either is noticed by every node that
saved the other, and it remembers its base and how to remake itself from it
(`as_view`), so an in-place op on the view can rewrite the base's history
(`chainrule.ops.inplace`). Ops that copy (repeat, cat, stack, flip, roll) are not views.
"""

from __future__ import annotations

import math
import warnings
import weakref
from typing import Callable, Sequence

import numpy as np

from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op, _anomaly_trace, link_inputs
from chainrule._tensor import Tensor, _normalize_dim, register_function, tensor_method

# ---------------------------------------------------------------------------------------
# views: shared version counters and the way back to the base


class ViewOf:
    """What a view remembers: its base, how to remake it from the base, how it was made."""

    __slots__ = ("base", "remake", "made_with_grad", "one_of_many")

    def __init__(self, base: Tensor, remake: Callable, made_with_grad: bool, one_of_many: bool) -> None:
        self.base = base  # the tensor that owns the memory (never itself a view)
        self.remake = remake  # remake(t) takes the same view of another tensor t shaped like base
        self.made_with_grad = made_with_grad  # grad mode when the view was made
        self.one_of_many = one_of_many  # an output of split/unbind: PyTorch forbids in-place on it


def as_view(out: Tensor, input: Tensor, remake: Callable[[Tensor], Tensor], one_of_many: bool = False) -> Tensor:
    """Mark ``out`` as a view of ``input``'s memory and return it.

    ``remake(t)`` redoes the view on another tensor ``t`` (``lambda t: t[0]``);
    ``one_of_many`` marks one of several views returned together (split, unbind).
    """
    out._version_counter = input._version_counter
    parent = input._view_of
    if parent is not None:
        remake = _compose(parent.remake, remake)
        input, one_of_many = parent.base, one_of_many or parent.one_of_many
    recording = grad_mode._grad_enabled.get()
    out._view_of = ViewOf(input, remake, recording, one_of_many)
    if recording and not (input._requires_grad and input.grad_fn is None):
        # The base keeps weak links to its views, so an in-place op on the base (or on one
        # view) can give the other views their new history; a parameter never needs that.
        views = input._views
        if views is None:
            views = input._views = weakref.WeakSet()
        views.add(out)
    return out


def _compose(first: Callable, second: Callable) -> Callable:
    return lambda t: second(first(t))


def view_info(t: Tensor) -> ViewOf | None:
    """What ``t`` remembers as a view (see `ViewOf`), or None when it is not one."""
    return t._view_of


def _base(self: Tensor) -> Tensor | None:
    """The tensor whose memory this view shares (None for a tensor that is not a view)."""
    info = self._view_of
    return info.base if info is not None else None


def _is_view(self: Tensor) -> bool:
    return self._view_of is not None


Tensor._view_of = None  # class-level defaults: only views and bases with views set these
Tensor._views = None
Tensor._base = property(_base)
Tensor._is_view = _is_view


# ---------------------------------------------------------------------------------------
# argument helpers


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _dims_arg(dims) -> tuple:
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return tuple(int(d) for d in dims)


def _infer_shape(shape: tuple, numel: int, op: str, input_shape: tuple) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    size = 1
    for s in shape:
        size *= s
    if size != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _check_tensor_list(tensors, op: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)


# ---------------------------------------------------------------------------------------
# reshaping: view, reshape, flatten, unflatten, squeeze, unsqueeze


class View(Op):
    def forward(self, x, shape):
        self.input_shape = x._data.shape
        return x._data.reshape(shape)

    def backward(self, grad):
        return grad.reshape(self.input_shape)


class Squeeze(View):
    """A reshape that drops size-1 axes; PyTorch numbers it by how ``dim`` was given."""

    def forward(self, x, shape, variant):
        self.variant = variant  # 0: no dim, 1: one dim, 2: a tuple of dims
        return super().forward(x, shape)

    def name(self) -> str:
        return f"SqueezeBackward{self.variant}"


class Unsqueeze(View):
    pass


def _reshaped(op_class, input: Tensor, shape: tuple, remake: Callable, **params) -> Tensor:
    out = op_class.apply(input, shape=shape, **params)
    if np.may_share_memory(out._data, input._data):
        as_view(out, input, remake)
    return out


@tensor_method
def reshape(input: Tensor, *shape) -> Tensor:
    """The same numbers in a new shape (one size may be -1); a view when the memory allows.

    >>> import chainrule as torch
    >>> torch.arange(6).reshape(2, -1)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    shape = _infer_shape(_shape_arg(shape), input._data.size, "reshape", input._data.shape)
    if shape == input._data.shape and not input._requires_grad:
        return input
    return _reshaped(View, input, shape, lambda t: reshape(t, shape))


def view(self: Tensor, *shape) -> Tensor:
    """``reshape`` that refuses to copy: the memory must be laid out to allow the new shape."""
    if shape and all(isinstance(s, type) for s in shape):
        raise TypeError("view(dtype) is not supported; use .to(dtype)")
    shape = _infer_shape(_shape_arg(shape), self._data.size, "view", self._data.shape)
    if not self._data.flags.c_contiguous and self._data.size > 1:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return reshape(self, shape)


Tensor.view = view


@tensor_method(function=False)
def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, other.shape)


@tensor_method(function=False)
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other.shape)


@tensor_method
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one.

    >>> import chainrule as torch
    >>> torch.zeros(2, 3, 4).flatten(1).shape
    torch.Size([2, 12])
    """
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    start = _normalize_dim(start_dim, len(shape), "flatten")
    end = _normalize_dim(end_dim, len(shape), "flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input  # as PyTorch: nothing to merge, the tensor itself
    merged = math.prod(shape[start:end + 1])
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


@tensor_method
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1): the inverse of ``flatten``."""
    shape = input._data.shape
    d = _normalize_dim(dim, len(shape), "unflatten")
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) == 1 and known and shape[d] % known == 0:
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    if sizes.count(-1) or math.prod(sizes) != shape[d]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
            f"({shape[d]}) in the input tensor"
        )
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


@tensor_method
def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dimensions (all of them, or those in ``dim`` that have size 1)."""
    shape = input._data.shape
    if dim is None:
        variant, dims = 0, range(len(shape))
    elif isinstance(dim, (tuple, list)):
        variant, dims = 2, {_normalize_dim(int(d), len(shape), "squeeze") for d in dim}
    else:
        variant, dims = 1, (_normalize_dim(int(dim), len(shape), "squeeze"),)
    new_shape = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return _reshaped(Squeeze, input, new_shape, lambda t: squeeze(t, dim), variant=variant)


@tensor_method
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (``-1`` appends one)."""
    shape = input._data.shape
    d = _normalize_dim(int(dim), len(shape) + 1, "unsqueeze")
    return _reshaped(Unsqueeze, input, shape[:d] + (1,) + shape[d:], lambda t: unsqueeze(t, dim))


# ---------------------------------------------------------------------------------------
# reordering axes: permute, transpose, t, T, mT, movedim


class Permute(Op):
    def forward(self, x, dims):
        self.dims = dims
        return np.transpose(x._data, dims)

    def backward(self, grad):
        return permute(grad, tuple(np.argsort(self.dims).tolist()))


class Transpose(Op):
    def forward(self, x, dim0, dim1):
        self.dim0, self.dim1 = dim0, dim1
        return np.swapaxes(x._data, dim0, dim1) if x._data.ndim else x._data.view()

    def backward(self, grad):
        return transpose(grad, self.dim0, self.dim1)


class T(Op):
    """``x.t()``: the matrix transpose (0-d and 1-d tensors come back as they are)."""

    def forward(self, x):
        return x._data.T

    def backward(self, grad):
        if not grad_mode._grad_enabled.get():
            return Tensor._wrap(grad._data.T)  # plain backward: the view alone, no op record
        return grad.t()


def _permuted(input: Tensor, dims: tuple) -> Tensor:
    return as_view(Permute.apply(input, dims=dims), input, lambda t: _permuted(t, dims))


@tensor_method
def permute(input: Tensor, *dims) -> Tensor:
    """Reorder the dimensions: ``x.permute(2, 0, 1)`` makes dim 2 the first.

    >>> import chainrule as torch
    >>> torch.zeros(2, 3, 4).permute(2, 0, 1).shape
    torch.Size([4, 2, 3])
    """
    dims = _dims_arg(dims)
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {ndim} is not equal to len(dims) = {len(dims)}"
        )
    normalized = tuple(_normalize_dim(d, ndim, "permute") for d in dims) if ndim else ()
    if len(set(normalized)) != len(normalized):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permuted(input, normalized)


@tensor_method
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (a view)."""
    ndim = input._data.ndim
    d0 = _normalize_dim(dim0, ndim, "transpose")
    d1 = _normalize_dim(dim1, ndim, "transpose")
    return as_view(Transpose.apply(input, dim0=d0, dim1=d1), input, lambda t: transpose(t, d0, d1))


swapaxes = tensor_method(transpose, name="swapaxes")
swapdims = tensor_method(transpose, name="swapdims")


@tensor_method
def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; PyTorch allows 0-d and 1-d tensors too, unchanged."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return as_view(T.apply(input), input, t)


def _reverse_dims(self: Tensor) -> Tensor:
    """``x.T``: a matrix transposed; other ranks get their dims reversed, with PyTorch's warning."""
    ndim = self._data.ndim
    if ndim == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                      UserWarning, stacklevel=2)
    elif ndim != 2:
        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
            "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
            "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
            "tensor.", UserWarning, stacklevel=2)
    return _permuted(self, tuple(range(ndim - 1, -1, -1)))


def _matrix_transpose(self: Tensor) -> Tensor:
    """``x.mT``: transpose the last two dimensions (a batch of matrices)."""
    if self._data.ndim < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D tensor."
        )
    return transpose(self, -2, -1)


Tensor.T = property(_reverse_dims)
Tensor.mT = property(_matrix_transpose)
Tensor.mH = property(_matrix_transpose)  # real dtypes only: the conjugate transpose is the transpose


def _dim_list(dims, ndim: int, op: str) -> tuple:
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return tuple(_normalize_dim(int(d), ndim, op) for d in dims)


@tensor_method
def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """Move dimension(s) ``source`` to position(s) ``destination``; the others keep their order."""
    ndim = input._data.ndim
    src = _dim_list(source, ndim, "movedim")
    dst = _dim_list(destination, ndim, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the "
            f"same number of dims as destination ({list(dst)} dims)"
        )
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    rest = [d for d in range(ndim) if d not in src]
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    fill = iter(rest)
    order = tuple(o if o is not None else next(fill) for o in order)
    return _permuted(input, order) if ndim else input


moveaxis = tensor_method(movedim, name="moveaxis")


# ---------------------------------------------------------------------------------------
# broadcasting copies: expand (a view), repeat and tile (copies)


class Expand(Op):
    def forward(self, x, shape):
        return np.broadcast_to(x._data, shape)

    def backward(self, grad):
        return grad  # the engine sums it back to the input's shape


def _expand_shape(input_shape: tuple, shape: tuple) -> tuple:
    lead = len(shape) - len(input_shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(input_shape)})"
        )
    out = []
    for i, s in enumerate(shape):
        current = input_shape[i - lead] if i >= lead else None
        if s == -1:
            if current is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = current
        elif current is not None and current != 1 and current != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({current}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(shape)}.  Tensor sizes: {list(input_shape)}"
            )
        out.append(s)
    return tuple(out)


@tensor_method(function=False)
def expand(input: Tensor, *shape) -> Tensor:
    """Broadcast size-1 dimensions to ``shape`` without copying (-1 keeps a size)."""
    shape = _expand_shape(input._data.shape, _shape_arg(shape))
    if shape == input._data.shape:
        return input
    return as_view(Expand.apply(input, shape=shape), input, lambda t: expand(t, shape))


@tensor_method(function=False)
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


class Repeat(Op):
    def forward(self, x, repeats):
        self.input_shape = x._data.shape
        self.repeats = repeats
        self.padded = (1,) * (len(repeats) - x._data.ndim) + x._data.shape
        return np.tile(x._data.reshape(self.padded), repeats)

    def backward(self, grad):
        # Axis i of the output is `repeats[i]` tiles of `padded[i]` numbers: split each axis
        # into (tile, position) and add the tiles up.
        split = tuple(n for pair in zip(self.repeats, self.padded) for n in pair)
        tiles = tuple(range(0, len(split), 2))
        return grad.reshape(split).sum(dim=tiles).reshape(self.input_shape)


@tensor_method(function=False)
def repeat(input: Tensor, *repeats) -> Tensor:
    """Tile the tensor ``repeats[i]`` times along each dimension (a copy, unlike ``expand``).

    >>> import chainrule as torch
    >>> torch.tensor([1, 2]).repeat(2)
    tensor([1, 2, 1, 2])
    """
    repeats = _shape_arg(repeats)
    if len(repeats) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats {list(repeats)}")
    return Repeat.apply(input, repeats=repeats)


@tensor_method
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``repeat`` that pads ``dims`` with leading 1s when it is shorter than the tensor's rank."""
    dims = tuple(int(d) for d in dims)
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


# ---------------------------------------------------------------------------------------
# joining: cat, stack (copies)


class Cat(Op):
    def forward(self, *tensors, dim):
        self.dim = dim
        self.sizes = [t._data.shape[dim] for t in tensors]
        return np.concatenate([t._data for t in tensors], axis=dim)

    def backward(self, grad):
        pieces, start = [], 0
        for size in self.sizes:
            pieces.append(narrow(grad, self.dim, start, size))
            start += size
        return tuple(pieces)


class Stack(Op):
    def forward(self, *tensors, dim):
        self.dim = dim
        return np.stack([t._data for t in tensors], axis=dim)

    def backward(self, grad):
        return unbind(grad, self.dim)


def _promoted(tensors: list, op: str) -> list:
    from chainrule.ops._operands import promote

    return list(promote(*tensors, op=op))


@register_function
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors end to end along an existing dimension ``dim``.

    >>> import chainrule as torch
    >>> torch.cat([torch.zeros(2, 3), torch.ones(1, 3)]).shape
    torch.Size([3, 3])
    """
    tensors = _check_tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch still skips 1-d empty tensors, whatever the other shapes (legacy behaviour).
    joined = [(i, t) for i, t in enumerate(tensors) if t._data.shape != (0,)] or [(0, tensors[0])]
    first = joined[0][1]
    d = _normalize_dim(dim, first._data.ndim, "cat")
    for i, t in joined:
        if t._data.ndim != first._data.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {first._data.ndim} and {t._data.ndim}"
            )
        for axis, (a, b) in enumerate(zip(first._data.shape, t._data.shape)):
            if axis != d and a != b:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got size "
                    f"{b} for tensor number {i} in the list. (cat shapes: "
                    f"{[list(x.shape) for x in tensors]})"
                )
    return Cat.apply(*_promoted([t for _, t in joined], "cat"), dim=d)


concat = register_function(cat, name="concat")
concatenate = register_function(cat, name="concatenate")


@register_function
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension ``dim``.

    >>> import chainrule as torch
    >>> torch.stack([torch.zeros(2, 3), torch.ones(2, 3)], dim=1).shape
    torch.Size([2, 2, 3])
    """
    tensors = _check_tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]
    for i, t in enumerate(tensors):
        if t._data.shape != first._data.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first.shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    d = _normalize_dim(dim, first._data.ndim + 1, "stack")
    return Stack.apply(*_promoted(tensors, "stack"), dim=d)


@register_function
def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-d tensors), as ``numpy.hstack``."""
    tensors = _check_tensor_list(tensors, "hstack")
    tensors = [t.reshape(1) if t._data.ndim == 0 else t for t in tensors]
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


@register_function
def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, treating 0-d and 1-d tensors as rows."""
    tensors = _check_tensor_list(tensors, "vstack")
    return cat([t.reshape(1, -1) if t._data.ndim < 2 else t for t in tensors], 0)


# ---------------------------------------------------------------------------------------
# cutting: split, chunk, unbind (several views from one node), narrow


class MultiOutputOp(Op):
    """An op with several outputs from one node (split, unbind), numbered 0, 1, ...

    ``forward`` returns a list of arrays; ``backward(*grads)`` gets one gradient per
    output (zeros for outputs no path used, filled in by the engine).
    """

    @classmethod
    def apply(cls, x: Tensor, **params) -> tuple:
        node = object.__new__(cls)
        record = grad_mode._grad_enabled.get() and x._requires_grad
        node._recording = record
        arrays = node.forward(x, **params)
        if not record or not arrays:
            outs = tuple(Tensor._wrap(a) for a in arrays)
        else:
            link_inputs(node, (x,))
            node._trace = _anomaly_trace()
            node._n_outputs = len(arrays)
            node._out_metas = tuple((a.shape, a.dtype) for a in arrays)
            node._out_shape, node._out_dtype = node._out_metas[0]
            outs = tuple(Tensor._wrap(a, node, nr) for nr, a in enumerate(arrays))
            node._output_ref = weakref.ref(outs[0])
        for out, remake in zip(outs, node.remakes()):
            as_view(out, x, remake, one_of_many=True)
        return outs


class Split(MultiOutputOp):
    def forward(self, x, dim, sizes, with_sizes):
        self.dim, self.with_sizes = dim, with_sizes
        self.starts = [sum(sizes[:i]) for i in range(len(sizes))]
        self.sizes = sizes
        lead = (slice(None),) * dim
        return [x._data[lead + (slice(start, start + size),)] for start, size in zip(self.starts, sizes)]

    def remakes(self) -> list:
        d = self.dim
        return [lambda t, a=start, n=size: narrow(t, d, a, n) for start, size in zip(self.starts, self.sizes)]

    def backward(self, *grads):
        return cat(list(grads), self.dim)

    def name(self) -> str:
        return "SplitWithSizesBackward0" if self.with_sizes else "SplitBackward0"


class Unbind(MultiOutputOp):
    def forward(self, x, dim):
        self.dim, self._n_outputs_made = dim, x._data.shape[dim]
        lead = (slice(None),) * dim
        # The trailing ... keeps a 0-d piece a view rather than a NumPy scalar copy.
        return [x._data[lead + (i, Ellipsis)] for i in range(x._data.shape[dim])]

    def remakes(self) -> list:
        lead = (slice(None),) * self.dim
        return [lambda t, i=i: t[lead + (i,)] for i in range(self._n_outputs_made)]

    def backward(self, *grads):
        return stack(list(grads), self.dim)


def _dim_of(input: Tensor, dim: int, op: str) -> int:
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _normalize_dim(int(dim), input._data.ndim, op)


@tensor_method
def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
    """Cut into pieces of ``split_size`` (the last may be smaller) or of the listed sizes.

    >>> import chainrule as torch
    >>> [p.tolist() for p in torch.arange(5).split([2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    d = _dim_of(tensor, dim, "split")
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            )
        sizes = [min(step, size - start) for start in range(0, size, step)] if size else [0]
        return Split.apply(tensor, dim=d, sizes=sizes, with_sizes=False)
    sizes = list(split_size_or_sections)
    if not all(isinstance(s, (int, np.integer)) for s in sizes):
        raise TypeError(
            f"split_with_sizes(): argument 'split_sizes' must be tuple of ints, not {sizes!r}"
        )
    if sum(sizes) != size or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
            f"dimension {d}), but got split_sizes={sizes}"
        )
    return Split.apply(tensor, dim=d, sizes=[int(s) for s in sizes], with_sizes=True)


@tensor_method
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Cut into at most ``chunks`` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dim_of(input, dim, "chunk")
    return split(input, -(-input._data.shape[d] // chunks), d)


@tensor_method
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, each without that dimension (the inverse of ``stack``)."""
    d = _dim_of(input, dim, "unbind")
    return Unbind.apply(input, dim=d)


@tensor_method
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start .. start + length`` along ``dim`` (a view)."""
    d = _dim_of(input, dim, "narrow")
    size = input._data.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


# ---------------------------------------------------------------------------------------
# reordering elements: flip, roll (copies)


class Flip(Op):
    def forward(self, x, dims):
        self.dims = dims
        return np.flip(x._data, dims).copy()  # PyTorch's flip copies; a NumPy view would alias

    def backward(self, grad):
        return flip(grad, self.dims)


class Roll(Op):
    def forward(self, x, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return np.roll(x._data, shifts, axis=dims)

    def backward(self, grad):
        return roll(grad, tuple(-s for s in self.shifts), self.dims)


@tensor_method
def flip(input: Tensor, *dims_args, dims=None) -> Tensor:
    """Reverse the order of elements along ``dims`` (``x.flip(0)``, ``torch.flip(x, dims=(0, 1))``)."""
    dims = _dims_arg(dims_args) if dims is None else _dim_list(dims, input._data.ndim, "flip")
    normalized = tuple(_normalize_dim(d, input._data.ndim, "flip") for d in dims)
    for d in normalized:
        if normalized.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return Flip.apply(input, dims=normalized if input._data.ndim else ())


@tensor_method
def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """Shift elements cyclically along ``dims`` (over the flattened tensor when ``dims`` is None)."""
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts=shifts, dims=None)
    dims = _dim_list(dims, input._data.ndim, "roll")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return Roll.apply(input, shifts=shifts, dims=dims)


# ---------------------------------------------------------------------------------------
# memory layout


@tensor_method(function=False)
def contiguous(self: Tensor, memory_format=None) -> Tensor:
    """The tensor itself when its memory is in row-major order, else a row-major copy."""
    if self._data.flags.c_contiguous:
        return self
    return self.clone()
