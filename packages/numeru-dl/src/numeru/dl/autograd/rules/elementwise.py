"""Gradient rules of the elementwise ops (unary, binary, clip, where)."""

from __future__ import annotations

import math
from typing import Any

import numeru.core as nm
from numeru.core.tensor import Tensor

from ._util import as_tensor, unbroadcast, zeros_of


def need(node: Any, i: int) -> bool:
    arg = node.args[i] if i < len(node.args) else None
    return isinstance(arg, Tensor) and arg.requires_grad


def _unary(derivative: Any) -> Any:
    """A rule ``g * derivative(x, y)`` for a one-input op."""

    def rule(node: Any, g: Tensor) -> tuple[Tensor]:
        return (derivative(node.args[0], node.output, g),)

    return rule


def _zero(node: Any, g: Tensor) -> tuple[Tensor]:
    """Piecewise-constant ops (floor, ceil, round, trunc, sign): zero gradient, as in PyTorch."""
    return (zeros_of(node.args[0]),)


RULES: dict[str, Any] = {
    "negative": _unary(lambda x, y, g: -g),
    "positive": _unary(lambda x, y, g: g),
    "abs": _unary(lambda x, y, g: g * nm.sign(x)),
    "exp": _unary(lambda x, y, g: g * y),
    "expm1": _unary(lambda x, y, g: g * (y + 1.0)),
    "log": _unary(lambda x, y, g: g / x),
    "log1p": _unary(lambda x, y, g: g / (x + 1.0)),
    "log2": _unary(lambda x, y, g: g / (x * math.log(2.0))),
    "log10": _unary(lambda x, y, g: g / (x * math.log(10.0))),
    "sqrt": _unary(lambda x, y, g: g / (y * 2.0)),
    "square": _unary(lambda x, y, g: g * x * 2.0),
    "sin": _unary(lambda x, y, g: g * nm.cos(x)),
    "cos": _unary(lambda x, y, g: -g * nm.sin(x)),
    "tan": _unary(lambda x, y, g: g * (y * y + 1.0)),
    "asin": _unary(lambda x, y, g: g / nm.sqrt(1.0 - x * x)),
    "acos": _unary(lambda x, y, g: -g / nm.sqrt(1.0 - x * x)),
    "atan": _unary(lambda x, y, g: g / (x * x + 1.0)),
    "sinh": _unary(lambda x, y, g: g * nm.cosh(x)),
    "cosh": _unary(lambda x, y, g: g * nm.sinh(x)),
    "tanh": _unary(lambda x, y, g: g * (1.0 - y * y)),
    "asinh": _unary(lambda x, y, g: g / nm.sqrt(x * x + 1.0)),
    "acosh": _unary(lambda x, y, g: g / nm.sqrt(x * x - 1.0)),
    "atanh": _unary(lambda x, y, g: g / (1.0 - x * x)),
    "conj": _unary(lambda x, y, g: nm.conj(g)),
    "real": _unary(lambda x, y, g: g),
    "reciprocal": _unary(lambda x, y, g: -g * y * y),
    "floor": _zero,
    "ceil": _zero,
    "round": _zero,
    "trunc": _zero,
    "sign": _zero,
}


def _binary(da: Any, db: Any) -> Any:
    """A rule for a broadcasting two-input op; ``da``/``db`` give the unreduced gradients."""

    def rule(node: Any, g: Tensor) -> tuple[Any, Any]:
        a, b = node.args
        a, b = as_tensor(a, g), as_tensor(b, g)
        y = node.output
        ga = unbroadcast(da(a, b, y, g), a.shape) if need(node, 0) else None
        gb = unbroadcast(db(a, b, y, g), b.shape) if need(node, 1) else None
        return ga, gb

    return rule


def _pow_base(a: Any, b: Any, y: Tensor, g: Tensor) -> Tensor:
    if isinstance(b, (int, float)):
        if b == 0:
            return g * 0.0
        return g * (a ** (b - 1)) * b
    return g * b * a ** (b - 1.0)


def _pow_exponent(a: Any, b: Any, y: Tensor, g: Tensor) -> Tensor:
    # d(a**b)/db = a**b * log(a); PyTorch's convention gives 0 where a == 0 and b >= 0.
    if isinstance(a, (int, float)):
        return g * y * math.log(a) if a > 0 else g * 0.0
    safe = nm.where(a == 0.0, nm.ones_like(a), a)
    return nm.where((a == 0.0) & (b >= 0.0), nm.zeros_like(y), g * y * nm.log(safe))


