"""numeru.linalg: the Array API ``linalg`` extension for numeru Tensors, plus the
factorizations users reach for in SciPy (see README.md). ``import numeru.linalg as la``."""

from ._factorizations import cho_factor, cho_solve, cholesky, lu, lu_factor, lu_solve, qr
from ._norms import matrix_norm, norm, vector_norm
from ._ops import (
    EighResult,
    LstsqResult,
    LUFactorResult,
    LUResult,
    QRResult,
    SlogdetResult,
    SVDResult,
)
from ._products import (
    cross,
    diagonal,
    gemm,
    matmul,
    matrix_power,
    matrix_transpose,
    outer,
    tensordot,
    trace,
    vecdot,
)
from ._solvers import det, inv, lstsq, slogdet, solve, solve_triangular
from ._spectral import cond, eigh, eigvalsh, matrix_rank, pinv, svd, svdvals
from ._version import __version__

__all__ = [
    "EighResult",
    "LUFactorResult",
    "LUResult",
    "LstsqResult",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "__version__",
    "cho_factor",
    "cho_solve",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "gemm",
    "inv",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_solve",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensordot",
    "trace",
    "vecdot",
    "vector_norm",
]
