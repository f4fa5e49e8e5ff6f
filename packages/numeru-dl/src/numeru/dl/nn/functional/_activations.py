"""Activation functions (functional forms), with PyTorch's signatures.

``inplace=True`` is refused: the result is always a new tensor (as ``dropout`` does), so a
recorded graph never loses the input it read.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numeru.core as nm
from numeru.core.errors import expected
from numeru.core.tensor import Tensor

from ...ops import activation as _act
from ._common import tensor

_SQRT_HALF = math.sqrt(0.5)
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
    check_inplace(inplace)
    x = tensor(input)
    # expm1 of x where x <= 0 and of 0 elsewhere: the branch not taken never overflows, so its
    # gradient stays finite. ``where`` rather than ``minimum``, which would halve the gradient
    # at x == 0 (PyTorch's is alpha there).
    negative = nm.where(x > 0, nm.zeros_like(x), x)
    return nm.where(x > 0, x, nm.expm1(negative) * alpha)


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


def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    x = _cast(tensor(input), dtype)
    return _act.log_softmax(x, axis=softmax_dim(dim, x.ndim, "log_softmax"))
