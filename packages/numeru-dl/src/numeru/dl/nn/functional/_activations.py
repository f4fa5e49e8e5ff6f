"""Activation functions (functional forms), with PyTorch's signatures.

``inplace=True`` is refused: the result is always a new tensor (as ``dropout`` does), so a
recorded graph never loses the input it read.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numeru.core as nm
from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor

from ...ops import activation as _act
from ._common import tensor

_SQRT_HALF = math.sqrt(0.5)
# SELU's constants (Klambauer et al. 2017), as PyTorch writes them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def check_inplace(inplace: Any, name: str = "inplace") -> None:
    if inplace is not False:
        raise expected(name, "False (numeru's activations return a new tensor)", inplace)


def relu(input: Any, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    return _act.relu(tensor(input))


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    x = tensor(input)
    return nm.where(x > 0, x, x * negative_slope)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """PyTorch's ELU: ``alpha * expm1(x)`` for ``x <= 0`` (gradient ``alpha`` at 0), ``x``
    elsewhere; one op (``elu``) whose branch not taken never overflows."""
    check_inplace(inplace)
    return _act.elu(tensor(input), _number(alpha, "alpha"))


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise expected(name, "a real number", value)
    return float(value)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * expm1(x / alpha))`` (PyTorch's ``elu`` with
    ``input_scale = 1 / alpha``); ``alpha`` must not be 0."""
    check_inplace(inplace)
    a = _number(alpha, "alpha")
    if a == 0.0:
        raise expected("alpha", "a non-zero number (CELU divides by it)", alpha)
    return _act.celu(tensor(input), a)


def selu(input: Any, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    return _act.elu(tensor(input), SELU_ALPHA, SELU_SCALE)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``; the gradient is zero at the bounds (PyTorch)."""
    check_inplace(inplace)
    lo, hi = _number(min_val, "min_val"), _number(max_val, "max_val")
    if lo > hi:
        raise expected("min_val", f"at most max_val={max_val}", min_val)
    return _act.hardtanh(tensor(input), lo, hi)


def relu6(input: Any, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    return _act.hardtanh(tensor(input), 0.0, 6.0)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    return _act.hardsigmoid(tensor(input))


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    return _act.hardswish(tensor(input))


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value`` (NaN stays NaN, as PyTorch)."""
    check_inplace(inplace)
    return _act.threshold(tensor(input), _number(threshold, "threshold"),
                          _number(value, "value"))


def mish(input: Any, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    return _act.mish(tensor(input))


def logsigmoid(input: Any) -> Tensor:
    return _act.log_sigmoid(tensor(input))


def softsign(input: Any) -> Tensor:
    """``x / (1 + |x|)``, composed as PyTorch does (so its gradient is PyTorch's autograd's,
    NaN at the infinities included)."""
    x = tensor(input)
    return x / (nm.abs(x) + 1.0)


def prelu(input: Any, weight: Any) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``, with one weight or one per channel (axis 1;
    an input of fewer than 2 dimensions has one channel)."""
    x, w = tensor(input), tensor(weight, "weight")
    if w.ndim > 1:
        raise expected("weight", "a scalar or 1-D tensor", w.shape, error=ShapeError)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size == 1:
        w = nm.reshape(w, ())
    elif w.size == channels:
        w = nm.reshape(w, (channels,) + (1,) * (x.ndim - 2))
    else:
        raise expected("weight", f"1 or {channels} parameters (the channels of input of shape "
                       f"{x.shape})", w.size, error=ShapeError)
    return nm.where(x > 0, x, w * x)
def gelu(input: Any, approximate: str = "none") -> Tensor:
    x = tensor(input)
    if approximate == "none":
        # Halve x first, as PyTorch: x * (1 + erf) would overflow for x near the max float.
        return x * 0.5 * (1.0 + _act.erf(x * _SQRT_HALF))
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * 0.5 * (1.0 + nm.tanh(inner))
    raise expected("approximate", "'none' or 'tanh'", approximate)


def sigmoid(input: Any) -> Tensor:
    return _act.sigmoid(tensor(input))


def silu(input: Any, inplace: bool = False) -> Tensor:
    check_inplace(inplace)
    x = tensor(input)
    return x * _act.sigmoid(x)


def tanh(input: Any) -> Tensor:
    return nm.tanh(tensor(input))


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    x = tensor(input)
    scaled = x * beta
    soft = _act.softplus(scaled) / beta if beta != 1.0 else _act.softplus(scaled)
    return nm.where(scaled > threshold, x, soft)


def softmax_dim(dim: int | None, ndim: int, name: str) -> int:
    """``dim``, or PyTorch's deprecated implicit choice when it is None: axis 0 for 0-, 1- and
    3-D inputs, axis 1 otherwise (the channels of (N, C, ...)), with PyTorch's warning."""
    if dim is not None:
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise expected("dim", "an int or None", dim)
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _cast(x: Tensor, dtype: Any) -> Tensor:
    return x if dtype is None else nm.astype(x, dtype)


def softmax(input: Any, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """Softmax along ``dim``; ``dtype`` casts the input first (PyTorch's signature)."""
    x = _cast(tensor(input), dtype)
    return _act.softmax(x, axis=softmax_dim(dim, x.ndim, "softmax"))


def softmin(input: Any, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``softmax(-input)``; the negation comes before the ``dtype`` cast, as PyTorch."""
    x = _cast(-tensor(input), dtype)
    return _act.softmax(x, axis=softmax_dim(dim, x.ndim, "softmin"))


def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    x = _cast(tensor(input), dtype)
    return _act.log_softmax(x, axis=softmax_dim(dim, x.ndim, "log_softmax"))
