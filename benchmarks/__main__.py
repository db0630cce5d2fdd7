"""`python -m benchmarks`: run the workloads, print the table of ratios, optionally write JSON.

    python -m benchmarks                     # everything, full sizes (a few minutes)
    python -m benchmarks --quick             # tiny sizes, few repetitions (the smoke test)
    python -m benchmarks --only mlp,optim --json results.json

Exit status 1 when a workload computed something other than its reference
(WRONG) or failed to run (ERROR); a missed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.environment import reexec_with_fixed_environment

# Workload name -> module; imported one by one, so that one broken import
# (say nn missing) is one ERROR row and not a dead suite.
WORKLOADS = {
    "mlp": "benchmarks.mlp",
    "overhead": "benchmarks.overhead",
    "scalar": "benchmarks.scalar",
    "deep": "benchmarks.deep",
    "memory": "benchmarks.memory",
    "optim": "benchmarks.adam",
}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="glassgrad's workloads against hand-written NumPy references "
        "(see PERFORMANCE.md).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and few repetitions (smoke test)"
    )
    parser.add_argument(
        "--only", metavar="NAME[,NAME]", help=f"run only these workloads: {', '.join(WORKLOADS)}"
    )
    parser.add_argument(
        "--wall", action="store_true", help="time wall-clock instead of this process's CPU time"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = parser.parse_args(argv)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in WORKLOADS]
        if unknown or not names:
            parser.error(f"--only: unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
        args.names = names
    else:
        args.names = list(WORKLOADS)
    return args


def _machine() -> dict[str, object]:
    """What the numbers were measured on (they mean little without it)."""
    import datetime
    import os
    import platform
    import subprocess

    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
            cwd=os.path.dirname(os.path.abspath(__file__)),
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cpu": f"{cpu} ({os.cpu_count()} cores)",
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def _pace() -> str:
    """How fast the machine runs right now: two yardsticks for the absolute rows (deep).

    A shared machine has slow phases in which everything, PyTorch included,
    takes up to twice as long; ratios to a reference measured alongside
    move much less than absolute times do. The best of five timings of a NumPy
    ufunc call on a 0-d array (the kind of call a scalar op costs) and of
    making one small Python object, before each workload, says which phase
    its rows were measured in.
    """
    import timeit

    import numpy as np

    a = np.array(1.0)
    ufunc = min(timeit.repeat(lambda: np.multiply(a, 1.0001), number=20_000, repeat=5)) / 20_000
    obj = min(timeit.repeat(_PaceObject, number=200_000, repeat=5)) / 200_000
    return f"NumPy 0-d ufunc call {ufunc * 1e9:.0f} ns, Python object {obj * 1e9:.0f} ns"


class _PaceObject:
    """The small object `_pace` times making."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 1.0


def main(argv: list[str] | None = None) -> int:
    """Run the selected workloads; return the process exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    reexec_with_fixed_environment("benchmarks", argv)

    import dataclasses
    import importlib
    import json
    import time
    import traceback

    import numpy  # noqa: F401  (loaded before the thread limit, which acts on loaded libraries)

    from benchmarks.environment import allocator_description
    from benchmarks.harness import FULL, QUICK, failed_row, limit_threads, markdown_table

    settings = dataclasses.replace(QUICK if args.quick else FULL, wall=args.wall)
    meta = {
        **_machine(),
        "command": " ".join(["python -m benchmarks", *argv]),
        "mode": "quick" if args.quick else "full",
        **(
            {"caution": "quick mode: tiny sizes, so pass/MISS say nothing of the targets"}
            if args.quick
            else {}
        ),
        "allocator": allocator_description(),
        "blas": limit_threads(),
        "timing": (
            f"{'wall-clock' if args.wall else 'process CPU'} time; interleaved rounds, "
            "median of paired ratios; gc on, objects alive before timing frozen"
        ),
    }
    for key, value in meta.items():
        print(f"{key:>9}: {value}")
    print(flush=True)

    rows = []
    pace = meta["pace"] = {}  # the machine's pace before each workload, and at the end
    for name in args.names:
        pace[f"before {name}"] = _pace()
        start = time.perf_counter()
        print(f"[{name}] running ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(WORKLOADS[name])
            new = module.run(settings)
        except Exception as err:
            traceback.print_exc()
            new = [failed_row(name, "", err)]
        rows.extend(new)
        print(markdown_table(new), file=sys.stderr)
        print(f"[{name}] {time.perf_counter() - start:.1f} s\n", file=sys.stderr, flush=True)

    pace["at the end"] = _pace()
    print(markdown_table(rows))
    print()
    for when, value in pace.items():
        print(f"pace {when}: {value}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": [dataclasses.asdict(r) for r in rows]}, f, indent=2)
            f.write("\n")
        print(f"\nwrote {args.json}")
    return 1 if any(r.status in ("WRONG", "ERROR") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
