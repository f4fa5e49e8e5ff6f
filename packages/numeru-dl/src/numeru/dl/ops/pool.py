"""2-D max and average pooling and their adjoints, by looping over the window offsets.

A window of kh*kw offsets costs kh*kw strided slice operations over the whole batch, which is
fast for the small windows pooling uses. Max pooling sends the gradient to the first maximum
of each window among its input positions (PyTorch's choice). ``ceil_mode`` pads the bottom and
right further, to the end of the last window (-inf for max, zeros outside the average's
divisor).
"""

from __future__ import annotations

from typing import Any

from numeru.core import dispatch
from numeru.core.tensor import Tensor

from .conv import _window

Pair = tuple[int, int]


def pool_out_size(size: int, k: int, stride: int, pad: int, dilation: int,
                  ceil_mode: bool) -> int:
    """PyTorch's pooled length: with ``ceil_mode`` the last, partial window is kept unless it
    would start in the right padding."""
    span = size + 2 * pad - dilation * (k - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    n = -(-span // stride) + 1
    return n - 1 if (n - 1) * stride >= size + pad else n


def _layout(shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
            ceil_mode: bool) -> tuple[int, int, Pair, Pair]:
    """(Ho, Wo, (top, bottom), (left, right)): the padding, plus what ``ceil_mode``'s last
    window reaches past it on the bottom/right."""
    outs, pads = [], []
    for axis in (0, 1):
        size, k, s, p, d = (shape[2 + axis], kernel[axis], stride[axis], padding[axis],
                            dilation[axis])
        n = pool_out_size(size, k, s, p, d, ceil_mode)
        outs.append(n)
        pads.append((p, max(p, (n - 1) * s + d * (k - 1) + 1 - size - p)))
    return outs[0], outs[1], pads[0], pads[1]


def _padded(xp: Any, x: Any, ph: Pair, pw: Pair, fill: float) -> Any:
    if not any(ph + pw):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + ph[0] + ph[1], w + pw[0] + pw[1]), fill, dtype=x.dtype)
    out[:, :, ph[0]:ph[0] + h, pw[0]:pw[0] + w] = x
    return out


def _offsets(src: Any, kernel: Pair, stride: Pair, dilation: Pair, ho: int, wo: int) -> Any:
    """(offset number i*kw + j, strided view of the inputs at that window offset)."""
    for i in range(kernel[0]):
        rows = _window(i, dilation[0], stride[0], ho)
        for j in range(kernel[1]):
            yield i * kernel[1] + j, src[:, :, rows, _window(j, dilation[1], stride[1], wo)]


def _max_pool2d(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                ceil_mode: bool = False) -> Any:
    # One maximum per window offset over strided views: far faster than a reduction over a
    # reshaped (N, C, Ho, Wo, kh*kw) copy. NaN propagates, as in PyTorch.
    ho, wo, ph, pw = _layout(x.shape, kernel, stride, padding, dilation, ceil_mode)
    best = None
    for _, cand in _offsets(_padded(xp, x, ph, pw, float("-inf")), kernel, stride, dilation,
                            ho, wo):
        best = xp.asarray(cand, copy=True) if best is None else xp.maximum(best, cand)
    return best


def _first_max_masks(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair,
                     dilation: Pair, ceil_mode: bool) -> Any:
    """Per window offset: (offset slices in the padded input, mask of the windows whose first
    maximum sits at that offset). NaN counts as the maximum, and only input positions count,
    as in PyTorch: a window of -inf sends its gradient to its first input, not to padding."""
    ho, wo, ph, pw = _layout(x.shape, kernel, stride, padding, dilation, ceil_mode)
    src = _padded(xp, x, ph, pw, float("-inf"))
    inside = None
    if any(ph + pw):
        inside = _padded(xp, xp.ones((1, 1) + tuple(x.shape[2:]), dtype=bool), ph, pw, False)
    best = _max_pool2d(xp, x, kernel, stride, padding, dilation, ceil_mode)
    best_nan = xp.isnan(best)
    taken = None
    # Offsets in order: ``taken`` marks windows already served by an earlier offset.
    for k, cand in _offsets(src, kernel, stride, dilation, ho, wo):
        i, j = divmod(k, kernel[1])
        where = (slice(None), slice(None), _window(i, dilation[0], stride[0], ho),
                 _window(j, dilation[1], stride[1], wo))
        hit = (cand == best) | (xp.isnan(cand) & best_nan)
        if inside is not None:
            hit &= inside[where]
        if taken is None:
            taken = hit
        else:
            hit &= ~taken
            taken |= hit
        yield where, hit


