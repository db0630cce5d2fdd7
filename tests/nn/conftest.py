"""The nn tests' setup: a fixed seed for every test (`float64` is in tests/conftest.py)."""

from __future__ import annotations

import pytest

import autograd as ag


@pytest.fixture(autouse=True)
def _seeded() -> None:
    ag.manual_seed(0)
