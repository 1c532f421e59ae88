"""Linear algebra: matmul (``@``) and its fixed-shape forms mm, bmm, mv, dot; outer; einsum.

For C = A @ B the chain rule gives dL/dA = dL/dC @ B^T and dL/dB = A^T @ dL/dC. A 1-D
operand is treated as a one-row (left) or one-column (right) matrix, and batch dimensions
broadcast as in NumPy; the engine sums a gradient over the batch dimensions it broadcast.

The same rule runs on NumPy arrays (a plain backward: three matrix products in all, no
graph) and on Tensors (``create_graph=True``: the backward is itself differentiable).
"""

from __future__ import annotations

import math
import string

import numpy as np

from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.ops._operands import ensure_tensor
from chainrule.ops.reduce import scalar_type_name
from chainrule._tensor import Tensor, register_function, tensor_method

# ---------------------------------------------------------------------------------------
# matmul


class Matmul(Op):
    """``a @ b``; named after the kernel PyTorch would use (MmBackward0, MvBackward0, ...)."""

    symbol = "@"

    def forward(self, a, b, torch_name="MmBackward0"):
        # dL/da needs only b and dL/db only a: keep an operand only if the other one wants a
        # gradient (as PyTorch does: less memory, and no false "modified in place" errors).
        self.save_for_backward(a if b._requires_grad else None, b if a._requires_grad else None)
        self.ranks = (a._data.ndim, b._data.ndim)
        self.transposed = (_is_transposed(a._data), _is_transposed(b._data))
        self.torch_name = torch_name
        return np.matmul(a._data, b._data)

    def backward(self, grad):
        a, b = self.saved_tensors
        if grad_mode.is_grad_enabled():
            return matmul_gradients(grad, a, b, self.ranks)
        if self.ranks == (2, 2) and any(self.transposed):
            da, db = _matrix_gradients_in_layout(grad._data, _array(a), _array(b), self.transposed)
        else:
            da, db = matmul_gradients(grad._data, _array(a), _array(b), self.ranks)
        return (Tensor._wrap(da) if da is not None else None), (Tensor._wrap(db) if db is not None else None)

    def name(self) -> str:
        return self.torch_name


def _is_transposed(x: np.ndarray) -> bool:
    """A 2-D array laid out column by column (``w.t()`` of a row-major ``w``)."""
    return x.ndim == 2 and x.flags.f_contiguous and not x.flags.c_contiguous


def _matrix_gradients_in_layout(grad: np.ndarray, a, b, transposed: tuple) -> tuple:
    """dL/da, dL/db for 2-D ``a @ b``, each laid out like its operand.

    ``x @ w.t()`` is how a linear layer multiplies: w.t() is column-major, and a gradient
    computed row-major would come back to ``w`` transposed (slow to add into, slow to copy).
    Computing (b @ grad^T)^T instead of grad @ b^T gives the same numbers, already in w's layout.
    """
    da = db = None
    if b is not None:
        da = (b @ grad.T).T if transposed[0] else grad @ b.T
    if a is not None:
        db = (grad.T @ a).T if transposed[1] else a.T @ grad
    return da, db


def _array(t: Tensor | None) -> np.ndarray | None:
    return t._data if t is not None else None


def matmul_gradients(grad, a, b, ranks: tuple) -> tuple:
    """(dL/da, dL/db) for ``a @ b``; works the same on NumPy arrays and on Tensors.

    dL/da = grad @ b^T and dL/db = a^T @ grad; pass None for ``b`` (``a``) to skip dL/da
    (dL/db). ``ranks`` are the operands' ndims. The results may keep broadcast batch
    dimensions: the engine sums them away.
    """
    a_vector, b_vector = ranks[0] == 1, ranks[1] == 1
    if b_vector:  # b is a column: grad gets that column axis back
        b = b.reshape(-1, 1) if b is not None else None
        grad = grad.reshape(tuple(grad.shape) + (1,))
    if a_vector:  # a is a row: grad gets that row axis back
        a = a.reshape(1, -1) if a is not None else None
        grad = grad.reshape(tuple(grad.shape[:-1]) + (1, grad.shape[-1]))
    da = db = None
    if b is not None:
        da = grad @ b.mT
        if a_vector:
            da = da.reshape(tuple(da.shape[:-2]) + (da.shape[-1],))
    if a is not None:
        if ranks[1] <= 2 and a.ndim > 2:
            # A batch of rows times one matrix: fold the batch into the rows, so the sum over
            # the batch happens inside one matrix product instead of after a batch of them.
            rows = math.prod(a.shape[:-1])
            db = a.reshape(rows, a.shape[-1]).mT @ grad.reshape(rows, grad.shape[-1])
        else:
            db = a.mT @ grad
        if b_vector:
            db = db.reshape(tuple(db.shape[:-1]))
    return da, db


