"""The gradient-checking API as a user sees it (API.md "Gradient checking"): numerical_grad,
gradcheck and gradgradcheck, on correct and deliberately wrong custom Functions."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

X23 = np.array([[0.5, -1.0, 1.5], [2.0, -0.5, 2.0]])


def _reported(message: str, word: str) -> float:
    """The number printed after `word` (`analytic` or `numeric`) in a gradcheck message."""
    match = re.search(rf"{word}\s+(-?[0-9.]+(?:e[-+]?[0-9]+)?)", message)
    assert match is not None, f"no '{word} <value>' in: {message}"
    return float(match.group(1))


# ---- custom Functions: right and wrong ------------------------------------------------------
class Square(ag.Function):
    """x^2 with a correct rule."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x * g


class SquareOffByTenPercentAtOneTwo(ag.Function):
    """x^2 whose rule is 10% too large at element (1, 2) only."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        scale = np.ones(x.shape)
        scale[1, 2] = 1.1
        return 2 * x * g * scale


class MulWrongSign(ag.Function):
    """a * b whose rule for b has the wrong sign."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        a, b = ctx.saved_tensors
        return g * b, -g * a


class SumOfSquaresIgnoringUpstream(ag.Function):
    """sum(x^2), a scalar, whose rule forgets to multiply by the upstream gradient."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return np.asarray((x * x).sum())

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x


class ScaleBySumMissingCrossTerms(ag.Function):
    """y_i = x_i * sum(x): the rule keeps the diagonal of the Jacobian, drops the rest."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x.sum()

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * (x.sum() + x)


class SquareSlightlyOff(ag.Function):
    """x^2 whose rule is 0.05% too large: inside rtol=1e-3, outside rtol=1e-4."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2.001 * x * g


class Cube(ag.Function):
    """x^3 whose rule is written with operators: differentiable again under create_graph."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 3 * x**2 * g


class CubeKeepingArrayOnCtx(ag.Function):
    """x^3 whose rule reads x from a ctx attribute: a constant array under create_graph,
    so the first derivative is right and the second misses the 6 x g term."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.x = x
        return x**3

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return 3 * ctx.x**2 * g


class CubeThroughNumpy(ag.Function):
    """x^3 whose rule converts the saved Tensor to an array, cutting the second-order graph."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 3 * np.asarray(x) ** 2 * g


# ---- numerical_grad -------------------------------------------------------------------------
def test_numerical_grad_matches_hand_computed_gradients() -> None:
    a, b = Tensor(X23, requires_grad=True), Tensor(X23[::-1].copy())
    ga, gb = ag.numerical_grad(lambda p, q: p * q, [a, b])
    assert isinstance(ga, np.ndarray) and isinstance(gb, np.ndarray)
    assert ga.shape == gb.shape == (2, 3)
    np.testing.assert_allclose(ga, b.data, rtol=1e-8)  # d/da sum(a * b) = b
    np.testing.assert_allclose(gb, a.data, rtol=1e-8)


def test_numerical_grad_of_a_scalar_function_and_numpy_inputs() -> None:
    x = np.array([0.3, -1.2, 2.0])
    (g,) = ag.numerical_grad(lambda t: (t.exp() * t).sum(), [x])
    np.testing.assert_allclose(g, np.exp(x) * (1 + x), rtol=1e-7)
    (g,) = ag.numerical_grad(lambda t: t.exp(), [x])  # summed when not a scalar
    np.testing.assert_allclose(g, np.exp(x), rtol=1e-7)


def test_numerical_grad_is_central_differences_with_eps() -> None:
    """((x+h)^3 - (x-h)^3) / 2h = 3x^2 + h^2 exactly; a one-sided difference would add 3xh."""
    x = np.array([1.0, 2.0])
    (g,) = ag.numerical_grad(lambda t: t**3, [x], eps=1e-2)
    np.testing.assert_allclose(g, 3 * x**2 + 1e-4, rtol=1e-9)


def test_numerical_grad_works_in_float64_and_leaves_inputs_alone() -> None:
    x = Tensor([0.1, 0.2, 0.3], requires_grad=True)  # float32
    before = x.data.copy()
    (g,) = ag.numerical_grad(lambda t: (t * t).sum(), [x])
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * before.astype(np.float64), rtol=1e-7)
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


def test_numerical_grad_gives_none_for_non_float_inputs() -> None:
    x = np.array([1.0, 2.0])
    g, none = ag.numerical_grad(lambda t, k: t * k, [x, 3])
    np.testing.assert_allclose(g, [3.0, 3.0], rtol=1e-8)
    assert none is None


