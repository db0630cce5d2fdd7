"""Differential tests against PyTorch (skipped where it is not installed): the same weights
give the same outputs and the same gradients for every layer, loss and reduction; BatchNorm's
running statistics agree over several steps; state_dict names agree; init distributions and
gradient clipping agree."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from module_checks import default_dtype

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: a thread pool only adds waiting on a shared machine
TF = torch.nn.functional
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _to_torch(module: nn.Module, torch_module: Any) -> Any:
    """torch_module in float64 with our module's state (same names, same values)."""
    torch_module = torch_module.double()
    state = {k: torch.tensor(v) for k, v in module.state_dict().items()}
    torch_module.load_state_dict(state)
    torch_module.train(module.training)
    return torch_module


def _compare_module(
    module: nn.Module, torch_module: Any, x: np.ndarray, seed: int = 1, tol: dict = TOL
) -> None:
    """Same output, same input gradient and same parameter gradients for one forward and
    a backward with a random upstream gradient; then the same buffers."""
    ours_x = Tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours, theirs = module(ours_x), torch_module(theirs_x)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **tol)
    upstream = _rng(seed).standard_normal(ours.shape)
    ours.backward(upstream)
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), **tol)
    torch_params = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(
            p.grad.data, torch_params[name].grad.numpy(), **tol, err_msg=name
        )
    torch_state = torch_module.state_dict()
    for name, value in module.state_dict().items():
        np.testing.assert_allclose(value, torch_state[name].numpy(), **tol, err_msg=name)


# ---- layers ----------------------------------------------------------------------------------
@given(lead=st.lists(st.integers(1, 3), max_size=2).map(tuple), bias=st.booleans())
def test_linear(lead: tuple, bias: bool) -> None:
    with default_dtype(np.float64):
        ours = nn.Linear(4, 3, bias=bias)
    theirs = _to_torch(ours, torch.nn.Linear(4, 3, bias=bias))
    _compare_module(ours, theirs, _rng().standard_normal((*lead, 4)))


ACTIVATIONS = [
    (nn.ReLU(), torch.nn.ReLU()),
    (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)),
    (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    (nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
    (nn.Softmax(1), torch.nn.Softmax(1)),
    (nn.Softmax(-1), torch.nn.Softmax(-1)),
    (nn.LogSoftmax(1), torch.nn.LogSoftmax(1)),
    (nn.Flatten(), torch.nn.Flatten()),
    (nn.Flatten(0, 1), torch.nn.Flatten(0, 1)),
    (nn.Identity(), torch.nn.Identity()),
    (nn.Dropout(0.5).eval(), torch.nn.Dropout(0.5).eval()),
]


@pytest.mark.parametrize(("ours", "theirs"), ACTIVATIONS, ids=[repr(a[0]) for a in ACTIVATIONS])
def test_activations(ours: nn.Module, theirs: Any) -> None:
    x = _rng().standard_normal((3, 4, 2)) * 3
    x[0, 0, 0] = 0.0  # PyTorch's choices at the kinks too
    x[0, 0, 1] = -3.0
    tol = {"rtol": 1e-7, "atol": 1e-12} if isinstance(ours, nn.Hardsigmoid) else TOL  # its 1/6
    _compare_module(ours, theirs, x, tol=tol)


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm1d_over_several_steps_then_eval(
    shape: tuple, affine: bool, momentum: float | None
) -> None:
    with default_dtype(np.float64):
        ours = nn.BatchNorm1d(3, momentum=momentum, affine=affine)
    if affine:
        ours.weight.data[...] = [0.5, 1.0, 2.0]
        ours.bias.data[...] = [0.1, -0.2, 0.3]
    theirs = _to_torch(ours, torch.nn.BatchNorm1d(3, momentum=momentum, affine=affine))
    for step in range(4):
        x = _rng(step).standard_normal(shape) * (step + 1) + step
        _compare_module(ours, theirs, x, seed=step)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    ours.eval()
    theirs.eval()
    _compare_module(ours, theirs, _rng(9).standard_normal(shape))


@pytest.mark.parametrize("track", [True, False])
def test_batchnorm2d(track: bool) -> None:
    with default_dtype(np.float64):
        ours = nn.BatchNorm2d(2, track_running_stats=track)
    theirs = _to_torch(ours, torch.nn.BatchNorm2d(2, track_running_stats=track))
    for step in range(3):
        _compare_module(ours, theirs, _rng(step).standard_normal((3, 2, 2, 3)) + step)
    ours.eval()
    theirs.eval()
    _compare_module(
        ours,
        theirs,
        _rng(5).standard_normal((1, 2, 2, 3)) if track else _rng(5).standard_normal((2, 2, 2, 3)),
    )


@pytest.mark.parametrize(
    ("normalized", "affine", "bias"),
    [((4,), True, True), ((3, 4), True, True), ((4,), False, False), ((4,), True, False)],
)
def test_layernorm(normalized: tuple, affine: bool, bias: bool) -> None:
    with default_dtype(np.float64):
        ours = nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias)
    if affine:
        ours.weight.data[...] = _rng(3).uniform(0.5, 2, normalized)
    if bias:
        ours.bias.data[...] = _rng(4).standard_normal(normalized)
    theirs = _to_torch(ours, torch.nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias))
    _compare_module(ours, theirs, _rng().standard_normal((2, 3, 4)) * 5 + 1)


