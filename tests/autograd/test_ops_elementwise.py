"""Elementwise ops, each explicitly: the forward against NumPy, gradcheck and gradgradcheck
in float64 (broadcast shape pairs included), and the special cases of each rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_checks import check_gradients, leaves
from strategies import arrays, broadcastable_shapes, shapes

import autograd as ag
from autograd import Tensor

UNARY = [
    # (name, glassgrad, NumPy, domain)
    ("exp", ag.exp, np.exp, "real"),
    ("log", ag.log, np.log, "positive"),
    ("sqrt", ag.sqrt, np.sqrt, "positive"),
    ("sin", ag.sin, np.sin, "real"),
    ("cos", ag.cos, np.cos, "real"),
    ("tanh", ag.tanh, np.tanh, "real"),
    ("sigmoid", ag.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "real"),
    ("relu", ag.relu, lambda x: np.maximum(x, 0), "nonzero"),
    ("abs", ag.abs, np.abs, "nonzero"),
    ("sign", ag.sign, np.sign, "nonzero"),
    ("negative", ag.negative, np.negative, "real"),
]


@pytest.mark.parametrize(("name", "fn", "reference", "domain"), UNARY, ids=[u[0] for u in UNARY])
@settings(max_examples=5)
@given(data=st.data())
def test_unary_forward_and_gradients(
    name: str, fn: Callable, reference: Callable, domain: str, data: st.DataObject
) -> None:
    x = data.draw(shapes().flatmap(lambda s: arrays(s, domain)))
    out = fn(Tensor(x))
    assert out.dtype == np.float64 and out.shape == x.shape
    np.testing.assert_allclose(out.data, reference(x), rtol=1e-12, atol=1e-15)
    check_gradients(fn, x)


BINARY = [
    ("add", ag.add, np.add, lambda a, b: a + b, ("real", "real")),
    ("subtract", ag.subtract, np.subtract, lambda a, b: a - b, ("real", "real")),
    ("multiply", ag.multiply, np.multiply, lambda a, b: a * b, ("real", "real")),
    ("divide", ag.divide, np.divide, lambda a, b: a / b, ("real", "nonzero")),
    ("power", ag.power, np.power, lambda a, b: a**b, ("positive", "real")),
]
PAIRS = [
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 1), (1, 3)),
    ((), (2, 2)),
    ((2, 2), ()),
    ((3, 1, 2), (2,)),
    ((1,), (2, 3, 1)),
    ((2, 1, 3), (1, 2, 1)),
]


@pytest.mark.parametrize(("name", "fn", "reference", "operator", "domains"), BINARY)
@pytest.mark.parametrize(("shape_a", "shape_b"), PAIRS)
def test_binary_broadcast_pairs(
    name: str,
    fn: Callable,
    reference: Callable,
    operator: Callable,
    domains: tuple,
    shape_a: tuple,
    shape_b: tuple,
) -> None:
    rng = np.random.default_rng(len(shape_a) * 10 + len(shape_b))
    a = _sample(rng, shape_a, domains[0])
    b = _sample(rng, shape_b, domains[1])
    expected = reference(a, b)
    for got in (fn(Tensor(a), Tensor(b)), operator(Tensor(a), Tensor(b))):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got.data, expected, rtol=1e-12)
    check_gradients(fn, a, b)


def _sample(rng: np.random.Generator, shape: tuple, domain: str) -> np.ndarray:
    if domain == "real":
        return rng.uniform(-2.0, 2.0, size=shape)
    values = rng.uniform(0.5, 2.0, size=shape)  # positive
    return values * rng.choice([-1.0, 1.0], size=shape) if domain == "nonzero" else values


@settings(max_examples=10)
@given(pair=broadcastable_shapes(2), data=st.data())
def test_mul_and_div_on_any_broadcastable_shapes(pair: tuple, data: st.DataObject) -> None:
    a = data.draw(arrays(pair[0], "real"))
    b = data.draw(arrays(pair[1], "nonzero"))
    np.testing.assert_allclose((Tensor(a) * Tensor(b) / Tensor(b)).data, a * b / b)
    check_gradients(lambda x, y: x * y / (y * y), a, b)


@pytest.mark.parametrize(
    ("expression", "reference"),
    [
        (lambda x: x + 2.0, lambda x: x + 2.0),
        (lambda x: 2.0 - x, lambda x: 2.0 - x),
        (lambda x: 3.0 * x, lambda x: 3.0 * x),
        (lambda x: 3.0 / x, lambda x: 3.0 / x),
        (lambda x: x / 4, lambda x: x / 4),
        (lambda x: x**2, lambda x: x**2),
        (lambda x: x**3.5, lambda x: x**3.5),
        (lambda x: 2.0**x, lambda x: 2.0**x),
        (lambda x: x.pow(0.5), np.sqrt),
        (lambda x: -x, np.negative),
        (lambda x: np.array([1.0, 2.0, 3.0]) * x, lambda x: np.array([1.0, 2.0, 3.0]) * x),
        (lambda x: np.array([1.0, 2.0, 3.0]) - x, lambda x: np.array([1.0, 2.0, 3.0]) - x),
    ],
)
def test_constants_on_either_side(expression: Callable, reference: Callable) -> None:
    x = np.array([0.7, 1.3, 2.1])
    np.testing.assert_allclose(expression(Tensor(x)).data, reference(x), rtol=1e-12)
    check_gradients(expression, x)


def test_pow_with_integer_exponent_works_for_negative_bases() -> None:
    x = np.array([-1.5, -0.5, 0.5, 2.0])
    check_gradients(lambda t: t**3, x)
    check_gradients(lambda t: t**2, x)


def test_pow_zero_exponent_has_zero_gradient_even_at_zero() -> None:
    (x,) = leaves([0.0, 1.0, -2.0])
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("exponent", [np.array([0.0, 0.0]), np.float32(0.0)], ids=["array", "np32"])
def test_pow_zero_exponent_array_has_zero_gradient_even_at_zero(exponent: Any) -> None:
    (x,) = leaves([0.0, 2.0])
    (x**exponent).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_pow_gradients_at_a_zero_base_follow_pytorch() -> None:
    # d/db 0^b is 0 for b >= 0 (0^b is flat there), not 0 * log(0) = NaN; d/da 0^0 is 0.
    a, b = leaves([0.0, 0.0, 0.0, 2.0], [0.0, 0.5, 3.0, 3.0])
    with np.errstate(divide="ignore"):  # d/da 0^0.5 is a true infinity
        (a**b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.0, np.inf, 0.0, 12.0])
    np.testing.assert_allclose(b.grad.data, [0.0, 0.0, 0.0, 8.0 * np.log(2.0)])
    (c,) = leaves([0.0, 2.0])
    (0.0**c).sum().backward()
    np.testing.assert_array_equal(c.grad.data, [0.0, 0.0])


def test_pow_gradient_of_the_exponent_is_out_log_base() -> None:
    a, b = leaves([2.0, 3.0], [1.5, -0.5])
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad.data, np.array([2.0, 3.0]) ** [1.5, -0.5] * np.log([2, 3]))


@pytest.mark.parametrize(("fn", "expected"), [(ag.relu, 0.0), (ag.abs, 0.0), (ag.sign, 0.0)])
def test_gradient_at_the_kink_is_zero_as_in_pytorch(fn: Callable, expected: float) -> None:
    (x,) = leaves([0.0, -1.0, 2.0])
    fn(x).sum().backward()
    assert x.grad.data[0] == expected


def test_sign_has_zero_gradient_everywhere() -> None:
    (x,) = leaves([-2.0, -0.1, 0.3, 4.0])
    ag.sign(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(4))


def test_sigmoid_is_finite_with_finite_gradients_at_1000() -> None:
    (x,) = leaves([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    y = ag.sigmoid(x)
    np.testing.assert_allclose(y.data, [0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0], atol=1e-300)
    y.sum().backward()
    assert np.isfinite(x.grad.data).all()
    assert x.grad.data[2] == 0.25


@pytest.mark.parametrize("shape", [(3,), (1000,), (4, 1024), (2, 3, 512)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_is_exactly_numpys_maximum_with_zero(shape: tuple, dtype: type) -> None:
    """Large inputs take a row of zeros instead of the scalar 0 (a faster NumPy loop): the
    same bits either way, signed zeros, infinities and NaN included."""
    edges = [-np.inf, -1.0, -0.0, 0.0, 1e-30, 2.0, np.inf, np.nan]
    x = np.resize(np.array(edges + list(np.random.default_rng(3).normal(0, 1, 93))), shape)
    x = x.astype(dtype)
    y = ag.relu(Tensor(x)).data
    expected = np.maximum(x, 0)
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(expected))
    assert y.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sigmoid_is_exactly_the_two_branch_formula(dtype: type) -> None:
    """1 / (1 + e) for x >= 0 and e / (1 + e) below, e = exp(-|x|): bit for bit, at the
    edges (infinities, NaN, signed zeros, tiny and huge values) and at random."""
    edges = [-np.inf, -1000.0, -50.0, -1e-30, -0.0, 0.0, 1e-30, 50.0, 1000.0, np.inf, np.nan]
    x = np.concatenate([np.array(edges), np.random.default_rng(0).normal(0, 8, 1000)])
    x = x.astype(dtype)
    with np.errstate(over="ignore", under="ignore"):
        e = np.exp(-np.abs(x))
        expected = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    np.testing.assert_array_equal(ag.sigmoid(Tensor(x)).data, expected)
    assert ag.sigmoid(Tensor(x[4])).item() == 0.5  # a 0-d input, at -0.0


@pytest.mark.parametrize(
    ("lo", "hi", "expected_grad"),
    [
        (-1.0, 1.0, [0.0, 1.0, 1.0, 1.0, 0.0]),
        (-1.0, None, [0.0, 1.0, 1.0, 1.0, 1.0]),
        (None, 1.0, [1.0, 1.0, 1.0, 1.0, 0.0]),
    ],
)
def test_clip_passes_the_gradient_inside_bounds_included(
    lo: float | None, hi: float | None, expected_grad: list
) -> None:
    values = np.array([-2.0, -1.0, 0.3, 1.0, 3.0])
    (x,) = leaves(values)
    y = x.clip(lo, hi)
    np.testing.assert_array_equal(y.data, np.clip(values, lo, hi))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, expected_grad)
    check_gradients(lambda t: ag.clip(t, lo, hi), [-2.0, -0.4, 0.3, 0.8, 3.0])


def test_clip_needs_a_bound() -> None:
    with pytest.raises(ValueError, match="clip: give at least one of lo and hi"):
        ag.clip(Tensor([1.0]), None, None)


@pytest.mark.parametrize(("fn", "reference"), [(ag.maximum, np.maximum), (ag.minimum, np.minimum)])
@pytest.mark.parametrize(("shape_a", "shape_b"), [((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))])
def test_maximum_minimum_broadcast(
    fn: Callable, reference: Callable, shape_a: tuple, shape_b: tuple
) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.uniform(-2, 2, shape_a), rng.uniform(-2, 2, shape_b)
    np.testing.assert_array_equal(fn(Tensor(a), Tensor(b)).data, reference(a, b))
    check_gradients(fn, a, b)


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum])
def test_maximum_minimum_ties_split_the_gradient_evenly(fn: Callable) -> None:
    a, b = leaves([1.0, 2.0, 3.0], [1.0, 5.0, 3.0])
    fn(a, b).sum().backward()
    mine = [0.5, 0.0, 0.5] if fn is ag.maximum else [0.5, 1.0, 0.5]
    np.testing.assert_array_equal(a.grad.data, mine)
    np.testing.assert_array_equal(b.grad.data, 1 - np.array(mine))


@pytest.mark.parametrize("cond_shape", [(2, 3), (3,), (2, 1), ()])
def test_where_routes_the_gradient_by_the_condition(cond_shape: tuple) -> None:
    rng = np.random.default_rng(4)
    cond = rng.random(cond_shape) < 0.5
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    for c in (cond, Tensor(cond)):
        np.testing.assert_array_equal(ag.where(c, Tensor(a), Tensor(b)).data, np.where(cond, a, b))
    check_gradients(lambda x, y: ag.where(cond, x, y), a, b)
    x, y = leaves(a, b)
    ag.where(cond, x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(cond, (2, 3)).astype(float))
    np.testing.assert_array_equal(y.grad.data, (~np.broadcast_to(cond, (2, 3))).sum(axis=0))


def test_where_with_a_mask_from_a_comparison() -> None:
    x = Tensor(np.array([-1.0, 2.0, -3.0]), requires_grad=True)
    ag.where(x > 0, x, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def test_astype_casts_and_its_gradient_comes_back_in_the_input_dtype() -> None:
    x = Tensor(np.array([1.5, -2.0], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.grad_fn.name == "astype"
    (y * Tensor(np.array([2.0, 3.0]))).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [2.0, 3.0])
    check_gradients(lambda t: t.astype(np.float64) * 2, [1.0, 2.0])


# ---- gradcheck's kink awareness on elementwise kinks ----------------------------------------
@pytest.mark.parametrize(
    ("fn", "op", "value"),
    [
        (lambda t: ag.relu(t * 2), "relu", 2e-7),
        (lambda t: ag.abs(t + 1.0), "abs", -1.0 + 3e-7),
        (lambda t: ag.clip(t, -1.0, 1.0), "clip", 1.0 - 4e-7),
        (lambda t: ag.maximum(t, Tensor(np.full(3, 0.5))), "maximum", 0.5 + 2e-7),
    ],
)
def test_gradcheck_says_when_its_step_straddles_a_kink(fn: Callable, op: str, value: float) -> None:
    x = Tensor(np.array([1.7, value, -1.9]), requires_grad=True)
    with pytest.raises(ag.GradcheckError, match="straddles a point") as caught:
        ag.gradcheck(lambda t: fn(t).sum(), [x])
    message = str(caught.value)
    assert "analytic" in message and "numeric" in message and "input index (1,)" in message
    assert f"{op}'s input 0 at index (1,)" in message
    assert caught.value.kink and caught.value.node.name == op


def test_gradcheck_away_from_the_kink_passes() -> None:
    assert ag.gradcheck(lambda t: ag.relu(t).sum(), leaves([0.3, -0.2, 1e-3]))


def _failing_kinks(margin: float, arrays: Any, options: dict) -> list:
    raise KeyError("target")


class _Bent(ag.Function):
    """|x| whose spec's kinks function fails: the report must still say it was a kink."""

    check = ag.OpCheck(reference=np.abs, twice=False, kinks=_failing_kinks)

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * ctx.xp.sign(x)


