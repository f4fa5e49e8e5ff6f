"""``linear(x, w, b) = x @ w.T + b`` as one op: one graph node per layer call instead of three,
and GEMMs on the transposed weight view without copies."""

from __future__ import annotations

from typing import Any

from numeru.core import dispatch
from numeru.core.tensor import Tensor


def _linear(xp: Any, x: Any, w: Any, b: Any = None) -> Any:
    y = xp.matmul(x, w.T)
    if b is not None:
        y += b
    return y


LINEAR = dispatch.op("linear", _linear)


def linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    args = (x, w) if b is None else (x, w, b)
    return dispatch.apply(LINEAR, args)