# ---- gradcheck on correct functions ---------------------------------------------------------
@pytest.mark.parametrize(
    ("fn", "shapes"),
    [
        (lambda a, b: a * b + a / (b * b + 1), [(2, 3), (3,)]),
        (lambda a, b: (a @ b).tanh(), [(2, 3), (3, 4)]),
        (lambda a, b: (a @ b).softmax(axis=0), [(5, 2, 3), (3, 2)]),
        (lambda a: a.sum(axis=(0, 2), keepdims=True) * a.mean(), [(2, 3, 2)]),
        (lambda a: (a.exp(), a.sin().sum(axis=1)), [(2, 3)]),
        (Square.apply, [(2, 3)]),
        (Cube.apply, [(4,)]),
        (lambda a: Square.apply(Cube.apply(a)).sum(), [(3,)]),
    ],
)
def test_gradcheck_passes_on_correct_functions(fn: Any, shapes: list[tuple]) -> None:
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.normal(size=s), requires_grad=True) for s in shapes]
    assert ag.gradcheck(fn, inputs) is True


def test_gradcheck_accepts_float32_inputs_and_does_not_touch_them() -> None:
    x = Tensor(X23.astype(np.float32), requires_grad=True)
    before = x.data.copy()
    assert ag.gradcheck(lambda t: (t * t).tanh(), [x]) is True
    np.testing.assert_array_equal(x.data, before)
    assert x.dtype == np.float32 and x.grad is None


def test_gradcheck_checks_only_inputs_that_require_grad() -> None:
    """A wrong rule for an input that does not require grad is not checked."""
    a = Tensor(X23, requires_grad=True)
    b = Tensor(X23 + 3.0)
    assert ag.gradcheck(MulWrongSign.apply, [a, b]) is True
    b.requires_grad_()
    assert ag.gradcheck(MulWrongSign.apply, [a, b], raise_exception=False) is False


# ---- gradcheck on wrong functions -----------------------------------------------------------
def test_wrong_scale_names_input_output_and_indices_with_values() -> None:
    x = Tensor(X23, requires_grad=True)
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(SquareOffByTenPercentAtOneTwo.apply, [x])
    message = str(info.value)
    assert "input 0" in message
    assert re.search(r"output index \(1, 2\)", message), message
    assert re.search(r"input index \(1, 2\)", message), message
    assert _reported(message, "analytic") == pytest.approx(2 * 2.0 * 1.1, rel=1e-6)
    assert _reported(message, "numeric") == pytest.approx(2 * 2.0, rel=1e-6)
    assert ag.gradcheck(SquareOffByTenPercentAtOneTwo.apply, [x], raise_exception=False) is False


def test_wrong_sign_names_the_second_input() -> None:
    a, b = Tensor(X23, requires_grad=True), Tensor(X23 + 3.0, requires_grad=True)
    with pytest.raises(ag.GradcheckError, match=r"input 1") as info:
        ag.gradcheck(MulWrongSign.apply, [a, b])
    message = str(info.value)
    assert re.search(r"output index \(0, 0\)", message), message
    assert re.search(r"input index \(0, 0\)", message), message
    assert _reported(message, "analytic") == pytest.approx(-0.5, rel=1e-6)
    assert _reported(message, "numeric") == pytest.approx(0.5, rel=1e-6)
    assert ag.gradcheck(MulWrongSign.apply, [a, b], raise_exception=False) is False


@pytest.mark.parametrize("order", [1, 2])
def test_an_op_passed_as_its_apply_is_named_as_the_culprit(order: int) -> None:
    """`gradcheck(MyOp.apply, ...)`, the usual form, blames MyOp as a lambda calling it does
    (not "the mismatch comes from outside the recorded ops")."""
    if order == 1:
        inputs = [Tensor(X23, requires_grad=True), Tensor(X23 + 3.0, requires_grad=True)]
        op, check = MulWrongSign, ag.gradcheck
    else:
        inputs, op, check = (
            [Tensor([0.5, -1.0, 2.0], requires_grad=True)],
            CubeThroughNumpy,
            ag.gradgradcheck,
        )
    with pytest.raises(ag.GradcheckError, match="first op whose own rule disagrees") as info:
        check(op.apply, inputs)
    assert info.value.node is not None and info.value.node.name == op.name


def test_the_diagnosis_counts_the_operators_around_the_culprit() -> None:
    """Operators reach the op machinery without `Function.apply` (a faster path); the
    diagnosis still records them, so the culprit is placed among every op of the forward."""
    inputs = [Tensor(X23, requires_grad=True), Tensor(X23 + 3.0, requires_grad=True)]
    with pytest.raises(ag.GradcheckError, match=r"is mulwrongsign \(op 3 of 4 in the forward"):
        ag.gradcheck(lambda a, b: MulWrongSign.apply(a * 2.0, b + 1.0).exp(), inputs)


