"""`Tensor`: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn, version).

The ops themselves live in `chainrule.ops` (one module per family); each registers its
methods on `Tensor` with `tensor_method`, so this file holds only the tensor's own state
and the PyTorch attributes around it.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable

import numpy as np

from chainrule import dtypes
from chainrule.autograd import grad_mode
from chainrule.autograd.node import AccumulateGrad, RemovableHandle
from chainrule.graph import NodeView


_new_object = object.__new__


class Size(tuple):
    """`torch.Size`: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    >>> import chainrule as torch
    >>> w = torch.tensor([1.0], requires_grad=True)
    >>> loss = ((2.0 * w - 4.0) ** 2).sum()
    >>> loss.backward()
    >>> w.grad
    tensor([-8.])
    """

    __slots__ = (
        "_data",
        "_requires_grad",
        "grad_fn",
        "_vc",  # the version counter: a one-element list shared by views, or None until needed
        "__dict__",  # PyTorch tensors accept arbitrary attributes; so do ours
        "__weakref__",
    )
    # NumPy defers to us in `ndarray * tensor` (as with PyTorch), so the result stays a Tensor.
    __array_priority__ = 1000
    # Rarely set, so class-level defaults keep making a tensor cheap.
    _grad = None
    _output_nr = 0  # which output of grad_fn this is (multi-output Functions)
    _accumulator = None  # weakref to this leaf's AccumulateGrad node
    _backward_hooks = None
    name = ""  # a label for drawings and explanations (chainrule extension)

    # -- construction ----------------------------------------------------------------
    def __init__(self, *args: Any, dtype=None, requires_grad: bool = False) -> None:
        """The legacy constructor: ``Tensor([1.0, 2.0])`` (float32 data) or ``Tensor(2, 3)`` (a shape)."""
        target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]
            if isinstance(data, Tensor):
                data = data._data
            array = np.array(data, dtype=target.numpy)
        else:
            shape = tuple(int(a) for a in (args[0] if len(args) == 1 and isinstance(args[0], tuple) else args))
            array = np.zeros(shape, dtype=target.numpy)
        _init_leaf(self, array)
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray, grad_fn=None, output_nr: int = 0) -> "Tensor":
        """Make a tensor around ``array`` without copying (the ops' fast path)."""
        t = _new_object(cls)
        t._data = array
        t._requires_grad = grad_fn is not None
        t.grad_fn = grad_fn
        t._vc = None
        if output_nr:
            t._output_nr = output_nr
        return t

    # -- the array ---------------------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """The same memory as a tensor outside the graph (``w.data = ...`` swaps the array)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        old = self._data
        self._data = array
        if array.shape != old.shape or array.dtype != old.dtype:
            self._forget_accumulator()

    def _forget_accumulator(self) -> None:
        """After a change of shape or dtype, graphs recorded from now on get a new AccumulateGrad
        (the old one keeps the old meta for the graphs already recorded, as torch resets it)."""
        if self._accumulator is not None:
            self._accumulator = None

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self):
        from chainrule._device import device

        return device("cpu")

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def _version(self) -> int:
        return self._vc[0] if self._vc is not None else 0

    @property
    def _version_counter(self) -> list:
        """The version counter, created on first use: most tensors are never modified or viewed,
        so they never pay for one (a tensor without one is at version 0)."""
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    @_version_counter.setter
    def _version_counter(self, counter: list) -> None:
        self._vc = counter

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_normalize_dim(dim, self._data.ndim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def nelement(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return self._data.flags.c_contiguous

    def item(self) -> Any:
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is not None:
            return self._data.astype(dtype, copy=False)
        return self._data

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> "Tensor":
        raise RuntimeError("chainrule runs on the CPU with NumPy; there is no CUDA device")

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous"
                if self._data.size > 1
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(self._data.reshape(()).item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        # As PyTorch: a 0-d tensor formats as its number (f"{loss:.3f}" works).
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __repr__(self) -> str:
        from chainrule._printing import format_tensor

        grad_fn = self.grad_fn
        return format_tensor(
            self._data,
            requires_grad=self._requires_grad and grad_fn is None,
            grad_fn_name=grad_fn.name() if grad_fn is not None else None,
            default_dtype=dtypes.get_default_dtype().numpy,
        )

    __str__ = __repr__

    # -- autograd state ------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: got {value.shape}, expected {self.shape}"
                )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        retained = self.grad_fn._retained if self.grad_fn is not None else None
        return retained is not None and self._output_nr in retained

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is not None:
            if fn._retained is None:
                fn._retained = {}
            fn._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._register_tensor_hook(hook, self._output_nr)
        if self._backward_hooks is None:
            self._backward_hooks = []
        return RemovableHandle(self._backward_hooks, hook)

    def _grad_accumulator(self) -> AccumulateGrad:
        # The tensor points to its accumulator weakly, the accumulator to the tensor strongly
        # (as in PyTorch): no reference cycle, and the same node while any graph uses it.
        node = self._accumulator() if self._accumulator is not None else None
        if node is None:
            node = AccumulateGrad(self)
            self._accumulator = weakref.ref(node)
        return node

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. the graph leaves, adding into their ``.grad``."""
        from chainrule.autograd import engine

        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> "Tensor":
        """The same memory, cut from the graph (shares the version counter, as in PyTorch)."""
        t = Tensor._wrap(self._data)
        t._version_counter = self._version_counter
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._requires_grad = False
        return self

    def _bump_version(self) -> None:
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    # -- the graph protocol (chainrule.graph), for drawings and explanations -------------
    def _graph_parents(self) -> tuple:
        if self.grad_fn is None:
            return ()
        return self.grad_fn._graph_parents()

    def _graph_view(self) -> NodeView:
        from chainrule.autograd.node import _op_label

        grad = self._grad._data if self._grad is not None else None
        return NodeView(
            op=_op_label(self.grad_fn) if self.grad_fn is not None else "",
            label=self.name or "",
            data=self._data,
            grad=grad,
            shape=tuple(self._data.shape),
            dtype=dtypes.from_numpy_dtype(self._data.dtype).name,
            is_leaf=self.grad_fn is None,
        )

    def _graph_local_derivatives(self) -> tuple:
        if self.grad_fn is None:
            return ()
        return self.grad_fn._graph_local_derivatives()

    def _repr_html_(self) -> str | None:
        if self.grad_fn is None:
            return None  # a leaf: Jupyter shows the plain repr
        try:
            from chainrule.viz.html import repr_html
        except ImportError:
            return None
        return repr_html(self)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input._data.size


def _bind() -> None:
    from chainrule.autograd import node

    node.bind_tensor_class(Tensor)


_bind()


def _init_leaf(t: Tensor, array: np.ndarray) -> None:
    """Set up a freshly constructed leaf (Tensor(...), nn.Parameter(...)) around ``array``."""
    t._data = array
    t._requires_grad = False
    t.grad_fn = None
    t._vc = None


def _normalize_dim(dim: int, ndim: int, op: str) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def tensor_method(func: Callable | None = None, *, name: str | None = None, function: bool = True):
    """Register ``func`` as ``Tensor.<name>`` (and as ``chainrule.<name>`` when ``function``)."""

    def register(f: Callable) -> Callable:
        method_name = name or f.__name__
        setattr(Tensor, method_name, f)
        if function:
            FUNCTIONS[method_name] = f
        return f

    return register(func) if func is not None else register


# chainrule.<name> for the functional forms (chainrule.exp, chainrule.matmul, ...)
FUNCTIONS: dict[str, Callable] = {}


def register_function(func: Callable | None = None, *, name: str | None = None):
    """Register ``func`` as ``chainrule.<name>`` only (no Tensor method)."""

    def register(f: Callable) -> Callable:
        FUNCTIONS[name or f.__name__] = f
        return f

    return register(func) if func is not None else register


# Register the ops (Tensor methods and chainrule.<name> functions) and the factories.
import chainrule.ops  # noqa: E402,F401
import chainrule.factories  # noqa: E402,F401
