"""Every hook is tested and documented (datasette keeps its plugins honest the same way)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from numeru.core import hookspecs, plugins

ROOT = Path(__file__).resolve().parents[3]
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
               if name.startswith("register_"))


def test_every_hook_has_a_registry():
    assert sorted(hook for hook, _ in plugins.KINDS.values()) == HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    readme = (ROOT / "packages" / "numeru-core" / "README.md").read_text()
    assert f"`{hook}`" in readme, f"{hook} is not documented in numeru-core's README"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook):
    tests = "".join(p.read_text() for p in ROOT.glob("*/*/tests/**/test_*.py")
                    if p.name != Path(__file__).name)
    assert hook in tests, f"no test implements {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_takes_only_register(hook):
    assert list(inspect.signature(getattr(hookspecs, hook)).parameters) == ["register"]
