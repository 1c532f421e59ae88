"""`Variable`, PyTorch's pre-0.4 wrapper, kept so old lecture code runs.

Since PyTorch 0.4 ``Variable(t, requires_grad=True)`` simply returns a tensor; so does ours.
"""

from __future__ import annotations


def Variable(data, requires_grad: bool = False, volatile: bool = False):  # noqa: N802
    """``Variable(torch.Tensor([1.0]), requires_grad=True)``: a leaf tensor sharing ``data``'s memory."""
    from chainrule._tensor import Tensor

    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    t = Tensor._wrap(data._data)
    if requires_grad:
        t.requires_grad_(True)
    return t
