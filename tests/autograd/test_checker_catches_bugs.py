"""Prove the checker can fail: ops with injected wrong rules must be caught by gradcheck,
by the registry suite's machinery and by `python -m autograd check --module`.

The wrong rules (a factor of 1.1, a wrong sign, a missing transpose, an ignored
upstream gradient, a missing broadcast reduction) live in a user module written
to a temporary directory, exactly as a user's own ops would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import cases

import autograd as ag
from autograd import Tensor
from autograd.__main__ import main
from autograd.checker import check_case
from autograd.opcheck import RngDraw, draw_case, spec_of

MODULE = "glassgrad_injected_bugs"
SOURCE = '''
import numpy as np
import autograd as ag


def _square(draw):
    n = draw.integer(2, 3)
    return ((n, n), (n, n))


def _square_and_vector(draw):
    n = draw.integer(2, 3)
    return ((n, n), (n,))


class Square(ag.Function):
    """The control: a right rule."""

    check = ag.OpCheck(reference=np.square, twice=True)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class ScaledRule(ag.Function):
    """x^2 with its derivative off by a factor of 1.1."""

    check = ag.OpCheck(reference=np.square, twice=False)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 1.1 * 2 * x * g


class WrongSign(ag.Function):
    """sin(x) with d/dx = -cos(x)."""

    check = ag.OpCheck(reference=np.sin, twice=False)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -ctx.xp.cos(x) * g


class Transposed(ag.Function):
    """a @ b whose a-gradient is g @ b instead of g @ b^T."""

    check = ag.OpCheck(reference=np.matmul, twice=False, shapes=_square)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g @ b, a.swapaxes(-1, -2) @ g


class IgnoresUpstream(ag.Function):
    """exp(x) whose rule returns exp(x), not exp(x) * g."""

    check = ag.OpCheck(reference=np.exp, twice=False)

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out + 0 * g


class MissingReduction(ag.Function):
    """x + b[:, None] (b broadcast along axis 1) whose rule forgets to sum b's gradient
    over that axis: the engine then sums over the leading axis, the wrong one."""

    check = ag.OpCheck(
        reference=lambda x, b: x + b[:, None], twice=False, shapes=_square_and_vector
    )

    @staticmethod
    def forward(ctx, x, b):
        return x + b[:, None]

    @staticmethod
    def backward(ctx, g):
        return g, g


class NoSpecScaled(ag.Function):
    """A user op without a spec (checked with the default one), its rule off by 1.1."""

    @staticmethod
    def forward(ctx, x):
        return 3 * x

    @staticmethod
    def backward(ctx, g):
        return 3.3 * g


class MutatesInput(ag.Function):
    """2x, but forward also adds 1 to its input in place."""

    check = ag.OpCheck(reference=lambda x: 2 * x, twice=False)

    @staticmethod
    def forward(ctx, x):
        out = 2 * x
        x += 1.0
        return out

    @staticmethod
    def backward(ctx, g):
        return 2 * g


class MutatesUpstream(ag.Function):
    """2x with a right gradient, computed by doubling the upstream gradient in place."""

    check = ag.OpCheck(reference=lambda x: 2 * x, twice=False)

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        g *= 2
        return g


class LeaksGraph(ag.Function):
    """2x whose node keeps itself alive (a reference cycle)."""

    check = ag.OpCheck(reference=lambda x: 2 * x, twice=False)

    @staticmethod
    def forward(ctx, x):
        ctx.me = ctx
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        return 2 * g
'''

WRONG_RULES = ["ScaledRule", "WrongSign", "Transposed", "IgnoresUpstream", "MissingReduction"]
BROKEN_BACKWARDS = {
    "MutatesInput": "modified it in place",
    "MutatesUpstream": "modified the upstream gradient",
    "LeaksGraph": "still alive",
}


@pytest.fixture(scope="module")
def bugs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The buggy ops, imported from a user module in a temporary directory."""
    folder = tmp_path_factory.mktemp("user_ops")
    (folder / f"{MODULE}.py").write_text(textwrap.dedent(SOURCE))
    sys.path.insert(0, str(folder))
    try:
        import importlib

        yield importlib.import_module(MODULE)
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(MODULE, None)