# The C++ type names PyTorch prints in "expected m1 and m2 to have the same dtype".
_CPP_TYPE_NAMES = {"Float": "float", "Double": "double", "Half": "c10::Half", "Long": "long int",
                   "Int": "int", "Short": "short int", "Char": "signed char", "Byte": "unsigned char",
                   "Bool": "bool"}


def _check_dtypes(a: Tensor, b: Tensor, op: str) -> None:
    """One dtype for both, and not bool; PyTorch's message depends on the kernel (dot, mm, bmm)."""
    if a._data.dtype == b._data.dtype:
        if a._data.dtype == np.bool_:
            raise RuntimeError(f"{op}: not implemented for 'Bool' tensors; convert them first (x.float())")
        return
    first, second = scalar_type_name(a._data.dtype), scalar_type_name(b._data.dtype)
    ranks = (a._data.ndim, b._data.ndim)
    if ranks == (1, 1):
        message = f"dot : expected both vectors to have same dtype, but found {first} and {second}"
    elif max(ranks) <= 2:
        message = (f"expected m1 and m2 to have the same dtype, but got: "
                   f"{_CPP_TYPE_NAMES.get(first, first)} != {_CPP_TYPE_NAMES.get(second, second)}")
    else:
        message = f"expected scalar type {first} but found {second}"
    raise RuntimeError(f"{message} (convert one with .to(), e.g. b.to(a.dtype))")


def _mm_shape_error(rows: int, k: int, shape_b: tuple) -> RuntimeError:
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {shape_b[0]}x{shape_b[1]})"
    )


def _mv_shape_error(rows: int, k: int, n: int) -> RuntimeError:
    return RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k}), vec ({n})")


def _dot_shape_error(n: int, m: int) -> RuntimeError:
    return RuntimeError(
        f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of "
        f"elements, but got {n} and {m} elements respectively"
    )


def _batch_shape(a_batch: tuple, b_batch: tuple) -> tuple:
    """Broadcast two batch shapes, with PyTorch's message when they do not broadcast."""
    n = max(len(a_batch), len(b_batch))
    a_full = (1,) * (n - len(a_batch)) + a_batch
    b_full = (1,) * (n - len(b_batch)) + b_batch
    out = []
    for i, (x, y) in enumerate(zip(a_full, b_full)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )
        out.append(max(x, y))
    return tuple(out)


def _matmul_name(a: Tensor, b: Tensor) -> str:
    """The grad_fn name PyTorch shows for ``a @ b`` (it depends on which kernel torch dispatches to)."""
    da, db = a._data.ndim, b._data.ndim
    if da == 1 and db == 1:
        return "DotBackward0"
    if da == 2 and db == 1:
        return "MvBackward0"
    if da == 1 and db == 2:
        return "SqueezeBackward4"  # torch computes (a as a 1-row matrix) @ b, then squeezes the row
    if da == 2 and db == 2:
        return "MmBackward0"
    one_matrix = da == 2 or (da == 3 == db and a._data.shape[0] == 1 < b._data.shape[0])
    if one_matrix and a._requires_grad:
        # torch folds b's batch into one matrix product, then copies the transposed result
        # back (no copy needed, only the transpose, when the result has a single row or
        # column, or nothing at all).
        rows, columns = a._data.shape[-2], b._data.shape[-1]
        no_copy = rows <= 1 or columns <= 1 or 0 in b._data.shape[:-2]
        return "TransposeBackward0" if no_copy else "CloneBackward0"
    return "UnsafeViewBackward0"  # torch runs mm or bmm on folded views and views the result back


def _check_matmul_shapes(a: Tensor, b: Tensor) -> None:
    shape_a, shape_b = a._data.shape, b._data.shape
    da, db = len(shape_a), len(shape_b)
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    k = shape_a[-1]
    if da == 1 and db == 1:
        if k != shape_b[0]:
            raise _dot_shape_error(k, shape_b[0])
    elif db <= 2:
        # (a batch of) rows @ a matrix or a vector: torch reports the batch folded into rows
        rows = math.prod(shape_a[:-1])
        if db == 1 and k != shape_b[0]:
            raise _mv_shape_error(rows, k, shape_b[0])
        if db == 2 and k != shape_b[0]:
            raise _mm_shape_error(rows, k, shape_b)
    else:
        batch = _batch_shape(shape_a[:-2], shape_b[:-2])
        if k != shape_b[-2]:
            count = math.prod(batch)
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: [{count}, {k}] but got: "
                f"[{count}, {shape_b[-2]}]."
            )


