"""Dropout modules: ``Dropout`` (elementwise), ``Dropout1d`` / ``Dropout2d`` (whole channels)
and ``AlphaDropout``; identity in eval, PyTorch's ``p`` / ``inplace`` and ``extra_repr``."""

from __future__ import annotations

from typing import Any

from numeru.core.tensor import Tensor

from . import functional as F
from .functional._dropout import check_dropout
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        check_dropout(p, inplace)
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes elements with probability ``p`` in training and scales by 1/(1-p); identity in
    eval (PyTorch's inverted dropout)."""

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) or (C, L) inputs, scaling the rest by 1/(1-p)."""

    def forward(self, x: Any) -> Tensor:
        return F.dropout1d(x, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) inputs (a 3-D input is read as (N, C, L), with
    PyTorch's warning)."""

    def forward(self, x: Any) -> Tensor:
        return F.dropout2d(x, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for SELU networks: keeps zero mean and unit variance."""

    def forward(self, x: Any) -> Tensor:
        return F.alpha_dropout(x, self.p, self.training)
