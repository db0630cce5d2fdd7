"""memory: peak memory of an mlp training step at batch 4096, and its growth over 100 steps.

Each measurement runs in a fresh process (`python -m benchmarks.memory IMPL
TOOL BATCH STEPS SEED`), so that nothing another workload left behind, in
the heap or in caches, is counted. Two tools, in separate processes because
tracing inflates the resident size: tracemalloc (every Python and NumPy
allocation, exact) and the resident set size (what the kernel gives the
process: allocator slack and fragmentation included; peak from VmHWM, reset
before each step). Both are measured above the state after setup (data,
parameters, model), so what is compared is what a step needs: activations,
gradients, buffers (the reference's preallocated ones included), graph.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Row, Settings, failed_row, fmt_bytes, verdict

NAME = "memory"
BATCH_FULL, STEPS_FULL = 4096, 100
BATCH_QUICK, STEPS_QUICK = 256, 5
TARGET = 1.3
FLAT_TRACED = 64 * 1024  # bytes still held after the last step beyond those after step 2
FLAT_RSS = 1024 * 1024
_IMPLS = ("ours", "reference")
_TOOLS = ("tracemalloc", "rss")


# ---- the child process --------------------------------------------------------------------
def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset VmHWM (Linux >= 4.0); False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _trim_heap() -> None:
    """Give the heap memory freed during setup back to the kernel (glibc's malloc_trim).

    Otherwise the step reuses it without the resident size growing, and
    an implementation whose setup made big temporaries looks smaller.
    """
    try:
        ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass  # not glibc: nothing to trim with


def _setup(impl: str, batch: int, seed: int) -> Callable[[], Callable[[], object]]:
    """Make the data and parameters now; return what builds the step, measured from then on.

    The reference's buffers are preallocated when its step is built, so they
    count; glassgrad allocates its gradients and buffers inside the step.
    """
    import numpy as np

    from benchmarks.mlp import SIZES, NumpyStep, OursStep, make_data

    x, y = make_data(batch, seed)
    if impl == "ours":
        ours = OursStep(x, y, seed)
        return lambda: ours
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return lambda: NumpyStep(x, y, params, copy=False)


def child(impl: str, tool: str, batch: int, steps: int, seed: int) -> dict[str, Any]:
    """Run `steps` steps and record, after each, the memory held and the step's peak."""
    from benchmarks.harness import limit_threads

    limit_threads()
    build = _setup(impl, batch, seed)
    peaks: list[int] = []
    held: list[int] = []
    if tool == "tracemalloc":
        tracemalloc.start()
        step = build()
        for _ in range(steps):
            tracemalloc.reset_peak()
            step()
            current, peak = tracemalloc.get_traced_memory()
            peaks.append(peak)
            held.append(current)
        tracemalloc.stop()
        return {"peaks": peaks, "held": held}
    _trim_heap()
    base = _status_kib("VmRSS")
    if base is None or not _reset_peak_rss():
        raise RuntimeError("memory: the RSS tool needs Linux's /proc/self/status and clear_refs")
    step = build()
    for _ in range(steps):
        _reset_peak_rss()
        step()
        peaks.append((_status_kib("VmHWM") - base) * 1024)
        held.append((_status_kib("VmRSS") - base) * 1024)
    return {"peaks": peaks, "held": held}


# ---- the parent ---------------------------------------------------------------------------
def _measure(impl: str, tool: str, batch: int, steps: int, seed: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.memory", impl, tool, str(batch), str(steps), str(seed)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"memory child {impl}/{tool} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(settings: Settings) -> list[Row]:
    """Peak per step (tracemalloc, RSS), ours over the reference, and growth over the steps."""
    batch, steps = (BATCH_QUICK, STEPS_QUICK) if settings.quick else (BATCH_FULL, STEPS_FULL)
    results: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[Row] = []
    for tool in _TOOLS:
        try:
            for impl in _IMPLS:
                results[impl, tool] = _measure(impl, tool, batch, steps, settings.seed)
        except Exception as err:
            rows.append(failed_row(NAME, f"{tool}, batch {batch}", err))
            continue
        ours, ref = results["ours", tool], results["reference", tool]
        peak, ref_peak = max(ours["peaks"]), max(ref["peaks"])
        ratio = peak / ref_peak
        rows.append(
            Row(
                workload=NAME,
                case=f"peak of a step, batch {batch} ({tool})",
                ours=fmt_bytes(peak),
                reference=fmt_bytes(ref_peak),
                ratio=ratio,
                target=f"<= {TARGET:.2f}",
                status=verdict(ratio <= TARGET),
                note=f"max over {steps} steps, above the memory after setup",
                data={"peak_bytes": peak, "reference_peak_bytes": ref_peak, **ours},
            )
        )
    for impl in _IMPLS:
        if (impl, "tracemalloc") not in results or (impl, "rss") not in results:
            continue
        growth = {
            tool: results[impl, tool]["held"][-1] - results[impl, tool]["held"][min(1, steps - 1)]
            for tool in _TOOLS
        }
        flat = growth["tracemalloc"] <= FLAT_TRACED and growth["rss"] <= FLAT_RSS
        rows.append(
            Row(
                workload=NAME,
                case=f"growth over {steps} steps [{impl}]",
                ours=f"{fmt_bytes(growth['tracemalloc'])} traced, {fmt_bytes(growth['rss'])} RSS",
                reference="-",
                ratio=None,
                target=f"flat: <= {fmt_bytes(FLAT_TRACED)}, <= {fmt_bytes(FLAT_RSS)} RSS",
                status=verdict(flat) if impl == "ours" else "info",
                note="memory held after the last step minus after step 2",
                data={f"growth_{tool}_bytes": g for tool, g in growth.items()},
            )
        )
    return rows


if __name__ == "__main__":
    impl, tool = sys.argv[1], sys.argv[2]
    if impl not in _IMPLS or tool not in _TOOLS:
        sys.exit(f"usage: python -m benchmarks.memory {'|'.join(_IMPLS)} {'|'.join(_TOOLS)} ...")
    print(json.dumps(child(impl, tool, *(int(a) for a in sys.argv[3:6]))))