def test_a_network_and_its_state_dict_names() -> None:
    with default_dtype(np.float64):
        ours = nn.Sequential(
            nn.Linear(5, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Linear(8, 8), nn.LayerNorm(8),
            nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 3),
        )  # fmt: skip
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.GELU(), torch.nn.Linear(8, 8),
        torch.nn.LayerNorm(8), torch.nn.Tanh(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 3),
    )  # fmt: skip
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.eval()
    theirs = _to_torch(ours, theirs)
    _compare_module(ours, theirs, _rng().standard_normal((6, 5)))


# ---- losses ------------------------------------------------------------------------------------
def _compare_loss(
    ours: Callable, theirs: Callable, inputs: list[np.ndarray], grads: int = 1, tol: dict = TOL
) -> None:
    """Same loss and the same gradients of the first `grads` inputs."""
    our_args = [Tensor(a, requires_grad=i < grads) for i, a in enumerate(inputs)]
    their_args = [torch.tensor(a, requires_grad=i < grads) for i, a in enumerate(inputs)]
    out, expected = ours(*our_args), theirs(*their_args)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL)
    upstream = _rng(3).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for i in range(grads):
        np.testing.assert_allclose(our_args[i].grad.data, their_args[i].grad.numpy(), **tol)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight": [0.5, 2.0, 1.0, 3.0]},
        {"ignore_index": 1},
        {"weight": [0.5, 2.0, 1.0, 3.0], "ignore_index": 2, "label_smoothing": 0.2},
        {"label_smoothing": 0.1},
    ],
)
def test_cross_entropy_with_class_targets(reduction: str, options: dict) -> None:
    z = _rng().standard_normal((6, 4)) * 3
    y = np.array([0, 1, 2, 3, 1, 2])
    weight = None if "weight" not in options else np.array(options["weight"])
    extra = {k: v for k, v in options.items() if k != "weight"}
    _compare_loss(
        lambda a, t: nn.CrossEntropyLoss(weight, reduction=reduction, **extra)(a, t),
        lambda a, t: torch.nn.CrossEntropyLoss(
            None if weight is None else torch.tensor(weight), reduction=reduction, **extra
        )(a, t),
        [z, y],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probabilities_spatial_and_unbatched(reduction: str) -> None:
    rng = _rng()
    z, q = rng.standard_normal((5, 3)), rng.dirichlet(np.ones(3), 5)
    w = np.array([1.0, 2.0, 0.5])
    _compare_loss(
        lambda a, t: F.cross_entropy(a, t.data, w, reduction=reduction, label_smoothing=0.1),
        lambda a, t: TF.cross_entropy(
            a, t, torch.tensor(w), reduction=reduction, label_smoothing=0.1
        ),
        [z, q],
    )
    z4, y4 = rng.standard_normal((2, 3, 2, 2)), rng.integers(0, 3, (2, 2, 2))
    _compare_loss(
        lambda a, t: F.cross_entropy(a, t, reduction=reduction),
        lambda a, t: TF.cross_entropy(a, t, reduction=reduction),
        [z4, y4],
    )
    _compare_loss(
        lambda a, t: F.cross_entropy(a, t, reduction=reduction),
        lambda a, t: TF.cross_entropy(a, t, reduction=reduction),
        [rng.standard_normal(4), np.array(2)],
    )


def test_cross_entropy_at_plus_minus_1000() -> None:
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    _compare_loss(F.cross_entropy, TF.cross_entropy, [z, np.array([1, 2])])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(reduction: str, weighted: bool) -> None:
    w = np.array([1.0, 0.5, 2.0]) if weighted else None
    _compare_loss(
        lambda a, t: nn.NLLLoss(w, ignore_index=0, reduction=reduction)(a, t),
        lambda a, t: torch.nn.NLLLoss(
            None if w is None else torch.tensor(w), ignore_index=0, reduction=reduction
        )(a, t),
        [_rng().standard_normal((5, 3)), np.array([0, 1, 2, 2, 1])],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_and_its_clamp(reduction: str) -> None:
    rng = _rng()
    x = rng.uniform(0.01, 0.99, (4, 3))
    t = rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (4, 3))

    def ours(a: Tensor, b: Tensor) -> Tensor:
        return nn.BCELoss(w, reduction=reduction)(a, b)

    def theirs(a: Any, b: Any) -> Any:
        return torch.nn.BCELoss(torch.tensor(w), reduction=reduction)(a, b)

    _compare_loss(ours, theirs, [x, t], grads=2)  # the target's gradient too
    x[0, :2], t[0, :2] = [0.0, 1.0], [1.0, 0.0]  # where the log is clamped at -100
    # (the target's gradient there: ours is the clamped loss's, finite; PyTorch's is inf)
    tol = {"rtol": 1e-8, "atol": 1e-12}  # PyTorch's 1e-12 in the clamped rule is a float32
    _compare_loss(ours, theirs, [x, t], grads=1, tol=tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [None, [0.5, 3.0, 1.0]])
def test_bce_with_logits(reduction: str, pos_weight: list | None) -> None:
    rng = _rng()
    x = rng.standard_normal((4, 3)) * 5
    x[0] = [1000.0, -1000.0, 0.0]
    t, w = rng.uniform(0, 1, (4, 3)), rng.uniform(0.5, 2, (4, 3))
    pw = None if pos_weight is None else np.array(pos_weight)
    _compare_loss(
        lambda a, b: nn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw)(a, b),
        lambda a, b: torch.nn.BCEWithLogitsLoss(
            torch.tensor(w),
            reduction=reduction,
            pos_weight=None if pw is None else torch.tensor(pw),
        )(a, b),
        [x, t],
        grads=2,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("p", "margin", "weighted"), [(1, 1.0, False), (2, 0.5, True)])
