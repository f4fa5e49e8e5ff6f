"""2-D max and average pooling and their adjoints, by looping over the window offsets.

A window of kh*kw offsets costs kh*kw strided slice operations over the whole batch, which is
fast for the small windows pooling uses. Max pooling sends the gradient to the first maximum
of each window (PyTorch's choice).
"""

from __future__ import annotations

from typing import Any

from numeru.core import dispatch
from numeru.core.tensor import Tensor

from .conv import _window, out_size


def _padded(xp: Any, x: Any, padding: tuple[int, int], fill: float) -> Any:
    ph, pw = padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + 2 * ph, w + 2 * pw), fill, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _geometry(x: Any, kernel: tuple[int, int], stride: tuple[int, int],
              padding: tuple[int, int], dilation: tuple[int, int]) -> tuple[int, int]:
    return (out_size(x.shape[2], kernel[0], stride[0], padding[0], dilation[0]),
            out_size(x.shape[3], kernel[1], stride[1], padding[1], dilation[1]))


def _offsets(src: Any, kernel: tuple[int, int], stride: tuple[int, int],
             dilation: tuple[int, int], ho: int, wo: int) -> Any:
    """(offset number i*kw + j, strided view of the inputs at that window offset)."""
    for i in range(kernel[0]):
        rows = _window(i, dilation[0], stride[0], ho)
        for j in range(kernel[1]):
            yield i * kernel[1] + j, src[:, :, rows, _window(j, dilation[1], stride[1], wo)]


def _max_pool2d(xp: Any, x: Any, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int], dilation: tuple[int, int]) -> Any:
    # One maximum per window offset over strided views: far faster than a reduction over a
    # reshaped (N, C, Ho, Wo, kh*kw) copy. NaN propagates, as in PyTorch.
    ho, wo = _geometry(x, kernel, stride, padding, dilation)
    best = None
    for _, cand in _offsets(_padded(xp, x, padding, float("-inf")), kernel, stride, dilation,
                            ho, wo):
        best = xp.asarray(cand, copy=True) if best is None else xp.maximum(best, cand)
    return best


def _first_max_masks(xp: Any, x: Any, kernel: tuple[int, int], stride: tuple[int, int],
                     padding: tuple[int, int], dilation: tuple[int, int], ho: int,
                     wo: int) -> Any:
    """Per window offset: (offset slices in the padded input, mask of the windows whose first
    maximum sits at that offset). NaN counts as the maximum, as in PyTorch."""
    src = _padded(xp, x, padding, float("-inf"))
    best = _max_pool2d(xp, x, kernel, stride, padding, dilation)
    best_nan = xp.isnan(best)
    taken = None
    # Offsets in order: ``taken`` marks windows already served by an earlier offset.
    for k, cand in _offsets(src, kernel, stride, dilation, ho, wo):
        hit = (cand == best) | (xp.isnan(cand) & best_nan)
        if taken is None:
            taken = hit
        else:
            hit &= ~taken
            taken |= hit
        i, j = divmod(k, kernel[1])
        yield (slice(None), slice(None), _window(i, dilation[0], stride[0], ho),
               _window(j, dilation[1], stride[1], wo)), hit


def _max_pool2d_backward(xp: Any, x: Any, g: Any, kernel: tuple[int, int],
                         stride: tuple[int, int], padding: tuple[int, int],
                         dilation: tuple[int, int]) -> Any:
    """``g`` sent to each window's first maximum (products with boolean masks: several times
    faster than ``where`` in NumPy)."""
    n, c, h, w = x.shape
    ph, pw = padding
    out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=g.dtype)
    for where, hit in _first_max_masks(xp, x, kernel, stride, padding, dilation, g.shape[2],
                                       g.shape[3]):
        out[where] += g * hit
    return out[:, :, ph:ph + h, pw:pw + w]


