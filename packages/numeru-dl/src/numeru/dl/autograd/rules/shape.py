"""Gradient rules of shape, indexing and ordering ops."""

from __future__ import annotations

from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.tensor import Tensor

from ... import _scatter
from ._util import unbroadcast
from .elementwise import need


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argsort(perm))


def _same_shape(node: Any, g: Tensor) -> tuple[Tensor]:
    """reshape, squeeze, expand_dims: the gradient takes the input's shape back."""
    return (nm.reshape(g, node.args[0].shape),)


def _permute_dims(node: Any, g: Tensor) -> tuple[Tensor]:
    axes = tuple(a % g.ndim for a in node.params["axes"])
    return (nm.permute_dims(g, _inverse(axes)),)


def _moveaxis(node: Any, g: Tensor) -> tuple[Tensor]:
    p = node.params
    return (nm.moveaxis(g, p["destination"], p["source"]),)


def _flip(node: Any, g: Tensor) -> tuple[Tensor]:
    return (nm.flip(g, axis=node.params.get("axis")),)


def _roll(node: Any, g: Tensor) -> tuple[Tensor]:
    shift = node.params["shift"]
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return (nm.roll(g, back, axis=node.params.get("axis")),)


def _broadcast_to(node: Any, g: Tensor) -> tuple[Tensor]:
    return (unbroadcast(g, node.args[0].shape),)


def _broadcast_arrays(node: Any, g: Tensor) -> tuple[Any, ...]:
    grads: list[Any] = [None] * len(node.args)
    grads[node.index] = unbroadcast(g, node.args[node.index].shape)
    return tuple(grads)


def _split(g: Tensor, sizes: list[int], axis: int) -> list[Tensor]:
    parts, start = [], 0
    for n in sizes:
        index = [slice(None)] * g.ndim
        index[axis] = slice(start, start + n)
        parts.append(g[tuple(index)])
        start += n
    return parts


def _concat(node: Any, g: Tensor) -> tuple[list[Any]]:
    arrays = node.args[0]
    axis = node.params.get("axis", 0)
    if axis is None:
        parts = _split(g, [a.size for a in arrays], 0)
        return ([nm.reshape(p, a.shape) for p, a in zip(parts, arrays, strict=True)],)
    axis %= g.ndim
    return (_split(g, [a.shape[axis] for a in arrays], axis),)


def _stack(node: Any, g: Tensor) -> tuple[list[Any]]:
    axis = node.params.get("axis", 0) % g.ndim
    return (list(nm.unstack(g, axis=axis)),)


