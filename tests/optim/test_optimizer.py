"""The Optimizer base: param groups, zero_grad, step, skipping, version counters, errors."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

import autograd as ag
import optim

ALL = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    (optim.Adam, {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.1}),
    (optim.RMSprop, {"lr": 0.1, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    (optim.Adagrad, {"lr": 0.1, "weight_decay": 0.1}),
]
ALL_IDS = [cls.__name__ for cls, _ in ALL]


def _param(*values: float) -> ag.Tensor:
    return ag.Tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ---- construction and param groups ------------------------------------------------------------
def test_params_may_be_a_generator_and_options_fill_from_defaults() -> None:
    a, b = _param(1.0), _param(2.0)
    opt = optim.SGD((p for p in [a, b]), lr=0.1, momentum=0.5)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert group["params"][0] is a and group["params"][1] is b
    assert group["lr"] == 0.1 and group["momentum"] == 0.5 and group["nesterov"] is False
    assert opt.defaults["lr"] == 0.1
    assert len(opt.state) == 0


def test_param_groups_keep_their_own_options() -> None:
    a, b = _param(1.0), _param(1.0)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b]  # a lone Tensor becomes a list
    a.grad = ag.Tensor(np.array([1.0]))
    b.grad = ag.Tensor(np.array([1.0]))
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)


def test_add_param_group() -> None:
    a, b = _param(1.0), _param(1.0)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "betas": (0.5, 0.5)})
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.5, 0.5)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match=r"param group 2: invalid lr=-1"):
        opt.add_param_group({"params": [_param(0.0)], "lr": -1})
    assert len(opt.param_groups) == 2  # the failed groups were not added


def test_user_group_dict_is_not_modified() -> None:
    group = {"params": [_param(1.0)], "lr": 0.5}
    optim.SGD([group], lr=0.1, momentum=0.9)
    assert set(group) == {"params", "lr"}


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (lambda: _param(1.0), TypeError, "single Tensor"),
        (lambda: {_param(1.0)}, TypeError, "ordered iterable"),
        (lambda: {"params": [_param(1.0)]}, TypeError, "ordered iterable"),
        (lambda: 3, TypeError, "ordered iterable"),
        (lambda: [], ValueError, "empty parameter list"),
        (lambda: [_param(1.0), {"params": [_param(1.0)]}], TypeError, "mixes"),
        (lambda: [np.zeros(3)], TypeError, "parameter 0 is a ndarray"),
        (lambda: [ag.Tensor([1, 2])], TypeError, "dtype int64"),
        (lambda: [_param(1.0) * 2], ValueError, "not a leaf.*mul"),
        (lambda: [(p := _param(1.0)), p], ValueError, "more than once"),
        (lambda: [{"lr": 0.1}], ValueError, "'params' entry"),
        (lambda: [{"params": {_param(1.0)}}], TypeError, "ordered iterable"),
    ],
)
def test_bad_params_are_rejected(params: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        optim.SGD(params(), lr=0.1)


def test_parameters_need_not_require_grad() -> None:
    """As in PyTorch: a frozen tensor is allowed; it has no gradient, so it never moves."""
    frozen = ag.Tensor(np.array([1.0]))
    opt = optim.SGD([frozen], lr=0.1)
    opt.step()
    assert frozen.data[0] == 1.0


def test_repr_lists_each_group() -> None:
    text = repr(optim.Adam([_param(1.0)], lr=0.5))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text


# ---- zero_grad --------------------------------------------------------------------------------
def test_zero_grad_sets_to_none_by_default() -> None:
    a, b = _param(1.0), _param(2.0)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = ag.Tensor(np.array([3.0]))
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_in_place() -> None:
    a, b = _param(1.0, 2.0), _param(2.0)
    opt = optim.SGD([a, b], lr=0.1)
    (a * a).sum().backward()
    grad, array = a.grad, a.grad.data
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and a.grad.data is array
    np.testing.assert_array_equal(array, [0.0, 0.0])
    assert b.grad is None
    (a * 3).sum().backward()  # accumulates into the zeroed gradient
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])


def test_zero_grad_in_place_replaces_a_gradient_that_is_part_of_a_graph() -> None:
    a = _param(1.0, 2.0)
    (a * a).sum().backward(create_graph=True)
    assert a.grad.grad_fn is not None
    optim.SGD([a], lr=0.1).zero_grad(set_to_none=False)
    assert a.grad.grad_fn is None and not a.grad.requires_grad
    np.testing.assert_array_equal(a.grad.data, [0.0, 0.0])


# ---- step ----------------------------------------------------------------------------------
def test_step_with_closure_returns_its_loss_and_runs_with_grad_on() -> None:
    w = _param(3.0)
    opt = optim.SGD([w], lr=0.25)
    calls = []

    def closure() -> ag.Tensor:
        calls.append(ag.is_grad_enabled())
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 9.0
    assert w.data[0] == pytest.approx(3.0 - 0.25 * 6.0)
    assert opt.step() is None


def test_a_training_loop_converges() -> None:
    """End to end: backward fills .grad, step moves downhill (least squares with Adam)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    w = ag.Tensor(np.zeros(3), requires_grad=True)
    b = ag.Tensor(np.zeros(()), requires_grad=True)
    opt = optim.Adam([w, b], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        loss = (((ag.Tensor(x) @ w + b) - y) ** 2).mean()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(w.data, [1.0, -2.0, 0.5], atol=1e-3)
    assert b.item() == pytest.approx(0.3, abs=1e-3)


@pytest.mark.parametrize(("cls", "kwargs"), ALL, ids=ALL_IDS)
def test_a_parameter_without_grad_is_skipped_entirely(cls: type, kwargs: dict) -> None:
    a, b = _param(1.0, 2.0), _param(3.0, 4.0)
    opt = cls([a, b], **kwargs)
    a.grad = ag.Tensor(np.array([0.5, 0.5]))
    opt.step()
    opt.step()
    np.testing.assert_array_equal(b.data, [3.0, 4.0])  # no weight decay either
    assert b not in opt.state and a in opt.state
    assert b._version == 0 and a._version == 2


@pytest.mark.parametrize(("cls", "kwargs"), ALL, ids=ALL_IDS)
def test_the_gradient_array_is_read_not_written(cls: type, kwargs: dict) -> None:
    p = _param(1.0, 2.0)
    opt = cls([p], **kwargs, maximize=True)
    grad = np.array([0.5, -0.25])
    p.grad = ag.Tensor(grad)
    array = p.grad.data
    for _ in range(3):
        opt.step()
    assert p.grad.data is array
    np.testing.assert_array_equal(array, [0.5, -0.25])


@pytest.mark.parametrize(("cls", "kwargs"), ALL, ids=ALL_IDS)
def test_step_updates_in_place_and_bumps_the_version(cls: type, kwargs: dict) -> None:
    p = _param(1.0, 2.0)
    array = p.data
    opt = cls([p], **kwargs)
    p.grad = ag.Tensor(np.array([0.5, -0.25]))
    opt.step()
    assert p.data is array and p._version == 1
    assert not np.array_equal(array, [1.0, 2.0])


def test_one_step_bumps_each_updated_parameter_once_across_groups() -> None:
    """The step stamps all its writes with one tick: each updated parameter's version goes
    up by one, a skipped one's not at all, and a graph built after the step is not stale."""
    a, b, c = _param(1.0, 2.0), _param(3.0, 4.0), _param(5.0, 6.0)
    opt = optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 0.5}], lr=0.1)
    a.grad = ag.Tensor(np.array([1.0, 1.0]))
    c.grad = ag.Tensor(np.array([2.0, 2.0]))
    opt.step()
    assert (a._version, b._version, c._version) == (1, 0, 1)
    np.testing.assert_allclose(c.data, [4.0, 5.0])
    loss = (a * c).sum()
    opt.step()  # a write after this graph saved a and c: its backward must raise
    assert (a._version, c._version) == (2, 2)
    with pytest.raises(RuntimeError, match="was modified in place after it was saved"):
        loss.backward()


