"""Optimizer checkpoints: PyTorch's layout, resuming exactly on new parameters, errors."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from optim.lr_scheduler import StepLR

CONFIGS = [
    (optim.SGD, {"lr": 0.1}),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (optim.Adam, {"lr": 0.05, "weight_decay": 0.01, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.05}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]
IDS = [f"{cls.__name__}-{'-'.join(kwargs)}" for cls, kwargs in CONFIGS]
SHAPES = [(3, 2), (2,), ()]


def _params(values: list[np.ndarray] | None = None) -> list[ag.Tensor]:
    if values is None:
        rng = np.random.default_rng(1)
        values = [rng.standard_normal(s) for s in SHAPES]
    return [ag.Tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]


def _groups(params: list[ag.Tensor]) -> list[dict]:
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.02}]


def _feed(params: list[ag.Tensor], t: int) -> None:
    """Gradients that depend on the parameters (a quadratic bowl) plus step-dependent noise."""
    rng = np.random.default_rng(100 + t)
    for p in params:
        p.grad = ag.Tensor(np.asarray(2 * p.data - 1 + 0.1 * rng.standard_normal(p.shape)))


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=IDS)
def test_resume_from_a_checkpoint_file_is_identical(cls: type, kwargs: dict, tmp_path) -> None:
    a = _params()
    opt_a = cls(_groups(a), **kwargs)
    sched_a = StepLR(opt_a, step_size=2, gamma=0.5)
    for t in range(5):
        _feed(a, t)
        opt_a.step()
        sched_a.step()
    path = tmp_path / "checkpoint.npz"
    nn.utils.save(
        {
            "params": [p.data for p in a],
            "optimizer": opt_a.state_dict(),
            "scheduler": sched_a.state_dict(),
        },
        path,
    )

    checkpoint = nn.utils.load(path)
    b = _params(checkpoint["params"])  # new Tensors, same values
    opt_b = cls(_groups(b), **{**kwargs, "lr": 123.0})  # the checkpoint's options win
    sched_b = StepLR(opt_b, step_size=2, gamma=0.5)
    opt_b.load_state_dict(checkpoint["optimizer"])
    sched_b.load_state_dict(checkpoint["scheduler"])
    assert [g["lr"] for g in opt_b.param_groups] == [g["lr"] for g in opt_a.param_groups]

    for t in range(5, 10):
        _feed(a, t)
        _feed(b, t)
        opt_a.step()
        opt_b.step()
        sched_a.step()
        sched_b.step()
    for pa, pb in zip(a, b):
        np.testing.assert_array_equal(pa.data, pb.data)
    assert sched_a.get_last_lr() == sched_b.get_last_lr()


def test_layout_is_pytorchs() -> None:
    params = _params()
    opt = optim.Adam(_groups(params), lr=0.1)
    StepLR(opt, step_size=2)
    _feed(params, 0)
    params[1].grad = None  # never stepped: no state
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][0]["lr"] == 0.1 and sd["param_groups"][1]["lr"] == 0.02
    assert sd["param_groups"][0]["initial_lr"] == 0.1
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 2}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["step"] == 1
    assert sd["state"][0]["exp_avg"].shape == (3, 2)


def test_state_dict_is_a_snapshot() -> None:
    params = _params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    _feed(params, 0)
    opt.step()
    sd = opt.state_dict()
    before = sd["state"][0]["momentum_buffer"].copy()
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"], before)
    assert sd["param_groups"][0]["lr"] == 0.1


def test_loaded_state_is_copied_and_cast_to_the_parameters_dtype() -> None:
    params = _params()
    opt = optim.Adam(params, lr=0.1)
    _feed(params, 0)
    opt.step()
    sd = opt.state_dict()
    p32 = [ag.Tensor(p.data.astype(np.float32), requires_grad=True) for p in params]
    first, second = optim.Adam(p32, lr=0.1), optim.Adam(_params(), lr=0.1)
    first.load_state_dict(sd)
    second.load_state_dict(sd)
    assert first.state[p32[0]]["exp_avg"].dtype == np.float32
    sd["state"][0]["exp_avg"][...] = 7.0  # neither optimizer shares the dict's arrays
    assert not np.any(first.state[p32[0]]["exp_avg"] == 7.0)
    assert not np.any(second.state[second.param_groups[0]["params"][0]]["exp_avg"] == 7.0)


def test_load_accepts_numpy_values_as_a_file_format_may_return_them() -> None:
    params = _params()
    opt = optim.Adam(params, lr=0.1, amsgrad=True)
    _feed(params, 0)
    opt.step()
    sd = opt.state_dict()
    group = sd["param_groups"][0]
    group.update(
        lr=np.float64(0.25),
        betas=np.array([0.8, 0.9]),
        amsgrad=np.array(True),
        params=np.array(group["params"]),
    )
    sd["state"] = {str(k): {**v, "step": np.int64(v["step"])} for k, v in sd["state"].items()}
    fresh = optim.Adam(_params(), lr=0.1)
    fresh.load_state_dict(sd)
    loaded = fresh.param_groups[0]
    assert loaded["lr"] == 0.25 and type(loaded["lr"]) is float
    assert loaded["betas"] == (0.8, 0.9) and loaded["amsgrad"] is True
    p0 = loaded["params"][0]
    assert fresh.state[p0]["step"] == 1 and type(fresh.state[p0]["step"]) is int


# ---- errors: a ValueError that says what differs, and nothing changes -------------------
def _trained(cls: type = optim.Adam, **kwargs: object) -> tuple[optim.Optimizer, list]:
    params = _params()
    opt = cls(_groups(params), **({"lr": 0.1} | kwargs))
    _feed(params, 0)
    opt.step()
    return opt, params


def _broken(edit: Callable[[dict], object]) -> dict:
    source, _ = _trained()
    sd = copy.deepcopy(source.state_dict())
    edit(sd)
    return sd


def _set(mapping: dict, key: object, value: object) -> None:
    mapping[key] = value


BAD_STATE_DICTS = [
    (lambda sd: sd["param_groups"].pop(), "1 parameter group\\(s\\), this optimizer has 2"),
    (lambda sd: sd["param_groups"][0]["params"].pop(), "param group 0 .* has 1 parameters"),
    (
        lambda sd: _set(sd["state"][0], "exp_avg", np.zeros((2, 3))),
        r"parameter 0: state 'exp_avg' has shape \(2, 3\), the parameter has shape \(3, 2\)",
    ),
    (lambda sd: sd["state"][1].pop("exp_avg_sq"), "parameter 1: its state has keys"),
    (lambda sd: _set(sd["state"][1], "extra", np.zeros(2)), "expected \\['exp_avg'"),
    (lambda sd: _set(sd["state"], 9, sd["state"][0]), "state for parameter 9"),
    (lambda sd: _set(sd["state"][0], "step", -3), "'step' must be a count"),
    (lambda sd: _set(sd["param_groups"][1], "lr", -1.0), "param group 1: invalid lr=-1.0"),
    (lambda sd: sd["param_groups"][0].pop("betas"), "no option\\(s\\) \\['betas'\\]"),
    (lambda sd: _set(sd["param_groups"][1], "params", [0]), "index 0 appears more than once"),
    (lambda sd: sd.pop("state"), "no \\['state'\\] entry"),
]


@pytest.mark.parametrize(("edit", "match"), BAD_STATE_DICTS)
def test_a_mismatched_state_dict_raises_and_changes_nothing(
    edit: Callable[[dict], object], match: str
) -> None:
    sd = _broken(edit)
    opt, _ = _trained(lr=0.3)
    groups_before = copy.deepcopy(
        [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    )
    state_before = opt.state_dict()["state"]
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert [
        {k: v for k, v in g.items() if k != "params"} for g in opt.param_groups
    ] == groups_before
    after = opt.state_dict()["state"]
    assert after.keys() == state_before.keys()
    for i in after:
        for key, value in state_before[i].items():
            np.testing.assert_array_equal(after[i][key], value)


def test_a_state_dict_from_another_optimizer_is_refused() -> None:
    sgd, _ = _trained(optim.SGD, momentum=0.9)
    adam, _ = _trained(optim.Adam)
    with pytest.raises(ValueError, match="another optimizer than Adam"):
        adam.load_state_dict(sgd.state_dict())


def test_load_state_dict_wants_a_dict() -> None:
    opt, _ = _trained()
    with pytest.raises(TypeError, match=r"Adam\.load_state_dict: expected a dict, got list"):
        opt.load_state_dict([])