def _max_pool2d_backward(xp: Any, x: Any, g: Any, kernel: Pair, stride: Pair, padding: Pair,
                         dilation: Pair, ceil_mode: bool = False) -> Any:
    """``g`` sent to each window's first maximum (products with boolean masks: several times
    faster than ``where`` in NumPy)."""
    n, c, h, w = x.shape
    _, _, ph, pw = _layout(x.shape, kernel, stride, padding, dilation, ceil_mode)
    out = xp.zeros((n, c, h + ph[0] + ph[1], w + pw[0] + pw[1]), dtype=g.dtype)
    for where, hit in _first_max_masks(xp, x, kernel, stride, padding, dilation, ceil_mode):
        out[where] += g * hit
    return out[:, :, ph[0]:ph[0] + h, pw[0]:pw[0] + w]


def _max_pool2d_select(xp: Any, x: Any, h: Any, kernel: Pair, stride: Pair, padding: Pair,
                       dilation: Pair, ceil_mode: bool = False) -> Any:
    """The adjoint of ``_max_pool2d_backward``: ``h`` (input-shaped) read at each window's
    first maximum. It is max pooling's derivative applied to ``h``."""
    ho, wo, ph, pw = _layout(x.shape, kernel, stride, padding, dilation, ceil_mode)
    src = _padded(xp, h, ph, pw, 0.0)
    out = xp.zeros((x.shape[0], x.shape[1], ho, wo), dtype=h.dtype)
    for where, hit in _first_max_masks(xp, x, kernel, stride, padding, dilation, ceil_mode):
        out += src[where] * hit
    return out


def _max_pool2d_indices(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair,
                        dilation: Pair, ceil_mode: bool = False) -> Any:
    """PyTorch's ``return_indices``: each window's first maximum as a flat index into its
    (H, W) input plane (int64)."""
    ho, wo, ph, pw = _layout(x.shape, kernel, stride, padding, dilation, ceil_mode)
    width = x.shape[3]
    rows = xp.reshape(xp.arange(ho, dtype=xp.int64) * stride[0] - ph[0], (ho, 1))
    cols = xp.reshape(xp.arange(wo, dtype=xp.int64) * stride[1] - pw[0], (1, wo))
    out = xp.zeros((x.shape[0], x.shape[1], ho, wo), dtype=xp.int64)
    for k, (_, hit) in enumerate(_first_max_masks(xp, x, kernel, stride, padding, dilation,
                                                  ceil_mode)):
        i, j = divmod(k, kernel[1])
        flat = (rows + i * dilation[0]) * width + cols + j * dilation[1]
        out += xp.astype(hit, xp.int64) * flat
    return out