def test_a_kink_is_reported_even_when_the_spec_cannot_say_where() -> None:
    x = Tensor(np.array([1.0, 1e-7]), requires_grad=True)
    with pytest.raises(ag.GradcheckError, match="straddles a point") as caught:
        ag.gradcheck(lambda t: _Bent.apply(t).sum(), [x])
    assert caught.value.kink and caught.value.node is None


# ---- Python numbers beside float tensors ------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("const", [1.01, 3, -0.5])
@pytest.mark.parametrize("values", [[1.5, -2.0, 0.25], 1.5])
def test_python_number_and_float_tensor_match_numpy(dtype: Any, const: Any, values: Any) -> None:
    """mul and div keep a Python number beside an array (not a 0-d one) as a 0-d array of
    its dtype, for a faster backward; results, dtypes and gradients stay NumPy's."""
    a = np.array(values, dtype)
    for fn in (
        lambda t: t * const,
        lambda t: const * t,
        lambda t: t / const,
        lambda t: const / t,
    ):
        x = Tensor(a.copy(), requires_grad=True)
        y = fn(x)
        expected = fn(a)
        assert y.dtype == expected.dtype
        np.testing.assert_array_equal(y.data, expected)
        y.sum().backward()
        assert x.grad.dtype == a.dtype
    x = Tensor(a.copy(), requires_grad=True)
    (x * const).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full(a.shape, const, dtype))


