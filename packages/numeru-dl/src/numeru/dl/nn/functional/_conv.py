"""Functional convolutions (``conv1d``, ``conv2d``, ``conv_transpose2d``) and ``pad``, with
PyTorch's signatures and argument checks.

Every convolution runs on the 2-D ops of ``numeru.dl.ops.conv`` (a 1-D one over a height of
1). Arguments are checked here, before the ops, so a wrong stride, a kernel larger than the
padded input or a bias of the wrong length names the argument instead of failing inside
im2col.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor

from ...ops import conv as _conv
from ._common import check_ndim, tensor

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def ints(value: Any, n: int, name: str, low: int) -> tuple[int, ...]:
    """``value`` (an int, or a tuple or list of ``n`` ints) as ``n`` ints of at least ``low``."""
    items = (value,) * n if isinstance(value, (int, np.integer)) else value
    if not (isinstance(items, (tuple, list)) and len(items) == n and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items)):
        raise expected(name, f"an int or a tuple of {n} ints", value)
    out = tuple(int(v) for v in items)
    if min(out) < low:
        raise expected(name, "positive ints" if low else "non-negative ints", value)
    return out


def positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise expected(name, "a positive int", value)
    return int(value)


def string_padding(padding: str, kernel: tuple[int, ...], stride: tuple[int, ...],
                   dilation: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``padding="same"`` or ``"valid"`` as (symmetric padding, leading outputs to drop).

    "same" pads ``d (k - 1)`` in total, the odd one on the right/bottom as PyTorch does: the
    convolution pads ``ceil`` of half on both sides and the first output row/column, which
    belongs to the extra left padding, is cropped.
    """
    if padding == "valid":
        return (0,) * len(kernel), (0,) * len(kernel)
    if padding != "same":
        raise expected("padding", "an int, a tuple of ints, 'same' or 'valid'", padding)
    if any(s != 1 for s in stride):
        raise expected("padding", "an int or a tuple with stride > 1 ('same' needs stride 1)",
                       padding)
    totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    return tuple((t + 1) // 2 for t in totals), tuple(t % 2 for t in totals)


def same_padding_sides(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    """(left, right) padding of each axis for "same": the odd one on the right (PyTorch)."""
    return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
            for k, d in zip(kernel, dilation, strict=True)]


def _add_channel_bias(y: Tensor, bias: Tensor | None) -> Tensor:
    if bias is None:
        return y
    return y + nm.reshape(bias, (1, -1) + (1,) * (y.ndim - 2))


def _check_weight_and_bias(x: Tensor, weight: Tensor, bias: Any, groups: int, n: int,
                           transposed: bool) -> None:
    """PyTorch's checks: weight rank, groups dividing the weight's first axis, the input's
    channels, and a bias of one value per output channel."""
    if weight.ndim != n + 2:
        layout = "in_channels, out_channels / groups" if transposed else (
            "out_channels, in_channels / groups")
        raise expected("weight", f"a {n + 2}-D tensor ({layout}, kernel...)", weight.shape,
                       error=ShapeError)
    if weight.shape[0] % groups:
        raise expected("groups", f"a divisor of the weight's first dimension {weight.shape[0]}",
                       groups)
    channels = weight.shape[0] if transposed else weight.shape[1] * groups
    if x.shape[1] != channels:
        raise expected("input", f"{channels} channels on axis 1 for weight of shape "
                       f"{weight.shape} and groups={groups}", x.shape, error=ShapeError)
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and tuple(tensor(bias, "bias").shape) != (out_channels,):
        raise expected("bias", f"shape ({out_channels},)", tuple(tensor(bias, "bias").shape),
                       error=ShapeError)


def _convolution(input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
                 groups: Any, n: int) -> Tensor:
    """An ``n``-D convolution (n = 1 or 2) of a batched or unbatched input."""
    x, w = tensor(input), tensor(weight, "weight")
    layout = "(N, C, L) or (C, L)" if n == 1 else "(N, C, H, W) or (C, H, W)"
    check_ndim(x, (n + 1, n + 2), "input", layout)
    g = positive_int(groups, "groups")
    s, d = ints(stride, n, "stride", 1), ints(dilation, n, "dilation", 1)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = nm.expand_dims(x, axis=0)
    _check_weight_and_bias(x, w, bias, g, n, transposed=False)
    kernel = tuple(w.shape[2:])
    if isinstance(padding, str):
        p, crop = string_padding(padding, kernel, s, d)
    else:
        p, crop = ints(padding, n, "padding", 0), (0,) * n
    padded = tuple(size + 2 * pad for size, pad in zip(x.shape[2:], p, strict=True))
    span = tuple(dil * (k - 1) + 1 for dil, k in zip(d, kernel, strict=True))
    if any(a < b for a, b in zip(padded, span, strict=True)):
        raise expected("input", f"a padded spatial size {padded} of at least the dilated "
                       f"kernel size {span}", x.shape, error=ShapeError)
    if n == 1:
        x, w = nm.expand_dims(x, axis=2), nm.expand_dims(w, axis=2)
        s, p, d, crop = (1,) + s, (0,) + p, (1,) + d, (0,) + crop
    y = _conv.conv2d(x, w, (s[0], s[1]), (p[0], p[1]), (d[0], d[1]), g)
    if any(crop):
        y = y[:, :, crop[0]:, crop[1]:]
    if n == 1:
        y = nm.squeeze(y, axis=2)
    y = _add_channel_bias(y, None if bias is None else tensor(bias, "bias"))
    return y[0] if unbatched else y


def conv1d(input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """A 1-D convolution as a 2-D one over a height of 1 (``padding`` may be 'same'/'valid')."""
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2)


def transposed_output_padding(input_size: tuple[int, ...], output_size: Any,
                              kernel: tuple[int, ...], stride: tuple[int, ...],
                              padding: tuple[int, ...], dilation: tuple[int, ...],
                              ) -> tuple[int, ...]:
    """The output padding giving ``output_size`` (its last len(kernel) entries), PyTorch's
    ``_output_padding``: each size must lie in [smallest, smallest + stride - 1]."""
    n = len(kernel)
    sizes = tuple(output_size)
    if len(sizes) not in (n, n + 1, n + 2) or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in sizes):
        raise expected("output_size", f"{n} ints (or {n + 2} with batch and channels)",
                       output_size)
    sizes = tuple(int(v) for v in sizes[len(sizes) - n:])
    low = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 for i, s, p, d, k in zip(
        input_size, stride, padding, dilation, kernel, strict=True))
    high = tuple(lo + s - 1 for lo, s in zip(low, stride, strict=True))
    if any(not lo <= v <= hi for v, lo, hi in zip(sizes, low, high, strict=True)):
        raise expected("output_size", f"sizes between {low} and {high} for an input of "
                       f"spatial size {tuple(input_size)}", tuple(sizes), error=ShapeError)
    return tuple(v - lo for v, lo in zip(sizes, low, strict=True))


