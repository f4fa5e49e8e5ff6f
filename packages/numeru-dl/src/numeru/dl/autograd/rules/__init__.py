"""Gradient rules for the ops of numeru.core and numeru.dl, keyed by op name.

A rule is ``rule(node, grad) -> gradients``: one entry per positional argument of the op (None
where the argument needs no gradient; a list for the tensor sequence of ``concat``/``stack``).
Rules are written with numeru ops, so with ``create_graph=True`` they are recorded like any
other computation: that is what makes double backward work.
"""

from __future__ import annotations

from typing import Any


def all_rules() -> dict[str, Any]:
    """Every rule this package provides, by op name."""
    from . import elementwise, linalg, linalg_ext, nn_ops, reductions, shape

    rules: dict[str, Any] = {}
    for module in (elementwise, reductions, shape, linalg, linalg_ext, nn_ops):
        rules.update(module.RULES)
    return rules
