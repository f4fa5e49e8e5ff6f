"""Data types: NumPy dtype objects (plus ml_dtypes' bfloat16), promotion and the defaults.

numeru uses ``numpy.dtype`` instances as its dtype objects on every backend, as CuPy does, so
``t.dtype == nm.float32`` and ``t.dtype == np.float32`` both hold. Promotion follows the Array
API table and NumPy 2 (NEP 50: Python scalars are weak), extended to bfloat16 by ml_dtypes.
"""

from __future__ import annotations

import threading
from typing import Any

import ml_dtypes
import numpy as np

from .errors import DTypeError

bool_ = np.dtype(np.bool_)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
uint16 = np.dtype(np.uint16)
uint32 = np.dtype(np.uint32)
uint64 = np.dtype(np.uint64)
float16 = np.dtype(np.float16)
bfloat16 = np.dtype(ml_dtypes.bfloat16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)

ALL = (bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, bfloat16,
       float32, float64, complex64, complex128)
BY_NAME = {("bool" if d == bool_ else d.name): d for d in ALL}
SIGNED = (int8, int16, int32, int64)
UNSIGNED = (uint8, uint16, uint32, uint64)
REAL_FLOATING = (float16, bfloat16, float32, float64)
COMPLEX = (complex64, complex128)

_KINDS = {
    "bool": (bool_,),
    "signed integer": SIGNED,
    "unsigned integer": UNSIGNED,
    "integral": SIGNED + UNSIGNED,
    "real floating": REAL_FLOATING,
    "complex floating": COMPLEX,
    "numeric": SIGNED + UNSIGNED + REAL_FLOATING + COMPLEX,
}


class _Defaults(threading.local):
    def __init__(self) -> None:
        self.float = float64


_defaults = _Defaults()


def dtype(value: Any) -> np.dtype:
    """Normalise a dtype given as a dtype, a NumPy type or a name (``"float32"``)."""
    found: Any
    if isinstance(value, np.dtype):
        found = value
    elif isinstance(value, str):
        found = BY_NAME.get(value)
        if found is None:
            raise DTypeError(f"dtype: expected one of {', '.join(BY_NAME)}, got {value!r}")
    else:
        try:
            found = np.dtype(value)
        except TypeError:
            raise DTypeError(f"dtype: expected a numeru dtype, got {value!r}") from None
    if found.byteorder == ">":  # big-endian ">f4" means float32: numeru keeps native order
        found = found.newbyteorder("=")
    if found not in ALL:
        raise DTypeError(f"dtype: expected one of {', '.join(BY_NAME)}, got {found}")
    return found


def get_default_dtype() -> np.dtype:
    """The default floating dtype of creation functions (float64 unless changed)."""
    return _defaults.float


def set_default_dtype(value: Any) -> None:
    """Set the default floating dtype (float16, bfloat16, float32 or float64) for this thread."""
    d = dtype(value)
    if d not in REAL_FLOATING:
        raise DTypeError(f"default dtype: expected a real floating dtype, got {d}")
    _defaults.float = d


def isdtype(dtype: Any, kind: Any) -> bool:
    """Array API ``isdtype``: is ``dtype`` of ``kind`` (a dtype, a kind name or a tuple)."""
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise DTypeError(f"kind: expected one of {', '.join(_KINDS)}, got {kind!r}")
        return dtype in _KINDS[kind]
    return dtype == kind


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """The promoted dtype of tensors, dtypes and (weak) Python scalars.

    The Array API table (NumPy 2 / NEP 50 semantics: Python scalars are weak), extended to
    bfloat16 as in ``promote_bfloat16``.
    """
    from .tensor import Tensor

    parts: list[Any] = []
    for item in arrays_and_dtypes:
        if isinstance(item, Tensor):
            parts.append(item.dtype)
        elif isinstance(item, (bool, int, float, complex)):
            parts.append(item)
        elif item in (bool, int, float, complex):
            parts.append(item)  # a Python type stands for a weak scalar of that kind
        else:
            parts.append(dtype(item))
    dtypes_only = [p for p in parts if isinstance(p, np.dtype)]
    if not dtypes_only:
        raise DTypeError("result_type: expected at least one tensor or dtype, got only scalars")
    if bfloat16 in dtypes_only:
        return _result_with_bfloat16(parts)
    try:
        return np.result_type(*parts)
    except TypeError as exc:
        raise DTypeError(f"result_type: no common dtype for {parts}: {exc}") from None


def _result_with_bfloat16(parts: list[Any]) -> np.dtype:
    """Promotion with bfloat16: computed as if it were float16, then mapped back.

    bfloat16 sits beside float16 in the lattice (same width, different range), so:
    bfloat16 with bool/int8/uint8 or a weak Python int/float -> bfloat16; with float16 -> float32
    (the smallest type holding both exactly); with int16/uint16 -> float32 and with wider
    integers -> float64 (as NumPy does for float16); with float32/float64/complex -> those.
    """
    has_f16 = any(isinstance(p, np.dtype) and p == float16 for p in parts)
    stand_in: list[Any] = []
    for p in parts:
        if isinstance(p, np.dtype):
            stand_in.append(float16 if p == bfloat16 else p)
        elif isinstance(p, type):
            stand_in.append(p(0))  # a Python type: a weak scalar of that kind
        else:
            stand_in.append(p)
    try:
        found = np.result_type(*stand_in)
    except TypeError as exc:
        raise DTypeError(f"result_type: no common dtype for {parts}: {exc}") from None
    if found == float16:
        return float32 if has_f16 else bfloat16
    return found


def can_cast(from_: Any, to: Any, /) -> bool:
    from .tensor import Tensor

    source = from_.dtype if isinstance(from_, Tensor) else dtype(from_)
    return bool(np.can_cast(source, dtype(to), casting="safe"))


def finfo(type_: Any, /) -> Any:
    from .tensor import Tensor

    d = type_.dtype if isinstance(type_, Tensor) else dtype(type_)
    if d.kind not in "fc" and d != bfloat16:
        raise DTypeError(f"finfo: type: expected a floating or complex dtype, got {d}")
    if d == bfloat16:
        return ml_dtypes.finfo(d)
    return np.finfo(d)


def iinfo(type_: Any, /) -> Any:
    from .tensor import Tensor

    d = type_.dtype if isinstance(type_, Tensor) else dtype(type_)
    if d.kind not in "iu":
        raise DTypeError(f"iinfo: type: expected an integer dtype, got {d}")
    return np.iinfo(d)


def default_for(value: Any) -> np.dtype:
    """The dtype a Python scalar or nested list of them becomes (bool, int64, default float)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _defaults.float
    if isinstance(value, complex):
        return complex128 if _defaults.float == float64 else complex64
    raise DTypeError(f"value: expected a bool, int, float or complex, got {type(value).__name__}")
