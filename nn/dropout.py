"""Dropout: random zeroing in training, the identity in evaluation."""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from nn import functional as F
from nn.module import Module


class Dropout(Module):
    """Inverted dropout: in training each element is zeroed with probability p and the rest
    scaled by 1 / (1 - p), so the expected value is unchanged; in eval mode, the identity.
    The mask is drawn from `ag.default_generator()`."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        F._check_probability("Dropout", p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Any) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