def test_python_float_times_integer_tensor_is_float64() -> None:
    """The constant is converted only beside a float array: an integer one promotes."""
    y = Tensor(np.array([1, 2], np.int32)) * 0.5
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.data, [0.5, 1.0])


@pytest.mark.parametrize(
    "fn",
    [
        lambda t, c: t + c,
        lambda t, c: c - t,
        lambda t, c: t * c,
        lambda t, c: c / t,
        lambda t, c: t**c,
        lambda t, c: c**t,
        lambda t, c: ag.maximum(t, c),
    ],
    ids=["add", "rsub", "mul", "rdiv", "pow", "rpow", "maximum"],
)
def test_a_nested_list_operand_is_a_constant_like_an_array(fn: Callable) -> None:
    """A list on either side computes and differentiates as the same values in an array."""
    values, const = [1.5, 2.5], [1.0, 2.0]
    by_list = Tensor(values, dtype=np.float64, requires_grad=True)
    by_array = Tensor(values, dtype=np.float64, requires_grad=True)
    out_list, out_array = fn(by_list, const), fn(by_array, np.array(const))
    np.testing.assert_array_equal(out_list.data, out_array.data)
    out_list.sum().backward()
    out_array.sum().backward()
    np.testing.assert_array_equal(by_list.grad.data, by_array.grad.data)


