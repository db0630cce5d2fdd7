"""The process environment a benchmark needs, set before NumPy is imported.

Two things distort NumPy timings on a shared machine: BLAS/OpenMP thread
pools (one thread keeps ratios comparable and the neighbours undisturbed)
and glibc malloc's adaptive mmap threshold, which can make every large
temporary fresh pages from the kernel (page faults on each step; it has
doubled a NumPy engine's step time). Both are fixed through environment
variables, which the C libraries read at start-up, so the process re-executes
itself once with them set. This module imports only the standard library.
"""

from __future__ import annotations

import os
import platform
import sys

# A fixed mmap threshold turns glibc's adaptive one off; 32 MiB keeps every
# array of these workloads on the heap, and a high trim threshold keeps freed
# heap memory for reuse instead of returning it to the kernel each step.
MALLOC_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(128 * 1024 * 1024),
}
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
_MARKER = "GLASSGRAD_BENCH_ENV"


def _wanted() -> dict[str, str]:
    return {**MALLOC_ENV, **THREAD_ENV}


def is_fixed() -> bool:
    """True when this process already runs with the benchmark environment."""
    return all(os.environ.get(k) == v for k, v in _wanted().items())


def reexec_with_fixed_environment(module: str, argv: list[str]) -> None:
    """Replace this process by `python -m module argv` with the environment set; no-op if set.

    Only on POSIX (`os.execv` replaces the process there); elsewhere the
    thread limit still comes from threadpoolctl and the allocator is left as is.
    """
    if is_fixed() or os.environ.get(_MARKER) or os.name != "posix":
        return
    os.environ.update(_wanted())
    os.environ[_MARKER] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", module, *argv])


def allocator_description() -> str:
    """What was done to the allocator, for the report header."""
    libc, version = platform.libc_ver()
    if not all(os.environ.get(k) == v for k, v in MALLOC_ENV.items()):
        return "not fixed (default malloc settings)"
    settings = " ".join(f"{k}={v}" for k, v in MALLOC_ENV.items())
    if libc != "glibc":
        return f"{settings} set, but libc is {libc or 'unknown'}: no effect expected"
    return f"glibc {version}: {settings} (set in the environment, process re-executed)"
