"""Test-session settings shared by every package's tests."""

from __future__ import annotations

import pytest


def _cuda_unavailable_reason() -> str | None:
    from numeru.core.plugins import registry

    backends = registry("backends")
    if "cuda" not in backends:
        return "numeru-cuda is not installed"
    return backends.get("cuda").unavailable_reason()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``cuda`` run only where a CUDA GPU is usable; elsewhere they are skipped
    with the reason (no GPU, no driver, CuPy missing)."""
    marked = [item for item in items if item.get_closest_marker("cuda")]
    if not marked:
        return
    reason = _cuda_unavailable_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"no usable CUDA device: {reason}")
    for item in marked:
        item.add_marker(skip)
