"""Shared by the agreement maths tests: hypothesis settings, the reference package."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

try:  # reference implementation for the cross-checks (dev dependency)
    import krippendorff
except ImportError:  # pragma: no cover - the cross-checks skip without it
    krippendorff = None

needs_krippendorff = pytest.mark.skipif(
    krippendorff is None, reason="the krippendorff package is not installed"
)
nan = np.nan
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
