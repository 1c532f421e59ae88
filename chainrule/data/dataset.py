"""Data sets: `Dataset` (anything with ``__getitem__`` and ``__len__``), `TensorDataset`, `Subset`."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chainrule._tensor import Tensor


class Dataset:
    """Base class for map-style data sets: ``dataset[i]`` is one sample, ``len(dataset)`` their number."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are rows of tensors with the same first dimension: ``(x[i], y[i])``.

    >>> import chainrule as torch
    >>> ds = torch.data.TensorDataset(torch.zeros(5, 2), torch.arange(5))
    >>> len(ds), ds[3][1].item()
    (5, 3)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.dim() else None for t in tensors]
        if any(size != sizes[0] for size in sizes):
            raise ValueError(f"Size mismatch between tensors: first dimensions are {sizes}; every tensor needs "
                             "one row per sample")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """Many samples at once, already stacked (what DataLoader uses: one copy per tensor, no loop)."""
        # a tensor that requires grad keeps its graph (indexing records it); data need not pay for that
        return tuple(t[indices] if t.requires_grad else Tensor._wrap(t._data[indices]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices: np.ndarray) -> Any:
        return _fetch(self.dataset, self.indices[indices])

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given sizes (or fractions that sum to 1)."""
    from chainrule.random import _rng

    n = len(dataset)
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1) < 1e-9:
        counts = [int(np.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):  # PyTorch hands the remainder out round-robin
            counts[i % len(counts)] += 1
    else:
        counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _rng(generator).permutation(n)
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - count:end]) for count, end in zip(counts, ends)]


def _fetch(dataset: Dataset, indices: np.ndarray) -> Any:
    """A batch from ``dataset``: stacked at once when the data set can, else sample by sample."""
    if hasattr(dataset, "get_batch"):
        return dataset.get_batch(indices)
    from chainrule.data.dataloader import default_collate

    return default_collate([dataset[int(i)] for i in indices])
