"""Gradient clipping in place: ``clip_grad_norm_`` and ``clip_grad_value_`` (torch.nn.utils)."""

from __future__ import annotations

import math
from typing import Any

from numeru.core.errors import expected
from numeru.core.tensor import Tensor


def _grads(parameters: Any) -> list[Any]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad.data if isinstance(p.grad, Tensor) else p.grad
            for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients so that their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d Tensor). The scale is
    ``max_norm / (total + 1e-6)``, applied only when below 1, as torch does.
    """
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if not (norm_type > 0):
        raise expected("norm_type", "a positive number or inf", norm_type)
    grads = _grads(parameters)
    if not grads:
        import numpy as np

        return Tensor(np.asarray(0.0), "cpu")
    device = None
    if isinstance(parameters, Tensor):
        device = parameters.device
    else:
        for p in parameters:
            if p.grad is not None:
                device = p.device
                break
    assert device is not None  # some parameter has a gradient (checked above)
    xp = device.backend.xp
    if math.isinf(norm_type):
        total = max(float(xp.max(xp.abs(g))) for g in grads)
    else:
        total = sum(float(xp.sum(xp.abs(g) ** norm_type)) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise expected("parameters", "finite gradients (error_if_nonfinite=True)",
                       f"a total {norm_type}-norm of {total}")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return Tensor(xp.asarray(total, dtype=grads[0].dtype), device)


def clip_grad_value_(parameters: Any, clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise expected("clip_value", "a non-negative number", clip_value)
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    for p in parameters:
        if p.grad is not None:
            g = p.grad.data if isinstance(p.grad, Tensor) else p.grad
            g[...] = p.device.backend.xp.clip(g, -clip_value, clip_value)