@tensor_method
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product with NumPy's rules: 1-D operands are vectors, batch dimensions broadcast.

    >>> import chainrule as torch
    >>> a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> a @ torch.tensor([1.0, 1.0])
    tensor([3., 7.], grad_fn=<MvBackward0>)
    """
    if not isinstance(other, Tensor):
        other = ensure_tensor(other, "matmul")
    if input._data.ndim == 2 and other._data.ndim == 2:  # the hot path: two matrices
        if input._data.dtype is not other._data.dtype or input._data.dtype == np.bool_:
            _check_dtypes(input, other, "matmul")
        if input._data.shape[1] != other._data.shape[0]:
            raise _mm_shape_error(input._data.shape[0], input._data.shape[1], other._data.shape)
        return Matmul.apply(input, other, torch_name="MmBackward0")
    _check_matmul_shapes(input, other)
    _check_dtypes(input, other, "matmul")
    return Matmul.apply(input, other, torch_name=_matmul_name(input, other))


def _rmatmul(self: Tensor, other) -> Tensor:
    return matmul(ensure_tensor(other, "matmul"), self)


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = _rmatmul


@tensor_method
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (2-D only; no broadcasting). See `matmul`."""
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


@tensor_method
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """A batch of matrix products: (b, n, m) @ (b, m, p) -> (b, n, p); batch sizes must be equal.

    >>> import chainrule as torch
    >>> torch.bmm(torch.ones(2, 1, 3), torch.ones(2, 3, 1)).shape
    torch.Size([2, 1, 1])
    """
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (batch, _, k), (batch2, rows2, _) = input._data.shape, mat2._data.shape
    if (batch2, rows2) != (batch, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but got: "
            f"[{batch2}, {rows2}]."
        )
    _check_dtypes(input, mat2, "bmm")
    return Matmul.apply(input, mat2, torch_name="BmmBackward0")


@tensor_method
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """A matrix times a vector: (n, m) @ (m,) -> (n,)."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return matmul(input, vec)


@tensor_method
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The dot product of two 1-D tensors of the same length (no broadcasting)."""
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors")
    return matmul(input, tensor)


