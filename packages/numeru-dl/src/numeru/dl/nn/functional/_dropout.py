"""Dropout variants beyond elementwise ``dropout``: channel dropout (``dropout1d``,
``dropout2d``) and ``alpha_dropout`` (SELU networks).

Masks come from numeru.dl's Philox stream (``numeru.dl.manual_seed``), drawn in float64 on the
host and cast; ``inplace=True`` is refused, as by ``dropout``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numeru.core as nm
from numeru.core.errors import DTypeError, ShapeError, expected
from numeru.core.tensor import Tensor

from ... import _rng
from ._common import tensor

# -SELU_ALPHA * SELU_SCALE: the value a SELU saturates to (PyTorch's constant).
_ALPHA = 1.7580993408473766


def check_dropout(p: Any, inplace: Any, name: str = "dropout") -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise expected("p", "a probability in [0, 1]", p)
    if inplace is not False:
        raise expected("inplace", f"False (numeru's {name} returns a new tensor)", inplace)
    return float(p)


def _floating(x: Tensor) -> None:
    if x.dtype.kind not in "fc":  # PyTorch refuses too: 1 / (1 - p) has no integer value
        raise expected("input", "a floating-point tensor", x.dtype, error=DTypeError)


def _feature_dropout(x: Tensor, p: float, training: bool, generator: Any) -> Tensor:
    """Zero whole channels (axes 0 and 1 pick one; the rest share its draw), scale the rest
    by 1 / (1 - p)."""
    _floating(x)
    if not training or p == 0.0 or x.size == 0:
        return x
    if p == 1.0:
        return x * 0.0
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    keep = _rng.uniform(shape, 0.0, 1.0, generator) >= p
    return x * nm.asarray((keep / (1.0 - p)).astype(x.dtype), device=x.device)


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: Any = None) -> Tensor:
    """Channel dropout of (N, C, L) or unbatched (C, L) inputs (PyTorch's ``dropout1d``)."""
    x = tensor(input)
    p = check_dropout(p, inplace, "dropout1d")
    if x.ndim not in (2, 3):
        raise expected("input", "a 2-D (C, L) or 3-D (N, C, L) tensor", x.shape,
                       error=ShapeError)
    if x.ndim == 2:  # unbatched: one draw per channel
        _floating(x)
        if not training or p == 0.0:
            return x
        return _feature_dropout(nm.expand_dims(x, axis=0), p, training, generator)[0]
    return _feature_dropout(x, p, training, generator)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: Any = None) -> Tensor:
    """Channel dropout of (N, C, H, W) inputs. As in PyTorch, a 3-D input is read as (N, C, L)
    with its warning, and other ranks (at least 2) with its deprecation warning."""
    x = tensor(input)
    p = check_dropout(p, inplace, "dropout2d")
    if x.ndim < 2:
        raise expected("input", "a tensor of at least 2 dimensions (N, C, ...)", x.shape,
                       error=ShapeError)
    if x.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 3D or 4D inputs).", UserWarning, stacklevel=2)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", UserWarning,
                      stacklevel=2)
    return _feature_dropout(x, p, training, generator)


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False,
                  *, generator: Any = None) -> Tensor:
    """Alpha dropout (PyTorch's, training defaults to False as there): dropped elements take
    SELU's saturation value and an affine map ``a * (x * keep + alpha' * (1 - keep)) + b``
    keeps zero mean and unit variance."""
    x = tensor(input)
    p = check_dropout(p, inplace, "alpha_dropout")
    _floating(x)
    if not training or p == 0.0 or x.size == 0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = (_rng.uniform(tuple(x.shape), 0.0, 1.0, generator) >= p).astype(float)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    # PyTorch's order: b = (keep - 1) * alpha * a + alpha * a * p; y = x * (keep * a) + b.
    scale = nm.asarray((keep * a).astype(x.dtype), device=x.device)
    shift = nm.asarray(((keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p).astype(x.dtype),
                       device=x.device)
    return x * scale + shift
