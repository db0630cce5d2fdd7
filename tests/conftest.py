"""Shared test setup: hypothesis profiles, chosen by HYPOTHESIS_PROFILE.

`ci` is derandomized with a fixed example budget (repeatable landings), `dev`
is quick, `thorough` draws thousands of examples for a hunt.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", derandomize=True, max_examples=20, print_blob=True, **_common)
settings.register_profile("dev", max_examples=10, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
