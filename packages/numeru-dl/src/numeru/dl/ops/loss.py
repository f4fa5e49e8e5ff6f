"""The fused cross-entropy op and its backward: softmax, log and the pick at the target class
in one op instead of ``nll_loss(log_softmax(x))``.

``cross_entropy(x, target, weight)`` takes logits ``x`` of shape (N, C, d1, ...), integer class
indices ``target`` of shape (N, d1, ...) already checked to lie in [0, C) or equal
``ignore_index``, and optional class weights ``weight`` (C,) of ``x``'s dtype. With
``lse = log sum_c exp x_c`` (max-shifted), the loss of sample i is PyTorch's

    (1 - eps) * w[t] * (lse - x[t])  +  (eps / C) * sum_c w_c * (lse - x_c)

(0 where ``t == ignore_index``), then summed, averaged over ``sum_i w[t_i]`` (``"mean"``) or
kept per sample (``"none"``); a mean over no target is 0 / 0 = NaN, with a zero gradient
(PyTorch's). Its gradient is ``g * (a_i * softmax(x_i) - b_i)`` with
``a_i = (1 - eps) w[t] + (eps / C) sum_c w_c`` and ``b_ic = (1 - eps) w[t] [c == t] +
(eps / C) w_c``: the ``cross_entropy_backward`` op, so that a backend can fuse it too (the CUDA
backend does). Both recompute the row's log-sum-exp instead of saving softmax(x): one (N, C)
temporary fewer kept alive between forward and backward.

Probability targets and class weights that require grad are not covered: the functional
``cross_entropy`` keeps the composed path for those.
"""

from __future__ import annotations

from typing import Any

from numeru.core import dispatch
from numeru.core.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def targets(xp: Any, target: Any, ignore_index: int, dtype: Any) -> tuple[Any, Any]:
    """(targets with ignored ones replaced by class 0, 1.0 where used and 0.0 where ignored)."""
    used = target != ignore_index
    return xp.where(used, target, xp.zeros_like(target)), xp.astype(used, dtype)


def target_weights(xp: Any, weight: Any, safe: Any, used: Any) -> Any:
    """``w[t_i]`` per sample, 0 where ignored (``used`` itself without class weights)."""
    if weight is None:
        return used
    flat = xp.take(weight, xp.reshape(safe, (-1,)), axis=0)
    return xp.reshape(flat, safe.shape) * used


def row_scale(xp: Any, g: Any, wt: Any, reduction: str) -> Any:
    """The incoming gradient per sample: ``g`` itself, or ``g / sum_i w[t_i]`` for the mean."""
    return g / xp.sum(wt) if reduction == "mean" else g


def _class_shape(ndim: int, c: int) -> tuple[int, ...]:
    """Shape that broadcasts a (C,) vector along axis 1 of an (N, C, d1, ...) array."""
    return (1, c) + (1,) * (ndim - 2)


def _cross_entropy(xp: Any, x: Any, target: Any, weight: Any, *, ignore_index: int,
                   reduction: str, label_smoothing: float) -> Any:
    c = x.shape[1]
    shifted = x - xp.max(x, axis=1, keepdims=True)
    log_s = xp.log(xp.sum(xp.exp(shifted), axis=1))  # lse - max
    safe, used = targets(xp, target, ignore_index, x.dtype)
    wt = target_weights(xp, weight, safe, used)
    picked = xp.squeeze(xp.take_along_axis(shifted, xp.expand_dims(safe, axis=1), axis=1),
                        axis=1)
    losses = (log_s - picked) * wt
    if label_smoothing:
        if weight is None:
            spread = log_s * c - xp.sum(shifted, axis=1)
        else:
            w = xp.reshape(weight, _class_shape(x.ndim, c))
            spread = log_s * xp.sum(weight) - xp.sum(shifted * w, axis=1)
        losses = losses * (1.0 - label_smoothing) + spread * used * (label_smoothing / c)
    if reduction == "none":
        return losses
    total = xp.sum(losses)
    return total / xp.sum(wt) if reduction == "mean" else total


