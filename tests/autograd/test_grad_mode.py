"""Grad mode (no_grad, enable_grad, is_grad_enabled) and detect_anomaly (API.md "Grad mode")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def leaf() -> Tensor:
    return Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)


# ---- no_grad / enable_grad ------------------------------------------------------------------
def test_grad_is_enabled_by_default() -> None:
    assert ag.is_grad_enabled() is True


def test_no_grad_context_manager() -> None:
    x = leaf()
    with ag.no_grad():
        assert ag.is_grad_enabled() is False
        y = x * 2 + x.exp()
        z = ag.sum(y)
    assert ag.is_grad_enabled() is True
    for t in (y, z):
        assert not t.requires_grad
        assert t.grad_fn is None and t.is_leaf
    np.testing.assert_allclose(z.item(), (2 * x.data + np.exp(x.data)).sum())


def test_no_grad_results_never_require_grad_for_any_op() -> None:
    x = Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    with ag.no_grad():
        results = [
            x @ x.T,
            x[0],
            x.reshape(3, 2),
            x.softmax(axis=0),
            ag.concatenate([x, x]),
            ag.where(x > 2, x, 0.0),
            x.max(axis=1),
        ]
    assert all(not r.requires_grad and r.grad_fn is None for r in results)


def test_no_grad_decorator() -> None:
    @ag.no_grad()
    def double(t: Tensor) -> tuple[Tensor, bool]:
        """Doc."""
        return t * 2, ag.is_grad_enabled()

    y, enabled = double(leaf())
    assert enabled is False
    assert not y.requires_grad
    assert ag.is_grad_enabled() is True
    assert double.__name__ == "double" and double.__doc__ == "Doc."


def test_no_grad_decorated_generator_runs_its_steps_without_grad() -> None:
    """Regression: the body of a decorated generator ran after the wrapper returned,
    with grad on; as in PyTorch, each step runs in the mode, the caller's code in its own."""
    x = leaf()

    @ag.no_grad()
    def doubles(t: Tensor) -> Any:
        """Doc."""
        factor = yield t * 2
        while True:
            try:
                factor = yield t * factor
            except KeyError:
                factor = yield t * -1
            if factor is None:
                return "done"

    gen = doubles(x)
    outputs = [next(gen)]
    assert ag.is_grad_enabled()
    outputs.append(gen.send(3))
    outputs.append(gen.throw(KeyError("again")))
    assert ag.is_grad_enabled()
    with pytest.raises(StopIteration) as stop:
        gen.send(None)
    assert stop.value.value == "done" and ag.is_grad_enabled()
    assert [o.data.tolist() for o in outputs] == [[2.0, 4.0], [3.0, 6.0], [-1.0, -2.0]]
    assert not any(o.requires_grad for o in outputs)
    assert doubles.__name__ == "doubles" and doubles.__doc__ == "Doc."

    @ag.enable_grad()
    def recorded(t: Tensor) -> Any:
        yield t * 2

    with ag.no_grad():
        (y,) = list(recorded(x))
    assert y.requires_grad


def test_enable_grad_inside_no_grad() -> None:
    x = leaf()
    with ag.no_grad():
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            y = x * 3
        assert not ag.is_grad_enabled()
        z = x * 3
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_enable_grad_decorator_inside_no_grad() -> None:
    @ag.enable_grad()
    def triple(t: Tensor) -> Tensor:
        return t * 3

    with ag.no_grad():
        y = triple(leaf())
    assert y.requires_grad


def test_nested_no_grad_restores_each_level() -> None:
    with ag.no_grad():
        with ag.no_grad():
            pass
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            with ag.no_grad():
                assert not ag.is_grad_enabled()
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_grad_mode_restored_after_exceptions() -> None:
    with pytest.raises(KeyError), ag.no_grad():
        raise KeyError("boom")
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def fails() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fails()
    assert ag.is_grad_enabled()
    with ag.no_grad():
        with pytest.raises(KeyError), ag.enable_grad():
            raise KeyError("boom")
        assert not ag.is_grad_enabled()


def test_grad_mode_restored_after_a_failing_backward() -> None:
    x = leaf()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()  # runs its rules with grad mode off, then fails
    assert ag.is_grad_enabled()
    assert (x * 2).requires_grad


def test_manual_parameter_update_under_no_grad() -> None:
    w = leaf()
    (w * w).sum().backward()
    with ag.no_grad():
        w -= 0.5 * w.grad
    assert w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(w.data, [0.0, 0.0])


def test_backward_does_not_record_a_graph_of_its_own() -> None:
    """An ordinary backward runs with grad mode off: .grad has no graph."""
    x = leaf()
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    assert ag.is_grad_enabled()


# ---- detect_anomaly -------------------------------------------------------------------------
def test_anomaly_in_forward_names_the_op() -> None:
    x = Tensor([-1.0, 1.0], requires_grad=True)
    with (
        np.errstate(all="ignore"),
        ag.detect_anomaly(),
        pytest.raises(RuntimeError, match=r"log produced nan in its forward"),
    ):
        x.log()
    with (
        np.errstate(all="ignore"),
        ag.detect_anomaly(),
        pytest.raises(RuntimeError, match=r"div produced inf in its forward"),
    ):
        x / Tensor([0.0, 1.0])


def test_anomaly_in_backward_names_the_op() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(all="ignore"), ag.detect_anomaly():
        y = x.sqrt()  # finite forward: sqrt(0) = 0
        with pytest.raises(RuntimeError, match=r"sqrt produced inf in its backward"):
            y.sum().backward()


def test_anomaly_names_a_custom_function() -> None:
    class Blowup(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
            return x.copy()

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> np.ndarray:
            return g * np.nan

    x = Tensor([1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = Blowup.apply(x)
        with pytest.raises(RuntimeError, match=r"blowup produced nan in its backward"):
            y.sum().backward()


def test_anomaly_mode_is_off_outside_the_block() -> None:
    x = Tensor([-1.0], requires_grad=True)
    with ag.detect_anomaly():
        (x * 2).sum().backward()  # finite: nothing raised
    with np.errstate(all="ignore"):
        y = x.log()  # NaN without anomaly mode: no error
    assert np.isnan(y.item())
    with pytest.raises(KeyError), ag.detect_anomaly():
        raise KeyError("boom")
    with np.errstate(all="ignore"):
        assert np.isnan(x.log().item())