def test_backward_through_a_graph_that_saved_a_stepped_parameter_raises() -> None:
    w = _param(1.0, 2.0)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()  # mul saved w
    w.grad = ag.Tensor(np.array([1.0, 1.0]))
    opt.step()
    with pytest.raises(RuntimeError, match="mul"):
        loss.backward()


def test_updates_allocate_no_temporaries() -> None:
    """After the first step (state and scratch space), a step allocates almost nothing."""
    p = ag.Tensor(np.zeros(200_000), requires_grad=True)
    p.grad = ag.Tensor(np.full(200_000, 0.5))
    opt = optim.Adam([p], lr=0.1, weight_decay=0.1, amsgrad=True)
    opt.step()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        opt.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes / 20


def test_the_grad_may_come_from_create_graph() -> None:
    w = _param(1.0, 2.0)
    (w * w).sum().backward(create_graph=True)
    optim.SGD([w], lr=0.5).step()
    np.testing.assert_allclose(w.data, [0.0, 0.0])


def test_float32_parameters_stay_float32() -> None:
    p = ag.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = ag.Tensor(np.array([0.5, 0.5], dtype=np.float32))
    opt.step()
    assert p.data.dtype == np.float32 and opt.state[p]["exp_avg"].dtype == np.float32


# ---- errors at step: nothing changes --------------------------------------------------------
def _snapshot(opt: optim.Optimizer, params: list[ag.Tensor]) -> tuple:
    return [p.data.copy() for p in params], opt.state_dict()


