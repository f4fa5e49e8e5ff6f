"""``Parameter``: a Tensor that a Module registers as learnable when assigned to it."""

from __future__ import annotations

from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.tensor import Tensor

DEFAULT_DTYPE = np.dtype(np.float32)


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` (unless asked otherwise), shared memory with
    ``data`` when it is already a tensor or array of the right kind."""

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = nm.empty((0,), dtype=DEFAULT_DTYPE)
        source = data if isinstance(data, Tensor) else nm.asarray(data)
        super().__init__(source.data, source.device)
        self.requires_grad = bool(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
