"""Gradient rules of matmul, tensordot and vecdot."""

from __future__ import annotations

from typing import Any

import numeru.core as nm
from numeru.core.tensor import Tensor

from ._util import unbroadcast
from .elementwise import need


def _matmul(node: Any, g: Tensor) -> tuple[Any, Any]:
    a, b = node.args
    # Promote vectors to matrices as matmul does, differentiate, then drop the added axis.
    a2 = nm.expand_dims(a, axis=0) if a.ndim == 1 else a
    b2 = nm.expand_dims(b, axis=1) if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = nm.expand_dims(g2, axis=g2.ndim - 1 if b.ndim > 1 else 0)
    if b.ndim == 1:
        g2 = nm.expand_dims(g2, axis=g2.ndim)
    ga = gb = None
    if need(node, 0):
        ga = nm.reshape(unbroadcast(nm.matmul(g2, nm.matrix_transpose(b2)), a2.shape), a.shape)
    if need(node, 1):
        gb = nm.reshape(unbroadcast(nm.matmul(nm.matrix_transpose(a2), g2), b2.shape), b.shape)
    return ga, gb


def _tensordot_axes(axes: Any, a_ndim: int, b_ndim: int) -> tuple[list[int], list[int]]:
    if isinstance(axes, int):
        return list(range(a_ndim - axes, a_ndim)), list(range(axes))
    a_axes, b_axes = axes
    a_axes = [a_axes] if isinstance(a_axes, int) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, int) else list(b_axes)
    return [x % a_ndim for x in a_axes], [x % b_ndim for x in b_axes]


def _tensordot(node: Any, g: Tensor) -> tuple[Any, Any]:
    a, b = node.args
    a_axes, b_axes = _tensordot_axes(node.params.get("axes", 2), a.ndim, b.ndim)
    free_a = [i for i in range(a.ndim) if i not in a_axes]
    free_b = [i for i in range(b.ndim) if i not in b_axes]
    na = len(free_a)
    ga = gb = None
    if need(node, 0):
        # g (free_a + free_b) . b over free_b -> free_a + b's contracted axes in b's order.
        r = nm.tensordot(g, b, axes=(list(range(na, g.ndim)), free_b))
        b_order = sorted(b_axes)
        produced = free_a + [a_axes[b_axes.index(j)] for j in b_order]
        ga = nm.permute_dims(r, tuple(produced.index(i) for i in range(a.ndim)))
    if need(node, 1):
        r = nm.tensordot(a, g, axes=(free_a, list(range(na))))
        a_order = sorted(a_axes)
        produced = [b_axes[a_axes.index(i)] for i in a_order] + free_b
        gb = nm.permute_dims(r, tuple(produced.index(j) for j in range(b.ndim)))
    return ga, gb


def _vecdot(node: Any, g: Tensor) -> tuple[Any, Any]:
    a, b = node.args
    axis = node.params.get("axis", -1)
    ge = nm.expand_dims(g, axis=axis % max(a.ndim, b.ndim) if axis >= 0 else g.ndim + 1 + axis)
    ga = unbroadcast(ge * b, a.shape) if need(node, 0) else None
    gb = unbroadcast(ge * a, b.shape) if need(node, 1) else None
    return ga, gb


RULES: dict[str, Any] = {"matmul": _matmul, "tensordot": _tensordot, "vecdot": _vecdot}


def _linear(node: Any, g: Tensor) -> tuple[Any, ...]:
    x, w = node.args[0], node.args[1]
    gx = nm.matmul(g, w) if need(node, 0) else None
    gw = gb = None
    if need(node, 1):
        g2 = nm.reshape(g, (-1, g.shape[-1])) if g.ndim != 2 else g
        x2 = nm.reshape(x, (-1, x.shape[-1])) if x.ndim != 2 else x
        gw = nm.matmul(nm.matrix_transpose(g2), x2)
    if len(node.args) > 2 and need(node, 2):
        gb = nm.sum(g, axis=tuple(range(g.ndim - 1))) if g.ndim > 1 else g
    return (gx, gw) if len(node.args) == 2 else (gx, gw, gb)


RULES["linear"] = _linear
