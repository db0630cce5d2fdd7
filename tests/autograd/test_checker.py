"""`python -m autograd check`: the table, the summary, the exit status and the options."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograd.__main__ import main

RIGHT_OP = '''
import autograd as ag


class {name}(ag.Function):
    """x^3, without a spec: checked on the default case."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * g
'''


def _table(output: str) -> list[list[str]]:
    """The rows of the check table, split into words (header and rule left out)."""
    return [line.split() for line in output.split("\n\n")[0].splitlines()[2:]]


def _user_module(folder: Path, module: str, source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / f"{module}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, module, raising=False)


def test_every_builtin_op_passes_within_a_minute() -> None:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "autograd", "check"], capture_output=True, text=True, timeout=300
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stdout + done.stderr
    rows = _table(done.stdout)
    names = [row[0] for row in rows]
    assert {"add", "matmul", "sum", "getitem", "softmax", "pad", "scatter_add"} <= set(names)
    assert all(row[-1] == "ok" for row in rows)
    assert f"{len(rows)} ops checked: {len(rows)} ok, 0 failed" in done.stdout
    assert elapsed < 60


def test_table_rows_errors_and_summary(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--ops", "add,sum,MatMul,relu", "--trials", "2"]) == 0
    output = capsys.readouterr().out
    header = output.splitlines()[0].split()
    assert header == ["op", "shapes", "tried", "1st-order", "2nd-order", "status"]
    rows = {row[0]: row for row in _table(output)}
    assert set(rows) == {"add", "sum", "matmul", "relu"}
    for row in rows.values():
        assert row[-1] == "ok"
        first, second = float(row[-3]), float(row[-2])
        assert 0 <= first < 1e-5 and 0 <= second < 1e-5
    assert "(2 trial(s) each, seed 0," in output
    assert "4 ops checked: 4 ok, 0 failed" in output


def test_the_seed_makes_a_run_repeatable(capsys: pytest.CaptureFixture) -> None:
    runs = []
    for seed in (5, 5, 6):
        assert main(["check", "--ops", "mul,pad", "--seed", str(seed), "--trials", "2"]) == 0
        runs.append(_table(capsys.readouterr().out))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_unknown_ops_are_an_error(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--ops", "add,frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "unknown op(s) frobnicate" in err
    assert "matmul" in err  # the known names are listed


@pytest.mark.parametrize("ops", ["", ",", " , "])
def test_ops_naming_no_op_is_an_error(ops: str, capsys: pytest.CaptureFixture) -> None:
    """Not a run of every op (for "") nor "no Function subclasses found in autograd.ops"."""
    assert main(["check", "--ops", ops]) == 2
    assert f"check: --ops {ops!r} names no op" in capsys.readouterr().err


def test_trials_must_be_positive(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--trials", "0"]) == 2
    assert "--trials must be at least 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("seed", "message"), [("-1", "must be at least 0, got -1"), ("x", "invalid int value: 'x'")]
)
def test_a_seed_numpy_refuses_is_a_usage_error(
    seed: str, message: str, capsys: pytest.CaptureFixture
) -> None:
    """Not a traceback from NumPy's SeedSequence: argparse's message and exit status 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--ops", "add", "--seed", seed])
    assert exit_info.value.code == 2
    assert f"argument --seed: {message}" in capsys.readouterr().err


def test_a_users_module_is_checked_with_the_default_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    _user_module(tmp_path, "my_cube_ops", RIGHT_OP.format(name="Cube"), monkeypatch)
    assert main(["check", "--module", "my_cube_ops"]) == 0
    rows = _table(capsys.readouterr().out)
    assert [row[0] for row in rows] == ["cube"]  # only the user's ops, not the built-in ones
    assert rows[0][1:3] == ["(3,", "4);"]  # one real input of the default shape
    assert rows[0][-2:] == ["-", "ok"]  # no spec: first order only


def test_modules_repeat_and_shared_names_are_qualified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    _user_module(tmp_path, "ops_one", RIGHT_OP.format(name="Cube"), monkeypatch)
    _user_module(tmp_path, "ops_two", RIGHT_OP.format(name="Cube"), monkeypatch)
    assert main(["check", "--module", "ops_one", "--module", "ops_two"]) == 0
    assert [row[0] for row in _table(capsys.readouterr().out)] == ["ops_one.cube", "ops_two.cube"]


def test_a_module_that_fails_to_import_is_a_failed_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    _user_module(tmp_path, "broken_ops", "raise ImportError('no such thing')\n", monkeypatch)
    assert main(["check", "--module", "broken_ops"]) == 1
    output = capsys.readouterr().out
    assert _table(output)[0][0] == "broken_ops" and _table(output)[0][-1] == "FAIL"
    assert "import raised ImportError: no such thing" in output


def test_a_module_without_functions_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    _user_module(tmp_path, "empty_ops", "X = 1\n", monkeypatch)
    assert main(["check", "--module", "empty_ops"]) == 2
    assert "no Function subclasses found in empty_ops" in capsys.readouterr().err
