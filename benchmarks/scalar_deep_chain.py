"""Deep chains of Values: forward time, backward time and peak memory, 10^3 to 10^6 nodes.

The chain is ``y = y + x`` repeated n times (n nodes, each with the shared leaf ``x``
as a parent), so ``x.grad`` must come out as n + 1. micrograd is timed beside it
where installed; its recursive topological sort fails beyond the recursion limit.
Peak memory is measured in a second run under `tracemalloc` (which slows Python
down, so it is not used for the times).

Run (from a checkout):  python benchmarks/scalar_deep_chain.py [--max-exponent 6]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's chainrule

from chainrule.scalar import Value  # noqa: E402


def build_chain(value_type, n: int):
    x = value_type(0.5)
    y = x
    for _ in range(n):
        y = y + x
    return x, y


def timed_run(value_type, n: int) -> tuple[float, float | str]:
    """(forward seconds, backward seconds or the error backward raised)."""
    start = time.perf_counter()
    x, y = build_chain(value_type, n)
    forward = time.perf_counter() - start
    start = time.perf_counter()
    try:
        y.backward()
    except RecursionError:
        return forward, "RecursionError"
    backward = time.perf_counter() - start
    assert x.grad == n + 1, (x.grad, n)
    return forward, backward


def peak_memory_mib(n: int) -> float:
    gc.collect()
    tracemalloc.start()
    x, y = build_chain(Value, n)
    y.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-exponent", type=int, default=6, help="largest chain is 10**this nodes")
    args = parser.parse_args()
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        MicroValue = None

    print(f"chain y = y + x, n nodes; Python {sys.version.split()[0]}, recursion limit {sys.getrecursionlimit()}")
    header = f"{'nodes':>9} {'forward s':>10} {'backward s':>11} {'peak MiB':>9}"
    if MicroValue is not None:
        header += f" {'micrograd fwd s':>16} {'micrograd bwd s':>16}"
    print(header)
    for exponent in range(3, args.max_exponent + 1):
        n = 10**exponent
        forward, backward = timed_run(Value, n)
        gc.collect()
        row = f"{n:>9} {forward:>10.3f} {backward:>11.3f} {peak_memory_mib(n):>9.1f}"
        gc.collect()
        if MicroValue is not None:
            micro_forward, micro_backward = timed_run(MicroValue, n)
            gc.collect()
            shown = micro_backward if isinstance(micro_backward, str) else f"{micro_backward:.3f}"
            row += f" {micro_forward:>16.3f} {shown:>16}"
        print(row, flush=True)
    print("target: backward of 10^6 nodes in under 3 s")


if __name__ == "__main__":
    main()
