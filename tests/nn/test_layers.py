"""Linear, Identity, Flatten and the activation layers: PyTorch's initialisation and
semantics, hand-computed values, gradients on hypothesis-drawn shapes, and bad input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from module_checks import check_module

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor

sizes = st.integers(1, 3)
batch_shapes = st.lists(sizes, min_size=0, max_size=2).map(tuple)


def _random(shape: tuple[int, ...], seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale)


# ---- Linear ---------------------------------------------------------------------------------
def test_linear_shapes_and_pytorch_initialisation_bounds() -> None:
    lin = nn.Linear(50, 40)
    assert lin.weight.shape == (40, 50) and lin.bias.shape == (40,)
    bound = 1 / math.sqrt(50)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(lin.weight.data).max() <= bound
    assert np.abs(lin.weight.data).max() > 0.9 * bound
    assert np.abs(lin.bias.data).max() <= bound
    assert lin.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_linear_initialisation_follows_the_global_seed() -> None:
    ag.manual_seed(3)
    a = nn.Linear(4, 3)
    ag.manual_seed(3)
    b = nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, nn.Linear(4, 3).weight.data)


def test_linear_computes_x_wt_plus_b_on_any_leading_axes() -> None:
    lin = nn.Linear(3, 2)
    lin.weight.data[...] = [[1, 2, 3], [0, -1, 1]]
    lin.bias.data[...] = [10, 20]
    x = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, -1.0]], dtype=np.float32)
    np.testing.assert_allclose(lin(Tensor(x)).data, [[16, 20], [9, 19]])
    np.testing.assert_allclose(lin(x[0]).data, [16, 20])  # a 1-D input and a NumPy array
    assert lin(Tensor(np.ones((4, 5, 3), dtype=np.float32))).shape == (4, 5, 2)
    assert lin(x).dtype == np.float32
    no_bias = nn.Linear(3, 2, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    np.testing.assert_allclose(no_bias(x).data, x @ no_bias.weight.data.T, rtol=1e-6)


def test_linear_backward_is_two_matmuls_and_a_sum() -> None:
    lin = nn.Linear(3, 2)
    x = Tensor(_random((4, 3)), requires_grad=True)
    g = _random((4, 2), 1)
    lin(x).backward(g)
    np.testing.assert_allclose(x.grad.data, g @ lin.weight.data, rtol=1e-6)
    np.testing.assert_allclose(lin.weight.grad.data, g.T @ x.data, rtol=1e-5)
    np.testing.assert_allclose(lin.bias.grad.data, g.sum(axis=0), rtol=1e-6)


def test_linear_node_is_one_op_named_linear() -> None:
    y = nn.Linear(3, 2)(ag.randn(4, 3))
    assert y.grad_fn.name == "linear" and y.grad_fn.parents[0].grad_fn is None


@given(lead=batch_shapes, n_in=sizes, n_out=sizes, bias=st.booleans())
def test_linear_gradients(lead: tuple, n_in: int, n_out: int, bias: bool) -> None:
    lin = nn.Linear(n_in, n_out, bias=bias)
    check_module(lin, _random((*lead, n_in)), twice=True)


def test_linear_wrong_feature_count_names_both_numbers_and_changes_nothing() -> None:
    lin = nn.Linear(5, 3)
    before = lin.weight.data.copy()
    with pytest.raises(
        ValueError, match=r"Linear: expected 5 input features, got 7 \(input shape \(2, 7\)\)"
    ):
        lin(ag.randn(2, 7))
    with pytest.raises(ValueError, match="expected 5 input features, got a 0-d input"):
        lin(Tensor(1.0))
    np.testing.assert_array_equal(lin.weight.data, before)
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 7\) does not fit weight"):
        F.linear(ag.randn(2, 7), lin.weight)
    with pytest.raises(ValueError, match=r"linear: bias of shape \(4,\) does not fit"):
        F.linear(ag.randn(2, 5), lin.weight, ag.randn(4))


def test_functional_linear_takes_array_like_weight_and_bias() -> None:
    # a list weight raised AttributeError ('list' object has no attribute 'ndim')
    out = F.linear(Tensor([[1.0, 2.0]]), [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.5, 0.0, -1.0])
    np.testing.assert_array_equal(out.data, [[1.5, 2.0, 2.0]])


# ---- Identity and Flatten -----------------------------------------------------------------------
def test_identity_returns_its_input() -> None:
    x = ag.randn(2, 3)
    assert nn.Identity(54, unused=True)(x) is x


def test_flatten() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(-2, -1)(x).shape == (2, 12)
    nn.Flatten()(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3, 4)))
    with pytest.raises(np.exceptions.AxisError, match=r"Flatten: axis 1 is out of range"):
        nn.Flatten()(ag.randn(3))
    with pytest.raises(ValueError, match="start_dim 2 comes after end_dim 1"):
        nn.Flatten(2, 1)(x)


def test_flatten_of_a_0d_input_as_pytorch() -> None:
    # PyTorch: a 0-d input takes dims 0 and -1 only; the default start_dim=1 is out of range
    with pytest.raises(np.exceptions.AxisError, match=r"^Flatten: axis 1 is out of range .*\(\)$"):
        nn.Flatten()(ag.tensor(2.0))
    for args in [(0,), (-1,), (0, -1)]:
        out = nn.Flatten(*args)(ag.tensor(2.0))
        assert out.shape == (1,) and out.item() == 2.0


@pytest.mark.parametrize(
    ("shape", "args", "expected"),
    [
        ((0, 3, 4), (), (0, 12)),
        ((2, 0, 4), (), (2, 0)),
        ((0, 3), (0,), (0,)),
        ((3, 0, 2), (0, 1), (0, 2)),
    ],
)
def test_flatten_of_an_empty_input_as_pytorch(shape: tuple, args: tuple, expected: tuple) -> None:
    # it was a ValueError: reshape (0, -1) cannot infer the -1 beside the 0-size axis
    x = Tensor(np.zeros(shape), requires_grad=True)
    out = nn.Flatten(*args)(x)
    assert out.shape == expected
    out.sum().backward()
    assert x.grad.shape == shape


def test_flatten_takes_nested_lists_as_the_other_layers() -> None:
    out = nn.Flatten()([[[1.0, 2.0], [3.0, 4.0]]])
    assert isinstance(out, Tensor) and out.shape == (1, 4)


# ---- activations ---------------------------------------------------------------------------
def _phi(v: float) -> float:
    """The normal CDF; from erfc, since 1 + erf(v) loses digits for negative v."""
    return 0.5 * math.erfc(-v / math.sqrt(2))


ACTIVATIONS: list[tuple[str, Callable[[], nn.Module], Callable[[float], float]]] = [
    ("relu", nn.ReLU, lambda v: max(v, 0.0)),
    ("leaky_relu", nn.LeakyReLU, lambda v: v if v > 0 else 0.01 * v),
    ("leaky_relu_0.2", lambda: nn.LeakyReLU(0.2), lambda v: v if v > 0 else 0.2 * v),
    ("sigmoid", nn.Sigmoid, lambda v: 1 / (1 + math.exp(-v))),
    ("tanh", nn.Tanh, math.tanh),
    ("gelu", nn.GELU, lambda v: v * _phi(v)),
    (
        "gelu_tanh",
        lambda: nn.GELU("tanh"),
        lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))),
    ),
    ("hardsigmoid", nn.Hardsigmoid, lambda v: min(max(v / 6 + 0.5, 0.0), 1.0)),
]


@pytest.mark.parametrize(("name", "make", "scalar"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_values_against_scalar_formulas(
    name: str, make: Callable[[], nn.Module], scalar: Callable[[float], float]
) -> None:
    x = np.array([-5.0, -3.0, -1.5, -0.2, 0.0, 0.3, 1.0, 2.5, 3.0, 6.0])
    out = make()(Tensor(x))
    np.testing.assert_allclose(out.data, [scalar(v) for v in x], rtol=1e-14, atol=1e-300)
    assert make()(Tensor(x.astype(np.float32))).dtype == np.float32


@pytest.mark.parametrize(("name", "make", "scalar"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@given(shape=batch_shapes, seed=st.integers(0, 2**16))
def test_activation_gradients(
    name: str,
    make: Callable[[], nn.Module],
    scalar: Callable[[float], float],
    shape: tuple,
    seed: int,
) -> None:
    x = _random(shape, seed, scale=2.0)
    x[np.abs(x) < 1e-3] = 0.5  # away from the kink of relu and leaky_relu
    x[np.abs(np.abs(x) - 3) < 1e-3] = 1.0  # and from hardsigmoid's
    ag.gradcheck(make(), [Tensor(x, requires_grad=True)])
    if name not in ("relu",):
        ag.gradgradcheck(make(), [Tensor(x, requires_grad=True)])


def test_gelu_is_float64_accurate_and_finite_far_out() -> None:
    x = np.array([-40.0, -10.0, -1e-8, 1e-8, 10.0, 40.0])
    out = F.gelu(Tensor(x)).data
    np.testing.assert_allclose(out[2:], [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x[2:]])
    assert out[0] <= 0 and out[0] > -1e-300 and out[-1] == 40.0
    # left tail: x * Phi(x) with Phi from erfc keeps relative precision
    assert out[1] == pytest.approx(-10 * 0.5 * math.erfc(10 / math.sqrt(2)), rel=1e-13)


def test_leaky_relu_and_hardsigmoid_gradients_at_their_kinks_follow_pytorch() -> None:
    x = Tensor(np.array([-3.0, 0.0, 3.0]), requires_grad=True)
    F.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.1, 0.1, 1.0])  # the slope side includes 0
    x.grad = None
    F.hardsigmoid(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 1 / 6, 0.0])  # 1/6 strictly inside (-3, 3)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.0, 1.5, -0.5])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_leaky_relu_is_exactly_pytorchs_select_for_any_slope(slope: float, dtype: type) -> None:
    """x where x > 0, else slope * x, bit for bit (infinities, NaN and signed zeros too),
    and the gradient g or slope * g by the same choice; slopes outside [0, 1] as well."""
    edges = [-np.inf, -1000.0, -1e-30, -0.0, 0.0, 1e-30, 1000.0, np.inf, np.nan]
    values = np.concatenate([edges, np.random.default_rng(1).normal(0, 4, 500)]).astype(dtype)
    x = Tensor(values, requires_grad=True)
    with np.errstate(invalid="ignore", over="ignore"):  # -inf * 0 at slope 0, as NumPy's
        y = F.leaky_relu(x, slope)
        np.testing.assert_array_equal(y.data, np.where(values > 0, values, values * slope))
        g = np.random.default_rng(2).normal(0, 1, values.shape).astype(dtype)
        y.backward(g)
        np.testing.assert_array_equal(x.grad.data, np.where(values > 0, g, g * slope))
    assert y.dtype == dtype
    assert F.leaky_relu(Tensor(np.array([-2, 3])), slope).dtype == np.float64  # integers


@pytest.mark.parametrize(
    ("fn", "expected"),
    [(F.leaky_relu, [2.0, -0.01]), (F.hardsigmoid, [5 / 6, 1 / 3])],
    ids=["leaky_relu", "hardsigmoid"],
)
def test_leaky_relu_and_hardsigmoid_take_lists_as_relu_does(fn: Callable, expected: list) -> None:
    # they raised a bare TypeError ('>' not supported between list and int)
    np.testing.assert_allclose(fn([2.0, -1.0]).data, expected)


def test_gelu_rejects_an_unknown_approximation() -> None:
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'fast'"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="gelu: approximate must be"):
        F.gelu(ag.randn(2), approximate="erf")


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_layers(axis: int) -> None:
    x = Tensor(_random((3, 4)) * 1000)  # stable at large logits
    p = nn.Softmax(axis)(x).data
    np.testing.assert_allclose(p.sum(axis=axis), 1.0)
    log_p = nn.LogSoftmax(axis)(x).data
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(np.exp(log_p), p, atol=1e-12)
    assert F.softmax(x, axis).shape == (3, 4)


@pytest.mark.parametrize(
    "layer",
    [nn.Softmax(0), nn.Softmax(-1), nn.LogSoftmax(1), nn.Flatten(), nn.Identity()],
    ids=repr,
)
@given(shape=st.lists(sizes, min_size=2, max_size=3).map(tuple), seed=st.integers(0, 2**16))
def test_shape_and_normalising_layer_gradients(layer: nn.Module, shape: tuple, seed: int) -> None:
    check_module(layer, _random(shape, seed), twice=True)


def test_inplace_flags_are_accepted_and_shown() -> None:
    x = ag.randn(3)
    y = nn.ReLU(inplace=True)(x)
    assert y is not x
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.2, True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.Hardsigmoid()) == "Hardsigmoid()"
    assert F.relu(x, inplace=True) is not x
