"""Errors: singular (zero pivot and batch index), not positive definite (leading minor),
non-square, NaN/inf, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
import numeru.linalg as la
from numeru.core.errors import DTypeError, LinAlgError, NumeruError, ShapeError, ValidationError


def _singular_stack(count: int, n: int, bad: int, pivot_col: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((count, n, n)) + 4 * np.eye(n)
    a[bad, :, pivot_col] = 0.0  # a zero column: LU's pivot in that column is exactly zero
    return a


@pytest.mark.parametrize("count", [3, 64])  # LAPACK path and the Numba small-stack path
@pytest.mark.parametrize("func", ["solve", "inv"])
def test_singular_names_batch_index_and_pivot(count, func):
    a = _singular_stack(count, 4, bad=2, pivot_col=1)
    args = (
        (nm.asarray(a), nm.asarray(np.ones((count, 4, 1)))) if func == "solve" else (nm.asarray(a),)
    )
    with pytest.raises(LinAlgError, match=r"a\[2\] is singular") as info:
        getattr(la, func)(*args)
    assert info.value.batch_index == (2,)
    assert info.value.pivot == 1
    assert "zero pivot index 1" in str(info.value)
    assert isinstance(info.value, NumeruError) and isinstance(info.value, ValueError)


def test_singular_single_matrix_and_multi_dim_batch():
    with pytest.raises(LinAlgError, match=r"U\[1, 1\]"):
        la.solve(nm.asarray([[1.0, 2.0], [2.0, 4.0]]), nm.asarray([1.0, 1.0]))
    a = np.broadcast_to(np.eye(3), (2, 3, 3, 3)).copy()
    a[1, 2] = 0.0
    with pytest.raises(LinAlgError, match=r"a\[1, 2\] is singular") as info:
        la.inv(nm.asarray(a))
    assert info.value.batch_index == (1, 2) and info.value.pivot == 0


def test_lu_solve_and_triangular_refuse_zero_diagonal():
    lu, piv = la.lu_factor(nm.asarray([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(LinAlgError, match="zero pivot index 1"):
        la.lu_solve((lu, piv), nm.asarray([1.0, 1.0]))
    with pytest.raises(LinAlgError, match=r"diagonal element \[0, 0\]"):
        la.solve_triangular(nm.asarray([[0.0, 1.0], [0.0, 1.0]]), nm.asarray([1.0, 1.0]))


@pytest.mark.parametrize("count", [1, 64])
def test_not_positive_definite_names_leading_minor(count):
    a = np.broadcast_to(np.eye(5), (count, 5, 5)).copy()
    a[count - 1, 3, 3] = -1.0
    with pytest.raises(LinAlgError, match="leading minor of order 4") as info:
        la.cholesky(nm.asarray(a if count > 1 else a[0]))
    assert info.value.minor == 4
    if count > 1:
        assert info.value.batch_index == (count - 1,)


@pytest.mark.parametrize(
    "func",
    [
        "solve",
        "inv",
        "det",
        "cholesky",
        "lu_factor",
        "qr",
        "eigh",
        "svd",
        "slogdet",
        "pinv",
        "matrix_rank",
    ],
)
def test_nan_and_inf_refused(func):
    a = np.eye(3)
    a[1, 2] = np.nan
    args = (nm.asarray(a), nm.asarray(np.ones(3))) if func == "solve" else (nm.asarray(a),)
    with pytest.raises(LinAlgError, match=r"finite values .* at index \(1, 2\)"):
        getattr(la, func)(*args)
    a[1, 2] = np.inf
    with pytest.raises(LinAlgError, match="inf"):
        getattr(la, func)(*((nm.asarray(a),) + args[1:]))


@pytest.mark.parametrize("func", ["solve", "inv", "det", "cholesky", "slogdet", "eigh"])
def test_non_square_refused(func):
    args = (
        (nm.asarray(np.ones((2, 3))), nm.asarray(np.ones(2)))
        if func == "solve"
        else (nm.asarray(np.ones((2, 3))),)
    )
    with pytest.raises(
        ShapeError,
        match=r"a: expected square matrices \(\.\.\., N, N\), "
        r"got shape \(2, 3\)",
    ):
        getattr(la, func)(*args)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ShapeError, match="a: expected a matrix"):
        la.inv(nm.asarray([1.0, 2.0]))
    with pytest.raises(ShapeError, match="b: expected shape"):
        la.solve(nm.asarray(np.eye(3)), nm.asarray(np.ones(4)))
    with pytest.raises(ShapeError, match="cannot be broadcast"):
        la.solve(nm.asarray(np.ones((2, 3, 3))), nm.asarray(np.ones((3, 3, 1))))
    with pytest.raises(ValidationError, match="mode: expected one of"):
        la.qr(nm.asarray(np.eye(2)), mode="full")
    with pytest.raises(ValidationError, match="trans: expected"):
        la.solve_triangular(nm.asarray(np.eye(2)), nm.asarray(np.ones(2)), trans=3)
    with pytest.raises(ValidationError, match="ord: expected"):
        la.matrix_norm(nm.asarray(np.eye(2)), ord=3)
    with pytest.raises(ShapeError, match="inner dimensions"):
        la.gemm(nm.asarray(np.ones((2, 3))), nm.asarray(np.ones((2, 3))))
    with pytest.raises(DTypeError, match="c: expected dtype"):
        la.gemm(
            nm.asarray(np.ones((2, 3))),
            nm.asarray(np.ones((3, 2))),
            nm.zeros((2, 2), dtype=nm.float32),
        )
    with pytest.raises(ShapeError, match="x1: expected size 3"):
        la.cross(nm.asarray(np.ones(2)), nm.asarray(np.ones(3)))


def test_check_finite_false_skips_the_scan():
    a = np.eye(2)
    a[0, 1] = np.nan
    # LAPACK itself does not look: the result carries the NaN instead of raising.
    assert np.isnan(la.inv(nm.asarray(a), check_finite=False).numpy()).any()
