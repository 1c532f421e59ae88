"""Which of several equal elements PyTorch's CPU kernels pick: the C++ algorithms, step by step.

``topk``, ``kthvalue``, ``mode`` and ``nanmedian`` return an *index*, and where the
input has ties the index depends on how the C++ code moved elements around: topk calls
``std::partial_sort`` / ``std::nth_element`` / ``std::sort`` (libstdc++), kthvalue a
quickselect of its own (Sedgewick's partition), mode ``std::sort``. None of them is
stable, so no NumPy sort reproduces their choice. These are those algorithms written out
on a Python list with the same comparisons and swaps, so the same element ends up in the
same place. The callers use them only for rows that have ties (and for topk's unsorted
output, whose order is whatever ``nth_element`` left): elsewhere the answer is unique and
NumPy computes it.

Each function works on a list in place, with ``less(a, b)`` playing the C++ comparator.
"""

from __future__ import annotations

from typing import Callable, Sequence

_THRESHOLD = 16  # libstdc++'s _S_threshold: below it, std::sort is an insertion sort


def _depth_limit(n: int) -> int:
    return 2 * (n.bit_length() - 1)  # 2 * std::__lg(n)


# -- std::sort: introsort, then a final insertion sort ------------------------------------


def sort(items: list, less: Callable) -> None:
    """``std::sort(first, last, less)``."""
    sort_range(items, 0, len(items), less)


def sort_range(items: list, first: int, last: int, less: Callable) -> None:
    if last - first > 1:
        _introsort_loop(items, first, last, _depth_limit(last - first), less)
        _final_insertion_sort(items, first, last, less)


def _introsort_loop(items, first, last, depth, less) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            _partial_sort(items, first, last, last, less)
            return
        depth -= 1
        cut = _unguarded_partition_pivot(items, first, last, less)
        _introsort_loop(items, cut, last, depth, less)
        last = cut


def _final_insertion_sort(items, first, last, less) -> None:
    if last - first > _THRESHOLD:
        _insertion_sort(items, first, first + _THRESHOLD, less)
        for i in range(first + _THRESHOLD, last):
            _unguarded_linear_insert(items, i, less)
    else:
        _insertion_sort(items, first, last, less)


def _insertion_sort(items, first, last, less) -> None:
    for i in range(first + 1, last):
        value = items[i]
        if less(value, items[first]):
            items[first + 1:i + 1] = items[first:i]  # move_backward
            items[first] = value
        else:
            _unguarded_linear_insert(items, i, less)


def _unguarded_linear_insert(items, last, less) -> None:
    value = items[last]
    previous = last - 1
    # C++ relies on a smaller element further left to stop; with NaN under `<` nothing is
    # smaller, so the bound keeps Python from wrapping around (C++ would read out of range).
    while previous >= 0 and less(value, items[previous]):
        items[last] = items[previous]
        last = previous
        previous -= 1
    items[last] = value


def _unguarded_partition_pivot(items, first, last, less) -> int:
    mid = first + (last - first) // 2
    _move_median_to_first(items, first, first + 1, mid, last - 1, less)
    return _unguarded_partition(items, first + 1, last, first, less)


def _move_median_to_first(items, result, a, b, c, less) -> None:
    # (C++ skips comparisons it does not need; making all three changes nothing)
    a_b, b_c, a_c = less(items[a], items[b]), less(items[b], items[c]), less(items[a], items[c])
    if a_b:
        chosen = b if b_c else c if a_c else a
    else:
        chosen = a if a_c else c if b_c else b
    items[result], items[chosen] = items[chosen], items[result]


def _unguarded_partition(items, first, last, pivot, less) -> int:
    n = len(items)
    while True:
        while first < n - 1 and less(items[first], items[pivot]):
            first += 1
        last -= 1
        while last > 0 and less(items[pivot], items[last]):
            last -= 1
        if not first < last:
            return first
        items[first], items[last] = items[last], items[first]
        first += 1


# -- heaps, std::partial_sort and std::nth_element ----------------------------------------


def partial_sort(items: list, middle: int, less: Callable) -> None:
    """``std::partial_sort(first, first + middle, last, less)``."""
    _partial_sort(items, 0, middle, len(items), less)


def _partial_sort(items, first, middle, last, less) -> None:
    _heap_select(items, first, middle, last, less)
    _sort_heap(items, first, middle, less)


def _heap_select(items, first, middle, last, less) -> None:
    _make_heap(items, first, middle, less)
    for i in range(middle, last):
        if less(items[i], items[first]):
            _pop_heap(items, first, middle, i, less)


def _make_heap(items, first, last, less) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(items, first, parent, length, items[first + parent], less)
        if parent == 0:
            return
        parent -= 1


def _adjust_heap(items, first, hole, length, value, less) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(items[first + child], items[first + child - 1]):
            child -= 1
        items[first + hole] = items[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        items[first + hole] = items[first + child - 1]
        hole = child - 1
    # __push_heap
    parent = (hole - 1) // 2
    while hole > top and less(items[first + parent], value):
        items[first + hole] = items[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    items[first + hole] = value


def _pop_heap(items, first, last, result, less) -> None:
    value = items[result]
    items[result] = items[first]
    _adjust_heap(items, first, 0, last - first, value, less)


def _sort_heap(items, first, last, less) -> None:
    while last - first > 1:
        last -= 1
        _pop_heap(items, first, last, last, less)


def nth_element(items: list, nth: int, less: Callable) -> None:
    """``std::nth_element(first, first + nth, last, less)``: introselect."""
    first, last = 0, len(items)
    if first == last or nth == last:
        return
    depth = _depth_limit(last - first)
    while last - first > 3:
        if depth == 0:
            _heap_select(items, first, nth + 1, last, less)
            items[first], items[nth] = items[nth], items[first]
            return
        depth -= 1
        cut = _unguarded_partition_pivot(items, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(items, first, last, less)


# -- PyTorch's own quickselect (kthvalue) -------------------------------------------------


def quick_select(items: list, k: int, greater: Callable) -> None:
    """ATen's ``quick_select_template``: partition ``items`` so position ``k`` holds the
    (k+1)-th smallest; ``greater`` is its ``gt_or_nan`` comparison."""
    left, right = 0, len(items) - 1
    while True:
        if right <= left:
            return
        if right == left + 1:
            if greater(items[left], items[right]):
                items[left], items[right] = items[right], items[left]
            return
        mid = (left + right) >> 1
        items[mid], items[left + 1] = items[left + 1], items[mid]
        if greater(items[left + 1], items[right]):
            items[left + 1], items[right] = items[right], items[left + 1]
        if greater(items[left], items[right]):
            items[left], items[right] = items[right], items[left]
        if greater(items[left + 1], items[left]):
            items[left + 1], items[left] = items[left], items[left + 1]
        i, j = left + 1, right
        pivot = items[left]
        while True:
            i += 1
            while greater(pivot, items[i]):
                i += 1
            j -= 1
            while greater(items[j], pivot):
                j -= 1
            if j < i:
                break
            items[i], items[j] = items[j], items[i]
        items[left], items[j] = items[j], items[left]
        if j <= k:
            left = i
        if j >= k:
            right = j - 1


def pairs(values: Sequence) -> list:
    """``[(value, index), ...]``: the queue the C++ kernels sort (values as Python numbers)."""
    return [(v, i) for i, v in enumerate(values)]
