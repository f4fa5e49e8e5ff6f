"""Activation functions (functional forms)."""

from __future__ import annotations

import math
from typing import Any

import numeru.core as nm
from numeru.core.errors import expected
from numeru.core.tensor import Tensor

from ...ops import activation as _act
from ._common import tensor

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def relu(input: Any) -> Tensor:
    return _act.relu(tensor(input))


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Tensor:
    x = tensor(input)
    return nm.where(x > 0, x, x * negative_slope)


def elu(input: Any, alpha: float = 1.0) -> Tensor:
    x = tensor(input)
    # expm1 of min(x, 0): the branch not taken never overflows, so its gradient stays finite.
    return nm.where(x > 0, x, nm.expm1(nm.minimum(x, 0.0)) * alpha)


def gelu(input: Any, approximate: str = "none") -> Tensor:
    x = tensor(input)
    if approximate == "none":
        return x * (1.0 + _act.erf(x * _SQRT_HALF)) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * (1.0 + nm.tanh(inner)) * 0.5
    raise expected("approximate", "'none' or 'tanh'", approximate)


def sigmoid(input: Any) -> Tensor:
    return _act.sigmoid(tensor(input))


def silu(input: Any) -> Tensor:
    x = tensor(input)
    return x * _act.sigmoid(x)


def tanh(input: Any) -> Tensor:
    return nm.tanh(tensor(input))


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    x = tensor(input)
    scaled = x * beta
    soft = _act.softplus(scaled) / beta if beta != 1.0 else _act.softplus(scaled)
    return nm.where(scaled > threshold, x, soft)


def softmax(input: Any, dim: int = -1) -> Tensor:
    return _act.softmax(tensor(input), axis=dim)


def log_softmax(input: Any, dim: int = -1) -> Tensor:
    return _act.log_softmax(tensor(input), axis=dim)
