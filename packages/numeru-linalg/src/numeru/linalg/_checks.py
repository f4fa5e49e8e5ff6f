"""Input checks shared by every numeru.linalg function, and the errors they raise.

Every public function turns its inputs into Tensors, promotes integer and half-precision dtypes
to a LAPACK dtype, checks matrix shapes and (for factorizations and solvers) refuses NaN and
infinity before any kernel runs, so that kernels on every backend see clean input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core import errors
from numeru.core.creation import asarray, astype
from numeru.core.dtypes import get_default_dtype
from numeru.core.errors import LinAlgError, ShapeError
from numeru.core.tensor import Tensor

# LAPACK works in these four; everything else is promoted (see README, "dtypes").
LAPACK_DTYPES = frozenset(np.dtype(t) for t in ("float32", "float64", "complex64", "complex128"))


def tensor(x: Any, name: str) -> Tensor:
    """``x`` as a Tensor (NumPy arrays, lists and scalars become CPU Tensors)."""
    if isinstance(x, Tensor):
        return x
    try:
        return asarray(x)
    except (TypeError, ValueError) as exc:
        raise errors.expected(
            name, "a Tensor or array-like of numbers", x, error=errors.DTypeError
        ) from exc


def floating(x: Tensor, name: str) -> Tensor:
    """``x`` in a LAPACK dtype: bool/integers -> the default float, float16/bfloat16 -> float32."""
    dtype = x.dtype
    if dtype in LAPACK_DTYPES:
        return x
    if dtype.kind in "biu":
        default = get_default_dtype()
        return astype(x, default if default in LAPACK_DTYPES else np.dtype("float64"))
    if dtype.kind == "f" or dtype.name == "bfloat16":
        return astype(x, np.dtype("float32"))
    raise errors.expected(name, "a numeric tensor", said(f"dtype {dtype}"), error=errors.DTypeError)


def matrix(x: Any, name: str, *, square: bool = False, finite: bool = False) -> Tensor:
    """A floating Tensor of at least two dimensions (``(..., M, N)``), checked as asked."""
    t = floating(tensor(x, name), name)
    if t.ndim < 2:
        raise errors.expected(
            name,
            "a matrix or a stack of matrices (ndim >= 2)",
            said(f"a tensor of shape {t.shape}"),
            error=ShapeError,
        )
    if square and t.shape[-1] != t.shape[-2]:
        raise errors.expected(
            name, "square matrices (..., N, N)", said(f"shape {t.shape}"), error=ShapeError
        )
    if finite:
        check_finite(t, name)
    return t


def check_finite(t: Tensor, name: str) -> None:
    """Refuse NaN and infinity, naming the first offending element."""
    xp = t.device.backend.xp
    if bool(xp.all(xp.isfinite(t.data))):
        return
    host = t.numpy()
    where = tuple(int(i) for i in np.argwhere(~np.isfinite(host))[0])
    raise LinAlgError(
        f"{name}: expected finite values (no NaN or infinity), got {host[where]} at index {where}"
    )


def common_dtype(*tensors: Tensor) -> list[Tensor]:
    """The tensors cast to their common LAPACK dtype (float32 with float64 gives float64)."""
    dtype = np.result_type(*[t.dtype for t in tensors])
    return [t if t.dtype == dtype else astype(t, dtype) for t in tensors]


# The messages live with the error in numeru.core, so that the kernels of every backend
# (numeru-cuda's too) raise the same ones.
singular = LinAlgError.singular
singular_triangular = LinAlgError.singular_triangular
not_positive_definite = LinAlgError.not_positive_definite


def choice(name: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise errors.expected(name, f"one of {shown}", value)
    return value


def trans_code(value: Any) -> int:
    """SciPy's ``trans`` argument (0/'N', 1/'T', 2/'C') as the integer LAPACK code."""
    codes = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2, "n": 0, "t": 1, "c": 2}
    if isinstance(value, bool) or value not in codes:
        raise errors.expected(
            "trans", "0/'N' (A x = b), 1/'T' (A^T x = b) or 2/'C' (A^H x = b)", value
        )
    return codes[value]


class _Said(str):
    """A description of what came, shown without quotes in an error message."""

    def __repr__(self) -> str:
        return str(self)


def said(text: str) -> str:
    return _Said(text)
