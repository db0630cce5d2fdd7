"""Value, the scalar engine: each op's value and gradient, accumulation, deep graphs, errors.

Every op is checked against the Tensor engine on 0-d float64 tensors (the two
engines must agree), against central differences, and on hand-worked cases.
"""

from __future__ import annotations

import math
import operator
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor, Value

finite = st.floats(-5, 5, allow_nan=False)
positive = st.floats(0.1, 5)
away_from_zero = st.one_of(st.floats(-5, -0.1), st.floats(0.1, 5))

UNARY = {
    "exp": (lambda v: v.exp(), finite),
    "log": (lambda v: v.log(), positive),
    "tanh": (lambda v: v.tanh(), finite),
    "sigmoid": (lambda v: v.sigmoid(), finite),
    "relu": (lambda v: v.relu(), away_from_zero),
    "neg": (lambda v: -v, finite),
    "pow 3": (lambda v: v**3, finite),
    "pow -1.5": (lambda v: v**-1.5, positive),
}
BINARY = {
    "add": (lambda a, b: a + b, finite, finite),
    "sub": (lambda a, b: a - b, finite, finite),
    "mul": (lambda a, b: a * b, finite, finite),
    "div": (lambda a, b: a / b, finite, away_from_zero),
    "pow": (lambda a, b: a**b, positive, st.floats(-2, 2)),
}


def _tensor(x: float) -> Tensor:
    return Tensor(np.array(x, dtype=np.float64), requires_grad=True)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


# ---- each op against the Tensor engine -------------------------------------------------
@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_op_matches_tensor(name, data):
    op, values = UNARY[name]
    x = data.draw(values)
    v, t = Value(x), _tensor(x)
    out_v, out_t = op(v), op(t)
    out_v.backward()
    out_t.backward()
    assert type(out_v.data) is float
    assert _close(out_v.data, float(out_t.data))
    assert _close(v.grad, float(t.grad.data))


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_matches_tensor(name, data):
    op, left, right = BINARY[name]
    a, b = data.draw(left), data.draw(right)
    va, vb, ta, tb = Value(a), Value(b), _tensor(a), _tensor(b)
    out_v, out_t = op(va, vb), op(ta, tb)
    out_v.backward()
    out_t.backward()
    assert _close(out_v.data, float(out_t.data))
    assert _close(va.grad, float(ta.grad.data))
    assert _close(vb.grad, float(tb.grad.data))


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_number_on_either_side_matches_tensor(name, data):
    """v op 2.5 and 2.5 op v (radd, rsub, rmul, rtruediv, rpow): the number is a constant."""
    op, left, right = BINARY[name]
    a, b = data.draw(left), data.draw(right)
    # Value on the left, number on the right
    v, t = Value(a), _tensor(a)
    out_v, out_t = op(v, b), op(t, b)
    out_v.backward()
    out_t.backward()
    assert out_v._y is None  # the number is folded into the op, not a node
    assert _close(out_v.data, float(out_t.data))
    assert _close(v.grad, float(t.grad.data))
    # number on the left, Value on the right
    v, t = Value(b), _tensor(b)
    out_v, out_t = op(a, v), op(a, t)
    out_v.backward()
    out_t.backward()
    assert out_v._y is None
    assert _close(out_v.data, float(out_t.data))
    assert _close(v.grad, float(t.grad.data))


@given(x=finite, y=finite, z=positive)
def test_composite_gradients_agree_with_central_differences(x, y, z):
    def f(a, b, c):
        return ((a * b).tanh() + (c.log() - a).sigmoid() * b) / (c + 1.0) - a.exp() ** 0.5

    assert ag.gradcheck(f, [Value(x), Value(y), Value(z)])


# ---- hand-worked cases ----------------------------------------------------------------
def test_linear_model_by_hand():
    """L = (b + w x - y)^2: dL/dw = 2 (b + w x - y) x, dL/db = 2 (b + w x - y)."""
    w, b = Value(0.5, "w"), Value(-1.0, "b")
    x, y = 3.0, 2.0
    loss = (b + w * x - y) ** 2
    loss.backward()
    assert loss.data == (-1.0 + 1.5 - 2.0) ** 2
    assert w.grad == 2 * (-1.5) * 3.0
    assert b.grad == 2 * (-1.5)
    assert loss.grad == 1.0


