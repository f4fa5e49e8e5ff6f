"""The Dataset protocol and TensorDataset.

A dataset is anything with ``__len__`` and ``__getitem__(i)`` (map-style, as torch's). A
dataset that can also gather a whole batch at once implements ``__getitems__(indices)``
returning the already-collated batch; the DataLoader then skips per-sample collation, which
is what makes loading from in-memory tensors fast.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor


@runtime_checkable
class Dataset(Protocol):
    """Map-style dataset: ``len(ds)`` samples, ``ds[i]`` the i-th one."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Any: ...


def _as_tensor(name: str, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        import numeru.core as nm

        return nm.asarray(value)
    raise expected(name, "a Tensor or array-like", type(value).__name__)


class TensorDataset:
    """Samples are the rows of tensors that share their first dimension."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise expected("tensors", "at least one tensor", "none")
        self.tensors = tuple(_as_tensor(f"tensors[{i}]", t) for i, t in enumerate(tensors))
        n = self.tensors[0].shape[0] if self.tensors[0].ndim else None
        for i, t in enumerate(self.tensors):
            if t.ndim == 0 or t.shape[0] != n:
                raise expected(f"tensors[{i}]", f"first dimension {n} (as tensors[0])",
                               f"shape {t.shape}", error=ShapeError)
        devices = {t.device for t in self.tensors}
        if len(devices) != 1:
            raise expected("tensors", "tensors on one device", sorted(map(str, devices)))

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor(t.data[index, ...], t.device) for t in self.tensors)

    def __getitems__(self, indices: Any) -> tuple[Tensor, ...]:
        """The batch of rows ``indices`` (one gather per tensor, no per-sample work)."""
        if isinstance(indices, slice):  # a view: contiguous batches cost nothing
            return tuple(Tensor(t.data[indices, ...], t.device) for t in self.tensors)
        first = self.tensors[0]
        if first.device.type == "cpu":
            idx = np.asarray(indices)
            return tuple(Tensor(np.take(t.data, idx, axis=0), t.device) for t in self.tensors)
        xp = first.device.backend.xp
        idx = Tensor(np.asarray(indices, dtype=np.int64), "cpu").to(first.device).data
        return tuple(Tensor(xp.take(t.data, idx, axis=0), t.device) for t in self.tensors)


class Subset:
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Any, indices: Any) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices: Any) -> Any:
        inner = self.indices[indices if isinstance(indices, slice) else np.asarray(indices)]
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems(inner)
        from ._collate import default_collate

        return default_collate([self.dataset[int(i)] for i in inner])