def _cross_entropy_backward(xp: Any, x: Any, target: Any, weight: Any, g: Any, *,
                            ignore_index: int, reduction: str, label_smoothing: float) -> Any:
    c = x.shape[1]
    e = xp.exp(x - xp.max(x, axis=1, keepdims=True))
    safe, used = targets(xp, target, ignore_index, x.dtype)
    wt = target_weights(xp, weight, safe, used)
    scale = row_scale(xp, g, wt, reduction)
    hit = wt * (scale * (1.0 - label_smoothing))  # coefficient of the one-hot target
    spread = used * (scale * (label_smoothing / c))  # coefficient of the class weights
    if label_smoothing:
        total_weight = c if weight is None else xp.sum(weight)
        a = hit + spread * total_weight
    else:
        a = hit
    e *= xp.expand_dims(a / xp.sum(e, axis=1), axis=1)  # a_i * softmax(x_i)
    classes = xp.reshape(xp.arange(c, dtype=safe.dtype), _class_shape(x.ndim, c))
    onehot = xp.astype(xp.expand_dims(safe, axis=1) == classes, x.dtype)
    e -= onehot * xp.expand_dims(hit, axis=1)
    if label_smoothing:
        spread = xp.expand_dims(spread, axis=1)
        e -= spread if weight is None else spread * xp.reshape(weight, _class_shape(x.ndim, c))
    if reduction == "mean":
        # Ignored rows get exactly 0, as in PyTorch, even when a mean over no target made the
        # scale infinite (0 * inf would be NaN).
        e = xp.where(xp.expand_dims(used, axis=1) > 0, e, xp.zeros_like(e))
    return e


def clamped_log(xp: Any, x: Any) -> Any:
    """``max(log x, -100)`` for ``x`` in [0, 1], without evaluating ``log(0)``."""
    positive = x > 0
    logs = xp.log(xp.where(positive, x, xp.ones_like(x)))
    return xp.where(positive, xp.maximum(logs, -100.0), xp.full_like(x, -100.0))


def clamped_log1m(xp: Any, x: Any) -> Any:
    """``max(log(1 - x), -100)`` for ``x`` in [0, 1], without evaluating ``log(0)``."""
    below = x < 1
    logs = xp.log1p(-xp.where(below, x, xp.zeros_like(x)))
    return xp.where(below, xp.maximum(logs, -100.0), xp.full_like(x, -100.0))


def _binary_cross_entropy(xp: Any, x: Any, target: Any) -> Any:
    """PyTorch's elementwise BCE of probabilities: each log clamped at -100."""
    return -(target * clamped_log(xp, x) + (1.0 - target) * clamped_log1m(xp, x))


CROSS_ENTROPY = dispatch.op("cross_entropy", _cross_entropy)
BINARY_CROSS_ENTROPY = dispatch.op("binary_cross_entropy", _binary_cross_entropy)
CROSS_ENTROPY_BACKWARD = dispatch.op("cross_entropy_backward", _cross_entropy_backward)


def cross_entropy(x: Tensor, target: Tensor, weight: Tensor | None, *, ignore_index: int,
                  reduction: str, label_smoothing: float) -> Tensor:
    """The fused loss of logits ``x`` (N, C, ...) at checked class indices ``target``."""
    return dispatch.apply(CROSS_ENTROPY, (x, target, weight),
                          {"ignore_index": int(ignore_index), "reduction": reduction,
                           "label_smoothing": float(label_smoothing)})


def cross_entropy_backward(x: Tensor, target: Tensor, weight: Tensor | None, g: Tensor, *,
                           ignore_index: int, reduction: str, label_smoothing: float) -> Tensor:
    """d loss / d x times the incoming gradient ``g`` (of the loss's shape)."""
    return dispatch.apply(CROSS_ENTROPY_BACKWARD, (x, target, weight, g),
                          {"ignore_index": ignore_index, "reduction": reduction,
                           "label_smoothing": label_smoothing})


def binary_cross_entropy(x: Tensor, target: Tensor) -> Tensor:
    """Elementwise ``-(t log x + (1 - t) log(1 - x))`` with PyTorch's clamps; its gradient in
    ``x`` is PyTorch's ``(x - t) / max(x (1 - x), 1e-12)``, finite at x = 0 and x = 1."""
    return dispatch.apply(BINARY_CROSS_ENTROPY, (x, target))
