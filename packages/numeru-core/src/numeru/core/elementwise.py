"""Elementwise functions of the Array API, each taking ``out=``.

Each is the backend namespace's function of the same name, reached through dispatch, so a
backend can register a faster kernel under that name.
"""

from __future__ import annotations

from typing import Any

from . import dispatch
from .tensor import Tensor

UNARY = (
    "abs acos acosh asin asinh atan atanh bitwise_invert ceil conj cos cosh exp expm1 floor imag"
    " isfinite isinf isnan log log1p log2 log10 logical_not negative positive real sign signbit"
    " sin sinh sqrt square tan tanh trunc"
).split()
BINARY = (
    "add atan2 bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor"
    " copysign divide equal floor_divide greater greater_equal hypot less less_equal logaddexp"
    " logical_and logical_or logical_xor maximum minimum multiply nextafter not_equal pow"
    " remainder subtract"
).split()

__all__ = [*UNARY, *BINARY, "clip", "round", "reciprocal"]


def _make_unary(name: str) -> Any:
    o = dispatch.op(name)

    def fn(x: Tensor, /, *, out: Tensor | None = None) -> Tensor:
        return dispatch.unary(o, x, out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (Array API), optionally into ``out``."
    return fn


def _make_binary(name: str) -> Any:
    o = dispatch.op(name)

    def fn(x1: Any, x2: Any, /, *, out: Tensor | None = None) -> Tensor:
        return dispatch.binary(o, x1, x2, out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (Array API) with broadcasting, optionally into ``out``."
    return fn


for _name in UNARY:
    globals()[_name] = _make_unary(_name)
for _name in BINARY:
    globals()[_name] = _make_binary(_name)

_ROUND = dispatch.op("round")


def round(x: Tensor, /, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    """Round half to even, as NumPy and the Array API do."""
    return dispatch.unary(_ROUND, x, out, **({"decimals": decimals} if decimals else {}))


def _clip_generic(xp: Any, x: Any, min: Any = None, max: Any = None) -> Any:
    return xp.clip(x, min, max)


_CLIP = dispatch.op("clip", _clip_generic)


def clip(x: Tensor, /, min: Any = None, max: Any = None, *,
         out: Tensor | None = None) -> Tensor:
    """Clamp to ``[min, max]``; either bound may be a scalar, a tensor or ``None``."""
    return dispatch.apply(_CLIP, (x, min, max), {}, out)


def _reciprocal_generic(xp: Any, x: Any) -> Any:
    return 1.0 / x


_RECIPROCAL = dispatch.op("reciprocal", _reciprocal_generic)


def reciprocal(x: Tensor, /, *, out: Tensor | None = None) -> Tensor:
    """``1 / x`` (Array API 2024.12) for floating tensors, optionally into ``out``."""
    return dispatch.unary(_RECIPROCAL, x, out)