def test_a_value_used_twice_gets_both_contributions():
    x = Value(3.0)
    (x * x).backward()  # d/dx x^2 = 2x
    assert x.grad == 6.0
    x.grad = 0.0
    y = x * 2.0
    (y + y * x).backward()  # y + y x = 2x + 2x^2: 2 + 4x
    assert x.grad == 14.0


def test_order_of_inputs_is_kept():
    a, b = Value(5.0), Value(2.0)
    for out, grads in (((a - b), (1.0, -1.0)), ((b - a), (-1.0, 1.0)), ((a / b), (0.5, -1.25))):
        a.grad = b.grad = 0.0
        out.backward()
        assert (a.grad, b.grad) == grads
    assert (a - b)._x is a and (a - b)._y is b
    assert (b - a)._x is b and (b - a)._y is a


def test_relu_gradient_is_zero_at_the_kink_as_tensor():
    v, t = Value(0.0), _tensor(0.0)
    v.relu().backward()
    t.relu().backward()
    assert v.grad == 0.0 == float(t.grad.data)


def test_zero_exponent_has_zero_derivative_even_at_zero():
    x = Value(0.0)
    out = x**0
    out.backward()
    assert (out.data, x.grad) == (1.0, 0.0)


@pytest.mark.parametrize("exponent", [0.0, 0.5, 2.0, 3.0])
def test_exponent_derivative_at_a_zero_base_is_zero_as_tensor(exponent):
    # 0 ** y is flat in y for y >= 0: 0, not 0 * log(0) = nan (as PyTorch).
    x, y = Value(0.0), Value(exponent)
    (x**y).backward()
    c = Value(exponent)
    (0.0**c).backward()
    tx, ty = _tensor(0.0), _tensor(exponent)
    with np.errstate(divide="ignore"):  # d/dx 0^0.5 is a true infinity
        (tx**ty).backward()
    assert y.grad == c.grad == float(ty.grad.data) == 0.0
    assert x.grad == float(tx.grad.data)


# ---- gradient accumulation -------------------------------------------------------------
def test_leaves_accumulate_and_intermediates_are_recomputed():
    w = Value(2.0)
    h = w * 3.0
    out = h * h  # 9 w^2: d/dw = 18 w = 36, d/dh = 2h = 12
    out.backward()
    assert (w.grad, h.grad, out.grad) == (36.0, 12.0, 1.0)
    out.backward()
    assert w.grad == 72.0  # the leaf accumulates, as a Tensor leaf's .grad does
    assert h.grad == 12.0  # the intermediate is d(out)/dh for this backward alone
    w.grad = 0.0
    out.backward()
    assert w.grad == 36.0


def test_backward_of_a_second_output_sharing_the_graph():
    x = Value(1.5)
    h = x.tanh()
    first, second = h * 2.0, h * 3.0
    first.backward()
    second.backward()
    assert h.grad == 3.0  # recomputed for `second`, not 2 + 3
    assert math.isclose(x.grad, 5.0 * (1 - math.tanh(1.5) ** 2))


def test_backward_of_a_leaf_accumulates_one():
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_a_100000_op_chain_backprops_without_recursion():
    n = 100_000
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.backward()
    assert math.isclose(x.grad, 1.0001**n, rel_tol=1e-9)


def test_a_small_mlp_matches_the_same_mlp_in_tensors():
    """micrograd's demo network, 2-4-4-1 ReLU: Value and Tensor give the same gradients."""
    rnd = random.Random(0)
    w1 = [[rnd.uniform(-1, 1) for _ in range(2)] for _ in range(4)]
    w2 = [[rnd.uniform(-1, 1) for _ in range(4)] for _ in range(4)]
    w3 = [[rnd.uniform(-1, 1) for _ in range(4)]]
    points = [[rnd.uniform(-2, 2), rnd.uniform(-2, 2)] for _ in range(8)]
    targets = [1.0 if a * b > 0 else -1.0 for a, b in points]

    vw = [[[Value(w) for w in row] for row in m] for m in (w1, w2, w3)]

    def value_net(x):
        for k, m in enumerate(vw):
            x = [sum((w * xi for w, xi in zip(row, x)), Value(0.0)) for row in m]
            x = [h.relu() for h in x] if k < 2 else x
        return x[0]

    loss = sum(((value_net(p) - y) ** 2 for p, y in zip(points, targets)), 0.0) * 0.125
    loss.backward()

    tw = [_tensor(np.array(m)) for m in (w1, w2, w3)]
    h = Tensor(np.array(points))
    for k, m in enumerate(tw):
        h = h @ m.T
        h = h.relu() if k < 2 else h
    tloss = ((h[:, 0] - Tensor(np.array(targets))) ** 2).mean()
    tloss.backward()

    assert math.isclose(loss.data, float(tloss.data), rel_tol=1e-12)
    for vm, tm in zip(vw, tw):
        grads = np.array([[w.grad for w in row] for row in vm])
        np.testing.assert_allclose(grads, tm.grad.data, rtol=1e-10, atol=1e-12)


