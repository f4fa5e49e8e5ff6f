"""CPU kernels for the convolution ops: im2col and col2im as compiled Numba loops.

The generic code makes one strided slice copy (im2col) or one strided accumulation (col2im)
per kernel offset; these loops do each in a single pass, which measured about 1.5x faster for
col2im on one thread. They stay on one thread: a ``parallel=True`` version ran many times
slower on the shared, oversubscribed development machine (spinning worker threads), and the
GEMMs, which carry most of the work, already use BLAS's threads. Registered for the ``cpu``
backend under the op names of ``ops.conv``; tests check them against the generic code.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from .conv import out_size


@numba.njit(cache=True)
def _im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):  # pragma: no cover - compiled
    n, c, h, w = x.shape
    rows = c * kh * kw
    out = np.empty((rows, n * ho * wo), dtype=x.dtype)
    for r in range(rows):
        ch = r // (kh * kw)
        i = (r // kw) % kh
        j = r % kw
        for b in range(n):
            for oy in range(ho):
                iy = oy * sh - ph + i * dh
                base = (b * ho + oy) * wo
                inside_row = 0 <= iy < h
                for ox in range(wo):
                    ix = ox * sw - pw + j * dw
                    if inside_row and 0 <= ix < w:
                        out[r, base + ox] = x[b, ch, iy, ix]
                    else:
                        out[r, base + ox] = 0
    return out


@numba.njit(cache=True)
def _col2im(cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):  # pragma: no cover
    out = np.zeros((n, c, h, w), dtype=cols.dtype)
    for ch in range(c):
        for i in range(kh):
            for j in range(kw):
                r = (ch * kh + i) * kw + j
                for b in range(n):
                    for oy in range(ho):
                        iy = oy * sh - ph + i * dh
                        if iy < 0 or iy >= h:
                            continue
                        base = (b * ho + oy) * wo
                        for ox in range(wo):
                            ix = ox * sw - pw + j * dw
                            if 0 <= ix < w:
                                out[b, ch, iy, ix] += cols[r, base + ox]
    return out


def _columns(x: Any, kh: int, kw: int, stride: tuple[int, int], padding: tuple[int, int],
             dilation: tuple[int, int], groups: int) -> np.ndarray:
    ho = out_size(x.shape[2], kh, stride[0], padding[0], dilation[0])
    wo = out_size(x.shape[3], kw, stride[1], padding[1], dilation[1])
    cols = _im2col(np.ascontiguousarray(x), kh, kw, stride[0], stride[1], padding[0],
                   padding[1], dilation[0], dilation[1], ho, wo)
    # Explicit sizes: a -1 cannot be inferred when the batch (and so the array) is empty.
    return cols.reshape(groups, cols.shape[0] // groups, cols.shape[1])


def conv2d(x: Any, w: Any, stride: tuple[int, int], padding: tuple[int, int],
           dilation: tuple[int, int], groups: int) -> np.ndarray:
    n = x.shape[0]
    o, _, kh, kw = w.shape
    cols = _columns(x, kh, kw, stride, padding, dilation, groups)
    ho = out_size(x.shape[2], kh, stride[0], padding[0], dilation[0])
    wo = out_size(x.shape[3], kw, stride[1], padding[1], dilation[1])
    wm = w.reshape(groups, o // groups, -1)
    y = np.matmul(wm[0], cols[0]) if groups == 1 else np.matmul(wm, cols)
    return np.ascontiguousarray(y.reshape(o, n, ho, wo).transpose(1, 0, 2, 3))


def _grad_matrix(g: Any, groups: int) -> np.ndarray:
    n, o, ho, wo = g.shape
    return g.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * ho * wo)


def conv2d_weight_grad(x: Any, g: Any, weight_shape: tuple[int, ...], stride: tuple[int, int],
                       padding: tuple[int, int], dilation: tuple[int, int],
                       groups: int) -> np.ndarray:
    _, _, kh, kw = weight_shape
    cols = _columns(x, kh, kw, stride, padding, dilation, groups)
    gm = _grad_matrix(g, groups)
    return np.matmul(gm, cols.transpose(0, 2, 1)).reshape(weight_shape)


def conv2d_input_grad(g: Any, w: Any, input_shape: tuple[int, ...], stride: tuple[int, int],
                      padding: tuple[int, int], dilation: tuple[int, int],
                      groups: int) -> np.ndarray:
    n, c, h, wd = input_shape
    o, cg, kh, kw = w.shape
    ho, wo = g.shape[2], g.shape[3]
    gm = _grad_matrix(g, groups)
    wm = w.reshape(groups, o // groups, cg * kh * kw)
    dcols = np.matmul(wm.transpose(0, 2, 1), gm).reshape(c * kh * kw, n * ho * wo)
    return _col2im(np.ascontiguousarray(dcols), n, c, h, wd, kh, kw, stride[0], stride[1],
                   padding[0], padding[1], dilation[0], dilation[1], ho, wo)


KERNELS = {"conv2d": conv2d, "conv2d_weight_grad": conv2d_weight_grad,
           "conv2d_input_grad": conv2d_input_grad}
