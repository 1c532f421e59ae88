"""`Embedding`: a learned vector per token id (a lookup table)."""

from __future__ import annotations

from chainrule._tensor import Tensor
from chainrule.autograd.grad_mode import no_grad
from chainrule.factories import empty
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter


class Embedding(Module):
    """Row ``i`` of ``weight`` for each id ``i``: (N, L) int64 ids -> (N, L, embedding_dim).

    Initialised from N(0, 1), as PyTorch; row ``padding_idx`` starts at zero and gets no gradient.

    >>> import chainrule as torch
    >>> torch.nn.Embedding(10, 3)(torch.tensor([[1, 2], [3, 9]])).shape
    torch.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device=None, dtype=None) -> None:
        super().__init__()
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