def _unstack(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    axis = node.params.get("axis", 0) % x.ndim
    zero = nm.zeros(g.shape, dtype=g.dtype, device=g.device)
    parts = [g if i == node.index else zero for i in range(x.shape[axis])]
    return (nm.stack(parts, axis=axis),)


def _repeat(node: Any, g: Tensor) -> tuple[Any, None]:
    x, repeats = node.args
    axis = node.params.get("axis")
    source = nm.reshape(x, (x.size,)) if axis is None else x
    axis = 0 if axis is None else axis % x.ndim
    n = source.shape[axis]
    if isinstance(repeats, int) or (getattr(repeats, "size", 2) == 1):
        r = int(repeats if isinstance(repeats, int) else np.asarray(repeats).reshape(()))
        shape = source.shape[:axis] + (n, r) + source.shape[axis + 1:]
        grad = nm.sum(nm.reshape(g, shape), axis=axis + 1)
    else:
        counts = np.asarray(repeats.data if isinstance(repeats, Tensor) else repeats)
        index = np.repeat(np.arange(n), counts)
        grad = _scatter.index_add(g, index, axis, n)
    return nm.reshape(grad, x.shape), None


def _tile(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    reps = tuple(node.params["reps"])
    ndim = max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - x.ndim) + x.shape
    split: list[int] = []
    for r, s in zip(reps, shape, strict=True):
        split += [r, s]
    grad = nm.sum(nm.reshape(g, tuple(split)), axis=tuple(range(0, 2 * ndim, 2)))
    return (nm.reshape(grad, x.shape),)


def _take(node: Any, g: Tensor) -> tuple[Any, None]:
    x, indices = node.args
    axis = node.params.get("axis")
    index = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if axis is None:
        flat = _scatter.index_add(nm.reshape(g, (g.size,)), index.reshape(-1), 0, x.size)
        return nm.reshape(flat, x.shape), None
    return _scatter.index_add(g, index, axis % x.ndim, x.shape[axis % x.ndim]), None


def _getitem(node: Any, g: Tensor) -> tuple[Tensor]:
    return (_scatter.getitem_backward(g, node.args[0].shape, node.params["key"]),)


def _getitem_backward(node: Any, g: Tensor) -> tuple[Tensor]:
    return (g[node.params["key"]],)


def _setitem(node: Any, g: Tensor) -> tuple[Any, Any]:
    before, value = node.args
    key = node.params["key"]
    g_before = None
    if need(node, 0):
        keep = nm.ones(g.shape, dtype=g.dtype, device=g.device)
        keep[key] = 0.0  # a constant mask: the product stays differentiable in g
        g_before = g * keep
    g_value = None
    if need(node, 1):
        g_value = unbroadcast(g[key], value.shape)
    return g_before, g_value


def _index_add(node: Any, g: Tensor) -> tuple[Tensor, None]:
    index = node.args[1]
    return nm.take(g, nm.asarray(index, device=g.device), axis=node.params["axis"]), None


def _sort(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    p = node.params
    axis = p.get("axis", -1) % x.ndim
    order = nm.argsort(x, axis=axis, descending=p.get("descending", False),
                       stable=p.get("stable", True))
    return (_scatter.scatter_along_axis(g, order, axis, x.shape[axis]),)


def _take_along_axis(node: Any, g: Tensor) -> tuple[Tensor, None]:
    x, indices = node.args
    axis = node.params["axis"] % x.ndim
    return _scatter.scatter_along_axis(g, indices, axis, x.shape[axis]), None


def _scatter_along_axis(node: Any, g: Tensor) -> tuple[Tensor, None]:
    indices = node.args[1]
    return _scatter.take_along_axis(g, indices, node.params["axis"]), None


def _diff(node: Any, g: Tensor) -> tuple[Tensor]:
    """The adjoint of n forward differences, then the part that belongs to x (prepend and
    append are constants)."""
    x = node.args[0]
    p = node.params
    axis = p.get("axis", -1) % x.ndim
    for _ in range(p.get("n", 1)):
        edge = list(g.shape)
        edge[axis] = 1
        zero = nm.zeros(tuple(edge), dtype=g.dtype, device=g.device)
        g = nm.concat([zero, g], axis=axis) - nm.concat([g, zero], axis=axis)
    before = 0 if p.get("prepend") is None else p["prepend"].shape[axis]
    index = [slice(None)] * g.ndim
    index[axis] = slice(before, before + x.shape[axis])
    return (g[tuple(index)],)


def _tril(node: Any, g: Tensor) -> tuple[Tensor]:
    return (nm.tril(g, k=node.params.get("k", 0)),)


def _triu(node: Any, g: Tensor) -> tuple[Tensor]:
    return (nm.triu(g, k=node.params.get("k", 0)),)


def _matrix_transpose(node: Any, g: Tensor) -> tuple[Tensor]:
    return (nm.matrix_transpose(g),)


def _meshgrid(node: Any, g: Tensor) -> tuple[Any, ...]:
    i = node.index
    n = len(node.args)
    axis = i
    if node.params.get("indexing", "xy") == "xy" and n >= 2 and i < 2:
        axis = 1 - i
    others = tuple(a for a in range(g.ndim) if a != axis)
    grads: list[Any] = [None] * n
    grads[i] = nm.reshape(nm.sum(g, axis=others), node.args[i].shape)
    return tuple(grads)


RULES: dict[str, Any] = {
    "reshape": _same_shape,
    "squeeze": _same_shape,
    "expand_dims": _same_shape,
    "permute_dims": _permute_dims,
    "matrix_transpose": _matrix_transpose,
    "moveaxis": _moveaxis,
    "flip": _flip,
    "roll": _roll,
    "broadcast_to": _broadcast_to,
    "broadcast_arrays": _broadcast_arrays,
    "concat": _concat,
    "stack": _stack,
    "unstack": _unstack,
    "repeat": _repeat,
    "tile": _tile,
    "take": _take,
    "getitem": _getitem,
    "getitem_backward": _getitem_backward,
    "setitem": _setitem,
    "index_add": _index_add,
    "sort": _sort,
    "take_along_axis": _take_along_axis,
    "scatter_along_axis": _scatter_along_axis,
    "diff": _diff,
    "tril": _tril,
    "triu": _triu,
    "meshgrid": _meshgrid,
}
