"""Elementwise functions of the Array API, each taking ``out=``.

Each is the backend namespace's function of the same name, reached through dispatch, so a
backend can register a faster kernel under that name.
"""

from __future__ import annotations

from typing import Any

from . import dispatch
from .dtypes import bfloat16 as _BF16
from .dtypes import result_type
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


def clip_arrays(xp: Any, x: Any, min: Any, max: Any, out: Any = None) -> Any:
    """The clip of backend arrays (``out=`` only for backends whose functions take it).

    With bfloat16 taking part, the operands are cast to ``result_type(x, min, max)`` first, as
    every binary op does: NumPy has no three-operand bfloat16 clip loop (with both bounds given
    ml_dtypes falls back to float32) and promotes bfloat16 with a Python scalar to float32,
    where numeru's table keeps bfloat16. A bfloat16 result is then ``minimum(maximum(x, min),
    max)``, which is what ``clip`` computes. Other dtypes are left to the backend, whose
    promotion already is the table's.
    """
    if min is None and max is None:  # the standard: the elements of x (NumPy refuses bool)
        if out is None:
            return xp.asarray(x, copy=True)
        out[...] = x
        return out
    if (x.dtype is not _BF16 and getattr(min, "dtype", None) is not _BF16
            and getattr(max, "dtype", None) is not _BF16):  # the common case, kept cheap
        return xp.clip(x, min, max) if out is None else xp.clip(x, min, max, out=out)
    parts = [x, *(b for b in (min, max) if b is not None)]
    target = result_type(*(p if isinstance(p, (bool, int, float, complex)) else p.dtype
                           for p in parts))

    def cast(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (bool, int, float, complex)) or value.dtype != target:
            return xp.asarray(value, dtype=target)
        return value

    x, min, max = cast(x), cast(min), cast(max)
    if target != _BF16:
        return xp.clip(x, min, max) if out is None else xp.clip(x, min, max, out=out)
    kw = {} if out is None else {"out": out}
    if min is not None:
        x = xp.maximum(x, min, **kw)
    if max is not None:
        x = xp.minimum(x, max, **kw)
    return x


def _clip_generic(xp: Any, x: Any, min: Any = None, max: Any = None) -> Any:
    return clip_arrays(xp, x, min, max)


_CLIP = dispatch.op("clip", _clip_generic)


def clip(x: Tensor, /, min: Any = None, max: Any = None, *,
         out: Tensor | None = None) -> Tensor:
    """Clamp to ``[min, max]``; either bound may be a scalar, a tensor or ``None``.

    The result dtype is ``result_type(x, min, max)`` (Python scalars weak), as for the binary
    ops ``maximum``/``minimum``, bfloat16 included; with both bounds ``None`` a copy of ``x``.
    """
    return dispatch.apply(_CLIP, (x, min, max), {}, out)


def _reciprocal_generic(xp: Any, x: Any) -> Any:
    return 1.0 / x


_RECIPROCAL = dispatch.op("reciprocal", _reciprocal_generic)


def reciprocal(x: Tensor, /, *, out: Tensor | None = None) -> Tensor:
    """``1 / x`` (Array API 2024.12) for floating tensors, optionally into ``out``."""
    return dispatch.unary(_RECIPROCAL, x, out)
