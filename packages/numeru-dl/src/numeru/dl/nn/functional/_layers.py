"""Functional forms of the layers: linear, pooling, dropout, normalisation, embedding
(convolutions are in ``_conv``). Modules in ``numeru.dl.nn`` hold parameters and call these."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.errors import DTypeError, ShapeError, expected
from numeru.core.tensor import Tensor

from ... import _rng
from ...autograd._mode import no_grad
from ...ops import pool as _pool
from ...ops.linear import linear as _linear
from . import _common
from ._common import check_ndim, detached, pair, tensor

Pair = tuple[int, int]


def linear(input: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    x = tensor(input)
    weight = tensor(weight, "weight")
    if weight.ndim not in (1, 2):
        raise expected("weight", "a 1-D or 2-D tensor (out_features, in_features)",
                       weight.shape, error=ShapeError)
    if x.shape[-1:] != weight.shape[-1:]:
        raise ShapeError(f"linear: input: expected last dimension {weight.shape[-1]}, got shape "
                         f"{x.shape}")
    if bias is not None:
        bias = tensor(bias, "bias")
        out = weight.shape[0] if weight.ndim == 2 else 1
        if bias.ndim > 1 or (bias.ndim == 1 and bias.shape[0] not in (1, out)):
            raise expected("bias", f"shape ({out},) or a scalar", bias.shape, error=ShapeError)
    return _linear(x, weight, bias)


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool) -> tuple[Pair, Pair, Pair, Pair]:
    """Checked (kernel, stride, padding, dilation) of a 2-D pooling of ``x`` (N, C, H, W):
    PyTorch's rules, padding at most half the kernel (no window entirely in the padding) and
    at least one output per axis."""
    k = pair(kernel_size, "kernel_size")
    s = k if stride is None or stride == () else pair(stride, "stride")
    p, d = pair(padding, "padding"), pair(dilation, "dilation")
    for name, value, low in (("kernel_size", k, 1), ("stride", s, 1), ("padding", p, 0),
                             ("dilation", d, 1)):
        if min(value) < low:
            raise expected(name, "positive ints" if low else "non-negative ints", value)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise expected("padding", f"at most half the kernel size {k}", padding)
    out = tuple(_pool.pool_out_size(x.shape[2 + a], k[a], s[a], p[a], d[a], bool(ceil_mode))
                for a in (0, 1))
    if min(out) < 1:
        raise expected("input", f"a spatial size of at least one window of kernel {k}, "
                       f"dilation {d} and padding {p} (output size {out})", x.shape,
                       error=ShapeError)
    return k, s, p, d


def _batched4(input: Any) -> tuple[Tensor, bool]:
    x = tensor(input)
    check_ndim(x, (3, 4), "input", "(N, C, H, W) or (C, H, W)")
    return (nm.expand_dims(x, axis=0), True) if x.ndim == 3 else (x, False)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """PyTorch's ``max_pool2d``; ``return_indices=True`` also returns each maximum's flat index
    in its (H, W) plane (int64), as a pair."""
    x4, unbatched = _batched4(input)
    k, s, p, d = _pool_geometry(x4, kernel_size, stride, padding, dilation, ceil_mode)
    y = _pool.max_pool2d(x4, k, s, p, d, bool(ceil_mode))
    y = y[0] if unbatched else y
    if not return_indices:
        return y
    idx = _pool.max_pool2d_indices(detached(x4), k, s, p, d, bool(ceil_mode))
    return y, (idx[0] if unbatched else idx)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    x4, unbatched = _batched4(input)
    k, s, p, _ = _pool_geometry(x4, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (isinstance(divisor_override, bool) or not isinstance(
            divisor_override, int) or divisor_override <= 0):
        raise expected("divisor_override", "a positive int or None", divisor_override)
    # divisor_override wins over count_include_pad (PyTorch): the window sum over it.
    y = _pool.avg_pool2d(x4, k, s, p, bool(count_include_pad), bool(ceil_mode),
                         divisor_override)
    return y[0] if unbatched else y


def _adaptive_matrix(size: int, out: int, dtype: Any) -> np.ndarray:
    """Rows average the PyTorch bins [floor(i*size/out), ceil((i+1)*size/out))."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start = (i * size) // out
        end = -((-(i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """Average over adaptive bins: a linear map ``P_h @ x @ P_w^T`` of the last two axes."""
    x = tensor(input)
    check_ndim(x, (3, 4), "input", "(N, C, H, W) or (C, H, W)")
    sizes = (output_size, output_size) if isinstance(output_size, int) else output_size
    if not (isinstance(sizes, (tuple, list)) and len(sizes) == 2 and all(
            v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
            for v in sizes)):
        raise expected("output_size", "a non-negative int or a pair of them (None keeps the "
                       "input size)", output_size)
    h, w = x.shape[-2], x.shape[-1]
    oh = h if sizes[0] is None else int(sizes[0])
    ow = w if sizes[1] is None else int(sizes[1])
    if oh and ow and h % oh == 0 and w % ow == 0:
        return avg_pool2d(x, (h // oh, w // ow))
    ph = nm.asarray(_adaptive_matrix(h, oh, x.dtype), device=x.device)
    pw = nm.asarray(_adaptive_matrix(w, ow, x.dtype).T.copy(), device=x.device)
    return nm.matmul(nm.matmul(ph, x), pw)


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            generator: Any = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training only).

    PyTorch's positional order; ``inplace=True`` is refused (the result is always a new
    tensor, so a graph never loses the input it read)."""
    x = tensor(input)
    if not 0.0 <= p <= 1.0:
        raise expected("p", "a probability in [0, 1]", p)
    if x.dtype.kind not in "fc":  # PyTorch refuses too: 1 / (1 - p) has no integer value
        raise expected("input", "a floating-point tensor", x.dtype, error=DTypeError)
    if inplace is not False:
        raise expected("inplace", "False (numeru's dropout returns a new tensor)", inplace)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = _rng.uniform(x.shape, 0.0, 1.0, generator) >= p
    mask = nm.asarray((keep / (1.0 - p)).astype(x.dtype), device=x.device)
    return x * mask


def _stat_shape(x: Tensor) -> tuple[int, ...]:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _check_channel_vectors(x: Tensor, **vectors: Tensor | None) -> None:
    """Each given per-channel tensor (weight, bias, running statistics) has shape (C,)."""
    for name, v in vectors.items():
        if v is not None and tuple(v.shape) != (x.shape[1],):
            raise expected(name, f"shape ({x.shape[1]},) for input of shape {x.shape}",
                           tuple(v.shape), error=ShapeError)


def batch_norm(input: Any, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise over every axis but the channel axis 1 (batch statistics in training)."""
    x = tensor(input)
    check_ndim(x, (2, 3, 4, 5), "input", "(N, C, ...)")
    _check_channel_vectors(x, running_mean=running_mean, running_var=running_var,
                           weight=weight, bias=bias)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = _stat_shape(x)
    if training:
        n = x.size // x.shape[1]
        if n <= 1:
            raise expected("input", "more than one value per channel in training mode", x.shape)
        mean = nm.mean(x, axis=axes, keepdims=True)
        var = nm.var(x, axis=axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            with no_grad():
                m = momentum
                new_mean = running_mean * (1.0 - m) + nm.reshape(detached(mean), (-1,)) * m
                unbiased = nm.reshape(detached(var), (-1,)) * (n / (n - 1.0))
                new_var = running_var * (1.0 - m) + unbiased * m
                running_mean.device.backend.copy_into(running_mean.data, new_mean.data)
                running_var.device.backend.copy_into(running_var.data, new_var.data)
    else:
        if running_mean is None or running_var is None:
            mean = nm.mean(x, axis=axes, keepdims=True)
            var = nm.var(x, axis=axes, keepdims=True)
        else:
            mean = nm.reshape(running_mean, shape)
            var = nm.reshape(running_var, shape)
    y = (x - mean) / nm.sqrt(var + eps)
    if weight is not None:
        y = y * nm.reshape(weight, shape)
    if bias is not None:
        y = y + nm.reshape(bias, shape)
    return y


def layer_norm(input: Any, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    x = tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(shape):] != shape:
        raise ShapeError(f"layer_norm: input: expected trailing shape {shape}, got {x.shape}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = nm.mean(x, axis=axes, keepdims=True)
    var = nm.var(x, axis=axes, keepdims=True)
    y = (x - mean) / nm.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(input: Any, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    x = tensor(input)
    check_ndim(x, (2, 3, 4, 5), "input", "(N, C, ...)")
    n, c = x.shape[0], x.shape[1]
    if c % num_groups:
        raise expected("num_groups", f"a divisor of the {c} channels", num_groups)
    _check_channel_vectors(x, weight=weight, bias=bias)
    grouped = nm.reshape(x, (n, num_groups, -1))
    mean = nm.mean(grouped, axis=2, keepdims=True)
    var = nm.var(grouped, axis=2, keepdims=True)
    y = nm.reshape((grouped - mean) / nm.sqrt(var + eps), x.shape)
    shape = _stat_shape(x)
    if weight is not None:
        y = y * nm.reshape(weight, shape)
    if bias is not None:
        y = y + nm.reshape(bias, shape)
    return y


def check_embedding_options(max_norm: Any, norm_type: Any, scale_grad_by_freq: Any,
                            sparse: Any) -> None:
    if max_norm is not None and (isinstance(max_norm, bool) or
                                 not isinstance(max_norm, (int, float)) or max_norm < 0):
        raise expected("max_norm", "a non-negative number or None", max_norm)
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or norm_type <= 0:
        raise expected("norm_type", "a positive number", norm_type)
    if not isinstance(scale_grad_by_freq, bool):
        raise expected("scale_grad_by_freq", "a bool", scale_grad_by_freq)
    if sparse is not False:
        raise expected("sparse", "False (numeru has no sparse gradients)", sparse)


def _embedding_renorm(weight: Tensor, idx: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's ``embedding_renorm_``: each looked-up row whose ``norm_type``-norm exceeds
    ``max_norm`` is scaled in place by ``max_norm / (norm + 1e-7)`` (outside the graph)."""
    with no_grad():
        w = detached(weight)
        rows = nm.unique_values(nm.reshape(idx, (-1,)))
        sub = w[rows]
        p = float(norm_type)
        norms = nm.sum(nm.abs(sub) ** p, axis=1) ** (1.0 / p)
        scale = nm.where(norms > max_norm, max_norm / (norms + 1e-7), nm.ones_like(norms))
        w[rows] = sub * nm.expand_dims(nm.astype(scale, w.dtype), axis=1)


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at integer ``input``; rows at ``padding_idx`` get no gradient;
    ``max_norm`` renormalises the looked-up rows of ``weight`` in place first;
    ``scale_grad_by_freq`` divides each row's gradient by its index's count in ``input``
    (PyTorch)."""
    idx = tensor(input, "input")
    if idx.dtype.kind not in "iu":
        raise expected("input", "an integer tensor of indices", idx.dtype)
    check_embedding_options(max_norm, norm_type, scale_grad_by_freq, sparse)
    if idx.size and (int(nm.max(idx).item()) >= weight.shape[0] or int(nm.min(idx).item()) < 0):
        raise expected("input", f"indices in [0, {weight.shape[0]})",
                       (int(nm.min(idx).item()), int(nm.max(idx).item())))
    if max_norm is not None and idx.size:
        _embedding_renorm(weight, idx, float(max_norm), norm_type)
    out = weight[idx]
    if scale_grad_by_freq and out.requires_grad:
        # PyTorch's: each looked-up row's gradient divided by how often its index occurs in
        # this input (a hook on the gathered rows, so the forward values are untouched).
        found = nm.unique_all(nm.reshape(idx, (-1,)))
        counts = nm.astype(found.counts[nm.reshape(found.inverse_indices, (-1,))], out.dtype)
        scale = nm.reshape(1.0 / counts, tuple(idx.shape) + (1,))
        out.register_hook(lambda g: g * scale)  # type: ignore[attr-defined]
    if padding_idx is not None and weight.requires_grad:
        pad = padding_idx % weight.shape[0]
        keep = nm.expand_dims(idx != pad, axis=idx.ndim)
        out = nm.where(keep, out, detached(weight)[idx])
    return out


def _dim(dim: Any, ndim: int, name: str) -> int:
    """``dim`` in [-ndim, ndim) as a non-negative axis (a 0-D tensor counts as 1-D)."""
    n = max(ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, int) or not -n <= dim < n:
        raise expected(name, f"an int in [{-n}, {n}) for a {ndim}-D input", dim)
    return dim % n


def flatten(input: Any, start_dim: int = 1, end_dim: int = -1) -> Tensor:
    x = tensor(input)
    start, end = _dim(start_dim, x.ndim, "start_dim"), _dim(end_dim, x.ndim, "end_dim")
    if start > end:
        raise expected("start_dim", f"at most end_dim={end_dim}", start_dim)
    if x.ndim == 0:
        return nm.reshape(x, (1,))
    merged = math.prod(x.shape[start:end + 1])
    return nm.reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def unflatten(input: Any, dim: int, sizes: Any) -> Tensor:
    """Axis ``dim`` split into ``sizes`` (their product must be its length; one may be -1)."""
    x = tensor(input)
    axis = _dim(dim, x.ndim, "dim")
    if isinstance(sizes, int) or not all(isinstance(v, int) and not isinstance(v, bool)
                                         for v in sizes) or len(sizes) == 0:
        raise expected("sizes", "a non-empty tuple of ints", sizes)
    sizes = tuple(sizes)
    known = math.prod(v for v in sizes if v != -1)
    n = x.shape[axis] if x.ndim else 1
    if sizes.count(-1) > 1 or any(v < -1 for v in sizes) or (
            -1 in sizes and (known == 0 or n % known)) or (-1 not in sizes and known != n):
        raise expected("sizes", f"sizes whose product is the length {n} of axis {dim}",
                       sizes, error=ShapeError)
    return nm.reshape(x, x.shape[:axis] + sizes + x.shape[axis + 1:])


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot encodings along a new last axis; ``num_classes=-1`` takes the largest
    class plus one (PyTorch's). Any integer dtype is accepted (PyTorch takes int64 only)."""
    idx = _common.tensor(tensor, "tensor")
    if idx.dtype.kind not in "iu":
        raise expected("tensor", "an integer tensor of class indices", idx.dtype,
                       error=DTypeError)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < -1:
        raise expected("num_classes", "-1 (inferred) or a non-negative int", num_classes)
    if idx.size == 0:
        if num_classes <= 0:
            raise expected("num_classes", "a positive int for an empty tensor (no class to "
                           "infer the count from)", num_classes)
    else:
        low, high = int(nm.min(idx).item()), int(nm.max(idx).item())
        if low < 0:
            raise expected("tensor", "non-negative class values", low)
        if num_classes == -1:
            num_classes = high + 1
        elif high >= num_classes:
            raise expected("tensor", f"class values smaller than num_classes={num_classes}",
                           high)
    classes = nm.arange(num_classes, dtype=idx.dtype, device=idx.device)
    return nm.astype(nm.expand_dims(idx, axis=-1) == classes, nm.int64)
