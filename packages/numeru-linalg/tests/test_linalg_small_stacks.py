"""The Numba kernels for stacks of small matrices agree with NumPy's stacked LAPACK calls."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

import numeru.core as nm
import numeru.linalg as la
from numeru.linalg import _cpu

COUNT = _cpu.SMALL_BATCH * 2  # large enough that the Numba path is chosen
DTYPES = [np.float32, np.float64, np.complex128]


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _tol(dtype):
    return 2e-3 if np.dtype(dtype) == np.float32 else 1e-9


def test_small_path_is_chosen_only_for_large_stacks_of_small_matrices():
    assert _cpu._use_small(np.empty((COUNT, 3, 3)))
    assert _cpu._use_small(np.empty((COUNT, 16, 16)))
    assert not _cpu._use_small(np.empty((COUNT, 17, 17)))
    assert not _cpu._use_small(np.empty((_cpu.SMALL_BATCH - 1, 3, 3)))
    assert not _cpu._use_small(np.empty((3, 3)))


@pytest.mark.parametrize("n", [1, 3, 8, 16])
@pytest.mark.parametrize("dtype", DTYPES)
def test_solve_inv_det_slogdet(n, dtype):
    rng = np.random.default_rng(n)
    a = _random(rng, (COUNT, n, n), dtype)
    b = _random(rng, (COUNT, n, 2), dtype)
    t = nm.asarray(a)
    tol = _tol(dtype) * n
    np.testing.assert_allclose(
        la.solve(t, nm.asarray(b)).numpy(), np.linalg.solve(a, b), rtol=tol, atol=tol
    )
    np.testing.assert_allclose(la.inv(t).numpy(), np.linalg.inv(a), rtol=tol, atol=tol)
    np.testing.assert_allclose(la.det(t).numpy(), np.linalg.det(a), rtol=tol)
    sign, logabs = la.slogdet(t)
    ref_sign, ref_log = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign.numpy(), ref_sign, rtol=tol, atol=tol)
    np.testing.assert_allclose(logabs.numpy(), ref_log, rtol=tol, atol=tol)


@pytest.mark.parametrize("n", [2, 5, 16])
@pytest.mark.parametrize("dtype", DTYPES)
def test_lu_factor_pivots_agree_with_lapack(n, dtype):
    rng = np.random.default_rng(10 + n)
    a = _random(rng, (COUNT, n, n), dtype)
    lu, piv = la.lu_factor(nm.asarray(a))
    for i in (0, COUNT // 2, COUNT - 1):
        ref_lu, ref_piv = sla.lu_factor(a[i])
        np.testing.assert_array_equal(piv.numpy()[i], ref_piv)
        np.testing.assert_allclose(
            lu.numpy()[i], ref_lu, rtol=_tol(dtype) * n, atol=_tol(dtype) * n
        )


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cholesky(upper, dtype):
    rng = np.random.default_rng(20)
    x = _random(rng, (COUNT, 6, 6), dtype)
    a = x @ np.conj(np.swapaxes(x, -1, -2)) + 6 * np.eye(6, dtype=dtype)
    np.testing.assert_allclose(
        la.cholesky(nm.asarray(a), upper=upper).numpy(),
        np.linalg.cholesky(a, upper=upper),
        rtol=_tol(dtype),
        atol=_tol(dtype),
    )


def test_small_solve_broadcasts_a_over_b():
    rng = np.random.default_rng(30)
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((COUNT, 3, 1))
    np.testing.assert_allclose(
        la.solve(nm.asarray(a), nm.asarray(b)).numpy(), np.linalg.solve(a, b), rtol=1e-10
    )


def test_singular_and_zero_matrices_in_a_stack():
    a = np.broadcast_to(np.eye(4), (COUNT, 4, 4)).copy()
    a[5] = 0.0
    assert la.det(nm.asarray(a)).numpy()[5] == 0.0
    sign, logabs = la.slogdet(nm.asarray(a))
    assert sign.numpy()[5] == 0 and logabs.numpy()[5] == -np.inf
    np.testing.assert_array_equal(la.det(nm.asarray(a)).numpy(), np.linalg.det(a))


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(40)
    a = rng.standard_normal((3000, 4, 4))
    b = rng.standard_normal((3000, 4, 1))
    with nm.threads(1):
        one = (la.det(nm.asarray(a)).numpy(), la.solve(nm.asarray(a), nm.asarray(b)).numpy())
    with nm.threads(2):
        two = (la.det(nm.asarray(a)).numpy(), la.solve(nm.asarray(a), nm.asarray(b)).numpy())
    for x, y in zip(one, two, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_allclose(two[0], np.linalg.det(a), rtol=1e-10)
