"""Paired interleaved timing, correctness checks, and the rows every workload reports.

On a shared machine an absolute time is worth +-10%; a ratio of two things
timed side by side is worth much more. `compare` runs the reference and each
contestant in turn (A B C, then B C A, ...: the order rotates so that no one
always runs first after a pause), and reports for each contestant the median,
over rounds, of its time divided by the reference's time in the same round.

Two more sources of noise are removed. The clock is this process's CPU time
(user + system, page faults included) unless `wall` is set: time the core
spent on a neighbour's tests is not ours. And the garbage collector: every
object alive before timing starts is frozen (`gc.freeze`), so a collection
walks only what the timed code made (with torch imported an unfrozen full
collection takes ~0.2 s), and each sample ends with a `gc.collect()` inside
its timing, so a contestant pays for collecting its own reference cycles
(micrograd's closures make many) and never for another's.
"""

from __future__ import annotations

import contextlib
import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_THREAD_LIMITER: Any = None  # kept alive: threadpoolctl restores the old limit when collected


@dataclass(frozen=True)
class Settings:
    """How long to measure: `budget_s` per comparison, within the round limits."""

    quick: bool
    budget_s: float
    min_rounds: int
    max_rounds: int
    min_sample_s: float
    wall: bool = False  # wall-clock time instead of this process's CPU time
    seed: int = 0

    def clock(self) -> Callable[[], float]:
        """The timer every measurement uses, in seconds."""
        return time.perf_counter if self.wall else time.process_time


FULL = Settings(quick=False, budget_s=4.0, min_rounds=9, max_rounds=41, min_sample_s=0.02)
QUICK = Settings(quick=True, budget_s=0.1, min_rounds=3, max_rounds=3, min_sample_s=0.0)


@dataclass(frozen=True)
class Paired:
    """One contestant against the reference: median times per call and the paired ratio."""

    time_s: float
    ref_time_s: float
    ratio: float
    ratio_q1: float
    ratio_q3: float
    rounds: int
    number: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "time_s": self.time_s,
            "reference_time_s": self.ref_time_s,
            "ratio": self.ratio,
            "ratio_q1": self.ratio_q1,
            "ratio_q3": self.ratio_q3,
            "rounds": self.rounds,
            "calls_per_sample": self.number,
        }


@dataclass
class Row:
    """One line of the report; `data` holds the raw numbers written by `--json`."""

    workload: str
    case: str
    ours: str
    reference: str
    ratio: float | None
    target: str
    status: str  # pass, MISS, WRONG (differs from its reference), ERROR, skip, info
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class Mismatch(AssertionError):
    """A workload computed something other than its reference: its timing would mean nothing."""


# ---- timing ---------------------------------------------------------------------------------
def _time_calls(fn: Callable[[], object], number: int, clock: Callable[[], float]) -> float:
    """Seconds per call of `number` calls, collecting their cyclic garbage within the time."""
    start = clock()
    for _ in range(number):
        fn()
    gc.collect()
    return (clock() - start) / number