def _avg_divisor(xp: Any, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
                 include_pad: bool, ceil_mode: bool, divisor_override: int | None,
                 dtype: Any) -> Any:
    """PyTorch's divisor: ``divisor_override``, else the window's positions in the input and
    its padding (``count_include_pad``) or in the input only; never the part of a
    ``ceil_mode`` window past the padding."""
    if divisor_override is not None:
        return float(divisor_override)
    ho, wo, ph, pw = _layout(shape, kernel, stride, padding, (1, 1), ceil_mode)
    overhang = ph[1] > padding[0] or pw[1] > padding[1]
    if include_pad and not overhang:
        return float(kernel[0] * kernel[1])
    h, w = shape[2], shape[3]
    if include_pad:  # the input and its padding, zeros for the overhang
        ones = xp.ones((1, 1, h + 2 * padding[0], w + 2 * padding[1]), dtype=dtype)
        ones = _padded(xp, ones, (0, ph[1] - padding[0]), (0, pw[1] - padding[1]), 0.0)
    else:
        ones = _padded(xp, xp.ones((1, 1, h, w), dtype=dtype), ph, pw, 0.0)
    total = xp.zeros((1, 1, ho, wo), dtype=dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += ones[:, :, _window(i, 1, stride[0], ho), _window(j, 1, stride[1], wo)]
    return total


def _avg_pool2d(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair,
                count_include_pad: bool, ceil_mode: bool = False,
                divisor_override: int | None = None) -> Any:
    ho, wo, ph, pw = _layout(x.shape, kernel, stride, padding, (1, 1), ceil_mode)
    src = _padded(xp, x, ph, pw, 0.0)
    total = xp.zeros((x.shape[0], x.shape[1], ho, wo), dtype=x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += src[:, :, _window(i, 1, stride[0], ho), _window(j, 1, stride[1], wo)]
    return total / _avg_divisor(xp, x.shape, kernel, stride, padding, count_include_pad,
                                ceil_mode, divisor_override, x.dtype)


def _avg_pool2d_backward(xp: Any, g: Any, input_shape: tuple[int, ...], kernel: Pair,
                         stride: Pair, padding: Pair, count_include_pad: bool,
                         ceil_mode: bool = False, divisor_override: int | None = None) -> Any:
    n, c, h, w = input_shape
    ho, wo, ph, pw = _layout(input_shape, kernel, stride, padding, (1, 1), ceil_mode)
    share = g / _avg_divisor(xp, input_shape, kernel, stride, padding, count_include_pad,
                             ceil_mode, divisor_override, g.dtype)
    out = xp.zeros((n, c, h + ph[0] + ph[1], w + pw[0] + pw[1]), dtype=g.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            out[:, :, _window(i, 1, stride[0], ho), _window(j, 1, stride[1], wo)] += share
    return out[:, :, ph[0]:ph[0] + h, pw[0]:pw[0] + w]


MAX_POOL2D = dispatch.op("max_pool2d", _max_pool2d)
MAX_POOL2D_BACKWARD = dispatch.op("max_pool2d_backward", _max_pool2d_backward)
MAX_POOL2D_SELECT = dispatch.op("max_pool2d_select", _max_pool2d_select)
MAX_POOL2D_INDICES = dispatch.op("max_pool2d_indices", _max_pool2d_indices)
AVG_POOL2D = dispatch.op("avg_pool2d", _avg_pool2d)
AVG_POOL2D_BACKWARD = dispatch.op("avg_pool2d_backward", _avg_pool2d_backward)


def max_pool2d(x: Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
               ceil_mode: bool = False) -> Tensor:
    return dispatch.apply(MAX_POOL2D, (x,), {"kernel": kernel, "stride": stride,
                                             "padding": padding, "dilation": dilation,
                                             "ceil_mode": bool(ceil_mode)})


def max_pool2d_backward(x: Tensor, g: Tensor, **params: Any) -> Tensor:
    return dispatch.apply(MAX_POOL2D_BACKWARD, (x, g), params)


def max_pool2d_select(x: Tensor, h: Tensor, **params: Any) -> Tensor:
    return dispatch.apply(MAX_POOL2D_SELECT, (x, h), params)


def max_pool2d_indices(x: Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                       ceil_mode: bool = False) -> Tensor:
    """The flat (H*W) index of each window's first maximum; ``x`` outside any graph."""
    return dispatch.apply(MAX_POOL2D_INDICES, (x,), {"kernel": kernel, "stride": stride,
                                                     "padding": padding, "dilation": dilation,
                                                     "ceil_mode": bool(ceil_mode)})


def avg_pool2d(x: Tensor, kernel: Pair, stride: Pair, padding: Pair, count_include_pad: bool,
               ceil_mode: bool = False, divisor_override: int | None = None) -> Tensor:
    return dispatch.apply(AVG_POOL2D, (x,), {"kernel": kernel, "stride": stride,
                                             "padding": padding,
                                             "count_include_pad": count_include_pad,
                                             "ceil_mode": bool(ceil_mode),
                                             "divisor_override": divisor_override})


def avg_pool2d_backward(g: Tensor, input_shape: tuple[int, ...], **params: Any) -> Tensor:
    return dispatch.apply(AVG_POOL2D_BACKWARD, (g,), {"input_shape": tuple(input_shape),
                                                      **params})
