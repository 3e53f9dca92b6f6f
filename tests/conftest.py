"""Shared test settings: hypothesis profiles and the optional PyTorch oracle."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

try:
    import torch
except ImportError:  # the parity tests skip, saying why; the numeric checks stand alone
    torch = None

requires_torch = pytest.mark.skipif(
    torch is None,
    reason="PyTorch is not installed; install the pinned extra with pip install -e '.[torch]'",
)
