"""Shared test setup: hypothesis profiles, chosen by HYPOTHESIS_PROFILE, and the `float64`
fixture.

`ci` is derandomized with a fixed example budget (repeatable landings), `dev`
is quick, `thorough` draws thousands of examples for a hunt.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

# One BLAS thread for the tests, the notebook kernels and the subprocesses they
# start: the suite's figures stay the same on every machine, and a busy 2-core
# runner is not slowed down by BLAS threads fighting over the cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import autograd as ag  # noqa: E402

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", derandomize=True, max_examples=20, print_blob=True, **_common)
settings.register_profile("dev", max_examples=10, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def float64() -> Iterator[None]:
    """Python floats and new tensors and parameters in float64 for one test, then the previous
    default dtype again."""
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)
    yield
    ag.set_default_dtype(previous)
