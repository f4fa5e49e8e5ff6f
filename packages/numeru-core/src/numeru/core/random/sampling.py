"""Integers, permutations and choices, drawn from a ``Generator``'s words with ``xp`` only.

Everything here is built from the raw word op (Numba on the CPU) and Array API functions, so a
seed gives the same integers, permutations and samples on every backend.

- ``integers``: Lemire's multiply-shift (Lemire 2019, "Fast random integer generation in an
  interval") for ranges up to 2**32: one 32-bit word ``w`` per value, ``m = w * range``, value
  ``m >> 32``, rejected when ``m mod 2**32 < (2**32 - range) mod range``, which makes it exactly
  unbiased. Larger ranges: 64-bit words masked to the next power of two, rejected when
  ``>= range``. Rejected positions are redrawn, in index order, from fresh words after the
  first batch, until none is left: the result depends only on the seed and the sizes.
- ``permutation``: stable argsort of one random 64-bit key per element (ties, with probability
  about n**2 / 2**65, keep index order, so the result is still deterministic).
- ``choice`` without replacement and without ``p``: for ``size <= n / 8`` uniform draws with
  repeats dropped (O(size)), else the first ``size`` items of a permutation.
- ``choice`` with ``p``: inverse CDF (``searchsorted(cumsum(p), u, side="right")``, NumPy's
  method); without replacement and with ``p``: the ``size`` smallest exponential keys
  ``-log(u) / p`` (Efraimidis and Spirakis), which is sequential sampling proportional to the
  remaining ``p``, NumPy's distribution.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import ml_dtypes
import numpy as np

from ..dtypes import REAL_FLOATING
from ..errors import DTypeError, ShapeError, ValidationError, expected
from ..tensor import Tensor
from . import ops, transforms

if TYPE_CHECKING:
    from .generator import Generator

_INTS = {np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64,
                                np.uint8, np.uint16, np.uint32, np.uint64)}


# -- integers -----------------------------------------------------------------------------------

def _int_bound(value: Any, name: str) -> Any:
    if isinstance(value, (bool, np.bool_)):
        raise expected(name, "an int or an array of ints", value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    host = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if host.dtype.kind not in "iu":
        raise expected(name, "an int or an array of ints", value)
    return host


def integers(gen: Generator, low: Any, high: Any, size: Any, dtype: Any,
             endpoint: bool, device: Any = None) -> Tensor:
    """``Generator.integers``; ``device``: where to draw (default: the generator's)."""
    from .generator import _count, as_shape

    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _INTS:
        raise expected("dtype", "an integer dtype (int8..int64, uint8..uint64)", dtype,
                       error=DTypeError)
    if high is None:
        low, high = 0, low
    low_v, high_v = _int_bound(low, "low"), _int_bound(high, "high")
    info = np.iinfo(dt)
    device = gen.device if device is None else device
    xp = device.backend.xp
    if isinstance(low_v, int) and isinstance(high_v, int):
        last = high_v if endpoint else high_v - 1  # the largest value that may be drawn
        if low_v < info.min:
            raise expected("low", f"a value >= {info.min} (the minimum of {dt})", low_v)
        if last > info.max:
            raise expected("high", f"a value within {dt} (largest draw <= {info.max})", high_v)
        if last < low_v:
            raise expected("high", f"a value {'>=' if endpoint else '>'} low={low_v}", high_v)
        shape = as_shape(size)
        n = _count(shape)
        span = last - low_v + 1  # in [1, 2**64]
        values = _bounded(gen, n, span, device, low_v % 2**64)
    else:
        # Bounds are checked as given (int64, uint64 or a narrower int dtype; NumPy compares
        # signed with unsigned exactly) and only then cast: a cast first would wrap -1 to
        # 2**64 - 1 for uint64, or 2**63 to -2**63 for int64, and pass the checks.
        low_h, high_h = np.asarray(low_v), np.asarray(high_v)
        try:
            shape = tuple(np.broadcast_shapes(low_h.shape, high_h.shape)) if size is None \
                else as_shape(size)
            low_h, high_h = np.broadcast_to(low_h, shape), np.broadcast_to(high_h, shape)
        except ValueError:
            raise ShapeError(f"integers: low {low_h.shape}, high {high_h.shape} and size "
                             f"{size} cannot be broadcast together") from None
        if low_h.size and (int(low_h.min()) < info.min or int(low_h.max()) > info.max):
            raise expected("low", f"values in [{info.min}, {info.max}] (the range of {dt})",
                           low)
        top = info.max if endpoint else info.max + 1  # the largest high allowed
        bad = (high_h < low_h) if endpoint else (high_h <= low_h)
        if high_h.size and (bad.any() or int(high_h.max()) > top):
            raise expected("high", f"values {'>=' if endpoint else '>'} low within {dt}", high)
        # low and the largest value as uint64 two's complement: range - 1 is their difference
        # mod 2**64, exact even for the full 64-bit range
        low_u = low_h.astype(np.uint64)
        last_u = (high_h if endpoint else high_h - 1).astype(np.uint64)  # no wrap: checked
        spans_m1 = (last_u - low_u).reshape(-1)
        n = spans_m1.size
        values = _bounded_array(gen, spans_m1, device, low_u.reshape(-1))
    # values are low + offset mod 2**64; the casts reinterpret them as two's complement
    native = device.backend.native_dtype(dt)
    if dt != np.uint64:
        # The wrapping cast uint64 -> int64 keeps the bits: on the CPU it is a view of them
        # (an int64 result then needs no copy: 13 ms of the 1e7 draw); elsewhere the cast.
        values = (values.view(np.int64) if values.__class__ is np.ndarray
                  else xp.astype(values, xp.int64))
    return Tensor(xp.reshape(xp.astype(values, native, copy=False), shape), device)


def _bounded(gen: Generator, n: int, span: int, device: Any, offset: int) -> Any:
    """``n`` values ``offset + v`` (mod 2**64), ``v`` unbiased in ``[0, span)``, span <= 2**64."""
    xp = device.backend.xp
    if span == 1:
        return xp.full(n, offset, dtype=xp.uint64)
    if span <= 2**32:
        threshold = (2**32 - span) % span
        params = {"span": span, "threshold": threshold, "offset": offset}
        first = gen._draw(ops.RANDOM_LEMIRE, n, 4, device, n=n, **params)
        return _rejection(gen, n, device, 1, lambda w: ops.lemire(w, span, threshold, offset),
                          first)
    mask = (1 << (span - 1).bit_length()) - 1
    return _rejection(gen, n, device, 2, lambda w: ((w & mask) + offset, (w & mask) < span))


def _bounded_array(gen: Generator, spans_m1: np.ndarray, device: Any, low: np.ndarray) -> Any:
    """Values ``low[i] + v`` (mod 2**64), ``v`` unbiased in ``[0, spans_m1[i]]`` (host arrays)."""
    xp = device.backend.xp
    n = spans_m1.size
    offset = xp.asarray(low)
    if n and int(spans_m1.max()) < 2**32:
        span_h = spans_m1 + np.uint64(1)
        threshold_h = (np.uint64(2**32) - span_h) % span_h
        span, threshold = (xp.asarray(a) for a in (span_h, threshold_h))
        return _rejection(gen, n, device, 1, lambda w: ops.lemire(w, span, threshold, offset))
    mask_h = spans_m1.copy()
    for shift in (1, 2, 4, 8, 16, 32):  # smear the top bit down: next power of two minus 1
        mask_h |= mask_h >> np.uint64(shift)
    mask, limit = xp.asarray(mask_h), xp.asarray(spans_m1)
    return _rejection(gen, n, device, 2, lambda w: ((w & mask) + offset, (w & mask) <= limit))


def _rejection(gen: Generator, n: int, device: Any, words_per_value: int, accept: Any,
               first: tuple[Any, Any] | None = None) -> Any:
    """Values from ``accept(words) -> (values, ok)``; rejected ones redrawn in index order.

    ``first``: the first round already computed (by the ``random_lemire`` op).
    """
    xp = device.backend.xp

    def draw(count: int) -> Any:
        w = gen._words(count * words_per_value, device)
        return w if words_per_value == 1 else w[0::2] | (w[1::2] << 32)

    values, ok = accept(draw(n)) if first is None else first
    if not n or bool(xp.all(ok)):  # the common case: one pass over ``ok``, not three
        return values
    rejected = xp.logical_not(ok)
    while bool(xp.any(rejected)):
        count = int(xp.sum(xp.astype(rejected, xp.int64)))
        fresh = draw(count)
        rank = xp.clip(xp.cumulative_sum(xp.astype(rejected, xp.int64)) - 1, 0, count - 1)
        new_values, new_ok = accept(xp.take(fresh, rank))
        values = xp.where(rejected, new_values, values)
        rejected = xp.logical_and(rejected, xp.logical_not(new_ok))
    return values


# -- permutations ------------------------------------------------------------------------------

def _order(gen: Generator, n: int, device: Any) -> Any:
    """A random permutation of ``range(n)`` as an int64 backend array."""
    xp = device.backend.xp
    w = gen._words(2 * n, device)
    keys = w[0::2] | (w[1::2] << 32)
    return xp.astype(xp.argsort(keys, stable=True), xp.int64)


def _axis(axis: Any, ndim: int) -> int:
    try:
        axis = operator.index(axis)
    except TypeError:
        raise expected("axis", "an int", axis) from None
    if not -ndim <= axis < ndim:
        raise expected("axis", f"an axis in [{-ndim}, {ndim})", axis)
    return axis % ndim


def _as_tensor(x: Any, device: Any) -> Tensor:
    from ..creation import asarray

    return x if isinstance(x, Tensor) else asarray(x, device=device)


def permutation(gen: Generator, x: Any, axis: int) -> Tensor:
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        if x < 0:
            raise expected("x", "a non-negative int or an array", x)
        device = gen.device
        return Tensor(_order(gen, int(x), device), device)
    t = _as_tensor(x, gen.device)
    if t.ndim == 0:
        raise expected("x", "an int or an array with at least one dimension", x, error=ShapeError)
    axis = _axis(axis, t.ndim)
    xp = t.device.backend.xp
    return Tensor(xp.take(t.data, _order(gen, t.shape[axis], t.device), axis=axis), t.device)


def shuffle(gen: Generator, x: Any, axis: int) -> None:
    if isinstance(x, list):
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) or axis != 0:
            raise expected("axis", "0 for a list (other axes need an array)", axis)
        order = _order(gen, len(x), gen.device)
        items = list(x)
        x[:] = [items[i] for i in np.asarray(Tensor(order, gen.device).numpy()).tolist()]
        return
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            raise expected("x", "an array with at least one dimension", x, error=ShapeError)
        axis = _axis(axis, x.ndim)
        from ..devices import device as _device

        order = _order(gen, x.shape[axis], _device("cpu"))
        x[...] = np.take(x, order, axis=axis)
        return
    if not isinstance(x, Tensor):
        raise expected("x", "a Tensor, a NumPy array or a list (shuffled in place)",
                       type(x).__name__, error=DTypeError)
    if x.ndim == 0:
        raise expected("x", "a tensor with at least one dimension", x, error=ShapeError)
    axis = _axis(axis, x.ndim)
    backend = x.device.backend
    taken = backend.xp.take(x.data, _order(gen, x.shape[axis], x.device), axis=axis)
    backend.copy_into(x.data, taken)


