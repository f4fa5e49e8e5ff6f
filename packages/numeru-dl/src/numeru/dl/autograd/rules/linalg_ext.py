"""Gradient rules of numeru.linalg's differentiable ops (inverse, solves, determinants,
Cholesky, eigenvalues, singular values, powers, trace, diagonal, outer and cross products)."""

from __future__ import annotations

from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.tensor import Tensor

from ... import _scatter
from ._util import unbroadcast
from .elementwise import need


def _la() -> Any:
    import numeru.linalg as la  # a declared dependency; imported when a rule first runs

    return la


def _mt(x: Tensor) -> Tensor:
    return nm.matrix_transpose(x)


def _inv(node: Any, g: Tensor) -> tuple[Tensor]:
    y = node.output
    return (-(_mt(y) @ g @ _mt(y)),)


def _solve(node: Any, g: Tensor) -> tuple[Any, Any]:
    a, b = node.args
    x = node.output
    gb_full = _la().solve(_mt(a), g)
    ga = unbroadcast(-(gb_full @ _mt(x)), a.shape) if need(node, 0) else None
    gb = unbroadcast(gb_full, b.shape) if need(node, 1) else None
    return ga, gb


def _det(node: Any, g: Tensor) -> tuple[Tensor]:
    a = node.args[0]
    scale = nm.expand_dims(nm.expand_dims(g * node.output, axis=-1), axis=-1)
    return (scale * _mt(_la().inv(a)),)


def _slogdet(node: Any, g: Tensor) -> tuple[Any]:
    a = node.args[0]
    if node.index == 0:  # the sign is piecewise constant
        return (nm.zeros_like(a),)
    scale = nm.expand_dims(nm.expand_dims(g, axis=-1), axis=-1)
    return (scale * _mt(_la().inv(a)),)


def _phi(x: Tensor) -> Tensor:
    """Lower triangle with the diagonal halved."""
    n = x.shape[-1]
    half = nm.asarray(np.eye(n) * 0.5, dtype=x.dtype, device=x.device)
    return nm.tril(x, k=-1) + x * half


def _cholesky(node: Any, g: Tensor) -> tuple[Tensor]:
    # Murray (2016), as PyTorch: gA = L^-T phi(L^T gL) L^-1, symmetrised.
    upper = node.params.get("upper", False)
    factor = node.output
    low = _mt(factor) if upper else factor
    g_low = _mt(g) if upper else g
    low_inv = _la().inv(low)
    ga = _mt(low_inv) @ _phi(_mt(low) @ g_low) @ low_inv
    return ((ga + _mt(ga)) * 0.5,)


def _trace(node: Any, g: Tensor) -> tuple[Tensor]:
    a = node.args[0]
    n, m = a.shape[-2], a.shape[-1]
    mask = nm.asarray(np.eye(n, m, k=node.params.get("offset", 0)), dtype=a.dtype,
                      device=a.device)
    return (nm.expand_dims(nm.expand_dims(g, axis=-1), axis=-1) * mask,)


def _diagonal(node: Any, g: Tensor) -> tuple[Tensor]:
    a = node.args[0]
    offset = node.params.get("offset", 0)
    length = g.shape[-1]
    rows = np.arange(length) + max(-offset, 0)
    cols = np.arange(length) + max(offset, 0)
    return (_scatter.getitem_backward(g, a.shape, (Ellipsis, rows, cols)),)


def _outer(node: Any, g: Tensor) -> tuple[Any, Any]:
    a, b = node.args
    ga = g @ b if need(node, 0) else None
    gb = _mt(g) @ a if need(node, 1) else None
    return ga, gb


def _cross(node: Any, g: Tensor) -> tuple[Any, Any]:
    a, b = node.args
    axis = node.params.get("axis", -1)
    la = _la()
    ga = unbroadcast(la.cross(b, g, axis=axis), a.shape) if need(node, 0) else None
    gb = unbroadcast(la.cross(g, a, axis=axis), b.shape) if need(node, 1) else None
    return ga, gb


def _solve_triangular(node: Any, g: Tensor) -> tuple[Any, Any]:
    a, b = node.args
    p = node.params
    lower, trans, unit = p.get("lower", False), p.get("trans", 0), p.get("unit_diagonal", False)
    x = node.output
    # x = op(A)^-1 b  =>  gb = op(A)^-T g,  g_op(A) = -gb x^T, read back through op and the
    # triangle the solver actually reads.
    gb_full = _la().solve_triangular(a, g, lower=lower, trans=0 if trans else 1,
                                     unit_diagonal=unit)
    ga = None
    if need(node, 0):
        g_op = -(gb_full @ _mt(x))
        g_a = _mt(g_op) if trans else g_op
        k = -1 if unit else 0
        g_a = nm.tril(g_a, k=k) if lower else nm.triu(g_a, k=-k)
        ga = unbroadcast(g_a, a.shape)
    gb = unbroadcast(gb_full, b.shape) if need(node, 1) else None
    return ga, gb


def _matrix_power(node: Any, g: Tensor) -> tuple[Tensor]:
    a = node.args[0]
    n = node.params["n"]
    if n == 0:
        return (nm.zeros_like(a),)
    # d(A^n) = sum_k A^k dA A^(n-1-k)  =>  gA = sum_k (A^T)^k g (A^T)^(n-1-k)
    at = _mt(a)
    powers = [nm.broadcast_to(nm.eye(a.shape[-1], dtype=a.dtype, device=a.device), a.shape)]
    for _ in range(1, n):
        powers.append(powers[-1] @ at)
    total = powers[0] @ g @ powers[n - 1]
    for k in range(1, n):
        total = total + powers[k] @ g @ powers[n - 1 - k]
    return (total,)


def _eigvalsh(node: Any, g: Tensor) -> tuple[Tensor]:
    a = node.args[0]
    vectors = _la().eigh(a, uplo=node.params.get("uplo", "L")).eigenvectors
    return ((vectors * nm.expand_dims(g, axis=-2)) @ _mt(vectors),)


def _svdvals(node: Any, g: Tensor) -> tuple[Tensor]:
    a = node.args[0]
    u, _, vh = _la().svd(a, full_matrices=False)
    return ((u * nm.expand_dims(g, axis=-2)) @ vh,)


RULES: dict[str, Any] = {
    "linalg.solve_triangular": _solve_triangular,
    "linalg.matrix_power": _matrix_power,
    "linalg.eigvalsh": _eigvalsh,
    "linalg.svdvals": _svdvals,
    "linalg.inv": _inv,
    "linalg.solve": _solve,
    "linalg.det": _det,
    "linalg.slogdet": _slogdet,
    "linalg.cholesky": _cholesky,
    "linalg.trace": _trace,
    "linalg.diagonal": _diagonal,
    "linalg.outer": _outer,
    "linalg.cross": _cross,
}
