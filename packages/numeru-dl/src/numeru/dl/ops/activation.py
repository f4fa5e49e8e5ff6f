"""Activation ops with dedicated gradients: relu, sigmoid, erf, softmax, log_softmax.

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


RELU = dispatch.op("relu", _relu)
SIGMOID = dispatch.op("sigmoid", _sigmoid)
SOFTPLUS = dispatch.op("softplus", _softplus)
LOG_SOFTMAX = dispatch.op("log_softmax", _log_softmax)
SOFTMAX = dispatch.op("softmax", _softmax)
ERF = dispatch.op("erf", _erf)


def relu(x: Tensor) -> Tensor:
    return dispatch.unary(RELU, x)


def sigmoid(x: Tensor) -> Tensor:
    return dispatch.unary(SIGMOID, x)


def softplus(x: Tensor) -> Tensor:
    return dispatch.unary(SOFTPLUS, x)


def erf(x: Tensor) -> Tensor:
    return dispatch.unary(ERF, x)


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