# ---- gradcheck and numerical_grad take functions of Values ---------------------------------
def test_numerical_grad_of_values_matches_backward():
    a, b = Value(0.7), Value(-1.2)
    out = (a * b).sigmoid() + a.exp()
    out.backward()
    numeric = ag.numerical_grad(lambda x, y: (x * y).sigmoid() + x.exp(), [a, b])
    np.testing.assert_allclose([float(g[0]) for g in numeric], [a.grad, b.grad], rtol=1e-6)


def test_gradcheck_catches_a_wrong_derivative_of_values():
    def wrong_square(x):  # value x^2, but the recorded derivative is x instead of 2x
        out = x * x
        out._dx = out._dy = x.data / 2
        return out

    with pytest.raises(ag.GradcheckError, match="analytic"):
        ag.gradcheck(wrong_square, [Value(1.5)])


# ---- edge values follow NumPy, as Tensor does --------------------------------------------
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: Value(1.0) / 0, math.inf),
        (lambda: -1.0 / Value(0.0), -math.inf),
        (lambda: Value(0.0).log(), -math.inf),
        (lambda: Value(-1.0).log(), math.nan),
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(-8.0) ** 0.5, math.nan),
        (lambda: Value(0.0) ** -1, math.inf),
        (lambda: Value(1e200) ** 2, math.inf),
        (lambda: Value(1000.0).sigmoid(), 1.0),
        (lambda: Value(-1000.0).sigmoid(), 0.0),
        (lambda: Value(math.nan).relu(), math.nan),
    ],
)
def test_edge_values_follow_numpy(make, expected):
    out = make()
    assert type(out.data) is float
    if math.isnan(expected):
        assert math.isnan(out.data)
    else:
        assert out.data == expected


def test_sigmoid_gradient_stays_finite_far_out():
    for x in (-1000.0, 1000.0):
        v = Value(x)
        v.sigmoid().backward()
        assert v.grad == 0.0


# ---- the object ----------------------------------------------------------------------------
def test_repr_shows_data_grad_and_label():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-1, "w")) == "Value(data=-1.0, grad=0.0, label='w')"


def test_data_is_a_python_float():
    for x in (2, np.float32(2.5), np.int64(3), True):
        assert type(Value(x).data) is float
    assert type((Value(1.0) * np.float32(2)).data) is float
    assert type((np.float64(2) + Value(1.0)).data) is float


def test_values_are_small_objects():
    v = Value(1.0)
    with pytest.raises(AttributeError):
        v.extra = 1  # __slots__: no per-instance dict


def test_value_of_a_non_number_is_a_type_error():
    for bad in ("2.0", None, [1.0], Tensor(1.0)):
        with pytest.raises(TypeError, match=r"Value: data must be a real number, got \w+"):
            Value(bad)


def test_combining_with_a_non_number_is_a_type_error():
    v = Value(1.0)
    with pytest.raises(
        TypeError, match="mul: a Value combines with Values and real numbers, not str"
    ):
        v * "a"
    with pytest.raises(TypeError, match=r"add: .* not list"):
        [1.0] + v
    with pytest.raises(TypeError, match=r"div: .* not Tensor .*separate engines"):
        v / Tensor(2.0)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow"])
def test_a_tensor_or_array_on_the_left_of_a_value_is_a_type_error(op):
    """Not an object-dtype Tensor/array of Values: the engines do not mix, from either side."""
    fn = getattr(operator, op)
    with pytest.raises(TypeError, match=r"(add|sub|mul|div|pow): .*Value"):
        fn(Tensor([1.0, 2.0]), Value(2.0))
    with pytest.raises(TypeError, match=r"not ndarray .*separate engines"):
        fn(np.ones(2), Value(2.0))
    assert fn(np.float64(3.0), Value(2.0)).data == fn(3.0, 2.0)  # a NumPy scalar is a number
