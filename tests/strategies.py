"""Hypothesis strategies every test shares: shapes, broadcastable shapes, well-conditioned
values per domain, axis/keepdims variants, and whole op cases drawn from an `OpCheck`.

Values come from a NumPy generator seeded by one hypothesis draw: the domain
(positive for log, away from 0 for a divisor, no near-ties for max) decides how
well conditioned they are, which shrinking toward boundary values would undo.
Shapes, axes and options are drawn by hypothesis itself, so they shrink.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd.opcheck import Case, Draw, OpCheck, draw_case

MAX_DIMS = 3
MAX_SIDE = 3


class HypothesisDraw(Draw):
    """A `Draw` whose every choice is a hypothesis draw (so cases shrink)."""

    def __init__(self, draw: Any) -> None:
        self._draw = draw

    def integer(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))


@st.composite
def cases(draw: Any, spec: OpCheck) -> Case:
    """One check case of an op, drawn from its spec."""
    return draw_case(spec, HypothesisDraw(draw))


def shapes(
    min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, 0-d and size-1 axes included."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = MAX_DIMS
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """n shapes that broadcast together (size-1 axes and missing leading axes)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE
    ).map(lambda r: r.input_shapes)


def arrays(shape: tuple[int, ...], domain: str = "real") -> st.SearchStrategy[np.ndarray]:
    """float64 values of `shape` in a named domain (see `autograd.opcheck.DOMAINS`), drawn as
    an op's check case is."""
    spec = OpCheck(reference=None, twice=False, shapes=lambda draw: (shape,), domains=domain)
    return cases(spec).map(lambda case: case.inputs[0])


def distinct_arrays(shape: tuple[int, ...], gap: float = 0.05) -> st.SearchStrategy[np.ndarray]:
    """float64 values in about [-2, 2], every two at least `gap` apart (max/min without ties)."""

    def make(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        n = int(np.prod(shape))
        grid = rng.permutation(n) * gap * 2 + rng.uniform(0, gap, size=n)
        return (grid - grid.mean()).reshape(shape)

    return st.integers(0, 2**32 - 1).map(make)


def axes(ndim: int) -> st.SearchStrategy[Any]:
    """An `axis` argument: None, an int of either sign, or a tuple of distinct axes."""
    if ndim == 0:
        return st.none()
    one = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
        lambda chosen: st.tuples(*(st.sampled_from([a, a - ndim]) for a in chosen))
    )
    return st.one_of(st.none(), one, several)


def reduction_options(ndim: int) -> st.SearchStrategy[dict]:
    """`axis` and `keepdims` for a reduction over an array of `ndim` dimensions."""
    return st.fixed_dictionaries({"axis": axes(ndim), "keepdims": st.booleans()})
