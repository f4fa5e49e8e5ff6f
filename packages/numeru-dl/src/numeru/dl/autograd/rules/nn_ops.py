"""Gradient rules of the ops numeru.dl declares: activations, cross-entropy, convolution,
pooling. The activations' rules follow PyTorch's backward kernels at the special points
(bounds, zero, infinities, NaN)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.tensor import Tensor

from ...ops import activation as act
from ...ops import conv, pool
from ...ops import loss as ce
from .elementwise import need

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SIXTH_F32 = float(np.float32(1.0) / np.float32(6.0))


def _relu(node: Any, g: Tensor) -> tuple[Tensor]:
    # A product with the boolean mask: several times faster than ``where`` on NumPy.
    return (g * (node.args[0] > 0),)


def _sigmoid(node: Any, g: Tensor) -> tuple[Tensor]:
    y = node.output
    return (g * y * (1.0 - y),)


def _softplus(node: Any, g: Tensor) -> tuple[Tensor]:
    return (g * act.sigmoid(node.args[0]),)


def _erf(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    return (g * nm.exp(-(x * x)) * _TWO_OVER_SQRT_PI,)


def _hardtanh(node: Any, g: Tensor) -> tuple[Tensor]:
    # PyTorch's (vectorised kernel): the gradient strictly inside the bounds, else zero (NaN
    # inputs included).
    x, p = node.args[0], node.params
    return (g * ((x > p["min_val"]) & (x < p["max_val"])),)


def _hardsigmoid(node: Any, g: Tensor) -> tuple[Tensor]:
    # 1/6 strictly inside (-3, 3), else zero (NaN inputs too); PyTorch's kernel multiplies by
    # 1/6 rounded to float32 (3e-8 from the exact slope), kept for equal gradients.
    x = node.args[0]
    return (g * _SIXTH_F32 * ((x > -3.0) & (x < 3.0)),)


def _hardswish(node: Any, g: Tensor) -> tuple[Tensor]:
    # PyTorch's: 0 for x <= -3, 1 from 3 on, x / 3 + 1/2 between (and NaN for NaN inputs).
    x = node.args[0]
    inner = nm.where(x >= 3.0, g, g * (x / 3.0 + 0.5))
    return (nm.where(x <= -3.0, nm.zeros_like(g), inner),)


def _threshold(node: Any, g: Tensor) -> tuple[Tensor]:
    # Zero where the value replaced x, the gradient elsewhere (NaN inputs included: PyTorch's).
    return (g * nm.logical_not(node.args[0] <= node.params["threshold"]),)


def _elu_grad(x: Tensor, g: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    """PyTorch's ``elu_backward`` from the input: ``g * input_scale * alpha * scale *
    exp(x * input_scale)`` for ``x <= 0`` (so ``alpha * scale`` at 0), ``g * scale`` for
    ``x > 0``, NaN for NaN inputs."""
    positive = x > 0.0
    # where, not minimum: at x == 0 the whole derivative goes through x (double backward);
    # NaN stays NaN, and the branch not taken never overflows.
    part = nm.where(positive, nm.zeros_like(x), x)
    inside = g * (input_scale * (alpha * scale)) * nm.exp(part * input_scale)
    return nm.where(positive, g * scale if scale != 1.0 else g, inside)


def _elu(node: Any, g: Tensor) -> tuple[Tensor]:
    p = node.params
    return (_elu_grad(node.args[0], g, p["alpha"], p["scale"], p["input_scale"]),)


def _celu(node: Any, g: Tensor) -> tuple[Tensor]:
    # PyTorch's derivative formula takes ``1 / alpha`` with alpha rounded to float32 (a 1e-7
    # relative difference where alpha is not a float32 number); kept for equal gradients.
    alpha = node.params["alpha"]
    return (_elu_grad(node.args[0], g, alpha, 1.0, 1.0 / float(np.float32(alpha))),)


def _mish(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    t = nm.tanh(act.softplus(x))
    return (g * (t + x * act.sigmoid(x) * (1.0 - t * t)),)


def _log_sigmoid(node: Any, g: Tensor) -> tuple[Tensor]:
    x = node.args[0]
    z = nm.exp(-nm.abs(x))
    s = z / (1.0 + z)  # sigmoid(-|x|), without overflow
    return (g * nm.where(x < 0.0, 1.0 - s, s),)


def _log_softmax(node: Any, g: Tensor) -> tuple[Tensor]:
    axis = node.params["axis"]
    return (g - nm.exp(node.output) * nm.sum(g, axis=axis, keepdims=True),)


def _softmax(node: Any, g: Tensor) -> tuple[Tensor]:
    axis = node.params["axis"]
    y = node.output
    return (y * (g - nm.sum(g * y, axis=axis, keepdims=True)),)


def _loss_params(node: Any) -> dict[str, Any]:
    return {k: node.params[k] for k in ("ignore_index", "reduction", "label_smoothing")}


def _cross_entropy(node: Any, g: Tensor) -> tuple[Any, None, None]:
    x, target, weight = node.args
    gx = ce.cross_entropy_backward(x, target, weight, g, **_loss_params(node)) if need(
        node, 0) else None
    return gx, None, None


def _cross_entropy_backward(node: Any, gg: Tensor) -> tuple[Any, None, None, Any]:
    """The backward is ``scale_i * (a_i softmax(x_i) - b_i)``, linear in ``g``: its derivative
    in ``g`` is the backward at ``g = 1`` against ``gg``; in ``x`` it is the softmax rule
    scaled by ``scale_i * a_i``."""
    x, target, weight, g = node.args
    p = _loss_params(node)
    gx = gg_g = None
    if need(node, 0):
        c = x.shape[1]
        safe, used = ce.targets(nm, target, p["ignore_index"], x.dtype)
        wt = ce.target_weights(nm, weight, safe, used)
        eps = p["label_smoothing"]
        a = wt * (1.0 - eps)
        if eps:
            a = a + used * ((c if weight is None else nm.sum(weight)) * (eps / c))
        coef = ce.row_scale(nm, g, wt, p["reduction"]) * a
        if p["reduction"] == "mean":  # ignored rows: 0, not 0 * inf (a mean over no target)
            coef = nm.where(used > 0, coef, nm.zeros_like(coef))
        y = act.softmax(x, axis=1)
        q = gg * y
        gx = (q - y * nm.sum(q, axis=1, keepdims=True)) * nm.expand_dims(coef, axis=1)
    if need(node, 3):
        unit = ce.cross_entropy_backward(x, target, weight, nm.ones_like(g), **p)
        gg_g = nm.sum(gg * unit, axis=1) if p["reduction"] == "none" else nm.sum(gg * unit)
    return gx, None, None, gg_g


def _binary_cross_entropy(node: Any, g: Tensor) -> tuple[Any, Any]:
    """PyTorch's: ``(x - t) / max(x (1 - x), 1e-12)`` for the input (finite where a clamped
    log has no slope: saturated probabilities), ``log(1 - x) - log(x)`` for the target."""
    x, t = node.args
    gx = gt = None
    if need(node, 0):
        gx = g * (x - t) / nm.maximum(x * (1.0 - x), 1e-12)
    if need(node, 1):
        gt = g * (nm.log1p(-x) - nm.log(x))
    return gx, gt


def _geometry(params: dict[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in ("stride", "padding", "dilation", "groups")}


def _conv2d(node: Any, g: Tensor) -> tuple[Any, Any]:
    x, w = node.args
    p = _geometry(node.params)
    gx = conv.conv2d_input_grad(g, w, x.shape, **p) if need(node, 0) else None
    gw = conv.conv2d_weight_grad(x, g, w.shape, **p) if need(node, 1) else None
    return gx, gw


def _pad_end(t: Tensor, extra: tuple[int, int]) -> Tensor:
    """``t`` (N, C, H, W) with ``extra`` zero rows and columns appended (differentiably)."""
    for axis, n in ((2, extra[0]), (3, extra[1])):
        if n:
            shape = list(t.shape)
            shape[axis] = n
            t = nm.concat([t, nm.zeros(tuple(shape), dtype=t.dtype, device=t.device)],
                          axis=axis)
    return t


def _conv2d_input_grad(node: Any, g: Tensor) -> tuple[Any, Any]:
    g0, w = node.args
    p = _geometry(node.params)
    # A transposed convolution's output may be longer than ``g0``'s size needs: with
    # output_padding >= stride (allowed below the dilation) the convolution of ``g`` has more
    # rows than ``g0``. Those windows reach no entry of ``g0``: the extra outputs are dropped,
    # and ``g0`` gets zeros there for the weight gradient.
    full = tuple(conv.out_size(g.shape[2 + a], w.shape[2 + a], p["stride"][a],
                               p["padding"][a], p["dilation"][a]) for a in (0, 1))
    extra = (full[0] - g0.shape[2], full[1] - g0.shape[3])
    d_g0 = d_w = None
    if need(node, 0):
        d_g0 = conv.conv2d(g, w, **p)
        if any(extra):
            d_g0 = d_g0[:, :, :g0.shape[2], :g0.shape[3]]
    if need(node, 1):
        d_w = conv.conv2d_weight_grad(g, _pad_end(g0, extra) if any(extra) else g0,
                                      w.shape, **p)
    return d_g0, d_w


def _conv2d_weight_grad(node: Any, g: Tensor) -> tuple[Any, Any]:
    x, g0 = node.args
    p = _geometry(node.params)
    d_x = conv.conv2d_input_grad(g0, g, x.shape, **p) if need(node, 0) else None
    d_g0 = conv.conv2d(x, g, **p) if need(node, 1) else None
    return d_x, d_g0


def _max_pool2d(node: Any, g: Tensor) -> tuple[Tensor]:
    return (pool.max_pool2d_backward(node.args[0], g, **node.params),)


def _max_pool2d_backward(node: Any, g: Tensor) -> tuple[None, Tensor]:
    # Linear in the incoming gradient; piecewise constant in x (the argmax positions).
    return None, pool.max_pool2d_select(node.args[0], g, **node.params)


def _max_pool2d_select(node: Any, g: Tensor) -> tuple[None, Tensor]:
    return None, pool.max_pool2d_backward(node.args[0], g, **node.params)


def _max_pool2d_indices(node: Any, g: Tensor) -> tuple[None]:
    # Integer output: never recorded; the rule exists so that every declared op has one.
    return (None,)


def _avg_pool2d(node: Any, g: Tensor) -> tuple[Tensor]:
    return (pool.avg_pool2d_backward(g, node.args[0].shape, **node.params),)


def _avg_pool2d_backward(node: Any, g: Tensor) -> tuple[Tensor]:
    params = {k: v for k, v in node.params.items() if k != "input_shape"}
    return (pool.avg_pool2d(g, **params),)


RULES: dict[str, Any] = {
    "relu": _relu,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "erf": _erf,
    "hardtanh": _hardtanh,
    "hardsigmoid": _hardsigmoid,
    "hardswish": _hardswish,
    "threshold": _threshold,
    "elu": _elu,
    "celu": _celu,
    "mish": _mish,
    "log_sigmoid": _log_sigmoid,
    "log_softmax": _log_softmax,
    "softmax": _softmax,
    "cross_entropy": _cross_entropy,
    "cross_entropy_backward": _cross_entropy_backward,
    "binary_cross_entropy": _binary_cross_entropy,
    "conv2d": _conv2d,
    "conv2d_input_grad": _conv2d_input_grad,
    "conv2d_weight_grad": _conv2d_weight_grad,
    "max_pool2d": _max_pool2d,
    "max_pool2d_backward": _max_pool2d_backward,
    "max_pool2d_select": _max_pool2d_select,
    "max_pool2d_indices": _max_pool2d_indices,
    "avg_pool2d": _avg_pool2d,
    "avg_pool2d_backward": _avg_pool2d_backward,
}
