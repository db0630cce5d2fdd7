"""Fixtures for the nn tests: a fixed seed for every test, and float64 on request."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import autograd as ag


@pytest.fixture
def float64() -> Iterator[None]:
    """Make new parameters and Python floats float64 for the test, then restore the default."""
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)
    yield
    ag.set_default_dtype(previous)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    ag.manual_seed(0)
