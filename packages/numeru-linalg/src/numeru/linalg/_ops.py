"""The named ops of numeru.linalg and the call helpers the public functions share.

Every op is ``linalg.<function>`` with a generic implementation from ``_generic`` or
``_products``; backends register faster kernels under the same names (``plugin.py`` registers
the CPU ones, numeru-cuda may register cuSOLVER ones). Kernel signatures: backend arrays in the
order of the public function, parameters as keywords, backend arrays (or tuples of them) out.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from numeru.core import dispatch
from numeru.core.errors import LinAlgError, NumeruError
from numeru.core.tensor import Tensor

from . import _generic as g

LU_FACTOR = dispatch.op("linalg.lu_factor", g.lu_factor)
LU = dispatch.op("linalg.lu", g.lu)
LU_SOLVE = dispatch.op("linalg.lu_solve", g.lu_solve)
SOLVE = dispatch.op("linalg.solve", g.solve)
INV = dispatch.op("linalg.inv", g.inv)
DET = dispatch.op("linalg.det", g.det)
SLOGDET = dispatch.op("linalg.slogdet", g.slogdet)
SOLVE_TRIANGULAR = dispatch.op("linalg.solve_triangular", g.solve_triangular)
CHOLESKY = dispatch.op("linalg.cholesky", g.cholesky)
CHO_SOLVE = dispatch.op("linalg.cho_solve", g.cho_solve)
QR = dispatch.op("linalg.qr", g.qr)
EIGH = dispatch.op("linalg.eigh", g.eigh)
EIGVALSH = dispatch.op("linalg.eigvalsh", g.eigvalsh)
SVD = dispatch.op("linalg.svd", g.svd)
SVDVALS = dispatch.op("linalg.svdvals", g.svdvals)
LSTSQ = dispatch.op("linalg.lstsq", g.lstsq)

# Result types: tuples, so they unpack as NumPy's and save through .nmr like any tuple.
LUResult = namedtuple("LUResult", ["P", "L", "U"])
LUFactorResult = namedtuple("LUFactorResult", ["LU", "pivots"])
QRResult = namedtuple("QRResult", ["Q", "R"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
LstsqResult = namedtuple("LstsqResult", ["solution", "residuals", "rank", "singular_values"])


def run(
    op: dispatch.Op,
    args: tuple[Any, ...],
    params: dict[str, Any] | None = None,
    out: Tensor | None = None,
) -> Any:
    """Dispatch ``op`` on Tensors; ``out=`` (one tensor results only) is checked and filled."""
    return _numeru_errors(op, dispatch.apply, op, args, params or {}, out)


def _numeru_errors(op: dispatch.Op, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, with a backend's own ``LinAlgError`` (NumPy's, which CuPy and
    array_api_strict raise too: an SVD or eigensolver that did not converge on NaN input passed
    with ``check_finite=False``) raised as numeru's ``LinAlgError``."""
    try:
        return fn(*args, **kwargs)
    except np.linalg.LinAlgError as exc:
        if isinstance(exc, NumeruError):
            raise
        func = op.name.removeprefix("linalg.")
        raise LinAlgError(f"{func}: {exc} (reported by the backend's LAPACK)") from exc


def deliver(result: Tensor, out: Tensor | None, name: str) -> Tensor:
    """Copy a computed result into ``out`` (checked for shape, dtype and device)."""
    if out is None:
        return result
    check_out = getattr(dispatch, "check_out", None) or dispatch._check_out
    check_out(out, result.shape, result.dtype, result.device, name)
    result.device.backend.copy_into(out.data, result.data)
    return out


def raw(op: dispatch.Op, t: Tensor, *arrays: Any, **params: Any) -> Any:
    """Run ``op``'s kernel for ``t``'s backend on backend arrays (for composite functions)."""
    fn, _ = op.resolve(t.device.backend)
    return _numeru_errors(op, fn, *arrays, **params)


def wrap(data: Any, like: Tensor) -> Tensor:
    return Tensor(like.device.backend.wrap_result(data), like.device)
