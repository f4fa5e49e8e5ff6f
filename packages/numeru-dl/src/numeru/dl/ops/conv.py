"""2-D convolution as im2col + one GEMM per group, and its two adjoints.

``conv2d(x, w)`` (N, C, H, W) * (O, C/groups, kh, kw) -> (N, O, Ho, Wo). The column buffer is
laid out (groups, C/groups*kh*kw, N*Ho*Wo) so each group is a single large GEMM rather than N
small ones. ``conv2d_input_grad`` (the transposed convolution) and ``conv2d_weight_grad`` are
the adjoints; the three ops are each other's gradients, so convolution supports any order of
differentiation. Everything is written against ``xp`` and the
array methods NumPy and CuPy share (``transpose``, slicing).
"""

from __future__ import annotations

from typing import Any

from numeru.core import dispatch
from numeru.core.tensor import Tensor


def out_size(size: int, k: int, stride: int, pad: int, dilation: int) -> int:
    return (size + 2 * pad - dilation * (k - 1) - 1) // stride + 1


def _window(i: int, dilation: int, stride: int, n_out: int) -> slice:
    start = i * dilation
    return slice(start, start + stride * (n_out - 1) + 1, stride)


def _columns(xp: Any, x: Any, kh: int, kw: int, stride: tuple[int, int],
             padding: tuple[int, int], dilation: tuple[int, int], groups: int) -> Any:
    """(groups, C/groups*kh*kw, N*Ho*Wo) patches of ``x``."""
    n, c, h, w = x.shape
    ph, pw = padding
    ho = out_size(h, kh, stride[0], ph, dilation[0])
    wo = out_size(w, kw, stride[1], pw, dilation[1])
    xc = x.transpose(1, 0, 2, 3)
    if ph or pw:
        padded = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = xc
        xc = padded
    cols = xp.empty((c, kh, kw, n, ho, wo), dtype=x.dtype)
    for i in range(kh):
        rows = _window(i, dilation[0], stride[0], ho)
        for j in range(kw):
            cols[:, i, j] = xc[:, :, rows, _window(j, dilation[1], stride[1], wo)]
    return xp.reshape(cols, (groups, (c // groups) * kh * kw, n * ho * wo))


def _conv2d(xp: Any, x: Any, w: Any, stride: tuple[int, int], padding: tuple[int, int],
            dilation: tuple[int, int], groups: int) -> Any:
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    ho = out_size(h, kh, stride[0], padding[0], dilation[0])
    wo = out_size(wd, kw, stride[1], padding[1], dilation[1])
    cols = _columns(xp, x, kh, kw, stride, padding, dilation, groups)
    wm = xp.reshape(w, (groups, o // groups, -1))
    y = xp.matmul(wm, cols) if groups > 1 else xp.matmul(wm[0], cols[0])
    y = xp.reshape(y, (o, n, ho, wo))
    return xp.asarray(y.transpose(1, 0, 2, 3), copy=True)


def _grad_to_matrix(xp: Any, g: Any, groups: int) -> Any:
    n, o, ho, wo = g.shape
    return xp.reshape(g.transpose(1, 0, 2, 3), (groups, o // groups, n * ho * wo))


def _conv2d_weight_grad(xp: Any, x: Any, g: Any, weight_shape: tuple[int, ...],
                        stride: tuple[int, int], padding: tuple[int, int],
                        dilation: tuple[int, int], groups: int) -> Any:
    o, cg, kh, kw = weight_shape
    cols = _columns(xp, x, kh, kw, stride, padding, dilation, groups)
    gm = _grad_to_matrix(xp, g, groups)
    gw = xp.matmul(gm, cols.transpose(0, 2, 1))
    return xp.reshape(gw, weight_shape)


def _conv2d_input_grad(xp: Any, g: Any, w: Any, input_shape: tuple[int, ...],
                       stride: tuple[int, int], padding: tuple[int, int],
                       dilation: tuple[int, int], groups: int) -> Any:
    n, c, h, wd = input_shape
    o, cg, kh, kw = w.shape
    ho, wo = g.shape[2], g.shape[3]
    gm = _grad_to_matrix(xp, g, groups)
    wm = xp.reshape(w, (groups, o // groups, cg * kh * kw))
    dcols = xp.reshape(xp.matmul(wm.transpose(0, 2, 1), gm), (c, kh, kw, n, ho, wo))
    ph, pw = padding
    padded = xp.zeros((c, n, h + 2 * ph, wd + 2 * pw), dtype=g.dtype)
    for i in range(kh):
        rows = _window(i, dilation[0], stride[0], ho)
        for j in range(kw):
            padded[:, :, rows, _window(j, dilation[1], stride[1], wo)] += dcols[:, i, j]
    inner = padded[:, :, ph:ph + h, pw:pw + wd]
    return xp.asarray(inner.transpose(1, 0, 2, 3), copy=True)


CONV2D = dispatch.op("conv2d", _conv2d)
CONV2D_INPUT_GRAD = dispatch.op("conv2d_input_grad", _conv2d_input_grad)
CONV2D_WEIGHT_GRAD = dispatch.op("conv2d_weight_grad", _conv2d_weight_grad)


def _params(stride: Any, padding: Any, dilation: Any, groups: int) -> dict[str, Any]:
    return {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


def conv2d(x: Tensor, w: Tensor, stride: tuple[int, int], padding: tuple[int, int],
           dilation: tuple[int, int], groups: int) -> Tensor:
    return dispatch.apply(CONV2D, (x, w), _params(stride, padding, dilation, groups))


def conv2d_input_grad(g: Tensor, w: Tensor, input_shape: tuple[int, ...],
                      stride: tuple[int, int], padding: tuple[int, int],
                      dilation: tuple[int, int], groups: int) -> Tensor:
    params = _params(stride, padding, dilation, groups)
    params["input_shape"] = tuple(input_shape)
    return dispatch.apply(CONV2D_INPUT_GRAD, (g, w), params)


def conv2d_weight_grad(x: Tensor, g: Tensor, weight_shape: tuple[int, ...],
                       stride: tuple[int, int], padding: tuple[int, int],
                       dilation: tuple[int, int], groups: int) -> Tensor:
    params = _params(stride, padding, dilation, groups)
    params["weight_shape"] = tuple(weight_shape)
    return dispatch.apply(CONV2D_WEIGHT_GRAD, (x, g), params)
