"""``default_collate``: stack a list of samples into a batch, keeping the structure.

Tensors are stacked along a new first axis (on their device); NumPy arrays and numbers become
a Tensor; tuples, lists and dicts are collated field by field; strings stay a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.errors import expected
from numeru.core.tensor import Tensor


def default_collate(batch: list[Any]) -> Any:
    if not batch:
        raise expected("batch", "at least one sample", "an empty list")
    first = batch[0]
    if isinstance(first, Tensor):
        return nm.stack(batch, axis=0)
    if isinstance(first, (np.ndarray, np.generic)):
        return nm.asarray(np.stack([np.asarray(b) for b in batch]))
    if isinstance(first, (bool, int, float)):
        return nm.asarray(np.asarray(batch))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, Sequence):
        sizes = {len(sample) for sample in batch}
        if len(sizes) != 1:
            raise expected("batch", "samples with the same number of fields",
                           f"sizes {sorted(sizes)}")
        fields = [default_collate(list(group)) for group in zip(*batch, strict=True)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise expected("batch", "Tensors, arrays, numbers, strings or containers of them",
                   type(first).__name__)
