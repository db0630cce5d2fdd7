"""deep: a chain of N links y = y * 1.0001 + 0.0001 (2N ops), then backward.

For a 0-d float64 Tensor and for a Value (and PyTorch at 1e5 links, for
comparison, when installed). Float64 because 1.0001^1e6 = e^100
overflows float32. The targets are absolute: the 1e6-link chain completes
(no recursion limit), <= 5 us and <= 600 bytes per op, time linear in N.
Memory per op is the tracemalloc peak of a separate run (tracing slows the
run down, so it is not the timed one) divided by the number of ops.

Linear in N is judged on the engine's own time: the total less the time in
CPython's cyclic garbage collector, whose full passes walk every live object
of a growing graph. A row for the Python floor (the same chain as minimal
slotted objects, one per op) shows that collector growth in Python itself:
no graph of Python objects has a total time per op that stays flat.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

import autograd as ag
from benchmarks.harness import (
    Row,
    Settings,
    check_close,
    failed_row,
    fmt_time,
    frozen_gc,
    verdict,
)
from benchmarks.torch_rows import torch_or_none

NAME = "deep"
A, B = 1.0001, 0.0001
NS_FULL = (10**3, 10**4, 10**5, 10**6)
NS_QUICK = (10**2, 10**3)
US_PER_OP = 5.0
BYTES_PER_OP = 600
LINEAR = 1.5  # largest N's engine time per op (collector excluded) over the reference N's


def _fmt_n(n: int) -> str:
    """1000000 -> '1e6' (the chain lengths are powers of ten)."""
    return f"1e{len(str(n)) - 1}" if str(n).strip("0") == "1" else str(n)


def _tensor_leaf() -> ag.Tensor:
    return ag.Tensor(1.0, dtype=np.float64, requires_grad=True)


def _value_leaf() -> object:
    from autograd import Value

    return Value(1.0)


def _grad(kind: str, x: object) -> float:
    return float(x.grad) if kind == "Value" else float(x.grad.item())


def _out(kind: str, y: object) -> float:
    return float(y.data) if kind == "Value" else float(y.item())


LEAVES: dict[str, Callable[[], object]] = {"Tensor": _tensor_leaf, "Value": _value_leaf}


class _GcTimer:
    """Time spent in the cyclic garbage collector (a `gc.callbacks` entry).

    On a long chain Python's full collections walk the growing graph; this
    says how much of a chain's time that was, so a nonlinear time per op can
    be told apart from the engine's own cost.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = self.clock()
        else:
            self.total += self.clock() - self._start

    def __enter__(self) -> _GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def _chain(
    leaf: Callable[[], object], n: int, clock: Callable[[], float]
) -> tuple[object, object, tuple[float, float, float]]:
    """Build the chain and run backward: leaf, output, (forward, backward, gc) seconds."""
    x = leaf()
    with _GcTimer(clock) as in_gc:
        start = clock()
        y = x
        for _ in range(n):
            y = y * A + B
        mid = clock()
        y.backward()
        end = clock()
    return x, y, (mid - start, end - mid, in_gc.total)


def _expected(n: int) -> tuple[float, float]:
    """y_n and dy_n/dx by the same float64 recurrences, in plain Python."""
    y, g = 1.0, 1.0
    for _ in range(n):
        y = y * A + B
        g *= A
    return y, g


def _bytes_per_op(leaf: Callable[[], object], n: int) -> float:
    with frozen_gc():
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            x, y, _ = _chain(leaf, n, time.perf_counter)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    del x, y
    return peak / (2 * n)


def _repeats(n: int, settings: Settings) -> int:
    """Runs to take the median of: a short chain takes milliseconds, so one moment of a
    busy machine could take all of a few runs; 31 at 1e3 links and 9 at 1e4 spread them
    over about half a second (a 1e6 chain runs for seconds, which averages that out)."""
    if settings.quick or n >= 10**6:
        return 1
    if n >= 10**5:
        return 3
    return 9 if n >= 10**4 else 31