def test_ignoring_the_upstream_gradient_fails_even_for_a_scalar_output() -> None:
    x = Tensor(X23, requires_grad=True)
    with pytest.raises(ag.GradcheckError, match=r"input 0") as info:
        ag.gradcheck(SumOfSquaresIgnoringUpstream.apply, [x])
    message = str(info.value)
    assert re.search(r"input index \(\d, \d\)", message), message
    assert "analytic" in message and "numeric" in message
    assert _reported(message, "analytic") != pytest.approx(_reported(message, "numeric"))
    assert ag.gradcheck(SumOfSquaresIgnoringUpstream.apply, [x], raise_exception=False) is False


def test_the_full_jacobian_is_compared() -> None:
    """Only off-diagonal entries are wrong: output (0,) against input (1,) is the first."""
    x = Tensor([0.5, 1.5, -2.0], requires_grad=True)
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(ScaleBySumMissingCrossTerms.apply, [x])
    message = str(info.value)
    assert re.search(r"output index \(0,\), input index \(1,\)", message), message
    assert _reported(message, "analytic") == pytest.approx(0.0, abs=1e-9)
    assert _reported(message, "numeric") == pytest.approx(0.5, rel=1e-6)


def test_a_wrong_second_output_is_named() -> None:
    x = Tensor(X23, requires_grad=True)
    with pytest.raises(ag.GradcheckError, match=r"output 1") as info:
        ag.gradcheck(lambda t: (Square.apply(t), SquareOffByTenPercentAtOneTwo.apply(t)), [x])
    assert re.search(r"\(1, 2\)", str(info.value))


def test_tolerances_are_atol_plus_rtol_times_numeric() -> None:
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    op = SquareSlightlyOff.apply  # |analytic - numeric| = 0.002 |x| <= 0.006
    assert ag.gradcheck(op, [x]) is True  # 5e-4 relative < rtol 1e-3
    assert ag.gradcheck(op, [x], rtol=1e-4, raise_exception=False) is False
    assert ag.gradcheck(op, [x], rtol=0.0, atol=0.01) is True
    assert ag.gradcheck(op, [x], rtol=0.0, atol=1e-3, raise_exception=False) is False


class NanEverywhere(ag.Function):
    """A forward and a rule that both give NaN: no derivative is defined anywhere."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return np.full_like(x, np.nan)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return np.full_like(g, np.nan)


def test_nan_on_both_sides_is_a_mismatch() -> None:
    """|nan - nan| <= tolerance is false (as torch.allclose): a NaN Jacobian does not pass."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        assert ag.gradcheck(NanEverywhere.apply, [x], raise_exception=False) is False
        with pytest.raises(ag.GradcheckError, match=r"analytic nan, numeric nan"):
            ag.gradcheck(NanEverywhere.apply, [x])


# ---- gradgradcheck --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        Cube.apply,
        lambda t: Cube.apply(t).sum() * Square.apply(t),
        lambda t: (t @ t.T).tanh().softmax(axis=-1),
    ],
)
def test_gradgradcheck_passes_for_twice_differentiable_functions(fn: Any) -> None:
    x = Tensor(np.random.default_rng(1).normal(size=(2, 3)), requires_grad=True)
    assert ag.gradgradcheck(fn, [x]) is True


@pytest.mark.parametrize("op", [CubeKeepingArrayOnCtx, CubeThroughNumpy])
def test_gradgradcheck_fails_for_a_rule_that_is_not_differentiable(op: type) -> None:
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    assert ag.gradcheck(op.apply, [x]) is True  # first order is right
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradgradcheck(op.apply, [x])
    message = str(info.value)
    assert "analytic" in message and "numeric" in message
    assert ag.gradgradcheck(op.apply, [x], raise_exception=False) is False


def test_gradgradcheck_checks_every_output_of_a_tuple() -> None:
    """As gradcheck (and torch.autograd.gradgradcheck): a tuple of outputs, one grad_outputs
    each; a wrong second derivative in the second output is found."""
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    assert ag.gradgradcheck(lambda t: (Cube.apply(t), (t * t).sum()), [x]) is True
    given = [Tensor(np.ones(3)), np.array(2.0)]
    assert ag.gradgradcheck(lambda t: (Cube.apply(t), (t * t).sum()), [x], given) is True
    with pytest.raises(ag.GradcheckError, match="analytic"):
        ag.gradgradcheck(lambda t: (Square.apply(t), CubeThroughNumpy.apply(t)), [x])
    with pytest.raises(ValueError, match=r"gradgradcheck: got 1 grad_outputs for 2 outputs"):
        ag.gradgradcheck(lambda t: (t * t, t.sum()), [x], [Tensor(np.ones(3))])
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(2,\), output 0 has"):
        ag.gradgradcheck(Cube.apply, [x], np.ones(2))
