"""Parameter initialisation (``numeru.dl.nn.init``), in place, with numeru.dl's generator.

Formulas follow ``torch.nn.init``. Values are drawn in float64 and cast to the tensor's dtype.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor

from .. import _rng


def _write(tensor: Tensor, values: np.ndarray) -> Tensor:
    host = np.asarray(values, dtype=tensor.dtype)
    if tensor.device.type == "cpu":
        tensor.data[...] = host
    else:
        moved = Tensor(host, "cpu").to(tensor.device)
        tensor.device.backend.copy_into(tensor.data, moved.data)
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is not None and (isinstance(param, bool) or not isinstance(param, (int, float))):
            raise expected("param", "a number (the negative slope) or None", param)
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise expected("nonlinearity", "linear, conv*, sigmoid, tanh, relu, leaky_relu or selu",
                   nonlinearity)


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ShapeError(f"fan in/out: expected a tensor of at least 2 dimensions, got shape "
                         f"{tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise expected("mode", "'fan_in' or 'fan_out'", mode)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    if a > b:
        raise expected("a", f"at most b={b}", a)
    return _write(tensor, _rng.uniform(tensor.shape, a, b, generator))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    if std < 0:
        raise expected("std", "a non-negative number", std)
    return _write(tensor, _rng.normal(tensor.shape, mean, std, generator))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """N(mean, std) truncated to [a, b] (absolute bounds, as PyTorch's), by rejection: draws
    outside are redrawn. An interval holding less than 0.1% of the normal's mass is refused
    (rejection would be slow there; PyTorch's inverse-CDF sampler loses accuracy there)."""
    if std <= 0:
        raise expected("std", "a positive number", std)
    if not a < b:
        raise expected("a", f"less than b={b}", a)
    cdf = [0.5 * (1 + math.erf((v - mean) / (std * math.sqrt(2.0)))) for v in (a, b)]
    if cdf[1] - cdf[0] < 1e-3:
        raise expected("a", f"bounds [a, b] holding at least 0.1% of N({mean}, {std}^2)'s mass "
                       f"(b={b})", a)
    n = math.prod(tensor.shape)
    values = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        draw = _rng.normal((todo.size,), mean, std, generator)
        values[todo] = draw
        todo = todo[(draw < a) | (draw > b)]
    return _write(tensor, values.reshape(tensor.shape))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """PyTorch's: the Q of a QR decomposition of a normal matrix (rows = shape[0], the other
    axes flattened), signs fixed by R's diagonal so that Q is uniformly (Haar) distributed,
    times ``gain``; semi-orthogonal rows or columns when the matrix is not square."""
    if tensor.ndim < 2:
        raise expected("tensor", "a tensor of at least 2 dimensions", tensor.shape,
                       error=ShapeError)
    if math.prod(tensor.shape) == 0:
        return tensor
    rows = tensor.shape[0]
    cols = math.prod(tensor.shape) // rows
    flat = _rng.normal((rows, cols), 0.0, 1.0, generator)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tensor.shape))


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (a 2-D tensor; rectangular ones get ones on the main diagonal)."""
    if tensor.ndim != 2:
        raise expected("tensor", "a 2-D tensor", tensor.shape, error=ShapeError)
    return _write(tensor, np.eye(tensor.shape[0], tensor.shape[1]))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """A convolution weight (3-, 4- or 5-D) that passes its input through: a one at each
    kernel's centre for the first min(out/groups, in) channels of each group (PyTorch's)."""
    if tensor.ndim not in (3, 4, 5):
        raise expected("tensor", "a 3-, 4- or 5-D tensor", tensor.shape, error=ShapeError)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0 or (
            tensor.shape[0] % groups):
        raise expected("groups", f"a positive divisor of dimension 0 ({tensor.shape[0]})",
                       groups)
    per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1.0
    return _write(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _write(tensor, np.full(tensor.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _zero_element(tensor: Tensor) -> bool:
    """PyTorch's kaiming initialisers leave a tensor with a zero dimension as it is (with a
    warning) instead of dividing by a zero fan."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    if _zero_element(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    if _zero_element(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
