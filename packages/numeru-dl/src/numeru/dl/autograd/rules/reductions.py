"""Gradient rules of reductions and scans: sum, mean, prod, var, std, max, min, cumulative."""

from __future__ import annotations

from typing import Any

import numeru.core as nm
from numeru.core.tensor import Tensor

from ._util import count, expand_reduced, normalize_axes


def _spread(node: Any, g: Tensor) -> Tensor:
    """``g`` broadcast back over the reduced axes of the input."""
    x = node.args[0]
    p = node.params
    g = expand_reduced(g, x.shape, p.get("axis"), p.get("keepdims", False))
    return nm.broadcast_to(g, x.shape)


def _sum(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    return (nm.astype(_spread(node, g), x.dtype, copy=False),)


def _mean(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    return (_spread(node, g) / float(count(x.shape, node.params.get("axis"))),)


def _centered(node: Any) -> tuple[Tensor, float]:
    x = node.args[0]
    axis = node.params.get("axis")
    n = count(x.shape, axis)
    return x - nm.mean(x, axis=axis, keepdims=True), n - node.params.get("correction", 0.0)


def _var(node: Any, g: Tensor) -> tuple[Tensor]:
    centered, dof = _centered(node)
    return (_spread(node, g) * centered * (2.0 / dof),)


def _std(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    p = node.params
    centered, dof = _centered(node)
    y = expand_reduced(node.output, x.shape, p.get("axis"), p.get("keepdims", False))
    return (_spread(node, g) * centered / (y * dof),)


def _extreme(node: Any, g: Tensor) -> tuple[Tensor]:
    """max/min: the gradient is shared evenly among the tied extremes (PyTorch's amax/amin)."""
    x = node.args[0]
    p = node.params
    y = expand_reduced(node.output, x.shape, p.get("axis"), p.get("keepdims", False))
    hit = nm.astype(x == y, x.dtype)
    ties = nm.sum(hit, axis=p.get("axis"), keepdims=True)
    return (_spread(node, g) * hit / ties,)


def _to_last(x: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, tuple[int, ...]]:
    """``x`` with ``axes`` moved to the end and merged into one; returns the permutation."""
    keep = [i for i in range(x.ndim) if i not in axes]
    perm = tuple(keep + list(axes))
    moved = nm.permute_dims(x, perm)
    k = 1
    for a in axes:
        k *= x.shape[a]
    return nm.reshape(moved, tuple(x.shape[i] for i in keep) + (k,)), perm


def _exclusive_products(x: Tensor) -> Tensor:
    """For each element along the last axis, the product of all the others (zeros allowed)."""
    left = nm.cumulative_prod(x, axis=-1, include_initial=True)[..., :-1]
    right = nm.flip(nm.cumulative_prod(nm.flip(x, axis=-1), axis=-1, include_initial=True),
                    axis=-1)[..., 1:]
    return left * right


def _prod(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    axes = normalize_axes(node.params.get("axis"), x.ndim)
    if x.ndim == 0:
        return (g,)
    merged, perm = _to_last(x, axes)
    others = _exclusive_products(merged)
    moved_shape = tuple(x.shape[i] for i in perm)
    others = nm.permute_dims(nm.reshape(others, moved_shape), tuple(_inverse(perm)))
    return (_spread(node, g) * others,)


def _inverse(perm: tuple[int, ...]) -> list[int]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


def _scan_axis(node: Any) -> int:
    x = node.args[0]
    axis = node.params.get("axis")
    return 0 if axis is None else axis % x.ndim


def _drop_initial(node: Any, g: Tensor, axis: int) -> Tensor:
    if not node.params.get("include_initial", False):
        return g
    index = [slice(None)] * g.ndim
    index[axis] = slice(1, None)
    return g[tuple(index)]


def _reverse_cumsum(g: Tensor, axis: int) -> Tensor:
    return nm.flip(nm.cumulative_sum(nm.flip(g, axis=axis), axis=axis), axis=axis)


def _cumulative_sum(node: Any, g: Tensor) -> tuple[Tensor]:
    axis = _scan_axis(node)
    return (_reverse_cumsum(_drop_initial(node, g, axis), axis),)


def _cumulative_prod(node: Any, g: Tensor) -> tuple[Tensor]:
    # d y_j / d x_i = y_j / x_i for j >= i: exact where x has no zeros (documented limitation).
    x = node.args[0]
    axis = _scan_axis(node)
    y = _drop_initial(node, node.output, axis)
    g = _drop_initial(node, g, axis)
    return (_reverse_cumsum(g * y, axis) / x,)


RULES: dict[str, Any] = {
    "sum": _sum,
    "mean": _mean,
    "var": _var,
    "std": _std,
    "max": _extreme,
    "min": _extreme,
    "prod": _prod,
    "cumulative_sum": _cumulative_sum,
    "cumulative_prod": _cumulative_prod,
}
