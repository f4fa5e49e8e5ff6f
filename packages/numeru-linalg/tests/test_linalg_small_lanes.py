"""The lane kernels (``_kernels/lanes.py``: eight real matrices at a time, one per vector lane)
agree with NumPy/SciPy's LAPACK for every order they take, and with the scalar getf2 kernel bit
for bit; complex stacks (scalar kernels) are checked beside them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

import numeru.core as nm
import numeru.linalg as la
from numeru.core.errors import LinAlgError
from numeru.linalg._kernels import lanes, small

COUNT = 45  # not a multiple of the 8 lanes: the last group is partly filled
DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _tol(dtype, n):
    single = np.dtype(dtype) in (np.float32, np.complex64)
    return (2e-3 if single else 1e-9) * n


@pytest.mark.parametrize("n", range(1, 17))
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_order_agrees_with_numpy(n, dtype):
    rng = np.random.default_rng(100 + n)
    a = _random(rng, (COUNT, n, n), dtype)
    b = _random(rng, (COUNT, n, 3), dtype)
    t = nm.asarray(a)
    tol = _tol(dtype, n)
    x = la.solve(t, nm.asarray(b)).numpy()
    assert x.dtype == dtype
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=tol, atol=tol)
    np.testing.assert_allclose(la.inv(t).numpy(), np.linalg.inv(a), rtol=tol, atol=tol)
    np.testing.assert_allclose(la.det(t).numpy(), np.linalg.det(a), rtol=tol)
    sign, logabs = la.slogdet(t)
    ref_sign, ref_log = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign.numpy(), ref_sign, rtol=tol, atol=tol)
    np.testing.assert_allclose(logabs.numpy(), ref_log, rtol=tol, atol=tol)


def _ties(rng, count, n):
    """Small integers: many equal |a_ik| candidates, so the pivot choice (first largest) and
    exact zero pivots both occur."""
    return rng.integers(-2, 3, size=(count, n, n)).astype(np.float64)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 16])
def test_det_and_slogdet_match_the_scalar_getf2_bit_for_bit(n):
    # Same pivots (LAPACK's rule, checked against LAPACK in test_linalg_small_stacks) and the
    # same operations in the same order: the results must be identical, not just close.
    rng = np.random.default_rng(200 + n)
    for a in (rng.standard_normal((COUNT, n, n)), _ties(rng, COUNT, n)):
        ours, ref = np.empty(COUNT), np.empty(COUNT)
        lanes.det(a, ours, 0, COUNT)
        small._det(a, ref, 0, COUNT)
        np.testing.assert_array_equal(ours, ref)
        sign, logabs = np.empty(COUNT), np.empty(COUNT)
        ref_sign, ref_log = np.empty(COUNT), np.empty(COUNT)
        lanes.slogdet(a, sign, logabs, 0, COUNT)
        small._slogdet(a, ref_sign, ref_log, 0, COUNT)
        np.testing.assert_array_equal(sign, ref_sign)
        np.testing.assert_array_equal(logabs, ref_log)
        np.testing.assert_allclose(ours, np.linalg.det(a), rtol=1e-9 * n, atol=1e-9 * n)


def _with_singular(rng, n, dtype, bad):
    """A stack of well-conditioned matrices where those of ``bad`` are exactly singular, in
    turn by a zero column ``n // 2`` (LAPACK's info n // 2 + 1) and a zero row (info n)."""
    a = _random(rng, (COUNT, n, n), dtype) + 4 * np.eye(n, dtype=dtype)
    for k, i in enumerate(bad):
        if k % 2:
            a[i, n // 2, :] = 0
        else:
            a[i, :, n // 2] = 0
    return a


@pytest.mark.parametrize("n", [2, 3, 8, 16])
@pytest.mark.parametrize("dtype", DTYPES)
def test_singular_matrices_give_lapack_info_and_name_the_first(n, dtype):
    rng = np.random.default_rng(300 + n)
    bad = [13, 30, COUNT - 1]  # mid-group, another group, the partly filled last group
    a = _with_singular(rng, n, dtype, bad)
    getrf = sla.get_lapack_funcs("getrf", (a[0],))
    infos = [int(getrf(m)[2]) for m in a]
    assert [i for i, info in enumerate(infos) if info > 0] == bad
    b = _random(rng, (COUNT, n, 1), dtype)
    for call in (lambda: la.solve(nm.asarray(a), nm.asarray(b)), lambda: la.inv(nm.asarray(a))):
        with pytest.raises(LinAlgError, match=r"a\[13\] is singular") as caught:
            call()
        assert caught.value.batch_index == (13,)
        assert caught.value.pivot == infos[13] - 1
    det = la.det(nm.asarray(a)).numpy()
    ref = np.linalg.det(a)
    assert np.all(det[bad] == 0)
    good = np.setdiff1d(np.arange(COUNT), bad)
    np.testing.assert_allclose(det[good], ref[good], rtol=_tol(dtype, n))
    sign, logabs = la.slogdet(nm.asarray(a))
    assert np.all(sign.numpy()[bad] == 0) and np.all(logabs.numpy()[bad] == -np.inf)
    np.testing.assert_allclose(
        logabs.numpy()[good], np.linalg.slogdet(a)[1][good], rtol=_tol(dtype, n)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_info_is_lapack_info_per_matrix(dtype):
    rng = np.random.default_rng(310)
    n = 6
    a = _with_singular(rng, n, dtype, [3, 8, 44])
    a[20, :, 4] = 0  # a zero column: info 5 (if no earlier zero pivot)
    getrf = sla.get_lapack_funcs("getrf", (a[0],))
    info = small.inv(a)[1]
    np.testing.assert_array_equal(info, [int(getrf(m)[2]) for m in a])
    b = np.asfortranarray(_random(rng, (COUNT, n, 2), dtype))  # written back in place
    ref = b.copy()
    info = small.solve(a, b)
    np.testing.assert_array_equal(info, [int(getrf(m)[2]) for m in a])
    good = info == 0
    tol = _tol(dtype, n)
    np.testing.assert_allclose(b[good], np.linalg.solve(a[good], ref[good]), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_non_contiguous_inputs(dtype):
    rng = np.random.default_rng(400)
    n = 5
    base = _random(rng, (2 * COUNT, n, n), dtype)
    a = np.swapaxes(base[::2], -1, -2)  # every other matrix, transposed: no contiguous axis
    b = _random(rng, (COUNT, 3, n), dtype).swapaxes(-1, -2)
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    tol = _tol(dtype, n)
    t = nm.asarray(a)
    np.testing.assert_allclose(
        la.solve(t, nm.asarray(b)).numpy(), np.linalg.solve(a, b), rtol=tol, atol=tol
    )
    np.testing.assert_allclose(la.inv(t).numpy(), np.linalg.inv(a), rtol=tol, atol=tol)
    np.testing.assert_allclose(la.det(t).numpy(), np.linalg.det(a), rtol=tol)
    np.testing.assert_allclose(la.slogdet(t)[1].numpy(), np.linalg.slogdet(a)[1], rtol=tol)


@pytest.mark.parametrize("n", [3, 8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_broadcast_b_and_broadcast_a(n, dtype):
    rng = np.random.default_rng(500 + n)
    tol = _tol(dtype, n)
    a = _random(rng, (COUNT, n, n), dtype)
    b = _random(rng, (1, n, 2), dtype)  # one right-hand side block for every matrix
    np.testing.assert_allclose(
        la.solve(nm.asarray(a), nm.asarray(b)).numpy(), np.linalg.solve(a, b), rtol=tol, atol=tol
    )
    one = _random(rng, (n, n), dtype) + n * np.eye(n, dtype=dtype)
    many = _random(rng, (4, COUNT, n, 1), dtype)  # a broadcast over two stack dimensions
    np.testing.assert_allclose(
        la.solve(nm.asarray(one), nm.asarray(many)).numpy(),
        np.linalg.solve(one, many),
        rtol=tol,
        atol=tol,
    )


def test_many_right_hand_sides_use_the_scalar_kernel_and_agree():
    # n + k beyond the lanes' widest row: the scalar kernel takes it.
    rng = np.random.default_rng(600)
    n, k = 16, lanes.WMAX - 16 + 1
    a = rng.standard_normal((COUNT, n, n))
    b = rng.standard_normal((COUNT, n, k))
    np.testing.assert_allclose(
        la.solve(nm.asarray(a), nm.asarray(b)).numpy(),
        np.linalg.solve(a, b),
        rtol=1e-8,
        atol=1e-8,
    )


def test_mixed_dtypes_solve_in_the_common_dtype():
    rng = np.random.default_rng(700)
    a = rng.standard_normal((COUNT, 4, 4)).astype(np.float32)
    b = rng.standard_normal((COUNT, 4, 1))
    x = la.solve(nm.asarray(a), nm.asarray(b)).numpy()
    assert x.dtype == np.float64
    np.testing.assert_allclose(x, np.linalg.solve(a.astype(np.float64), b), rtol=1e-9)


def test_results_do_not_depend_on_threads_or_lane_groups():
    # 2051 matrices: two ranges of different lengths, each ending in a partly filled group.
    rng = np.random.default_rng(800)
    a = rng.standard_normal((2051, 7, 7))
    b = rng.standard_normal((2051, 7, 2))
    runs = []
    for threads in (1, 2):
        with nm.threads(threads):
            t = nm.asarray(a)
            runs.append(
                [
                    la.solve(t, nm.asarray(b)).numpy(),
                    la.inv(t).numpy(),
                    la.det(t).numpy(),
                    la.slogdet(t)[1].numpy(),
                ]
            )
    for one, two in zip(*runs, strict=True):
        np.testing.assert_array_equal(one, two)
    # Each matrix alone (a group of one lane) gives the same bits as inside the stack.
    for i in (0, 1000, 2050):
        alone = np.empty(1)
        lanes.det(a[i : i + 1], alone, 0, 1)
        assert alone[0] == runs[0][2][i]
    np.testing.assert_allclose(runs[0][2], np.linalg.det(a), rtol=1e-9)
    np.testing.assert_allclose(runs[0][0], np.linalg.solve(a, b), rtol=1e-8, atol=1e-8)