def _first_case(op: type) -> list[Tensor]:
    case = draw_case(spec_of(op), RngDraw(np.random.default_rng(0)))
    return [Tensor(a, requires_grad=True) for a in case.inputs]


@pytest.mark.parametrize("name", WRONG_RULES)
def test_gradcheck_catches_a_wrong_rule(bugs: ModuleType, name: str) -> None:
    op = getattr(bugs, name)
    with pytest.raises(ag.GradcheckError, match=r"analytic -?[\d.]+.*numeric -?[\d.]+"):
        ag.gradcheck(op.apply, _first_case(op))


@pytest.mark.parametrize("name", WRONG_RULES)
def test_gradcheck_names_the_wrong_op_inside_a_composite(bugs: ModuleType, name: str) -> None:
    op = getattr(bugs, name)

    def composite(*xs: Tensor) -> Tensor:
        return (op.apply(*(x * 0.5 + 0.1 for x in xs)).tanh() * 3).sum(axis=0)

    with pytest.raises(ag.GradcheckError) as caught:
        ag.gradcheck(composite, _first_case(op))
    error = caught.value
    assert "first op whose own rule disagrees with central differences" in str(error)
    assert f"is {op.name} (op " in str(error)
    assert error.node.name == op.name and error.node is not None
    assert not error.kink
    marked = [
        line
        for line in ag.draw_graph(error.output, highlight=error.node).source.splitlines()
        if "red" in line
    ]
    assert len(marked) == 1 and f"label={op.name} " in marked[0]


def test_gradcheck_passes_the_control(bugs: ModuleType) -> None:
    assert ag.gradcheck(bugs.Square.apply, _first_case(bugs.Square))
    assert ag.gradgradcheck(bugs.Square.apply, _first_case(bugs.Square))


@pytest.mark.parametrize("name", WRONG_RULES + list(BROKEN_BACKWARDS))
@settings(max_examples=5)
@given(data=st.data())
def test_registry_machinery_catches_each_bug(
    bugs: ModuleType, name: str, data: st.DataObject
) -> None:
    op = getattr(bugs, name)
    spec = spec_of(op)
    result = check_case(op, spec, data.draw(cases(spec)))
    assert result.problems, f"{name} passed every check"
    if name in BROKEN_BACKWARDS:
        assert any(BROKEN_BACKWARDS[name] in p for p in result.problems), result.problems
    else:
        assert any("analytic" in p for p in result.problems), result.problems


def test_registry_machinery_passes_the_control(bugs: ModuleType) -> None:
    spec = spec_of(bugs.Square)
    for seed in range(3):
        case = draw_case(spec, RngDraw(np.random.default_rng(seed)))
        assert check_case(bugs.Square, spec, case).problems == []


def _rows(output: str) -> dict[str, str]:
    """op name -> status, from the check command's table (the lines up to the first blank)."""
    table = output.split("\n\n")[0].splitlines()[2:]  # after the header and its rule
    return {line.split()[0]: line.split()[-1] for line in table}


def test_check_command_catches_each_bug(bugs: ModuleType, capsys: pytest.CaptureFixture) -> None:
    status = main(["check", "--module", MODULE, "--trials", "2"])
    output = capsys.readouterr().out
    assert status == 1
    rows = _rows(output)
    for name in [*WRONG_RULES, *BROKEN_BACKWARDS, "NoSpecScaled"]:
        assert rows[getattr(bugs, name).name] == "FAIL", output
    assert rows["square"] == "ok", output
    assert "10 ops checked: 1 ok, 9 failed" in output


def test_python_m_autograd_check_exits_1_on_a_bug(bugs: ModuleType) -> None:
    folder = Path(bugs.__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "autograd", "check", "--module", MODULE, "--ops", "scaledrule"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert _rows(done.stdout) == {"scaledrule": "FAIL"}
    assert "analytic" in done.stdout