@contextlib.contextmanager
def frozen_gc() -> Iterator[None]:
    """Collect, then keep every object now alive out of the collector's sight until exit.

    The collector stays on: what the timed code allocates is collected as it
    would be for a user, but it no longer walks the whole interpreter.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1, q3


def compare(
    reference: Callable[[], object],
    contestants: dict[str, Callable[[], object]],
    settings: Settings,
) -> dict[str, Paired]:
    """Time `reference` and each contestant interleaved; the median of paired ratios for each.

    Every callable is warmed up once. A sample is `number` back-to-back calls,
    `number` chosen so that a reference sample lasts at least
    `settings.min_sample_s` (timer resolution, short-lived noise).
    """
    clock = settings.clock()
    fns: list[tuple[str, Callable[[], object]]] = [("", reference), *contestants.items()]
    for _, fn in fns:  # warm-up: caches, lazy imports, first allocations
        fn()
    with frozen_gc():
        estimate = {name: _time_calls(fn, 1, clock) for name, fn in fns}
        number = max(1, math.ceil(settings.min_sample_s / max(estimate[""], 1e-9)))
        round_s = number * sum(estimate.values())
        limit = int(settings.budget_s / round_s)
        rounds = min(settings.max_rounds, max(settings.min_rounds, limit))
        samples: dict[str, list[float]] = {name: [] for name, _ in fns}
        for r in range(rounds):
            shift = r % len(fns)
            for name, fn in fns[shift:] + fns[:shift]:
                samples[name].append(_time_calls(fn, number, clock))
    ref = samples[""]
    results = {}
    for name, _ in fns[1:]:
        ratios = [t / r for t, r in zip(samples[name], ref)]
        q1, q3 = _quartiles(ratios)
        results[name] = Paired(
            time_s=statistics.median(samples[name]),
            ref_time_s=statistics.median(ref),
            ratio=statistics.median(ratios),
            ratio_q1=q1,
            ratio_q3=q3,
            rounds=rounds,
            number=number,
        )
    return results


def measure(fn: Callable[[], object], settings: Settings) -> float:
    """Median seconds per call of `fn` alone (where there is no reference to pair with)."""
    clock = settings.clock()
    fn()
    with frozen_gc():
        estimate = _time_calls(fn, 1, clock)
        number = max(1, math.ceil(settings.min_sample_s / max(estimate, 1e-9)))
        limit = int(settings.budget_s / (number * estimate))
        rounds = min(settings.max_rounds, max(settings.min_rounds, limit))
        return statistics.median(_time_calls(fn, number, clock) for _ in range(rounds))


# ---- correctness ----------------------------------------------------------------------------
def check_close(what: str, ours: Any, ref: Any, rtol: float, atol: float = 0.0) -> None:
    """Raise Mismatch unless |ours - ref| <= atol + rtol * |ref| everywhere (same shape)."""
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        raise Mismatch(f"{what}: shape {ours.shape}, reference {ref.shape}")
    if not np.allclose(ours, ref, rtol=rtol, atol=atol):
        err = np.nanmax(np.abs(ours - ref)) if np.isfinite(ours).all() else float("nan")
        raise Mismatch(
            f"{what}: differs from the reference (max |diff| {err:.3g}, "
            f"max |reference| {np.max(np.abs(ref)):.3g}, rtol {rtol:g}, atol {atol:g})"
        )


def check_update(what: str, before: Any, ours: Any, ref: Any, rtol: float = 1e-3) -> None:
    """Compare the parameter *changes* of one step, which are small next to the parameters.

    Comparing the parameters themselves would let an update wrong by 50%
    pass whenever lr * grad << |p|.
    """
    before = np.asarray(before, dtype=np.float64)
    d_ours = np.asarray(ours, dtype=np.float64) - before
    d_ref = np.asarray(ref, dtype=np.float64) - before
    scale = float(np.max(np.abs(d_ref))) if d_ref.size else 0.0
    if scale == 0.0:
        raise Mismatch(f"{what}: the reference step did not change it; the check would be empty")
    check_close(f"{what} (update)", d_ours, d_ref, rtol=rtol, atol=rtol * scale)


# ---- environment ----------------------------------------------------------------------------
def limit_threads() -> str:
    """Limit every loaded BLAS/OpenMP pool to one thread; say how and what was found.

    threadpoolctl acts on the libraries already loaded, so call this after
    importing NumPy. Without threadpoolctl the environment variables set by
    `benchmarks.environment` (read when the libraries load) are the limit.
    """
    global _THREAD_LIMITER
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        import os

        threads = os.environ.get("OPENBLAS_NUM_THREADS")
        return f"threadpoolctl not installed; OPENBLAS_NUM_THREADS={threads}"
    _THREAD_LIMITER = threadpool_limits(1)
    pools = [f"{p['internal_api']} {p['num_threads']} thread(s)" for p in threadpool_info()]
    return "threadpoolctl: " + (", ".join(pools) or "no pools found")


# ---- formatting -----------------------------------------------------------------------------
def fmt_time(seconds: float | None) -> str:
    """A duration with a unit that keeps 3 significant digits readable."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def fmt_bytes(n: float | None) -> str:
    if n is None or not math.isfinite(n):
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def paired_row(workload: str, case: str, p: Paired, limit: float | None, note: str = "") -> Row:
    """A row for a paired comparison whose target is `ratio <= limit` (None: information only)."""
    spread = f"ratio IQR {p.ratio_q1:.2f}-{p.ratio_q3:.2f}, {p.rounds} rounds"
    return Row(
        workload=workload,
        case=case,
        ours=fmt_time(p.time_s),
        reference=fmt_time(p.ref_time_s),
        ratio=p.ratio,
        target="-" if limit is None else f"<= {limit:.2f}",
        status="info" if limit is None else verdict(p.ratio <= limit),
        note=f"{note}; {spread}" if note else spread,
        data=p.as_dict(),
    )


def failed_row(workload: str, case: str, err: BaseException) -> Row:
    """WRONG for a result that differs from its reference, ERROR for anything else."""
    status = "WRONG" if isinstance(err, Mismatch) else "ERROR"
    message = str(err) if isinstance(err, Mismatch) else f"{type(err).__name__}: {err}"
    return Row(workload, case, "-", "-", None, "-", status, note=message)


def skipped_row(workload: str, case: str, why: str, ours: str = "-") -> Row:
    return Row(workload, case, ours, "-", None, "-", "skip", note=why)


def markdown_table(rows: list[Row]) -> str:
    """The report as a Markdown table (it reads the same in a terminal and in the README)."""
    header = ("workload", "case", "ours", "reference", "ratio", "target", "result", "notes")
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        cells = (r.workload, r.case, r.ours, r.reference, ratio, r.target, r.status, r.note)
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)