@tensor_method
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors: out[i, j] = input[i] * vec2[j].

    >>> import chainrule as torch
    >>> torch.outer(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = tensor_method(outer, name="ger")


# ---------------------------------------------------------------------------------------
# einsum

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


class Einsum(Op):
    """A sum of products named by subscripts; the gradient for one operand is another einsum.

    For ``out = einsum("ij,jk->ik", A, B)``, dL/dA = einsum("ik,jk->ij", dL/dout, B): put the
    output's gradient in the operand's place and ask for the operand's subscripts back.
    """

    def forward(self, *operands, subscripts, output, sizes):
        self.save_for_backward(*operands)
        self.subscripts, self.output_subscripts, self.sizes = subscripts, output, sizes
        arrays = [t._data for t in operands]
        out = np.einsum(f"{','.join(subscripts)}->{output}", *arrays, optimize=len(arrays) > 1)
        if any(np.may_share_memory(out, a) for a in arrays):
            out = out.copy()  # 'ij->ji' and 'ii->i' give NumPy views: the result must own its memory
        return out

    def backward(self, grad):
        operands = self.saved_tensors
        return tuple(
            self._operand_gradient(k, grad, operands) if edge is not None else None
            for k, (edge, _) in enumerate(self.next_functions)
        )

    def _operand_gradient(self, k: int, grad, operands) -> Tensor:
        terms = [self.output_subscripts] + [s for j, s in enumerate(self.subscripts) if j != k]
        tensors = [grad] + [t for j, t in enumerate(operands) if j != k]
        available = set("".join(terms))
        fresh = iter(c for c in _LETTERS if c not in "".join(self.subscripts))
        target, seen = [], set()
        for letter in self.subscripts[k]:
            size = self.sizes[letter]
            if letter in seen:
                # A repeated subscript reads a diagonal: its gradient lies on that diagonal.
                other = next(fresh)
                terms.append(letter + other)
                tensors.append(Tensor._wrap(np.eye(size, dtype=grad._data.dtype)))
                target.append(other)
                continue
            seen.add(letter)
            target.append(letter)
            if letter not in available:
                # Summed within this operand alone: the gradient is the same all along it.
                terms.append(letter)
                tensors.append(Tensor._wrap(np.ones(size, dtype=grad._data.dtype)))
                available.add(letter)
        return einsum(f"{','.join(terms)}->{''.join(target)}", *tensors)


def _einsum_error(message: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {message}")


def _split_equation(equation: str, n_operands: int) -> tuple[list, str | None]:
    equation = equation.replace(" ", "")
    for i, c in enumerate(equation):
        if not (c in _LETTERS or c in ".,->"):
            raise _einsum_error(
                f"invalid subscript given at index {i} in the equation string, subscripts must be in [a-zA-Z]")
    if equation.count("->") > 1:
        raise _einsum_error("the equation has more than one '->'")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > n_operands:
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < n_operands:
        raise _einsum_error("more operands were provided than specified in the equation")
    for term in terms + [rhs]:
        if term.replace("...", "").count(".") or term.count("...") > 1:
            raise _einsum_error(f"found '.' outside of an ellipsis in '{term}'; use at most one '...' per term")
        if "-" in term or ">" in term:
            raise _einsum_error("'->' must separate the inputs from the output, once")
    return terms, (rhs if arrow else None)


def _parse_einsum(equation: str, shapes: list) -> tuple[list, str, dict]:
    """Explicit subscripts (ellipses spelled out as letters), the output and each letter's size."""
    terms, output = _split_equation(equation, len(shapes))
    spare = [c for c in _LETTERS if c not in equation]
    ellipsis_dims = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if "..." not in term and named != len(shape):
            raise _einsum_error(
                f"the number of subscripts in the equation ({named}) does not match the number of "
                f"dimensions ({len(shape)}) for operand {i} and no ellipsis was given")
        if named > len(shape):
            raise _einsum_error(
                f"the number of subscripts in the equation ({named}) is more than the number of "
                f"dimensions ({len(shape)}) for operand {i}")
        ellipsis_dims.append(len(shape) - named if "..." in term else 0)
    ellipsis = "".join(spare[: max(ellipsis_dims, default=0)])
    subscripts = [t.replace("...", ellipsis[len(ellipsis) - n:] if n else "") for t, n in zip(terms, ellipsis_dims)]
    letters = "".join(subscripts)
    if output is None:  # implicit mode: the ellipsis, then the letters seen once, in order
        once = (c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis)
        output = ellipsis + "".join(sorted(once))
    else:
        output = output.replace("...", ellipsis)
        for c in output:
            if c not in letters:
                raise _einsum_error(f"output subscript {c} does not appear in the equation for any input operand")
            if output.count(c) > 1:
                raise _einsum_error(f"output subscript {c} appears more than once in the output")
    return subscripts, output, _letter_sizes(subscripts, shapes)


def _letter_sizes(subscripts: list, shapes: list) -> dict:
    sizes: dict = {}
    for i, (term, shape) in enumerate(zip(subscripts, shapes)):
        mine: dict = {}
        for letter, size in zip(term, shape):
            if letter in mine and mine[letter] != size:
                raise _einsum_error(
                    f"subscript {letter} is repeated for operand {i} but the sizes don't match, {size} != {mine[letter]}")
            mine[letter] = size
        for letter, size in mine.items():
            seen = sizes.get(letter, 1)
            if seen != size and seen != 1 and size != 1:
                raise _einsum_error(
                    f"subscript {letter} has size {size} for operand {i} which does not broadcast with "
                    f"previously seen size {seen}")
            sizes[letter] = size if seen == 1 else seen
    return sizes


@register_function
def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Sums of products over named indices: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

    Supports implicit outputs (``"ij,jk"``), ``...`` for leading dimensions, repeated
    indices (``"ii->i"`` is the diagonal, ``"ii"`` the trace) and size-1 broadcasting.

    >>> import chainrule as torch
    >>> torch.einsum("ii", torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(ensure_tensor(t, "einsum") for t in operands)
    if not operands:
        raise _einsum_error("must provide at least one operand")
    subscripts, output, sizes = _parse_einsum(equation, [t._data.shape for t in operands])
    first = operands[0]._data.dtype
    for t in operands[1:]:
        if t._data.dtype != first:
            raise RuntimeError(
                f"expected scalar type {scalar_type_name(first)} but found {scalar_type_name(t._data.dtype)}"
                " (einsum needs operands of one dtype; convert with .to())")
    # Size-1 dimensions broadcast against the others: expand them (the engine sums them back).
    operands = tuple(
        t.expand(tuple(sizes[c] for c in s)) if any(sizes[c] != n for c, n in zip(s, t._data.shape)) else t
        for t, s in zip(operands, subscripts)
    )
    return Einsum.apply(*operands, subscripts=subscripts, output=output, sizes=sizes)
