"""`torch.device` and `torch.cuda`, for code that asks where to run: chainrule runs on the CPU.

``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")`` picks "cpu" here,
and ``x.to(device)`` is then a no-op.
"""

from __future__ import annotations

import types


class device:  # noqa: N801  (PyTorch's name)
    """A device description; only "cpu" can hold chainrule tensors."""

    def __init__(self, type: str, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, number = str(type).partition(":")
        self.type = name
        self.index = int(number) if number else index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


cuda = types.SimpleNamespace(
    is_available=lambda: False,
    device_count=lambda: 0,
    manual_seed=lambda seed: None,
    manual_seed_all=lambda seed: None,
)