def _tie_split(first: bool, greater: bool) -> Any:
    """maximum/minimum: the gradient goes to the winning input; ties split it in half (PyTorch)."""

    def d(a: Any, b: Any, y: Tensor, g: Tensor) -> Tensor:
        x, other = (a, b) if first else (b, a)
        wins = (x > other) if greater else (x < other)
        return nm.where(wins, g, nm.where(x == other, g * 0.5, g * 0.0))

    return d


def _copysign_a(a: Any, b: Any, y: Tensor, g: Tensor) -> Tensor:
    flip = nm.where(nm.signbit(a) != nm.signbit(as_broadcast(b, a)), -1.0, 1.0)
    return nm.where(a == 0.0, g * 0.0, g * flip)


def as_broadcast(b: Any, a: Tensor) -> Tensor:
    return b if isinstance(b, Tensor) else nm.asarray(b, dtype=a.dtype, device=a.device)


RULES.update({
    "add": _binary(lambda a, b, y, g: g, lambda a, b, y, g: g),
    "subtract": _binary(lambda a, b, y, g: g, lambda a, b, y, g: -g),
    "multiply": _binary(lambda a, b, y, g: g * b, lambda a, b, y, g: g * a),
    "divide": _binary(lambda a, b, y, g: g / b, lambda a, b, y, g: -g * a / (b * b)),
    "pow": _binary(_pow_base, _pow_exponent),
    "atan2": _binary(lambda a, b, y, g: g * b / (a * a + b * b),
                     lambda a, b, y, g: -g * a / (a * a + b * b)),
    "hypot": _binary(lambda a, b, y, g: g * a / y, lambda a, b, y, g: g * b / y),
    "logaddexp": _binary(lambda a, b, y, g: g * nm.exp(a - y),
                         lambda a, b, y, g: g * nm.exp(b - y)),
    "maximum": _binary(_tie_split(True, True), _tie_split(False, True)),
    "minimum": _binary(_tie_split(True, False), _tie_split(False, False)),
    "copysign": _binary(_copysign_a, lambda a, b, y, g: g * 0.0),
    "remainder": _binary(lambda a, b, y, g: g, lambda a, b, y, g: -g * nm.floor(a / b)),
    "floor_divide": _binary(lambda a, b, y, g: g * 0.0, lambda a, b, y, g: g * 0.0),
})


def _clip(node: Any, g: Tensor) -> tuple[Any, Any, Any]:
    x, lo, hi = node.args
    lo, hi = as_tensor(lo, g), as_tensor(hi, g)
    inside = nm.ones_like(x, dtype=nm.bool)
    if lo is not None:
        inside = inside & (x >= lo)
    if hi is not None:
        inside = inside & (x <= hi)
    gx = nm.where(inside, g, g * 0.0) if need(node, 0) else None
    glo = ghi = None
    if need(node, 1):
        below = x < lo
        if hi is not None:  # PyTorch: where min > max the result is max and min gets nothing
            below = below & (lo <= hi)
        glo = unbroadcast(nm.where(below, g, g * 0.0), lo.shape)
    if need(node, 2):
        above = x > hi if lo is None else (x > hi) | (lo > hi)
        ghi = unbroadcast(nm.where(above, g, g * 0.0), hi.shape)
    return gx, glo, ghi


def _where(node: Any, g: Tensor) -> tuple[None, Any, Any]:
    cond, a, b = node.args
    a, b = as_tensor(a, g), as_tensor(b, g)
    # Exact zeros for the branch not taken (PyTorch's), not g * 0: NaN where g is infinite.
    zero = nm.zeros_like(g)
    ga = unbroadcast(nm.where(cond, g, zero), a.shape) if need(node, 1) else None
    gb = unbroadcast(nm.where(cond, zero, g), b.shape) if need(node, 2) else None
    return None, ga, gb


def _astype(node: Any, g: Tensor) -> tuple[Any]:
    x = node.args[0]
    return (nm.astype(g, x.dtype) if x.dtype.kind in "fc" else None,)


RULES.update({"clip": _clip, "where": _where, "astype": _astype})
