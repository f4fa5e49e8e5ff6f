"""Shared fixtures of numeru-dl's tests (PyTorch is the reference: a test extra)."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.dl  # noqa: F401 - installs autograd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