# ---- 0-d float64 and a Python float: add, sub and mul computed on Python floats ------------
SCALAR_OPS = [
    ("add", lambda t, c: t + c, lambda t, c: c + t, np.add),
    ("sub", lambda t, c: t - c, lambda t, c: c - t, np.subtract),
    ("mul", lambda t, c: t * c, lambda t, c: c * t, np.multiply),
]
_DOUBLES = st.floats(allow_nan=True, allow_infinity=True, width=64)


@pytest.mark.parametrize(
    ("name", "left", "right", "ufunc"), SCALAR_OPS, ids=[o[0] for o in SCALAR_OPS]
)
@settings(max_examples=200)
@given(x=_DOUBLES, c=_DOUBLES)
def test_scalar_ops_give_numpys_bits_on_either_side(
    name: str, left: Callable, right: Callable, ufunc: Callable, x: float, c: float
) -> None:
    """The Python-float path and NumPy's ufunc agree bit for bit, NaN, inf, signed zeros,
    subnormals and overflow included, with the operand on either side; the result is
    a 0-d float64 array of its own and the gradient reaches the tensor."""
    for expr, order in ((left, (x, c)), (right, (c, x))):
        t = Tensor(np.array(x), requires_grad=True)
        with np.errstate(all="ignore"):
            out = expr(t, c)
            expected = ufunc(np.array(order[0]), np.array(order[1]))
        assert type(out.data) is np.ndarray and out.data.shape == ()
        assert out.dtype == np.float64 and out.data.flags.owndata and out.data.flags.writeable
        assert np.array_equal(out.data, expected, equal_nan=True)
        assert np.signbit(out.data) == np.signbit(expected)
        with np.errstate(all="ignore"):
            out.backward()
        sign = -1.0 if name == "sub" and expr is right else 1.0
        with np.errstate(all="ignore"):
            want = sign * (c if name == "mul" else 1.0)
        assert np.array_equal(t.grad.data, np.float64(want), equal_nan=True)


