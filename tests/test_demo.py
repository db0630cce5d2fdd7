"""`python -m autograd demo`: outputs, determinism, --resume, the full run's accuracy, errors.

The training runs go through a subprocess, as a user runs them, with one BLAS
thread (the demo's own choice where threadpoolctl is installed): the matrices
are small, and several BLAS threads on a busy 2-core machine are many times slower.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
_ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def _demo(*args: str | Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **_ONE_THREAD}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "autograd", "demo", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def _report(stdout: str) -> str:
    """The figures of a run: everything from the test accuracy to the per-class table."""
    return stdout[stdout.index("test accuracy:") : stdout.index("computation graph")]


def _test_accuracy(stdout: str) -> float:
    return float(re.search(r"^test accuracy: (0\.\d{3}|1\.000)$", stdout, re.M).group(1))


@pytest.fixture(scope="module")
def four_epochs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "out"
    return out, _demo("--epochs", 4, "--seed", 3, "--hidden", 32, "--out", out).stdout


def test_short_run_prints_the_report_and_writes_its_files(four_epochs):
    out, stdout = four_epochs
    assert 0.5 < _test_accuracy(stdout) <= 1
    rows = re.findall(r"^\s+(\d)((?:\s+\d+){10})$", stdout, re.M)  # the confusion matrix
    assert [int(d) for d, _ in rows] == list(range(10))
    matrix = np.array([[int(n) for n in counts.split()] for _, counts in rows])
    assert matrix.sum() == 269  # the 15% test split of 1797 images
    assert np.trace(matrix) / matrix.sum() == pytest.approx(_test_accuracy(stdout), abs=5e-4)
    assert re.search(r"^digit\s+precision\s+recall\s+f1-score\s+support$", stdout, re.M)
    assert re.search(r"^macro(\s+[01]\.\d{3}){3}\s+269$", stdout, re.M)

    best = nn.utils.load(out / "best.npz")
    assert best["0.weight"].shape == (32, 64) and "1.running_mean" in best
    last = nn.utils.load(out / "last.npz")
    assert last["epoch"] == 4 and last["hidden"] == 32 and last["seed"] == 3
    dot = (out / "graph.dot").read_text()
    assert dot.startswith("digraph") and "linear" in dot and "batch_norm" in dot
    assert (out / "graph.svg").exists() == (shutil.which("dot") is not None)


def test_the_best_checkpoint_gives_the_reported_accuracy(four_epochs):
    import autograd as ag
    from autograd.__main__ import _demo_model
    from nn.data import TensorDataset, load_digits, random_split

    out, stdout = four_epochs
    model = _demo_model(32)
    model.load_state_dict(nn.utils.load(out / "best.npz"))
    model.eval()
    X, y = load_digits()
    parts = random_split(TensorDataset(X / 16, y), [0.7, 0.15, 0.15], np.random.default_rng(3))
    X_test, y_test = parts[2][:]
    with ag.no_grad():
        accuracy = np.mean(model(X_test).argmax(axis=1).numpy() == y_test.numpy())
    assert round(float(accuracy), 3) == _test_accuracy(stdout)


def test_the_same_seed_gives_the_same_figures(four_epochs, tmp_path):
    _, stdout = four_epochs
    again = _demo("--epochs", 4, "--seed", 3, "--hidden", 32, "--out", tmp_path).stdout
    assert _report(again) == _report(stdout)


def test_resume_continues_exactly_where_it_stopped(four_epochs, tmp_path):
    _, stdout = four_epochs
    _demo("--epochs", 2, "--seed", 3, "--hidden", 32, "--out", tmp_path)
    resumed = _demo("--epochs", 4, "--resume", tmp_path / "last.npz", "--out", tmp_path).stdout
    assert "seed 3" in resumed  # seed and width come from the checkpoint
    assert _report(resumed) == _report(stdout)  # as if never interrupted
    assert nn.utils.load(tmp_path / "last.npz")["epoch"] == 4


def test_full_run_reaches_97_percent_within_a_minute(tmp_path):
    began = time.perf_counter()
    stdout = _demo("--out", tmp_path).stdout
    elapsed = time.perf_counter() - began
    assert _test_accuracy(stdout) >= 0.97
    assert elapsed < 60, f"the default demo took {elapsed:.0f} s"


def test_resume_from_a_missing_or_corrupt_file_is_a_clear_error(tmp_path, capsys):
    assert main(["demo", "--resume", str(tmp_path / "nope.npz")]) == 2
    assert "demo: cannot resume from" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a checkpoint")
    assert main(["demo", "--resume", str(corrupt)]) == 2
    assert f"demo: cannot resume from {corrupt}" in capsys.readouterr().err


def test_resume_from_the_best_weights_file_is_a_clear_error(four_epochs, capsys):
    out, _ = four_epochs
    assert main(["demo", "--resume", str(out / "best.npz")]) == 2
    assert "not a training checkpoint (resume from the last.npz" in capsys.readouterr().err


def test_resume_with_a_different_width_is_refused(four_epochs, capsys):
    out, _ = four_epochs
    assert main(["demo", "--resume", str(out / "last.npz"), "--hidden", "64"]) == 2
    assert "demo: --hidden 64 differs from the checkpoint's 32" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--epochs", "--hidden"])
def test_sizes_below_one_are_rejected(option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", option, "0"])
    assert exit_info.value.code == 2
    assert f"argument {option}: must be at least 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--seed", "-1", "must be at least 0, got -1"),
        ("--seed", "1.5", "invalid int value: '1.5'"),
        ("--epochs", "x", "invalid int value: 'x'"),
    ],
)
def test_a_negative_or_non_integer_seed_or_size_is_a_usage_error(option, value, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", option, value])
    assert exit_info.value.code == 2
    assert f"argument {option}: {message}" in capsys.readouterr().err