def test_multi_margin_loss(reduction: str, p: int, margin: float, weighted: bool) -> None:
    w = np.array([1.0, 2.0, 0.5, 1.5]) if weighted else None
    _compare_loss(
        lambda a, t: nn.MultiMarginLoss(p, margin, w, reduction)(a, t),
        lambda a, t: torch.nn.MultiMarginLoss(
            p, margin, None if w is None else torch.tensor(w), reduction=reduction
        )(a, t),
        [_rng().standard_normal((5, 4)), np.array([0, 3, 1, 2, 3])],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pair", [(nn.MSELoss, torch.nn.MSELoss), (nn.L1Loss, torch.nn.L1Loss)])
def test_mse_and_l1(reduction: str, pair: tuple) -> None:
    ours, theirs = pair
    rng = _rng()
    _compare_loss(
        ours(reduction=reduction),
        theirs(reduction=reduction),
        [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))],
        grads=2,
    )


# ---- init and clipping ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
     ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)],
)  # fmt: skip
def test_calculate_gain(nonlinearity: str, param: float | None) -> None:
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param)
    )


INITS = [
    ("uniform_", {"a": -0.3, "b": 0.7}),
    ("normal_", {"mean": 0.5, "std": 2.0}),
    ("xavier_uniform_", {"gain": 1.5}),
    ("xavier_normal_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"a": 0.1, "mode": "fan_out"}),
]


@pytest.mark.parametrize(("name", "kwargs"), INITS, ids=[f"{n}{k}" for n, k in INITS])
@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 3, 3)])
def test_init_distributions_match(name: str, kwargs: dict, shape: tuple) -> None:
    ours = getattr(nn.init, name)(nn.Parameter(np.zeros(shape)), **kwargs).data
    torch.manual_seed(0)
    theirs = getattr(torch.nn.init, name)(torch.zeros(shape, dtype=torch.float64), **kwargs).numpy()
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.03 * theirs.std() + 1e-3)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)
    if "uniform" in name:  # the same bounds: both reach close to them, neither beyond
        low, high = min(ours.min(), theirs.min()), max(ours.max(), theirs.max())
        assert ours.min() - low < 0.01 * (high - low) and high - ours.max() < 0.01 * (high - low)


def test_default_layer_initialisation_matches_pytorchs_spread() -> None:
    ours = nn.Linear(400, 300)
    theirs = torch.nn.Linear(400, 300)
    for a, b in [(ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
        assert a.data.std() == pytest.approx(b.detach().numpy().std(), rel=0.1)
        assert np.abs(a.data).max() <= 1 / math.sqrt(400)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type: float, max_norm: float) -> None:
    grads = [_rng(i).standard_normal(s) for i, s in enumerate([(3, 4), (4,), (2, 2, 2)])]
    ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = Tensor(g.copy())
        q.grad = torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)


def test_a_training_step_matches() -> None:
    """An MLP with BatchNorm: loss and every parameter gradient, float64."""
    with default_dtype(np.float64):
        ours = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))
    theirs = _to_torch(
        ours,
        torch.nn.Sequential(
            torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Linear(5, 3)
        ),
    )
    x, y = _rng().standard_normal((8, 6)), _rng(1).integers(0, 3, 8)
    loss = F.cross_entropy(ours(Tensor(x)), y) + 1e-3 * nn.utils.l2_penalty(ours.parameters())
    expected = TF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)) + 1e-3 * sum(
        (p * p).sum() for p in theirs.parameters()
    )
    loss.backward()
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), **TOL, err_msg=name)
    ag.manual_seed(0)
