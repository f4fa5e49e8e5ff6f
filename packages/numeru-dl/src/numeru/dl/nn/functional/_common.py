"""Argument helpers shared by the functional API."""

from __future__ import annotations

from typing import Any

import numeru.core as nm
from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor


def tensor(x: Any, name: str = "input") -> Tensor:
    """``x`` as a Tensor (NumPy arrays and lists are converted, tensors pass through)."""
    if isinstance(x, Tensor):
        return x
    try:
        return nm.asarray(x)
    except Exception:
        raise expected(name, "a Tensor or array-like", x) from None


def detached(t: Tensor) -> Tensor:
    """The same memory outside the graph."""
    return Tensor(t.data, t.device)


def pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, int) for v in value):
        return (int(value[0]), int(value[1]))
    raise expected(name, "an int or a pair of ints", value)


def check_ndim(x: Tensor, allowed: tuple[int, ...], name: str, what: str) -> None:
    if x.ndim not in allowed:
        shapes = " or ".join(f"{n}-D" for n in allowed)
        raise expected(name, f"a {shapes} tensor ({what})", x.shape, error=ShapeError)


def reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return nm.mean(losses)
    if reduction == "sum":
        return nm.sum(losses)
    if reduction == "none":
        return losses
    raise expected("reduction", "'mean', 'sum' or 'none'", reduction)
