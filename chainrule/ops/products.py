"""More products: the BLAS updates (addmm, addmv, addbmm, baddbmm), tensordot, inner, vdot,
kron, cross (and ``linalg.cross``), and chains of matrix products (``linalg.multi_dot``,
chain_matmul).

Each is a sum of products, so each input's gradient is the upstream gradient multiplied
by the other inputs: for ``beta * C + alpha * (A @ B)``, dL/dC = beta * g, dL/dA =
alpha * g @ B^T and dL/dB = alpha * A^T @ g (`chainrule.ops.linalg.matmul_gradients`).
The others are built from matmul, sums and reshapes, as PyTorch builds them, so their
gradients (and grad_fn names) come from those ops.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, _normalize_dim, register_function, tensor_method
from chainrule.ops.inplace import _inplace
from chainrule.ops.linalg import _CPP_TYPE_NAMES, _dot_shape_error, _mm_shape_error, matmul_gradients, mm
from chainrule.ops.reduce import scalar_type_name
from chainrule.ops.shape import View, _expand_shape, permute, reshape

# ---------------------------------------------------------------------------------------
# beta * input + alpha * (a @ b): addmm, addmv, baddbmm, addbmm


class AddProduct(Op):
    """``beta * input + alpha * (a @ b)``, summed over the batch for addbmm (``summed``)."""

    def forward(self, input, a, b, beta, alpha, summed, torch_name):
        self.save_for_backward(a if b._requires_grad else None, b if a._requires_grad else None)
        self.beta, self.alpha, self.ranks, self.torch_name = beta, alpha, (a._data.ndim, b._data.ndim), torch_name
        dtype = input._data.dtype
        if dtype.kind in "iu":  # integer tensors take integer factors (PyTorch truncates 0.5 to 0)
            beta, alpha = int(beta), int(alpha)
        if alpha == 0 and torch_name != "BaddbmmBackward0":
            # alpha == 0 skips the product (BLAS's rule): NaN in the matrices does not reach the result
            rows = a._data.shape[:-1] if b._data.ndim == 1 else a._data.shape[:-1] + b._data.shape[-1:]
            product = np.zeros(rows, dtype=dtype)
        else:
            product = np.matmul(a._data, b._data)
        if summed:
            product = product.sum(axis=0)
        scaled = product if alpha == 1 else alpha * product
        if beta == 0:  # and beta == 0 ignores the input, NaN and inf included
            return scaled.astype(dtype, copy=False)
        return (scaled + (input._data if beta == 1 else beta * input._data)).astype(dtype, copy=False)

    def backward(self, grad):
        a, b = self.saved_tensors
        grad_a, grad_b = matmul_gradients(grad, a, b, self.ranks)
        if self.alpha != 1:
            grad_a = grad_a * self.alpha if grad_a is not None else None
            grad_b = grad_b * self.alpha if grad_b is not None else None
        return (grad * self.beta if self.beta != 1 else grad), grad_a, grad_b

    def name(self) -> str:
        return self.torch_name


def _fit_input(input: Tensor, shape: tuple) -> None:
    _expand_shape(input._data.shape, shape)  # raises PyTorch's expand errors


def _not_bool(op: str, input: Tensor) -> None:
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')


@tensor_method
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices; ``input`` broadcasts to the result.

    >>> import chainrule as torch
    >>> torch.addmm(torch.ones(2), torch.eye(2), torch.tensor([[1., 2.], [3., 4.]]), beta=10)
    tensor([[11., 12.],
            [13., 14.]])
    """
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m._data.ndim}-D tensor")
    if mat1._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(mat1._data.dtype)} and "
                           f"{scalar_type_name(mat2._data.dtype)}")
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_type_name(input._data.dtype)} "
                           f"and {scalar_type_name(mat2._data.dtype)}")
    (rows, k), (k2, columns) = mat1._data.shape, mat2._data.shape
    if k != k2:
        raise _mm_shape_error(rows, k, mat2._data.shape)
    _fit_input(input, (rows, columns))
    _not_bool("addmm_impl_cpu_", input)
    return AddProduct.apply(input, mat1, mat2, beta=beta, alpha=alpha, summed=False, torch_name="AddmmBackward0")


