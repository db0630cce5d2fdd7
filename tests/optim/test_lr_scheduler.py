"""Learning-rate schedulers: 30-step sequences against PyTorch and by hand, state, errors."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import autograd as ag
import optim
from optim import lr_scheduler

LRS = (0.1, 0.05)  # two param groups
STEPS = 30
# a metric that falls, stalls for 12 epochs (with noise), falls again, then stalls
METRICS = [1.0, 0.8, 0.7, 0.7, 0.69995, 0.71, 0.7, 0.72, 0.7, 0.71, 0.7, 0.7, 0.72, 0.7, 0.7]
METRICS += [0.6, 0.5, 0.5, 0.49, 0.5, 0.51, 0.52, 0.4, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.4]


def _half(epoch: int) -> float:
    return 0.5**epoch


def _warmup(epoch: int) -> float:
    return min(1.0, (epoch + 1) / 5)


SCHEDULERS = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 1, "gamma": 0.9}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": _warmup}),
    ("LambdaLR", {"lr_lambda": [_warmup, _half]}),
    ("ReduceLROnPlateau", {}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5}),
    ("ReduceLROnPlateau", {"patience": 0, "cooldown": 2, "min_lr": [0.02, 0.001]}),
    ("ReduceLROnPlateau", {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"}),
    ("ReduceLROnPlateau", {"mode": "max", "patience": 1, "factor": 0.5, "min_lr": 0.01}),
    ("ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "patience": 2}),
    ("ReduceLROnPlateau", {"patience": 0, "factor": 0.99998, "eps": 1.5e-6}),  # 0.05: too small
]


def _ids(config: tuple[str, dict]) -> str:
    """A readable test id, the same in every process (no memory addresses)."""

    def show(v: object) -> str:
        if callable(v):
            return getattr(v, "__name__", type(v).__name__)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(show(x) for x in v) + "]"
        return str(v)

    name, kwargs = config
    return name + "".join(f"-{k}={show(v)}" for k, v in kwargs.items())


def _optimizer() -> optim.SGD:
    return optim.SGD(
        [{"params": [ag.Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in LRS], lr=1.0
    )


def _lrs(scheduler: object, optimizer: object, steps: int = STEPS) -> list[list[float]]:
    """The lrs after construction and after each of `steps` steps."""
    plateau = type(scheduler).__name__ == "ReduceLROnPlateau"
    seen = [[g["lr"] for g in optimizer.param_groups]]
    for i in range(steps):
        if plateau:
            scheduler.step(METRICS[i])
        else:
            scheduler.step()
        seen.append(scheduler.get_last_lr())
        assert seen[-1] == [g["lr"] for g in optimizer.param_groups]
    return seen


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")
@pytest.mark.parametrize("config", SCHEDULERS, ids=_ids)
def test_sequence_matches_torch(config: tuple[str, dict]) -> None:
    torch = pytest.importorskip("torch")
    name, kwargs = config
    ours_opt = _optimizer()
    ours = _lrs(getattr(lr_scheduler, name)(ours_opt, **kwargs), ours_opt)
    theirs_opt = torch.optim.SGD(
        [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in LRS], lr=1.0
    )
    theirs = _lrs(getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs), theirs_opt)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)
    if name == "ReduceLROnPlateau":
        assert len({tuple(lrs) for lrs in ours}) > 1  # the metrics do trigger reductions


# ---- by hand ---------------------------------------------------------------------------
def _closed_form(fn: Callable[[float, int], float]) -> list[list[float]]:
    return [[fn(base, e) for base in LRS] for e in range(STEPS + 1)]


def test_step_lr_by_hand() -> None:
    opt = _optimizer()
    ours = _lrs(lr_scheduler.StepLR(opt, step_size=3, gamma=0.5), opt)
    np.testing.assert_allclose(ours, _closed_form(lambda lr0, e: lr0 * 0.5 ** (e // 3)), rtol=1e-14)
    assert ours[3] == [0.05, 0.025]  # epoch 3: the first decay


def test_exponential_lr_by_hand() -> None:
    opt = _optimizer()
    ours = _lrs(lr_scheduler.ExponentialLR(opt, gamma=0.9), opt)
    np.testing.assert_allclose(ours, _closed_form(lambda lr0, e: lr0 * 0.9**e), rtol=1e-13)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_follows_the_closed_form_past_t_max(eta_min: float) -> None:
    opt = _optimizer()
    ours = _lrs(lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=eta_min), opt)
    expected = _closed_form(
        lambda lr0, e: eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * e / 10)) / 2
    )
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-15)
    assert ours[10] == pytest.approx([eta_min, eta_min], abs=1e-15)  # the bottom at T_max
    assert ours[20] == pytest.approx(list(LRS))  # and back up at 2 T_max, as PyTorch


def test_lambda_lr_by_hand() -> None:
    opt = _optimizer()
    ours = _lrs(lr_scheduler.LambdaLR(opt, [_warmup, _half]), opt)
    expected = [[0.1 * _warmup(e), 0.05 * 0.5**e] for e in range(STEPS + 1)]
    np.testing.assert_allclose(ours, expected, rtol=1e-15)


def test_reduce_on_plateau_by_hand() -> None:
    opt = optim.SGD([ag.Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1, min_lr=0.2)
    seen = []
    for metric in [5.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.0, float("nan"), 3.0, 3.0, 3.0, 3.0]:
        sched.step(ag.tensor(metric))  # a one-element Tensor is a metric too
        seen.append(opt.param_groups[0]["lr"])
    # 5 and 4 improve; the next two 4s are 2 bad epochs > patience: halve (epoch 4), then
    # one cooldown epoch (its bad epoch ignored); two more bad epochs: halve (epoch 7);
    # cooldown; 3 improves; nan counts as bad, so with the next 3: 0.125 clamped to
    # min_lr = 0.2 (epoch 11); cooldown; two bad epochs: max(0.1, 0.2) leaves 0.2.
    expected = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    assert seen == expected


# ---- scheduler and optimizer together -----------------------------------------------------
def test_the_optimizer_steps_with_the_scheduled_lr() -> None:
    w = ag.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        w.grad = ag.Tensor(np.array([-1.0]))
        opt.step()
        sched.step()
    assert w.data[0] == 1.0 + 0.5 + 0.25


def test_initial_lr_and_base_lrs_are_recorded() -> None:
    opt = _optimizer()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    assert sched.base_lrs == list(LRS) and sched.last_epoch == 0
    sched.step()
    assert sched.last_epoch == 1 and [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    lrs = sched.get_last_lr()
    lrs[0] = 99.0  # a copy
    assert sched.get_last_lr() == [0.05, 0.025]


def test_resume_with_last_epoch_uses_initial_lr() -> None:
    opt = _optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    resumed = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5, last_epoch=3)
    assert resumed.base_lrs == list(LRS) and resumed.last_epoch == 4
    assert resumed.get_last_lr() == [0.025, 0.0125]  # epoch 4: lr0 * 0.5^2


@pytest.mark.parametrize(
    "make",
    [
        lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.3),
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.001),
        lambda o: lr_scheduler.LambdaLR(o, _warmup),
        lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1, cooldown=1, min_lr=[0.0, 0.01]),
    ],
)
def test_state_dict_resumes_the_same_sequence(make: Callable) -> None:
    first = _optimizer()
    sched = make(first)
    full = _lrs(sched, first)
    second = _optimizer()
    sched_a = make(second)
    _lrs(sched_a, second, steps=12)
    state = sched_a.state_dict()
    third = _optimizer()
    sched_b = make(third)
    third.load_state_dict(second.state_dict())
    sched_b.load_state_dict({k: np.asarray(v) for k, v in state.items()})  # as a file returns
    plateau = isinstance(sched_b, lr_scheduler.ReduceLROnPlateau)
    rest = []
    for i in range(12, STEPS):
        if plateau:
            sched_b.step(METRICS[i])
        else:
            sched_b.step()
        rest.append(sched_b.get_last_lr())
    assert rest == full[13:]


# ---- errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda o: lr_scheduler.StepLR(object(), 2), TypeError, "expected an optim.Optimizer"),
        (lambda o: lr_scheduler.StepLR(o, 0), ValueError, "StepLR: invalid step_size=0"),
        (lambda o: lr_scheduler.StepLR(o, 2.5), TypeError, "step_size must be an int"),
        (lambda o: lr_scheduler.StepLR(o, 2, gamma=-0.1), ValueError, "invalid gamma=-0.1"),
        (lambda o: lr_scheduler.ExponentialLR(o, float("nan")), ValueError, "invalid gamma=nan"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, 0), ValueError, "invalid T_max=0"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, 5, -1.0), ValueError, "invalid eta_min"),
        (lambda o: lr_scheduler.LambdaLR(o, [_half]), ValueError, "expected 2 lr_lambdas"),
        (lambda o: lr_scheduler.LambdaLR(o, 0.5), TypeError, "must be a function of the epoch"),
        (
            lambda o: lr_scheduler.LambdaLR(o, lambda e: -1.0),
            ValueError,
            "lr for param group 0 at epoch 0 would be -0.1",
        ),
        (lambda o: lr_scheduler.ExponentialLR(o, 0.5, last_epoch=3), ValueError, "initial_lr"),
        (lambda o: lr_scheduler.StepLR(o, 2, last_epoch=-2), ValueError, "invalid last_epoch"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor=1.0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=-0.5), ValueError, "factor=-0.5"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode must be"),
        (
            lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="pct"),
            ValueError,
            "threshold_mode must be",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=-1), ValueError, "patience=-1"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, cooldown=1.5), TypeError, "cooldown must"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "2 min_lr"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=-1), ValueError, r"min_lr\[0\]"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, eps=-1), ValueError, "invalid eps"),
    ],
)
def test_invalid_arguments_raise(make: Callable, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make(_optimizer())


def test_load_state_dict_checks_keys_and_values_and_changes_nothing() -> None:
    opt = _optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    sched.step()
    good = sched.state_dict()
    before = dict(sched.__dict__)
    with pytest.raises(ValueError, match=r"missing keys \['gamma'\], unexpected keys \['gama'\]"):
        sched.load_state_dict({**{k: v for k, v in good.items() if k != "gamma"}, "gama": 0.5})
    with pytest.raises(ValueError, match="'base_lrs' must list one lr per param group"):
        sched.load_state_dict({**good, "base_lrs": [0.1]})
    with pytest.raises(ValueError, match="invalid step_size=0"):
        sched.load_state_dict({**good, "step_size": 0, "last_epoch": 7})
    with pytest.raises(TypeError, match="expected a dict"):
        sched.load_state_dict([1, 2])
    assert sched.__dict__ == before


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (-1.0, ValueError, "epoch 2 would be -0.1"),
        (float("nan"), ValueError, "epoch 2 would be nan"),
        (None, ZeroDivisionError, "lr_lambda failed"),
    ],
    ids=["negative", "nan", "raises"],
)
def test_a_failed_step_changes_neither_the_scheduler_nor_the_lrs(
    bad: float | None, error: type, match: str
) -> None:
    def lam(epoch: int) -> float:
        if epoch < 2:
            return 1.0
        if bad is None:
            raise ZeroDivisionError("lr_lambda failed")
        return bad

    opt = _optimizer()
    sched = lr_scheduler.LambdaLR(opt, lam)
    sched.step()
    before = dict(sched.__dict__)
    with pytest.raises(error, match=match):
        sched.step()
    assert sched.__dict__ == before and sched.last_epoch == 1
    assert [g["lr"] for g in opt.param_groups] == list(LRS)


def test_reduce_on_plateau_scalar_min_lr_covers_a_new_group() -> None:
    """A scalar min_lr bounds a group added after construction too, as PyTorch's."""
    opt = _optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=0.02)
    opt.add_param_group({"params": [ag.Tensor(np.zeros(1), requires_grad=True)], "lr": 0.1})
    sched.step(1.0)
    sched.step(2.0)
    assert sched.get_last_lr() == pytest.approx([0.02, 0.02, 0.02])
    assert sched.min_lrs == [0.02, 0.02, 0.02]


def test_reduce_on_plateau_min_lr_list_needs_a_value_for_a_new_group() -> None:
    opt = _optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.01])
    opt.add_param_group({"params": [ag.Tensor(np.zeros(1), requires_grad=True)]})
    sched.step(1.0)
    before = dict(sched.__dict__)
    with pytest.raises(ValueError, match="3 param groups but min_lrs has 2"):
        sched.step(2.0)
    assert sched.__dict__ == before  # the failed step counted nothing
    assert [g["lr"] for g in opt.param_groups] == [*LRS, 1.0]
    sched.min_lrs.append(0.5)
    sched.step(2.0)
    assert sched.get_last_lr() == pytest.approx([0.01, 0.01, 0.5])