# -- choice -------------------------------------------------------------------------------------

def _probabilities(p: Any, n: int, device: Any) -> Any:
    given = np.asarray(p.numpy() if isinstance(p, Tensor) else p)
    if given.dtype.kind not in "biuf" and given.dtype not in REAL_FLOATING:
        raise expected("p", "an array of real probabilities", p)
    host = given.astype(np.float64)
    # NumPy's tolerance on the sum: sqrt(eps) of float64, or of p's own floating dtype when it
    # is coarser (a float32 softmax sums to 1 only within float32's rounding)
    tolerance = np.sqrt(np.finfo(np.float64).eps)
    if given.dtype in REAL_FLOATING:
        tolerance = max(tolerance, float(np.sqrt(ml_dtypes.finfo(given.dtype).eps)))
    if host.ndim != 1 or host.shape[0] != n:
        raise expected("p", f"a 1-d array of {n} probabilities (one per item of a)",
                       f"shape {host.shape}", error=ShapeError)
    if not np.isfinite(host).all() or (host < 0).any():
        raise expected("p", "finite non-negative probabilities", p)
    total = float(host.sum())
    if abs(total - 1.0) > tolerance:
        raise expected("p", "probabilities that sum to 1", f"a sum of {total!r}")
    return host


def choice(gen: Generator, a: Any, size: Any, replace: bool, p: Any, axis: int,
           shuffle: bool) -> Tensor:
    from ..creation import asarray
    from .generator import _count, as_shape

    device = gen.device
    xp = device.backend.xp
    if isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)):
        if a < 0:
            raise expected("a", "a non-negative int or an array", a)
        population, n = None, int(a)
    else:
        population = _as_tensor(a, device)
        device = population.device  # a Tensor's samples stay on its device
        xp = device.backend.xp
        if population.ndim == 0:
            raise expected("a", "an int or an array with at least one dimension", a,
                           error=ShapeError)
        axis = _axis(axis, population.ndim)
        n = population.shape[axis]
    shape = as_shape(size)
    k = _count(shape)
    if k and n == 0:
        raise expected("a", "a non-empty population when size > 0", a)
    probs = None if p is None else _probabilities(p, n, device)
    if replace:
        if probs is None:
            index = integers(gen, 0, n, (k,), np.int64, False, device).data if k else \
                xp.zeros(0, dtype=xp.int64)
        else:
            cdf_h = np.cumsum(probs)
            cdf = asarray(cdf_h / cdf_h[-1], device=device).data
            u = gen._uniform_data(k, "float64", device)
            index = xp.clip(xp.astype(xp.searchsorted(cdf, u, side="right"), xp.int64), 0, n - 1)
    else:
        if k > n:
            raise expected("size", f"at most {n} samples without replacement", size)
        if probs is None:
            index = _distinct(gen, n, k, device) if 8 * k <= n else _order(gen, n, device)[:k]
        else:
            if k > int((probs > 0).sum()):
                raise ValidationError(f"size: expected at most {int((probs > 0).sum())} samples "
                                      f"(the non-zero entries of p) without replacement, got "
                                      f"{size}")
            index = _weighted_without_replacement(gen, probs, k, device)
    index = xp.reshape(index, shape)
    if population is None:
        return Tensor(index, device)
    taken = xp.take(population.data, xp.reshape(index, (-1,)), axis=axis)
    out_shape = population.shape[:axis] + shape + population.shape[axis + 1:]
    return Tensor(xp.reshape(taken, out_shape), population.device)


