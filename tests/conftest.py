"""Shared test setup: hypothesis profiles, chosen by HYPOTHESIS_PROFILE.

`ci` is derandomized with a fixed example budget (repeatable landings), `dev`
is quick, `thorough` draws thousands of examples for a hunt.
"""

from __future__ import annotations

import os

# One BLAS thread for the tests, the notebook kernels and the subprocesses they
# start: the suite's figures stay the same on every machine, and a busy 2-core
# runner is not slowed down by BLAS threads fighting over the cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import HealthCheck, settings  # noqa: E402

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", derandomize=True, max_examples=20, print_blob=True, **_common)
settings.register_profile("dev", max_examples=10, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