@pytest.mark.parametrize("expression", [lambda t: (t * 2.5) * t, lambda t: t * (2.5 * t)])
def test_a_constant_factor_on_either_side_is_checked_to_second_order(expression: Callable) -> None:
    """mul's rule answers a Python-float factor (what the 0-d path saves) without asking
    needs_input_grad: first and second derivatives still match central differences."""
    t = Tensor(np.array(1.5), requires_grad=True)
    assert ag.gradcheck(expression, [t])
    assert ag.gradgradcheck(expression, [t])
    (g,) = ag.grad(expression(t), [t], create_graph=True)
    assert g.item() == pytest.approx(2 * 2.5 * 1.5)
    (h,) = ag.grad(g, [t])
    assert h.item() == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("value", "expression", "flag"),
    [
        (1e10, lambda t: t * 1e300, "over"),
        (1e10, lambda t: 1e300 * t, "over"),
        (1e308, lambda t: t + 1.7e308, "over"),
        (-1e308, lambda t: t - 1.7e308, "over"),
        (1e-200, lambda t: t * 1e-200, "under"),  # the product underflows to 0
        (1e-300, lambda t: 1e-10 * t, "under"),  # to a subnormal
        (float("inf"), lambda t: t * 0.0, "invalid"),
        (float("inf"), lambda t: t - float("inf"), "invalid"),
    ],
)
def test_scalar_ops_raise_numpys_floating_point_errors(
    value: float, expression: Callable, flag: str
) -> None:
    """Where NumPy's ufunc sets a floating-point flag, the ufunc runs: errstate and its
    warnings apply as they do to NumPy itself."""
    t = Tensor(np.array(value), requires_grad=True)
    with np.errstate(**{flag: "raise"}), pytest.raises(FloatingPointError, match=flag[:4]):
        expression(t)
    with np.errstate(**{flag: "warn"}), pytest.warns(RuntimeWarning):
        expression(t)
    with np.errstate(all="ignore"):
        assert not np.isfinite(expression(t).data) or flag == "under"


def test_scalar_ops_on_other_dtypes_and_numbers_keep_numpys_promotion() -> None:
    """Only float64 with a Python float takes the Python path; a float32 0-d tensor stays
    float32 (NumPy rounds the float to float32 first), an int operand goes to NumPy."""
    t32 = Tensor(np.array(0.1, np.float32))
    assert (t32 * 0.1).dtype == np.float32
    assert (t32 * 0.1).data == np.multiply(np.array(0.1, np.float32), 0.1)
    t = Tensor(np.array(3.0))
    assert (t * 2).data.dtype == np.float64 and (t * 2).item() == 6.0
    assert (t + True).item() == 4.0