def _assert_unchanged(opt: optim.Optimizer, params: list[ag.Tensor], before: tuple) -> None:
    data, state = before
    for p, d in zip(params, data):
        np.testing.assert_array_equal(p.data, d)
    after = opt.state_dict()
    assert after["state"].keys() == state["state"].keys()
    for i, entries in state["state"].items():
        for k, v in entries.items():
            np.testing.assert_array_equal(after["state"][i][k], v)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(("cls", "kwargs"), ALL, ids=ALL_IDS)
def test_a_nonfinite_gradient_raises_before_anything_changes(
    cls: type, kwargs: dict, bad: float
) -> None:
    a, b = _param(1.0, 2.0), _param(3.0, 4.0)
    opt = cls([{"params": [a]}, {"params": [b]}], **kwargs)
    a.grad = ag.Tensor(np.array([0.5, 0.5]))
    b.grad = ag.Tensor(np.array([0.5, 0.5]))
    opt.step()
    before = _snapshot(opt, [a, b])
    b.grad = ag.Tensor(np.array([0.5, bad]))
    with pytest.raises(
        RuntimeError, match=r"parameter 1 \(param group 1, shape \(2,\).*NaN or inf"
    ):
        opt.step()
    _assert_unchanged(opt, [a, b], before)
    assert a._version == 1 and b._version == 1


def test_a_large_finite_gradient_is_not_mistaken_for_inf() -> None:
    p = _param(0.0, 0.0)
    p.grad = ag.Tensor(np.array([1e308, 1e308]))  # its sum overflows; the values are finite
    optim.SGD([p], lr=1e-308).step()
    np.testing.assert_allclose(p.data, [-1.0, -1.0])


@pytest.mark.parametrize(("cls", "kwargs"), ALL, ids=ALL_IDS)
def test_error_if_nonfinite_false_propagates_nan_as_pytorch(cls: type, kwargs: dict) -> None:
    p = _param(1.0, 2.0)
    opt = cls([p], **kwargs, error_if_nonfinite=False)
    p.grad = ag.Tensor(np.array([np.nan, 0.5]))
    opt.step()
    assert np.isnan(p.data[0]) and np.isfinite(p.data[1])


def test_a_grad_of_the_wrong_shape_raises_before_anything_changes() -> None:
    a, b = _param(1.0, 2.0), _param(3.0, 4.0)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = ag.Tensor(np.array([1.0, 1.0]))
    b.grad = ag.Tensor(np.array([1.0]))  # would broadcast: must not
    with pytest.raises(
        ValueError, match=r"parameter 1 .*shape \(2,\) but its grad has shape \(1,\)"
    ):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])


def test_a_read_only_parameter_raises() -> None:
    array = np.array([1.0, 2.0])
    array.flags.writeable = False
    p = ag.Tensor(np.array([0.0]), requires_grad=True)
    p.data = array
    p.grad = ag.Tensor(np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="read-only"):
        optim.SGD([p], lr=0.1).step()


def test_the_base_class_has_no_update_rule() -> None:
    p = _param(1.0)
    opt = optim.Optimizer([p], {"lr": 0.1})
    assert opt.param_groups[0]["lr"] == 0.1
    p.grad = ag.Tensor(np.array([1.0]))
    with pytest.raises(NotImplementedError, match="_update_group"):
        opt.step()