def conv_transpose2d(input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The adjoint of ``conv2d``; weight shape (C_in, C_out/groups, kh, kw) as in PyTorch."""
    x, w = tensor(input), tensor(weight, "weight")
    check_ndim(x, (3, 4), "input", "(N, C, H, W) or (C, H, W)")
    g = positive_int(groups, "groups")
    s, d = ints(stride, 2, "stride", 1), ints(dilation, 2, "dilation", 1)
    p, op = ints(padding, 2, "padding", 0), ints(output_padding, 2, "output_padding", 0)
    unbatched = x.ndim == 3
    if unbatched:
        x = nm.expand_dims(x, axis=0)
    _check_weight_and_bias(x, w, bias, g, 2, transposed=True)
    if op[0] >= max(s[0], d[0]) or op[1] >= max(s[1], d[1]):
        raise expected("output_padding", f"smaller than stride {s} or dilation {d}",
                       output_padding)
    kh, kw = w.shape[2], w.shape[3]
    h = (x.shape[2] - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    wd = (x.shape[3] - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    if h < 1 or wd < 1:
        raise expected("input", f"a spatial size giving a positive output size (got "
                       f"{(h, wd)} with padding {p})", x.shape, error=ShapeError)
    shape = (x.shape[0], w.shape[1] * g, h, wd)
    y = _conv.conv2d_input_grad(x, w, shape, (s[0], s[1]), (p[0], p[1]), (d[0], d[1]), g)
    y = _add_channel_bias(y, None if bias is None else tensor(bias, "bias"))
    return y[0] if unbatched else y


def _pad_index(n: int, left: int, right: int, mode: str, axis: int) -> np.ndarray:
    """Source positions of an axis of length ``n`` padded (left, right) in ``mode``."""
    if mode == "reflect" and (left >= n or right >= n):
        raise expected("pad", f"reflect padding smaller than the size {n} of axis {axis}",
                       (left, right), error=ShapeError)
    if mode == "circular" and (left > n or right > n or left < 0 or right < 0):
        raise expected("pad", f"circular padding in [0, {n}] (the size of axis {axis})",
                       (left, right), error=ShapeError)
    if n == 0:
        raise expected("input", f"a non-empty axis {axis} for {mode} padding", n,
                       error=ShapeError)
    idx = np.arange(-left, n + right)
    if mode == "reflect":
        return (n - 1) - np.abs((n - 1) - np.abs(idx))
    if mode == "replicate":
        return np.clip(idx, 0, n - 1)
    return idx % n


def _constant_pad_axis(x: Tensor, axis: int, left: int, right: int, value: float) -> Tensor:
    n = x.shape[axis]
    if left < 0 or right < 0:
        start, stop = max(-left, 0), n - max(-right, 0)
        if stop < start:
            raise expected("pad", f"a crop of at most the size {n} of axis {axis}",
                           (left, right), error=ShapeError)
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, stop)
        x = x[tuple(index)]
    parts = []
    for width in (max(left, 0), max(right, 0)):
        shape = list(x.shape)
        shape[axis] = width
        parts.append(nm.full(tuple(shape), value, dtype=x.dtype, device=x.device)
                     if width else None)
    pieces = [t for t in (parts[0], x, parts[1]) if t is not None]
    return nm.concat(pieces, axis=axis) if len(pieces) > 1 else x


def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: ``pad`` lists (left, right) pairs from the last axis backwards.

    ``constant`` pads any axes with ``value`` (a negative width crops); ``reflect``,
    ``replicate`` and ``circular`` pad the last 1, 2 or 3 axes of a tensor with one or two
    more (PyTorch's combinations), and are differentiable gathers."""
    x = tensor(input)
    if not (isinstance(pad, (tuple, list)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pad)):
        raise expected("pad", "a tuple of ints", pad)
    if len(pad) % 2:
        raise expected("pad", "an even number of ints (a (left, right) pair per axis)", pad)
    k = len(pad) // 2
    if k > x.ndim:
        raise expected("pad", f"at most {x.ndim} pairs for a {x.ndim}-D input", pad,
                       error=ShapeError)
    if mode not in PAD_MODES:
        raise expected("mode", "'constant', 'reflect', 'replicate' or 'circular'", mode)
    if mode != "constant":
        if value is not None and value != 0:
            raise expected("value", f"None with mode {mode!r}", value)
        if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
            raise expected("input", f"a {k + 1}-D or {k + 2}-D tensor for {mode} padding of "
                           f"{k} axes", x.shape, error=ShapeError)
    for i in range(k):
        axis = x.ndim - 1 - i
        left, right = int(pad[2 * i]), int(pad[2 * i + 1])
        if mode == "constant":
            x = _constant_pad_axis(x, axis, left, right, 0.0 if value is None else value)
        elif left or right:
            idx = _pad_index(x.shape[axis], left, right, mode, axis)
            x = nm.take(x, nm.asarray(idx, device=x.device), axis=axis)
    return x
