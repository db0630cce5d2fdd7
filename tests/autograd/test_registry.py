"""The registry-driven suite: every op in the op table, autograd's and nn's fused Functions,
checked on hypothesis-drawn cases from its own `OpCheck` spec.

Each case runs `autograd.checker.check_case`: the forward against the NumPy
reference, gradcheck, gradgradcheck for twice-differentiable ops, and, with a
random upstream gradient, that the inputs are not mutated, that no gradient
aliases an input or the upstream gradient, that backward twice with
`retain_graph` gives identical results and that the graph is freed (weak
references). An op without its spec fails here, named in the test id and the
message.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import cases

from autograd.checker import check_case
from autograd.opcheck import find_functions, missing_specs, spec_of

MODULES = ["autograd.ops"] + (["nn"] if importlib.util.find_spec("nn") else [])
OPS = find_functions(MODULES)


def _op_id(op: type) -> str:
    return f"{op.__module__}.{op.__name__}"


def test_the_registry_holds_every_builtin_op() -> None:
    names = {op.name for op in OPS}
    expected = {
        "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "sin", "cos", "tanh",
        "sigmoid", "relu", "abs", "sign", "clip", "maximum", "minimum", "where", "astype",
        "sum", "mean", "var", "max", "min", "prod", "logsumexp", "softmax", "log_softmax",
        "reshape", "transpose", "swapaxes", "broadcast_to", "sum_to", "concatenate", "stack",
        "pad", "getitem", "scatter_add", "matmul",
    }  # fmt: skip
    assert expected <= names, f"missing from the registry: {sorted(expected - names)}"


@pytest.mark.parametrize("op", OPS, ids=_op_id)
def test_op_declares_its_check(op: type) -> None:
    assert not missing_specs([op]), (
        f"{_op_id(op)} (op {op.name!r}) has no `check = OpCheck(...)` with a NumPy reference: "
        "declare its domain, reference and differentiability on the class"
    )


@pytest.mark.parametrize("op", [op for op in OPS if spec_of(op) is not None], ids=_op_id)
@given(data=st.data())
def test_op_passes_every_check(op: type, data: st.DataObject) -> None:
    spec = spec_of(op)
    case = data.draw(cases(spec), label="case")
    seed = data.draw(st.integers(0, 2**32 - 1), label="upstream gradient seed")
    with np.errstate(
        all="raise", under="ignore"
    ):  # a valid case must not produce NaN, inf or overflow
        result = check_case(op, spec, case, seed=seed)
    assert not result.problems, (
        f"{op.name} on shapes {case.shapes} with options {case.options}:\n"
        + "\n".join(result.problems)
    )
    assert np.isfinite(result.first)
    assert (result.second is not None) == spec.twice


def test_ops_without_a_spec_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "unspecified_ops.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            import autograd as ag

            class NoSpec(ag.Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def backward(ctx, g):
                    return g * 2

            class NoReference(NoSpec):
                check = ag.OpCheck(reference=None, twice=False)

            class Declared(NoSpec):
                check = ag.OpCheck(reference=lambda x: x * 2, twice=True)

            class Inherits(Declared):
                pass
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "unspecified_ops", raising=False)
    ops = find_functions(["unspecified_ops"])
    assert sorted(op.__name__ for op in ops) == ["Declared", "Inherits", "NoReference", "NoSpec"]
    assert sorted(missing_specs(ops)) == [
        "unspecified_ops.Inherits",  # a spec is the op's own, never inherited
        "unspecified_ops.NoReference",
        "unspecified_ops.NoSpec",
    ]