# ---- invalid hyperparameters ------------------------------------------------------------
INVALID = [
    (optim.SGD, {"lr": -0.1}, ValueError, "SGD: invalid lr=-0.1"),
    (optim.SGD, {"lr": float("nan")}, ValueError, "invalid lr=nan"),
    (optim.SGD, {"lr": float("inf")}, ValueError, "invalid lr=inf"),
    (optim.SGD, {"lr": "0.1"}, TypeError, "lr must be a real number"),
    (optim.SGD, {"lr": 0.1, "momentum": -0.9}, ValueError, "invalid momentum=-0.9"),
    (optim.SGD, {"lr": 0.1, "weight_decay": -1}, ValueError, "invalid weight_decay=-1"),
    (optim.SGD, {"lr": 0.1, "dampening": float("nan")}, ValueError, "invalid dampening"),
    (optim.SGD, {"lr": 0.1, "nesterov": True}, ValueError, "nesterov=True requires momentum"),
    (
        optim.SGD,
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
        ValueError,
        "nesterov=True requires momentum > 0 and dampening=0",
    ),
    (optim.SGD, {"lr": 0.1, "nesterov": 1}, TypeError, "nesterov must be True or False"),
    (optim.Adam, {"lr": -1e-3}, ValueError, "Adam: invalid lr"),
    (optim.Adam, {"eps": -1e-8}, ValueError, "invalid eps"),
    (optim.Adam, {"betas": (1.0, 0.999)}, ValueError, r"invalid betas\[0\]=1.0"),
    (optim.Adam, {"betas": (-0.1, 0.999)}, ValueError, r"invalid betas\[0\]"),
    (optim.Adam, {"betas": (0.9, 1.5)}, ValueError, r"invalid betas\[1\]=1.5"),
    (optim.Adam, {"betas": (0.9,)}, ValueError, "betas must be a pair"),
    (optim.Adam, {"weight_decay": -0.1}, ValueError, "invalid weight_decay"),
    (optim.Adam, {"amsgrad": "yes"}, TypeError, "amsgrad must be True or False"),
    (optim.AdamW, {"weight_decay": -0.1}, ValueError, "AdamW: invalid weight_decay"),
    (optim.AdamW, {"betas": (0.9, 1.0)}, ValueError, r"AdamW: invalid betas\[1\]"),
    (optim.RMSprop, {"lr": -0.1}, ValueError, "RMSprop: invalid lr"),
    (optim.RMSprop, {"alpha": -0.5}, ValueError, "invalid alpha"),
    (optim.RMSprop, {"eps": -1.0}, ValueError, "invalid eps"),
    (optim.RMSprop, {"momentum": -0.5}, ValueError, "invalid momentum"),
    (optim.RMSprop, {"weight_decay": -0.5}, ValueError, "invalid weight_decay"),
    (optim.RMSprop, {"centered": None}, TypeError, "centered must be True or False"),
    (optim.Adagrad, {"lr": -0.1}, ValueError, "Adagrad: invalid lr"),
    (optim.Adagrad, {"lr_decay": -0.1}, ValueError, "invalid lr_decay"),
    (optim.Adagrad, {"weight_decay": -0.1}, ValueError, "invalid weight_decay"),
    (optim.Adagrad, {"initial_accumulator_value": -1}, ValueError, "invalid initial_accumulator"),
    (optim.Adagrad, {"eps": -1e-10}, ValueError, "invalid eps"),
    (optim.Adagrad, {"error_if_nonfinite": "no"}, TypeError, "error_if_nonfinite must be"),
]


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "match"),
    INVALID,
    ids=[f"{c.__name__}-{'-'.join(k)}" for c, k, _, _ in INVALID],
)
def test_invalid_hyperparameters_raise(cls: type, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        cls([_param(1.0)], **kwargs)


def test_an_invalid_option_in_a_group_names_the_group() -> None:
    good, bad = _param(1.0), _param(1.0)
    with pytest.raises(ValueError, match=r"SGD: param group 1: invalid momentum=-1"):
        optim.SGD([{"params": [good]}, {"params": [bad], "momentum": -1}], lr=0.1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_nonfinite_check_sees_float32_and_strided_gradients(dtype: type) -> None:
    """The check reads the gradient once (a dot product): strided views and float32 too."""
    p = ag.Tensor(np.zeros((4, 3), dtype), requires_grad=True)
    grad = np.ones((4, 6), dtype)[:, ::2]  # not contiguous
    grad[2, 1] = np.nan
    p.grad = ag.Tensor(grad)
    with pytest.raises(RuntimeError, match="NaN or inf"):
        optim.SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, 0.0)
    big = np.full((4, 6), np.finfo(dtype).max / 2, dtype)[:, ::2]  # squares overflow
    p.grad = ag.Tensor(big)
    optim.SGD([p], lr=1e-300 if dtype is np.float64 else 1e-30).step()
    assert np.isfinite(p.data).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("contiguous", [True, False], ids=["contiguous", "strided"])
@pytest.mark.parametrize("overflow", ["warn", "raise"])
def test_the_nonfinite_check_of_a_huge_finite_gradient_warns_of_nothing(
    dtype: type, contiguous: bool, overflow: str
) -> None:
    """Its dot product overflows: no warning, and no error where overflow raises."""
    p = ag.Tensor(np.zeros((4, 3), dtype), requires_grad=True)
    big = np.full((4, 6), np.finfo(dtype).max / 2, dtype)
    p.grad = ag.Tensor(big[:, :3].copy() if contiguous else big[:, ::2])
    lr = 1e-300 if dtype is np.float64 else 1e-30
    with warnings.catch_warnings(), np.errstate(over=overflow):
        warnings.simplefilter("error")
        optim.SGD([p], lr=lr).step()
    np.testing.assert_allclose(p.data, -lr * big[:, :3], rtol=1e-6)
