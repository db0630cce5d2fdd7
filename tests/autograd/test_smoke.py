"""A first end-to-end check: the README's tour runs and its gradients are right."""

from __future__ import annotations

import numpy as np

import autograd as ag
from autograd import Tensor


def test_broadcast_gradient_is_summed_back() -> None:
    x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    (x * b).sum().backward()
    np.testing.assert_allclose(b.grad.data, [5.0, 7.0, 9.0])
    np.testing.assert_allclose(x.grad.data, np.broadcast_to([0.5, -1.0, 2.0], (2, 3)))


def test_gradcheck_first_and_second_order() -> None:
    ag.manual_seed(0)
    a, c = ag.randn(2, 3, requires_grad=True), ag.randn(3, 4, requires_grad=True)
    assert ag.gradcheck(lambda p, q: (p @ q).softmax(axis=-1), [a, c])
    assert ag.gradgradcheck(lambda p, q: (p @ q).softmax(axis=-1), [a, c])