def _timed(kind: str, leaf: Callable[[], object], n: int, settings: Settings) -> tuple:
    """Check and time one chain (the median of a few runs): total, forward, backward, in gc."""
    y_ref, g_ref = _expected(n)
    runs = []
    for _ in range(_repeats(n, settings)):
        with frozen_gc():
            x, y, (fwd, bwd, in_gc) = _chain(leaf, n, settings.clock())
        check_close(f"deep {kind} N={n}: output", _out(kind, y), y_ref, rtol=1e-12)
        check_close(f"deep {kind} N={n}: grad", _grad(kind, x), g_ref, rtol=1e-12)
        del x, y  # freeing the chain is not part of the timed work
        runs.append((fwd + bwd, fwd, bwd, in_gc))
    return sorted(runs)[len(runs) // 2]  # the median run (odd count)


def _case(kind: str, n: int, settings: Settings) -> tuple[Row, float]:
    """Check, time and weigh one chain; the row and its seconds per op."""
    leaf = LEAVES[kind]
    total, fwd, bwd, in_gc = _timed(kind, leaf, n, settings)
    per_op = total / (2 * n)
    engine_per_op = (total - in_gc) / (2 * n)
    mem = _bytes_per_op(leaf, n)
    ok = per_op * 1e6 <= US_PER_OP and mem <= BYTES_PER_OP
    row = Row(
        workload=NAME,
        case=f"{kind} N={_fmt_n(n)} links",
        ours=f"{per_op * 1e6:.2f} us/op, {mem:.0f} B/op",
        reference="-",
        ratio=None,
        target=f"<= {US_PER_OP:g} us, <= {BYTES_PER_OP} B/op",
        status=verdict(ok),
        note=f"forward {fmt_time(fwd)}, backward {fmt_time(bwd)}, in gc {in_gc / total:.0%}",
        data={
            "n_links": n,
            "ops": 2 * n,
            "us_per_op": per_op * 1e6,
            "bytes_per_op": mem,
            "forward_s": fwd,
            "backward_s": bwd,
            "gc_s": in_gc,
            "repeats": _repeats(n, settings),
        },
    )
    return row, (per_op, engine_per_op)


class _Link:
    """The Python floor's node: a value and a link to the previous one."""

    __slots__ = ("prev", "value")

    def __init__(self, prev: _Link | None, value: float) -> None:
        self.prev = prev
        self.value = value


def _floor_per_op(n: int, clock: Callable[[], float]) -> tuple[float, float]:
    """The same chain as plain Python objects, one per op: (seconds per op, of which in gc)."""
    with frozen_gc(), _GcTimer(clock) as in_gc:
        start = clock()
        y = _Link(None, 1.0)
        for _ in range(n):
            y = _Link(y, y.value * A)
            y = _Link(y, y.value + B)
        total = clock() - start
    check_close(f"deep floor N={n}: output", y.value, _expected(n)[0], rtol=1e-12)
    del y
    return total / (2 * n), in_gc.total / (2 * n)


def _floor_row(base_n: int, n: int, settings: Settings) -> Row:
    """How much a chain of the least Python objects slows per op from base_n to n links."""
    # the short chain takes milliseconds, so one run can land on a noisy moment: the median
    # of seven (the long one runs long enough to average the noise out itself)
    base, base_gc = sorted(_floor_per_op(base_n, settings.clock()) for _ in range(7))[3]
    big, big_gc = _floor_per_op(n, settings.clock())
    growth, net = big / base, (big - big_gc) / (base - base_gc)
    return Row(
        workload=NAME,
        case="Python floor, linear in N",
        ours=f"{big * 1e9:.0f} ns/op at N={_fmt_n(n)}",
        reference=f"{base * 1e9:.0f} ns/op at N={_fmt_n(base_n)}",
        ratio=growth,
        target="-",
        status="info",
        note=f"one minimal object per op; without the collector's time {net:.2f}",
        data={"per_op_ratio": growth, "per_op_ratio_without_gc": net},
    )


def _torch_row(n: int, settings: Settings) -> Row | None:
    """PyTorch on the same chain of 0-d float64 tensors (time only: its memory is not
    Python's to trace), or None when torch is not installed."""
    torch = torch_or_none()
    if torch is None:
        return None

    def leaf() -> object:
        return torch.tensor(1.0, dtype=torch.float64, requires_grad=True)

    total, fwd, bwd, _ = _timed("torch", leaf, n, settings)
    per_op = total / (2 * n)
    return Row(
        workload=NAME,
        case=f"Tensor N={_fmt_n(n)} links [torch]",
        ours=f"{per_op * 1e6:.2f} us/op",
        reference="-",
        ratio=None,
        target="-",
        status="info",
        note=f"forward {fmt_time(fwd)}, backward {fmt_time(bwd)}",
        data={"n_links": n, "ops": 2 * n, "us_per_op": per_op * 1e6},
    )


def run(settings: Settings) -> list[Row]:
    """Every chain length for both engines, then whether time per op stayed flat in N."""
    ns = NS_QUICK if settings.quick else NS_FULL
    base_n = ns[0] if settings.quick else 10**4
    rows: list[Row] = []
    for kind in LEAVES:
        per_op: dict[int, tuple[float, float]] = {}  # N -> (total, engine) seconds per op
        for n in ns:
            try:
                row, per_op[n] = _case(kind, n, settings)
            except Exception as err:
                row = failed_row(NAME, f"{kind} N={_fmt_n(n)} links", err)
            rows.append(row)
        if base_n in per_op and ns[-1] in per_op:
            (base, base_own), (big, big_own) = per_op[base_n], per_op[ns[-1]]
            growth = big_own / base_own
            rows.append(
                Row(
                    workload=NAME,
                    case=f"{kind} linear in N",
                    ours=f"{big_own * 1e6:.2f} us/op at N={_fmt_n(ns[-1])}",
                    reference=f"{base_own * 1e6:.2f} us/op at N={_fmt_n(base_n)}",
                    ratio=growth,
                    target=f"<= {LINEAR:.2f}",
                    status=verdict(growth <= LINEAR),
                    note=f"engine time per op, collector excluded; with it {big / base:.2f}",
                    data={"per_op_ratio": growth, "per_op_ratio_with_gc": big / base},
                )
            )
    torch_n = ns[-1] if settings.quick else 10**5  # 1e6 links take torch half a minute
    try:
        row = _torch_row(torch_n, settings)
    except Exception as err:
        row = failed_row(NAME, f"Tensor N={_fmt_n(torch_n)} links [torch]", err)
    if row is not None:
        rows.append(row)
    try:
        rows.append(_floor_row(base_n, ns[-1], settings))
    except Exception as err:
        rows.append(failed_row(NAME, "Python floor, linear in N", err))
    return rows