@tensor_method
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``: a matrix times a vector, added to ``input``."""
    if mat._data.ndim != 2 or vec._data.ndim != 1 or input._data.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, {mat._data.ndim}, "
                           f"{vec._data.ndim}")
    (rows, k), n = mat._data.shape, vec._data.shape[0]
    if k != n or input._data.size not in (rows, 1):
        raise RuntimeError(f"size mismatch, got input ({input._data.size}), mat ({rows}x{k}), vec ({n})")
    if not input._data.dtype == mat._data.dtype == vec._data.dtype:
        names = [scalar_type_name(t._data.dtype) for t in (input, mat, vec)]
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {names[0]}, {names[1]}, and "
                           f"{names[2]}")
    _not_bool("addmv_impl_cpu", input)
    return AddProduct.apply(input, mat, vec, beta=beta, alpha=alpha, summed=False, torch_name="AddmvBackward0")


def _check_batches(batch1: Tensor, batch2: Tensor) -> None:
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")


@tensor_method
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``: one matrix product per batch entry."""
    _check_batches(batch1, batch2)
    (batch, rows, k), (batch_2, k2, columns) = batch1._data.shape, batch2._data.shape
    if (batch_2, k2) != (batch, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but got: "
                           f"[{batch_2}, {k2}].")
    if input._data.dtype != batch1._data.dtype:
        names = [scalar_type_name(t._data.dtype).lower() for t in (input, batch1, batch2)]
        raise RuntimeError(f"Input dtypes must be the same, got: input {names[0]}, batch1: {names[1]}, batch2: "
                           f"{names[2]}")
    if batch2._data.dtype != batch1._data.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(batch1._data.dtype)} but found "
                           f"{scalar_type_name(batch2._data.dtype)}")
    _fit_input(input, (batch, rows, columns))
    _not_bool("baddbmm_cpu", input)
    return AddProduct.apply(input, batch1, batch2, beta=beta, alpha=alpha, summed=False,
                            torch_name="BaddbmmBackward0")


@tensor_method
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``: the batch of products added up.

    >>> import chainrule as torch
    >>> torch.addbmm(torch.zeros(1, 1), torch.ones(3, 1, 2), torch.ones(3, 2, 1))
    tensor([[6.]])
    """
    _check_batches(batch1, batch2)
    (batch, rows, k), (batch_2, k2, columns) = batch1._data.shape, batch2._data.shape
    if batch != batch_2:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {batch} and {batch_2}")
    if k != k2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({rows}x{k} and {k2}x{columns})")
    for name, t in (("mat1", batch1), ("self", input)):
        if t._data.dtype != batch2._data.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got {scalar_type_name(t._data.dtype)} "
                               f"and {scalar_type_name(batch2._data.dtype)}")
    _fit_input(input, (rows, columns))
    _not_bool("addbmm_cpu", input)
    return AddProduct.apply(input, batch1, batch2, beta=beta, alpha=alpha, summed=True, torch_name="AddbmmBackward0")


Tensor.addmm_ = _inplace("addmm_", addmm)
Tensor.addmv_ = _inplace("addmv_", addmv)
Tensor.baddbmm_ = _inplace("baddbmm_", baddbmm)
Tensor.addbmm_ = _inplace("addbmm_", addbmm)


# ---------------------------------------------------------------------------------------
# tensordot, inner, vdot, kron


def _dims_pair(dims, a: Tensor, b: Tensor) -> tuple[list, list]:
    """tensordot's ``dims``: an int n (a's last n with b's first n) or two lists of dims."""
    if isinstance(dims, Tensor):
        if dims._data.size > 1:
            return dims._data[0].tolist(), dims._data[1].tolist()
        dims = int(dims._data.reshape(()))
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a._data.ndim, b._data.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    if isinstance(dims, (tuple, list)) and len(dims) == 2:
        dims_a, dims_b = dims
        if isinstance(dims_a, (int, np.integer)):
            raise TypeError(f"tensordot(): argument 'dims_self' (position 3) must be tuple of ints, not "
                            f"{type(dims_a).__name__}")
        return [int(d) for d in dims_a], [int(d) for d in dims_b]
    raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] containing "
                       f"two lists, but got dims={dims}")


def _distinct_dims(dims: list, ndim: int) -> list:
    normalized = [_normalize_dim(d, ndim, "tensordot") for d in dims]
    for d in normalized:
        if normalized.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return normalized


