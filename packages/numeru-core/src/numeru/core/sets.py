"""Set functions: unique_all, unique_counts, unique_inverse, unique_values."""

from __future__ import annotations

from typing import Any

from . import dispatch
from .tensor import Tensor

_op = dispatch.op


def unique_all(x: Tensor, /) -> Any:
    return dispatch.apply(_op("unique_all"), (x,))


def unique_counts(x: Tensor, /) -> Any:
    return dispatch.apply(_op("unique_counts"), (x,))


def unique_inverse(x: Tensor, /) -> Any:
    return dispatch.apply(_op("unique_inverse"), (x,))


def unique_values(x: Tensor, /) -> Tensor:
    return dispatch.apply(_op("unique_values"), (x,))
