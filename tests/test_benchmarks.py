"""The benchmark suite runs and checks its workloads against their references.

Timings are never asserted here (the machine is shared); what is asserted is
that every workload runs in `--quick` mode, that each computes the same thing
as its hand-written reference, and that a wrong answer would be caught.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import adam
from benchmarks.__main__ import WORKLOADS
from benchmarks.harness import QUICK, Mismatch, check_close, check_update, failed_row

ROOT = Path(__file__).resolve().parents[1]


def _run_benchmarks(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_quick_run_checks_every_workload_against_its_reference(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = _run_benchmarks("--quick", "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    rows = results["rows"]
    assert {r["workload"] for r in rows} == set(WORKLOADS)
    bad = [r for r in rows if r["status"] in ("WRONG", "ERROR")]
    assert not bad, bad
    assert results["meta"]["mode"] == "quick"
    # the machine's pace, timed before each workload and at the end, for the absolute rows
    pace = results["meta"]["pace"]
    assert list(pace) == [f"before {name}" for name in WORKLOADS] + ["at the end"]
    for when, value in pace.items():
        assert re.fullmatch(r"NumPy 0-d ufunc call \d+ ns, Python object \d+ ns", value), value
        assert f"pace {when}: {value}" in done.stdout
    assert "| workload | case | ours | reference | ratio | target | result |" in done.stdout
    if sys.platform.startswith("linux"):
        assert "MALLOC_MMAP_THRESHOLD_=33554432" in results["meta"]["allocator"]


def test_only_rejects_an_unknown_workload() -> None:
    done = _run_benchmarks("--only", "mlp,nope")
    assert done.returncode == 2
    assert "unknown workload(s) ['nope']" in done.stderr


def test_check_update_catches_a_step_that_is_off() -> None:
    before = np.ones(5, dtype=np.float32)
    ref = before - np.float32(1e-3)
    check_update("w", before, ref.copy(), ref)
    with pytest.raises(Mismatch, match=r"w \(update\): differs from the reference"):
        check_update("w", before, before - np.float32(1.5e-3), ref)
    with pytest.raises(Mismatch, match="did not change"):
        check_update("w", before, ref, before)


def test_check_close_names_the_shapes_when_they_differ() -> None:
    with pytest.raises(Mismatch, match=r"loss: shape \(2,\), reference \(\)"):
        check_close("loss", np.zeros(2), 0.0, rtol=1e-5)


def test_a_wrong_optimizer_is_reported_wrong_not_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    import optim

    def not_adam(params, lr, betas, eps):  # plain SGD under Adam's name
        return optim.SGD(params, lr=lr)

    monkeypatch.setattr(optim, "Adam", not_adam)
    (row,) = adam.run(QUICK)
    assert row.status == "WRONG"
    assert "differs from the reference" in row.note


def test_an_exception_is_an_error_row() -> None:
    row = failed_row("mlp", "batch 16", KeyError("weight"))
    assert (row.status, row.note) == ("ERROR", "KeyError: 'weight'")