@register_function
def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum the products over paired dimensions: ``dims=n`` pairs a's last n with b's first n.

    ``dims=([1, 0], [0, 1])`` pairs a's dim 1 with b's dim 0 and a's dim 0 with b's dim 1.
    As in PyTorch, a paired dim of size 1 is summed first (it broadcasts), then one matrix
    product does the rest.

    >>> import chainrule as torch
    >>> torch.tensordot(torch.ones(2, 3), torch.ones(3, 4), dims=1).shape
    torch.Size([2, 4])
    """
    dims_a, dims_b = _dims_pair(dims, a, b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    summed_a, summed_b, contracted = a, b, 1
    for da, db in zip(dims_a, dims_b):
        size_a = a._data.shape[_normalize_dim(da, a._data.ndim, "tensordot")]
        size_b = b._data.shape[_normalize_dim(db, b._data.ndim, "tensordot")]
        if size_b == 1:
            summed_a = summed_a.sum(dim=da, keepdim=True)
        elif size_a == 1:
            summed_b = summed_b.sum(dim=db, keepdim=True)
        elif size_a != size_b:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {size_a} in dim {da} and "
                               f"second has size {size_b} in dim {db}")
        else:
            contracted *= size_a
    dims_a, dims_b = _distinct_dims(dims_a, a._data.ndim), _distinct_dims(dims_b, b._data.ndim)
    free_a = [d for d in range(a._data.ndim) if d not in dims_a]
    free_b = [d for d in range(b._data.ndim) if d not in dims_b]
    shape_a = [summed_a._data.shape[d] for d in free_a]
    shape_b = [summed_b._data.shape[d] for d in free_b]
    left = reshape(permute(summed_a, free_a + dims_a), (int(np.prod(shape_a)), contracted))
    right = reshape(permute(summed_b, dims_b + free_b), (contracted, int(np.prod(shape_b))))
    return reshape(mm(left, right), tuple(shape_a + shape_b))


@tensor_method
def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dimension of both (the dot product for vectors).

    >>> import chainrule as torch
    >>> torch.inner(torch.tensor([1., 2.]), torch.tensor([3., 4.]))
    tensor(11.)
    """
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


class Vdot(Op):
    """The dot product; for complex numbers the first would be conjugated (chainrule is real)."""

    def forward(self, a, b):
        self.save_for_backward(a if b._requires_grad else None, b if a._requires_grad else None)
        return np.dot(a._data, b._data)

    def backward(self, grad):
        a, b = self.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


@tensor_method
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-d tensors of the same length (``dot``, conjugating a complex ``input``)."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{scalar_type_name(input._data.dtype)} and {scalar_type_name(other._data.dtype)}")
    if input._data.size != other._data.size:
        raise _dot_shape_error(input._data.size, other._data.size)
    return Vdot.apply(input, other)


class UnsafeView(View):
    """A reshape of a fresh intermediate result (PyTorch's ``_unsafe_view``: not tracked as a view)."""


@tensor_method
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: ``other`` scaled by each element of ``input``, laid out in blocks.

    >>> import chainrule as torch
    >>> torch.kron(torch.tensor([1, 10]), torch.tensor([1, 2, 3]))
    tensor([ 1,  2,  3, 10, 20, 30])
    """
    ndim = max(input._data.ndim, other._data.ndim)
    a_shape = (1,) * (ndim - input._data.ndim) + input._data.shape
    b_shape = (1,) * (ndim - other._data.ndim) + other._data.shape
    # out[i * m + j] = a[i] * b[j] along each dim: a gets a size-1 axis after each dim, b before.
    a = UnsafeView.apply(input, shape=tuple(n for size in a_shape for n in (size, 1)))
    b = UnsafeView.apply(other, shape=tuple(n for size in b_shape for n in (1, size)))
    return UnsafeView.apply(a * b, shape=tuple(x * y for x, y in zip(a_shape, b_shape)))


# ---------------------------------------------------------------------------------------
# cross


class LinalgCross(Op):
    """The cross product along ``dim``; a x b is perpendicular to both."""

    def forward(self, a, b, dim):
        self.save_for_backward(a if b._requires_grad else None, b if a._requires_grad else None)
        self.dim = dim
        return np.cross(a._data, b._data, axis=dim)

    def backward(self, grad):
        # d(a x b) . g = a . (b x g) = b . (g x a)
        a, b = self.saved_tensors
        grad_a = _cross(b, grad, self.dim) if b is not None else None
        grad_b = _cross(grad, a, self.dim) if a is not None else None
        return grad_a, grad_b


def _cross(a: Tensor, b: Tensor, dim: int) -> Tensor:
    return LinalgCross.apply(a, b, dim=dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.cross``: the cross product of 3-vectors along ``dim`` (other dims broadcast).

    >>> import chainrule as torch
    >>> torch.linalg.cross(torch.tensor([1., 0., 0.]), torch.tensor([0., 1., 0.]))
    tensor([0., 0., 1.])
    """
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _normalize_dim(int(dim), input._data.ndim, "linalg.cross")
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input._data.shape[d]} and "
                           f"{other._data.shape[d]}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(input._data.dtype)} but found "
                           f"{scalar_type_name(other._data.dtype)}")
    _not_bool("cross", input)
    from chainrule.ops.broadcasting import _broadcast_pair

    _broadcast_pair(input._data.shape, other._data.shape)  # PyTorch's message when they do not broadcast
    return LinalgCross.apply(input, other, dim=d - input._data.ndim)


