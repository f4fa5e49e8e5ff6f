"""Loss functions (functional forms), following PyTorch's definitions and reductions."""

from __future__ import annotations

from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor

from ..._scatter import take_along_axis
from ...ops import activation as _act
from ...ops import loss as _loss
from ._common import reduce, tensor


def _same_shape(x: Tensor, t: Tensor, name: str) -> None:
    if x.shape != t.shape:
        raise ShapeError(f"{name}: target: expected shape {x.shape} (the input's), got {t.shape}")


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    x, t = tensor(input), tensor(target, "target")
    _same_shape(x, t, "mse_loss")
    d = x - t
    return reduce(d * d, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    x, t = tensor(input), tensor(target, "target")
    _same_shape(x, t, "l1_loss")
    return reduce(nm.abs(x - t), reduction)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    x, t = tensor(input), tensor(target, "target")
    _same_shape(x, t, "smooth_l1_loss")
    if beta < 0:
        raise expected("beta", "a non-negative number", beta)
    d = nm.abs(x - t)
    if beta == 0:
        return reduce(d, reduction)
    return reduce(nm.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


def _check_class_targets(x: Tensor, t: Tensor, ignore_index: int) -> None:
    """Integer targets of shape (N, d1, ...) for input (N, C, d1, ...), in [0, C) unless
    ``ignore_index``."""
    if t.dtype.kind not in "iu":
        raise expected("target", "integer class indices", t.dtype)
    if t.shape != (x.shape[0],) + x.shape[2:]:
        raise ShapeError(f"target: expected shape {(x.shape[0],) + x.shape[2:]} for input "
                         f"of shape {x.shape}, got {t.shape}")
    if not t.size:
        return
    c = x.shape[1]
    lo, hi = int(nm.min(t).item()), int(nm.max(t).item())
    if 0 <= lo and hi < c:  # the common case: nothing ignored, nothing out of range
        return
    safe = nm.where(t != ignore_index, t, nm.zeros_like(t))
    lo, hi = int(nm.min(safe).item()), int(nm.max(safe).item())
    if hi >= c or lo < 0:
        raise expected("target", f"class indices in [0, {c}) or ignore_index={ignore_index}",
                       (lo, hi))


def _class_targets(logp: Tensor, target: Any, ignore_index: int) -> tuple[Tensor, Tensor]:
    """Checked integer targets (ignored ones replaced by 0) and the mask of used ones."""
    t = tensor(target, "target")
    _check_class_targets(logp, t, ignore_index)
    used = t != ignore_index
    return nm.where(used, t, nm.zeros_like(t)), used


def _class_weights(logp: Tensor, safe: Tensor, used: Tensor, weight: Any) -> Tensor:
    mask = nm.astype(used, logp.dtype)
    if weight is None:
        return mask
    w = tensor(weight, "weight")
    if w.shape != (logp.shape[1],):
        raise ShapeError(f"weight: expected shape ({logp.shape[1]},), got {w.shape}")
    return nm.astype(w, logp.dtype)[safe] * mask


def _batched(logp: Tensor, target: Any) -> tuple[Tensor, Any, bool]:
    if logp.ndim == 1:  # one sample without a batch axis
        t = tensor(target, "target")
        return nm.expand_dims(logp, axis=0), nm.reshape(t, (1,)), True
    return logp, target, False


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, ...) at class ``target``."""
    logp, target, single = _batched(tensor(input), target)
    safe, used = _class_targets(logp, target, ignore_index)
    w = _class_weights(logp, safe, used, weight)
    picked = nm.squeeze(take_along_axis(logp, nm.expand_dims(safe, axis=1), 1), axis=1)
    # ``where``, not a product with the mask: an ignored sample's gradient stays 0 when a mean
    # over no target (0 / 0, NaN as in PyTorch) sends an infinite gradient back.
    losses = nm.where(used, -picked * w, nm.zeros_like(picked))
    if reduction == "mean":
        return nm.sum(losses) / nm.sum(w)
    out = reduce(losses, reduction)
    return out[0] if single and reduction == "none" else out


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``input`` (C), (N, C) or (N, C, d1, ...) at class indices
    ``target``, with PyTorch's class weights, ``ignore_index``, reductions and label smoothing;
    ``target`` may also hold class probabilities (same shape as ``input``).

    Class indices run the fused ``cross_entropy`` op (one graph node, a backend kernel where one
    is registered). Probability targets, class weights that require grad and non-float logits
    take the composed ``nll_loss(log_softmax(input))`` path.
    """
    x = tensor(input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise expected("label_smoothing", "a number in [0, 1]", label_smoothing)
    t = tensor(target, "target")
    if t.dtype.kind in "fc":
        return _cross_entropy_probabilities(x, t, weight, reduction, label_smoothing)
    if (x.dtype.kind not in "fV"
            or (isinstance(weight, Tensor) and weight.requires_grad)):
        return _cross_entropy_composed(x, t, weight, ignore_index, reduction, label_smoothing)
    if reduction not in _loss.REDUCTIONS:
        raise expected("reduction", "'mean', 'sum' or 'none'", reduction)
    xb, tb, single = _batched(x, t)
    _check_class_targets(xb, tb, ignore_index)
    w = None
    if weight is not None:
        w = tensor(weight, "weight")
        if w.shape != (xb.shape[1],):
            raise ShapeError(f"weight: expected shape ({xb.shape[1]},), got {w.shape}")
        if w.dtype != x.dtype:
            w = nm.astype(w, x.dtype)
    out = _loss.cross_entropy(xb, tb, w, ignore_index=ignore_index, reduction=reduction,
                              label_smoothing=label_smoothing)
    return out[0] if single and reduction == "none" else out


def _cross_entropy_probabilities(x: Tensor, t: Tensor, weight: Any, reduction: str,
                                 label_smoothing: float) -> Tensor:
    axis = 0 if x.ndim == 1 else 1
    logp = _act.log_softmax(x, axis=axis)
    _same_shape(x, t, "cross_entropy")
    c = x.shape[axis]
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / c
    terms = logp * t
    if weight is not None:
        w_shape = (c,) + (1,) * (x.ndim - axis - 1)
        terms = terms * nm.reshape(nm.astype(tensor(weight, "weight"), x.dtype), w_shape)
    return reduce(-nm.sum(terms, axis=axis), reduction)


def _cross_entropy_composed(x: Tensor, t: Tensor, weight: Any, ignore_index: int,
                            reduction: str, label_smoothing: float) -> Tensor:
    """``nll_loss(log_softmax(x))`` plus the smoothing term, op by op (every op recorded, so a
    gradient also reaches class weights that require grad)."""
    axis = 0 if x.ndim == 1 else 1
    logp = _act.log_softmax(x, axis=axis)
    nll = nll_loss(logp, t, weight, ignore_index, reduction)
    if not label_smoothing:
        return nll
    c = x.shape[axis]
    logp_b, t_b, single = _batched(logp, t)
    safe, used = _class_targets(logp_b, t_b, ignore_index)
    terms = logp_b
    if weight is not None:
        wc = nm.astype(tensor(weight, "weight"), logp.dtype)
        terms = logp_b * nm.reshape(wc, (c,) + (1,) * (logp_b.ndim - 2))
    total = -nm.sum(terms, axis=1)
    smooth = nm.where(used, total, nm.zeros_like(total))
    if reduction == "mean":
        denom = nm.sum(_class_weights(logp_b, safe, used, weight))
        smooth_total = nm.sum(smooth) / denom
    elif reduction == "sum":
        smooth_total = nm.sum(smooth)
    else:
        smooth_total = smooth[0] if single else smooth
    return nll * (1.0 - label_smoothing) + smooth_total * (label_smoothing / c)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    x, t = tensor(input), tensor(target, "target")
    _same_shape(x, t, "binary_cross_entropy")
    if x.size and (float(nm.min(x).item()) < 0 or float(nm.max(x).item()) > 1):
        raise expected("input", "probabilities in [0, 1]", (float(nm.min(x).item()),
                                                              float(nm.max(x).item())))
    # One op: PyTorch clamps each log at -100 so that a confident wrong answer stays finite,
    # and its gradient stays finite at x = 0 and 1 (a saturated float32 sigmoid).
    losses = _loss.binary_cross_entropy(x, t)
    if weight is not None:
        losses = losses * tensor(weight, "weight")
    return reduce(losses, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    x, t = tensor(input), tensor(target, "target")
    _same_shape(x, t, "binary_cross_entropy_with_logits")
    # log(1 + exp(-x)) computed as softplus(-x): stable for large |x|.
    log_sigmoid_neg = _act.softplus(-x)
    if pos_weight is None:
        losses = (1.0 - t) * x + log_sigmoid_neg
    else:
        scale = (tensor(pos_weight, "pos_weight") - 1.0) * t + 1.0
        losses = (1.0 - t) * x + scale * log_sigmoid_neg
    if weight is not None:
        losses = losses * tensor(weight, "weight")
    return reduce(losses, reduction)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence with ``input`` given as log-probabilities (PyTorch's convention)."""
    x, t = tensor(input), tensor(target, "target")
    if log_target:
        losses = nm.exp(t) * (t - x)
    else:
        # PyTorch's ``xlogy(t, t) - t x``: 0 where t == 0, NaN where t < 0 (not a probability).
        nonzero = t != 0
        safe = nm.where(nonzero, t, nm.ones_like(t))
        with np.errstate(invalid="ignore"):
            losses = nm.where(nonzero, t * nm.log(safe), t * 0.0) - t * x
    if reduction == "batchmean":
        return nm.sum(losses) / float(x.shape[0] if x.ndim else 1)
    return reduce(losses, reduction)

