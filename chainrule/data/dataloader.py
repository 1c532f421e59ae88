"""`DataLoader`: batches of a data set, in order or shuffled, as PyTorch's."""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterator

import numpy as np

from chainrule._tensor import Tensor
from chainrule.data.dataset import Dataset, _fetch


# PyTorch options about worker processes and pinned memory: meaningless for NumPy arrays in one
# process, accepted so that PyTorch code runs unchanged.
_IGNORED_OPTIONS = {"num_workers", "pin_memory", "timeout", "worker_init_fn", "prefetch_factor",
                    "persistent_workers", "multiprocessing_context", "pin_memory_device", "in_order"}


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    ``shuffle=True`` draws a new order every epoch from ``generator`` (chainrule's default
    generator if None), so ``manual_seed`` or a seeded `Generator` repeats the order.
    ``drop_last=True`` skips the last, smaller batch.

    >>> import chainrule as torch
    >>> ds = torch.data.TensorDataset(torch.arange(10.0), torch.arange(10))
    >>> [len(x) for x, y in torch.data.DataLoader(ds, batch_size=4)]
    [4, 4, 2]
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 generator=None, collate_fn: Callable[[list], Any] | None = None, **torch_options: Any) -> None:
        unknown = set(torch_options) - _IGNORED_OPTIONS
        if unknown:
            raise TypeError(f"DataLoader got unexpected argument(s) {sorted(unknown)}; chainrule's DataLoader takes "
                            "batch_size, shuffle, drop_last, generator and collate_fn (and ignores "
                            "PyTorch's worker and memory-pinning options)")
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.generator, self.collate_fn = drop_last, generator, collate_fn

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        from chainrule.random import _rng

        return _rng(self.generator).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:  # PyTorch: no batching, one sample at a time
            for i in order:
                yield self.dataset[int(i)]
            return
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            if self.collate_fn is not None:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
            else:
                yield _fetch(self.dataset, indices)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


def default_collate(samples: list) -> Any:
    """Stack a list of samples into a batch: tensors along a new first dimension, tuples element-wise."""
    first = samples[0]
    if isinstance(first, Tensor):
        shapes = {tuple(s.shape) for s in samples}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, got shapes "
                               f"{sorted(shapes)}")
        return Tensor._wrap(np.stack([s._data for s in samples]))
    if isinstance(first, np.ndarray):
        return Tensor._wrap(np.stack(samples))
    if isinstance(first, bool):
        return Tensor._wrap(np.asarray(samples, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor._wrap(np.asarray(samples, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._wrap(np.asarray(samples, dtype=np.float64))  # PyTorch collates Python floats as float64
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(column)) for column in zip(*samples)]
        return tuple(columns) if isinstance(first, tuple) else columns
    return samples