def _max_pool2d_select(xp: Any, x: Any, h: Any, kernel: tuple[int, int],
                       stride: tuple[int, int], padding: tuple[int, int],
                       dilation: tuple[int, int]) -> Any:
    """The adjoint of ``_max_pool2d_backward``: ``h`` (input-shaped) read at each window's
    first maximum. It is max pooling's derivative applied to ``h``."""
    ho, wo = _geometry(x, kernel, stride, padding, dilation)
    src = _padded(xp, h, padding, 0.0)
    out = xp.zeros((x.shape[0], x.shape[1], ho, wo), dtype=h.dtype)
    for where, hit in _first_max_masks(xp, x, kernel, stride, padding, dilation, ho, wo):
        out += src[where] * hit
    return out


def _avg_divisor(xp: Any, shape: tuple[int, ...], kernel: tuple[int, int],
                 stride: tuple[int, int], padding: tuple[int, int], include_pad: bool,
                 ho: int, wo: int, dtype: Any) -> Any:
    if include_pad:
        return float(kernel[0] * kernel[1])
    ones = _padded(xp, xp.ones((1, 1, shape[2], shape[3]), dtype=dtype), padding, 0.0)
    total = xp.zeros((1, 1, ho, wo), dtype=dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += ones[:, :, _window(i, 1, stride[0], ho), _window(j, 1, stride[1], wo)]
    return total


def _avg_pool2d(xp: Any, x: Any, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int], count_include_pad: bool) -> Any:
    ho, wo = _geometry(x, kernel, stride, padding, (1, 1))
    src = _padded(xp, x, padding, 0.0)
    total = xp.zeros((x.shape[0], x.shape[1], ho, wo), dtype=x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += src[:, :, _window(i, 1, stride[0], ho), _window(j, 1, stride[1], wo)]
    return total / _avg_divisor(xp, x.shape, kernel, stride, padding, count_include_pad,
                                ho, wo, x.dtype)


def _avg_pool2d_backward(xp: Any, g: Any, input_shape: tuple[int, ...],
                         kernel: tuple[int, int], stride: tuple[int, int],
                         padding: tuple[int, int], count_include_pad: bool) -> Any:
    n, c, h, w = input_shape
    ho, wo = g.shape[2], g.shape[3]
    ph, pw = padding
    share = g / _avg_divisor(xp, input_shape, kernel, stride, padding, count_include_pad,
                             ho, wo, g.dtype)
    out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=g.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            out[:, :, _window(i, 1, stride[0], ho), _window(j, 1, stride[1], wo)] += share
    return out[:, :, ph:ph + h, pw:pw + w]


MAX_POOL2D = dispatch.op("max_pool2d", _max_pool2d)
MAX_POOL2D_BACKWARD = dispatch.op("max_pool2d_backward", _max_pool2d_backward)
MAX_POOL2D_SELECT = dispatch.op("max_pool2d_select", _max_pool2d_select)
AVG_POOL2D = dispatch.op("avg_pool2d", _avg_pool2d)
AVG_POOL2D_BACKWARD = dispatch.op("avg_pool2d_backward", _avg_pool2d_backward)


def max_pool2d(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
               padding: tuple[int, int], dilation: tuple[int, int]) -> Tensor:
    return dispatch.apply(MAX_POOL2D, (x,), {"kernel": kernel, "stride": stride,
                                             "padding": padding, "dilation": dilation})


def max_pool2d_backward(x: Tensor, g: Tensor, **params: Any) -> Tensor:
    return dispatch.apply(MAX_POOL2D_BACKWARD, (x, g), params)


def max_pool2d_select(x: Tensor, h: Tensor, **params: Any) -> Tensor:
    return dispatch.apply(MAX_POOL2D_SELECT, (x, h), params)


def avg_pool2d(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
               padding: tuple[int, int], count_include_pad: bool) -> Tensor:
    return dispatch.apply(AVG_POOL2D, (x,), {"kernel": kernel, "stride": stride,
                                             "padding": padding,
                                             "count_include_pad": count_include_pad})


def avg_pool2d_backward(g: Tensor, input_shape: tuple[int, ...], **params: Any) -> Tensor:
    return dispatch.apply(AVG_POOL2D_BACKWARD, (g,), {"input_shape": tuple(input_shape),
                                                      **params})
