"""Activation ops with dedicated gradients: relu, sigmoid, erf, softmax, log_softmax, and
PyTorch's piecewise ones (hardtanh, hardsigmoid, hardswish, threshold, elu with its scales for
SELU, celu) and mish, log_sigmoid.

They are ops (not compositions) because their gradients are cheaper from the output
(sigmoid, softmax) and because compositions would record several graph nodes per call.
"""

from __future__ import annotations

import math
from typing import Any

from numeru.core import dispatch
from numeru.core.tensor import Tensor


def _relu(xp: Any, x: Any) -> Any:
    return xp.maximum(x, xp.zeros((), dtype=x.dtype))


def _sigmoid(xp: Any, x: Any) -> Any:
    # exp of a non-positive number only: no overflow for large |x|.
    e = xp.exp(-xp.abs(x))
    one = xp.ones((), dtype=x.dtype)
    return xp.where(x >= 0, one / (one + e), e / (one + e))


def _softplus(xp: Any, x: Any) -> Any:
    return xp.maximum(x, xp.zeros((), dtype=x.dtype)) + xp.log1p(xp.exp(-xp.abs(x)))


def _log_softmax(xp: Any, x: Any, axis: int) -> Any:
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _softmax(xp: Any, x: Any, axis: int) -> Any:
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _erf(xp: Any, x: Any) -> Any:
    """erf for namespaces without one (Abramowitz-Stegun 7.1.26, absolute error < 1.5e-7).

    The CPU backend uses the exact Numba kernel registered under the same op name.
    """
    a = xp.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                       + t * 1.061405429))))
    y = 1.0 - poly * xp.exp(-a * a)
    return xp.astype(xp.where(x < 0, -y, y), x.dtype)


def _scalar(xp: Any, value: float, x: Any) -> Any:
    return xp.asarray(value, dtype=x.dtype)


def _hardtanh(xp: Any, x: Any, min_val: float, max_val: float) -> Any:
    # PyTorch's clamp: NaN stays NaN (neither comparison holds).
    lo, hi = _scalar(xp, min_val, x), _scalar(xp, max_val, x)
    return xp.where(x <= lo, lo, xp.where(x >= hi, hi, x))


def _hardsigmoid(xp: Any, x: Any) -> Any:
    # PyTorch's kernel: min(max(x + 3, 0), 6) / 6 (NaN propagates through max and min).
    return xp.minimum(xp.maximum(x + 3.0, _scalar(xp, 0.0, x)), _scalar(xp, 6.0, x)) / 6.0


def _hardswish(xp: Any, x: Any) -> Any:
    return x * xp.minimum(xp.maximum(x + 3.0, _scalar(xp, 0.0, x)), _scalar(xp, 6.0, x)) / 6.0


def _threshold(xp: Any, x: Any, threshold: float, value: float) -> Any:
    return xp.where(x <= _scalar(xp, threshold, x), _scalar(xp, value, x), x)


def _elu(xp: Any, x: Any, alpha: float, scale: float, input_scale: float) -> Any:
    """PyTorch's ``elu(x, alpha, scale, input_scale)``: ``scale * x`` for ``x > 0``, else
    ``alpha * scale * expm1(x * input_scale)`` (CELU: ``input_scale = 1 / alpha``; SELU)."""
    zero = _scalar(xp, 0.0, x)
    # expm1 of the non-positive part only: the branch not taken never overflows.
    negative = xp.expm1(xp.minimum(x, zero) * input_scale) * (alpha * scale)
    return xp.where(x <= zero, negative, x * scale if scale != 1.0 else x)


def _celu(xp: Any, x: Any, alpha: float) -> Any:
    return _elu(xp, x, alpha, 1.0, 1.0 / alpha)


def _mish(xp: Any, x: Any) -> Any:
    return x * xp.tanh(_softplus(xp, x))


def _log_sigmoid(xp: Any, x: Any) -> Any:
    # PyTorch's: min(x, 0) - log1p(exp(-|x|)), exact for large |x| of either sign.
    return xp.minimum(x, _scalar(xp, 0.0, x)) - xp.log1p(xp.exp(-xp.abs(x)))


RELU = dispatch.op("relu", _relu)
SIGMOID = dispatch.op("sigmoid", _sigmoid)
SOFTPLUS = dispatch.op("softplus", _softplus)
LOG_SOFTMAX = dispatch.op("log_softmax", _log_softmax)
SOFTMAX = dispatch.op("softmax", _softmax)
ERF = dispatch.op("erf", _erf)
HARDTANH = dispatch.op("hardtanh", _hardtanh)
HARDSIGMOID = dispatch.op("hardsigmoid", _hardsigmoid)
HARDSWISH = dispatch.op("hardswish", _hardswish)
THRESHOLD = dispatch.op("threshold", _threshold)
ELU = dispatch.op("elu", _elu)
CELU = dispatch.op("celu", _celu)
MISH = dispatch.op("mish", _mish)
LOG_SIGMOID = dispatch.op("log_sigmoid", _log_sigmoid)


def relu(x: Tensor) -> Tensor:
    return dispatch.unary(RELU, x)


def sigmoid(x: Tensor) -> Tensor:
    return dispatch.unary(SIGMOID, x)


def softplus(x: Tensor) -> Tensor:
    return dispatch.unary(SOFTPLUS, x)


def erf(x: Tensor) -> Tensor:
    return dispatch.unary(ERF, x)


def hardtanh(x: Tensor, min_val: float, max_val: float) -> Tensor:
    return dispatch.apply(HARDTANH, (x,), {"min_val": min_val, "max_val": max_val})


def hardsigmoid(x: Tensor) -> Tensor:
    return dispatch.unary(HARDSIGMOID, x)


def hardswish(x: Tensor) -> Tensor:
    return dispatch.unary(HARDSWISH, x)


def threshold(x: Tensor, threshold: float, value: float) -> Tensor:
    return dispatch.apply(THRESHOLD, (x,), {"threshold": threshold, "value": value})


def elu(x: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    return dispatch.apply(ELU, (x,), {"alpha": alpha, "scale": scale,
                                      "input_scale": input_scale})


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    return dispatch.apply(CELU, (x,), {"alpha": alpha})


def mish(x: Tensor) -> Tensor:
    return dispatch.unary(MISH, x)


def log_sigmoid(x: Tensor) -> Tensor:
    return dispatch.unary(LOG_SIGMOID, x)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return dispatch.apply(LOG_SOFTMAX, (x,), {"axis": axis})


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return dispatch.apply(SOFTMAX, (x,), {"axis": axis})


def erf_cpu_kernel() -> Any:
    """The exact erf on the CPU: ``math.erf`` vectorised by Numba."""
    import numba
    import numpy as np

    @numba.vectorize(["float32(float32)", "float64(float64)"], cache=True)
    def erf_kernel(v):  # pragma: no cover - compiled
        return math.erf(v)

    def kernel(x: Any) -> Any:
        return erf_kernel(x) if x.dtype in (np.float32, np.float64) else np.asarray(
            erf_kernel(x.astype(np.float64)), dtype=x.dtype)

    return kernel