def _distinct(gen: Generator, n: int, k: int, device: Any) -> Any:
    """``k`` distinct indices from ``range(n)`` in random order, for ``k`` small next to ``n``.

    Uniform draws with repeats dropped (keeping first occurrences) are sequential sampling
    without replacement, at O(k) cost instead of a permutation of all ``n``. Repeats are
    removed on the host: the draws are the same on every backend, so is the result.
    """
    backend = device.backend
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < k:
        need = k - chosen.size
        drawn = backend.to_numpy(
            integers(gen, 0, n, need + need // 4 + 1, np.int64, False, device).data)
        candidates = np.concatenate([chosen, drawn.astype(np.int64)])
        _, first = np.unique(candidates, return_index=True)
        chosen = candidates[np.sort(first)]
    return backend.from_numpy(np.ascontiguousarray(chosen[:k]), device.index)


def _weighted_without_replacement(gen: Generator, probs: np.ndarray, k: int, device: Any) -> Any:
    """The ``k`` items with the smallest exponential keys ``E_i / p_i``."""
    from ..creation import asarray

    xp = device.backend.xp
    w = gen._words(2 * probs.shape[0], device)
    exponential = -transforms.log_scaled(xp, ((w[0::2] | (w[1::2] << 32)) >> 11) + 1, 53)
    p = asarray(probs, device=device).data
    positive = p > 0
    keys = xp.where(positive, exponential / xp.where(positive, p, 1.0), float("inf"))
    return xp.astype(xp.argsort(keys, stable=True)[:k], xp.int64)