@tensor_method
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product along ``dim``; without ``dim``, the first dim of size 3 (deprecated in PyTorch)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(input._data.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


# ---------------------------------------------------------------------------------------
# chains of matrix products: linalg.multi_dot, chain_matmul


def _chain_order(shapes: list) -> list:
    """split[i][j]: where to cut matrices i..j so the fewest multiplications are done (CLRS 15.2)."""
    n = len(shapes)
    p = [s[0] for s in shapes] + [shapes[-1][1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _multiply_in_order(matrices: list, split: list, i: int, j: int) -> Tensor:
    if i == j:
        return matrices[i]
    k = split[i][j]
    return mm(_multiply_in_order(matrices, split, i, k), _multiply_in_order(matrices, split, k + 1, j))


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """``torch.linalg.multi_dot``: the product of several matrices, in the cheapest order.

    The first may be a row vector and the last a column vector (1-d tensors).

    >>> import chainrule as torch
    >>> torch.linalg.multi_dot([torch.tensor([1., 2.]), torch.eye(2), torch.tensor([3., 4.])])
    tensor(11.)
    """
    given = list(tensors)
    n = len(given)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    matrices, out_shape = list(given), []
    for position, i, as_matrix in (("first", 0, lambda t: t.unsqueeze(0)), ("last", n - 1, lambda t: t.unsqueeze(-1))):
        ndim = given[i]._data.ndim
        if ndim == 1:
            matrices[i] = as_matrix(given[i])
        elif ndim == 2:
            out_shape.append(given[i]._data.shape[0 if i == 0 else 1])
        else:
            raise RuntimeError(f"multi_dot(): the {position} tensor must be 1D or 2D but got {ndim}D")
    for i in range(1, n - 1):
        if given[i]._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {given[i]._data.ndim}D")
    first = matrices[0]._data.dtype
    for i in range(1, n):
        if matrices[i]._data.dtype != first:
            names = [_CPP_TYPE_NAMES.get(scalar_type_name(d), str(d)) for d in (first, matrices[i]._data.dtype)]
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is {names[0]} and "
                               f"tensor {i} {names[1]}")
        if matrices[i - 1]._data.shape[-1] != matrices[i]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes {list(given[i - 1].shape)} and "
                               f"{list(given[i].shape)} cannot be multiplied")
    if n == 3:  # PyTorch compares the two orders directly (the same choice as the general search)
        (a, b), (c, d) = matrices[0]._data.shape, matrices[2]._data.shape
        if a * c * (b + d) > b * d * (a + c):
            return reshape(mm(matrices[0], mm(matrices[1], matrices[2])), tuple(out_shape))
        return reshape(mm(mm(matrices[0], matrices[1]), matrices[2]), tuple(out_shape))
    split = _chain_order([m._data.shape for m in matrices])
    return reshape(_multiply_in_order(matrices, split, 0, n - 1), tuple(out_shape))


@register_function
def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of several matrices, in the cheapest order (deprecated: use ``linalg.multi_dot``)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    for m in matrices:
        if m._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._data.ndim}, expected 2 instead.")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


# torch.linalg.cross and torch.linalg.multi_dot: chainrule.linalg exports these two.
linalg_cross.__name__ = "cross"
