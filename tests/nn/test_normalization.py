"""BatchNorm1d/2d and LayerNorm: PyTorch's statistics worked out by hand (biased variance to
normalise, unbiased for the running variance, momentum, the cumulative average, eval mode),
the affine and tracking options, gradients, and bad input leaving the layer untouched."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from module_checks import check_module

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor

EPS = 1e-5


def _batch() -> Tensor:
    # channel 0: 1, 3, 5 (mean 3, biased var 8/3, unbiased 4)
    # channel 1: 2, 6, 10 (mean 6, biased var 32/3, unbiased 16)
    return Tensor(np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]]))


def test_training_normalises_with_the_batch_mean_and_biased_variance() -> None:
    bn = nn.BatchNorm1d(2)
    out = bn(_batch()).data
    expected = np.array([[-2, -4], [0, 0], [2, 4]]) / np.sqrt(np.array([8 / 3, 32 / 3]) + EPS)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_running_statistics_by_hand_over_two_steps() -> None:
    bn = nn.BatchNorm1d(2)  # momentum 0.1, running mean 0, running var 1
    bn(_batch())
    np.testing.assert_allclose(bn.running_mean.data, [0.3, 0.6], rtol=1e-6)  # 0.1 * mean
    np.testing.assert_allclose(bn.running_var.data, [1.3, 2.5], rtol=1e-6)  # 0.9 + 0.1 * unbiased
    assert bn.num_batches_tracked.item() == 1
    # second batch: channel 0: 0, 2 (mean 1, unbiased var 2); channel 1: 0, 4 (mean 2, var 8)
    bn(Tensor(np.array([[0.0, 0.0], [2.0, 4.0]])))
    np.testing.assert_allclose(bn.running_mean.data, [0.37, 0.74], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, [1.37, 3.05], rtol=1e-6)
    assert bn.num_batches_tracked.item() == 2
    assert bn.num_batches_tracked.dtype == np.int64


def test_momentum_none_is_a_cumulative_average() -> None:
    bn = nn.BatchNorm1d(2, momentum=None)
    bn(_batch())
    np.testing.assert_allclose(bn.running_mean.data, [3, 6], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, [4, 16], rtol=1e-6)
    bn(Tensor(np.array([[0.0, 0.0], [2.0, 4.0]])))
    np.testing.assert_allclose(bn.running_mean.data, [2, 4], rtol=1e-6)  # (3 + 1) / 2
    np.testing.assert_allclose(bn.running_var.data, [3, 12], rtol=1e-6)  # (4 + 2) / 2


def test_eval_uses_the_running_statistics_and_leaves_them_alone() -> None:
    bn = nn.BatchNorm1d(2)
    bn.weight.data[...] = [2.0, 0.5]
    bn.bias.data[...] = [1.0, -1.0]
    bn(_batch())
    bn.eval()
    state = {k: v.copy() for k, v in bn.state_dict().items()}
    x = Tensor(np.array([[1.0, 1.0]]))  # one sample is fine in eval
    out = bn(x).data
    expected = (np.array([1.0, 1.0]) - [0.3, 0.6]) / np.sqrt(np.array([1.3, 2.5]) + EPS)
    np.testing.assert_allclose(out[0], expected * [2.0, 0.5] + [1.0, -1.0], rtol=1e-6)
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v, state[k], err_msg=k)


def test_batchnorm2d_statistics_per_channel_over_batch_and_space() -> None:
    bn = nn.BatchNorm2d(2, momentum=0.5)
    x = np.zeros((2, 2, 1, 2))
    x[:, 0] = [[[1, 3]], [[5, 7]]]  # mean 4, biased var 5, unbiased 20/3
    x[:, 1] = 2.0  # constant: variance 0
    out = bn(Tensor(x)).data
    np.testing.assert_allclose(out[:, 0].ravel(), (np.array([1, 3, 5, 7]) - 4) / math.sqrt(5 + EPS))
    np.testing.assert_allclose(out[:, 1], 0.0)
    np.testing.assert_allclose(bn.running_mean.data, [2.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, [0.5 + 10 / 3, 0.5], rtol=1e-6)


def test_batchnorm1d_takes_three_dimensional_input() -> None:
    x = np.random.default_rng(0).standard_normal((4, 3, 5))
    bn = nn.BatchNorm1d(3)
    out = bn(Tensor(x)).data
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    np.testing.assert_allclose(out, (x - mean[:, None]) / np.sqrt(var[:, None] + EPS), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * var * 20 / 19, rtol=1e-5)


def test_running_buffers_are_updated_in_place_without_a_graph() -> None:
    bn = nn.BatchNorm1d(2)
    mean, version = bn.running_mean, bn.running_mean._version
    array = mean.data
    out = bn(Tensor(_batch().data, requires_grad=True))
    assert bn.running_mean is mean and mean.data is array
    assert mean._version == version + 1 and bn.num_batches_tracked._version == 1
    assert not mean.requires_grad and mean.grad_fn is None
    assert out.grad_fn.name == "batch_norm"


def test_affine_false_and_no_running_statistics() -> None:
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert bn.weight is None and bn.running_mean is None
    assert list(bn.parameters()) == [] and bn.state_dict() == {}
    expected = nn.BatchNorm1d(2)(_batch()).data
    np.testing.assert_allclose(bn(_batch()).data, expected, rtol=1e-6)
    bn.eval()  # without running statistics, eval still normalises with the batch's
    np.testing.assert_allclose(bn(_batch()).data, expected, rtol=1e-6)


def test_reset_running_stats() -> None:
    bn = nn.BatchNorm1d(2)
    bn(_batch())
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.data, [0, 0])
    np.testing.assert_array_equal(bn.running_var.data, [1, 1])
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("training", [True, False])
@given(
    n=st.integers(2, 3),
    c=st.integers(1, 3),
    rest=st.lists(st.integers(1, 2), max_size=1).map(tuple),
    affine=st.booleans(),
)
def test_batchnorm1d_gradients(training: bool, n: int, c: int, rest: tuple, affine: bool) -> None:
    bn = nn.BatchNorm1d(c, affine=affine)
    bn.running_mean.data[...] = np.linspace(-1, 1, c)
    bn.running_var.data[...] = np.linspace(0.5, 2, c)
    if affine:
        bn.weight.data[...] = np.linspace(0.5, 1.5, c)
        bn.bias.data[...] = np.linspace(-0.5, 0.5, c)
    bn.train(training)
    x = np.random.default_rng(n * 10 + c).standard_normal((n, c, *rest))
    check_module(bn, x, twice=True)


def test_batchnorm2d_gradients() -> None:
    bn = nn.BatchNorm2d(2)
    x = np.random.default_rng(0).standard_normal((2, 2, 2, 2))
    check_module(bn, x, twice=True)
    check_module(bn.eval(), x, twice=True)


def _state(bn: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in bn.state_dict().items()}


@pytest.mark.parametrize(
    ("layer", "shape", "message"),
    [
        (nn.BatchNorm1d(3), (4, 5), r"BatchNorm1d: expected 3 channels .* got 5 \(input shape"),
        (nn.BatchNorm1d(3), (4, 5, 2), r"expected 3 channels \(num_features, axis 1\), got 5"),
        (nn.BatchNorm1d(3), (4, 3, 2, 2), r"BatchNorm1d: expected 2D or 3D input, got 4D"),
        (nn.BatchNorm2d(3), (4, 3, 2), r"BatchNorm2d: expected 4D input, got 3D input"),
        (nn.BatchNorm2d(3), (4, 2, 2, 2), r"BatchNorm2d: expected 3 channels"),
        (nn.BatchNorm1d(3), (1, 3), r"expected more than 1 value per channel when training"),
    ],
)
def test_bad_input_is_a_value_error_and_changes_nothing(
    layer: nn.Module, shape: tuple, message: str
) -> None:
    before = _state(layer)
    with pytest.raises(ValueError, match=message):
        layer(ag.randn(*shape))
    after = _state(layer)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_functional_batch_norm_checks_its_arguments() -> None:
    x = ag.randn(4, 3)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean should have shape \(3,\)"):
        F.batch_norm(x, np.zeros(5), np.ones(3))
    with pytest.raises(ValueError, match=r"batch_norm: weight should have shape \(3,\)"):
        F.batch_norm(x, np.zeros(3), np.ones(3), weight=np.ones(2))
    with pytest.raises(ValueError, match="running_mean and running_var are needed when not"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, C, \.\.\.\)"):
        F.batch_norm(ag.randn(3), None, None, training=True)


def test_functional_batch_norm_updates_given_arrays_in_place() -> None:
    mean, var = np.zeros(2), np.ones(2)
    F.batch_norm(_batch(), mean, var, training=True, momentum=1.0)
    np.testing.assert_allclose(mean, [3, 6])
    np.testing.assert_allclose(var, [4, 16])
    F.batch_norm(_batch(), None, None, training=True)  # no running statistics at all


# ---- LayerNorm ----------------------------------------------------------------------------------
def test_layer_norm_normalises_each_sample_over_its_last_axes() -> None:
    x = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 8.0]])  # means 2, 4; biased vars 2/3, 8
    ln = nn.LayerNorm(3)
    ln.weight.data[...] = [1.0, 2.0, 3.0]
    ln.bias.data[...] = [0.0, 1.0, 0.0]
    expected = np.array([[-1, 0, 1] / np.sqrt(2 / 3 + EPS), [-2, -2, 4] / np.sqrt(8 + EPS)]) * [
        1,
        2,
        3,
    ] + [0, 1, 0]
    np.testing.assert_allclose(ln(Tensor(x)).data, expected, rtol=1e-6)


def test_layer_norm_over_two_axes_and_without_affine() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    out = nn.LayerNorm((3, 4), elementwise_affine=False)(Tensor(x)).data
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(x.var(axis=(1, 2), keepdims=True) + EPS))
    ln = nn.LayerNorm([3, 4], eps=1e-3)
    assert ln.weight.shape == (3, 4) and ln.normalized_shape == (3, 4) and ln.eps == 1e-3
    assert list(nn.LayerNorm(4, elementwise_affine=False).parameters()) == []
    no_bias = nn.LayerNorm(4, bias=False)
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"]


@given(
    lead=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    normalized=st.lists(st.integers(2, 3), min_size=1, max_size=2).map(tuple),
    affine=st.booleans(),
)
def test_layer_norm_gradients(lead: tuple, normalized: tuple, affine: bool) -> None:
    ln = nn.LayerNorm(normalized, elementwise_affine=affine)
    if affine:
        ln.weight.data[...] = np.random.default_rng(1).uniform(0.5, 1.5, normalized)
    x = np.random.default_rng(len(lead)).standard_normal((*lead, *normalized))
    check_module(ln, x, twice=True)


def test_layer_norm_bad_input() -> None:
    with pytest.raises(
        ValueError,
        match=r"layer_norm: expected an input whose last axes have shape \(4,\) "
        r"\(normalized_shape\), got input shape \(4, 5\)",
    ):
        nn.LayerNorm(4)(ag.randn(4, 5))
    with pytest.raises(ValueError, match=r"got input shape \(3,\)"):
        F.layer_norm(ag.randn(3), (2, 3))
    with pytest.raises(ValueError, match=r"layer_norm: weight should have shape \(3,\)"):
        F.layer_norm(ag.randn(2, 3), 3, weight=np.ones(4))


def test_normalisation_takes_nested_lists_as_the_other_layers() -> None:
    # BatchNorm1d, F.batch_norm, LayerNorm and F.layer_norm raised AttributeError on a list
    rows = [[1.0, 2.0], [3.0, 6.0]]
    expected = (np.array(rows) - [2.0, 4.0]) / np.sqrt(np.array([1.0, 4.0]) + 1e-5)
    for out in (nn.BatchNorm1d(2)(rows), F.batch_norm(rows, None, None, training=True)):
        np.testing.assert_allclose(out.data, expected)
    expected = np.array([[-1.0, 1.0], [-1.0, 1.0]]) * np.sqrt(1 / (1 + 1e-5))
    np.testing.assert_allclose(nn.LayerNorm(2)([[1.0, 3.0], [0.0, 2.0]]).data, expected)
    np.testing.assert_allclose(F.layer_norm([[1.0, 3.0], [0.0, 2.0]], 2).data, expected)


def test_layer_norm_normalized_shape_forms() -> None:
    # a NumPy int is an int (PyTorch: numbers.Integral); it was "'numpy.int64' is not iterable"
    layer = nn.LayerNorm(np.int64(3))
    assert layer.normalized_shape == (3,) and layer.weight.shape == (3,)
    assert F.layer_norm(ag.randn(2, 3), np.int64(3)).shape == (2, 3)
    assert F.layer_norm(ag.randn(2, 3), [3]).shape == (2, 3)
    message = "normalized_shape must be an int or a sequence of ints, got"
    for bad in (2.5, "a", (3.0,)):
        with pytest.raises(TypeError, match=f"^LayerNorm: {message} {re.escape(repr(bad))}$"):
            nn.LayerNorm(bad)
        with pytest.raises(TypeError, match=f"^layer_norm: {message} {re.escape(repr(bad))}$"):
            F.layer_norm(ag.randn(2, 3), bad)
