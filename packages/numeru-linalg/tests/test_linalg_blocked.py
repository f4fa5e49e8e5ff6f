"""The blocked right-looking LU, Cholesky and Householder QR agree with LAPACK, on NumPy
(Numba panels) and through the generic path on the example ``strict`` backend (xp panels)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

import numeru.core as nm
import numeru.linalg as la
from numeru.linalg import _blocked

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _eps(dtype):
    return float(np.finfo(np.dtype(dtype)).eps)


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _strict():
    pytest.importorskip("array_api_strict")
    try:
        return nm.device("strict")
    except nm.errors.DeviceError:
        pytest.skip("the example strict backend is not installed")


@pytest.mark.parametrize("shape", [(70, 70), (90, 50), (50, 90)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_blocked_lu_agrees_with_lapack(shape, dtype):
    rng = np.random.default_rng(0)
    a = _random(rng, shape, dtype)
    lu, piv, info = _blocked.lu_factor(np, a, nb=16)
    ref_lu, ref_piv = sla.lu_factor(a)
    assert info == 0
    np.testing.assert_array_equal(piv, ref_piv)
    np.testing.assert_allclose(lu, ref_lu, atol=50 * max(shape) * _eps(dtype))
    k = min(shape)
    low = np.tril(lu[:, :k], -1) + np.eye(shape[0], k)
    perm = np.arange(shape[0])
    for i, p in enumerate(piv):
        perm[[i, p]] = perm[[p, i]]
    backward = np.linalg.norm(a[perm] - low @ np.triu(lu[:k])) / np.linalg.norm(a)
    assert backward <= 10 * max(shape) * _eps(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_blocked_cholesky_agrees_with_lapack(dtype):
    rng = np.random.default_rng(1)
    x = _random(rng, (75, 75), dtype)
    a = (x @ np.conj(x.T) + 75 * np.eye(75)).astype(dtype)
    low, info = _blocked.cholesky(np, a, nb=16)
    assert info == 0
    np.testing.assert_allclose(low, np.linalg.cholesky(a), atol=100 * 75 * _eps(dtype) * 10)
    backward = np.linalg.norm(a - low @ np.conj(low.T)) / np.linalg.norm(a)
    assert backward <= 10 * 75 * _eps(dtype)


def test_blocked_cholesky_reports_the_failing_minor():
    a = np.eye(40)
    a[33, 33] = -2.0
    assert _blocked.cholesky(np, a, nb=16)[1] == 34


@pytest.mark.parametrize("shape", [(80, 60), (60, 80), (64, 64)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_blocked_qr_agrees_with_lapack(shape, dtype):
    rng = np.random.default_rng(2)
    a = _random(rng, shape, dtype)
    for mode in ("reduced", "complete"):
        q, r = _blocked.qr(np, a, mode, nb=16)
        ref_q, ref_r = np.linalg.qr(a, mode=mode)
        tol = 100 * max(shape) * _eps(dtype)
        np.testing.assert_allclose(q, ref_q, atol=tol)
        np.testing.assert_allclose(r, ref_r, atol=tol * np.abs(a).max())
        assert np.linalg.norm(a - q @ r) / np.linalg.norm(a) <= 10 * max(shape) * _eps(dtype)
        np.testing.assert_allclose(np.conj(q.T) @ q, np.eye(q.shape[1]), atol=tol)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1, 2])
def test_blocked_triangular_solve_agrees_with_lapack(lower, trans):
    rng = np.random.default_rng(3)
    a = _random(rng, (70, 70), np.complex128) + 8 * np.eye(70)
    a = np.tril(a) if lower else np.triu(a)
    b = _random(rng, (70, 4), np.complex128)
    x = _blocked.trsm(np, a, b, lower=lower, trans=trans, nb=16)
    np.testing.assert_allclose(
        x, sla.solve_triangular(a, b, lower=lower, trans=trans), rtol=1e-12, atol=1e-13
    )


def test_generic_path_on_the_strict_backend_agrees_with_scipy():
    dev = _strict()
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 9, 9)) + 3 * np.eye(9)
    b = rng.standard_normal((2, 9, 2))
    spd = a @ np.swapaxes(a, -1, -2) + np.eye(9)
    ta, tb, ts = (nm.asarray(x, device=dev) for x in (a, b, spd))
    lu, piv = la.lu_factor(ta)
    assert lu.device == dev
    for i in range(2):
        ref_lu, ref_piv = sla.lu_factor(a[i])
        np.testing.assert_allclose(lu.numpy()[i], ref_lu, atol=1e-12)
        np.testing.assert_array_equal(piv.numpy()[i], ref_piv)
    np.testing.assert_allclose(la.solve(ta, tb).numpy(), np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(
        la.lu_solve((lu, piv), tb, trans=1).numpy(),
        np.linalg.solve(np.swapaxes(a, -1, -2), b),
        rtol=1e-10,
    )
    np.testing.assert_allclose(la.inv(ta).numpy(), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(la.det(ta).numpy(), np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(la.slogdet(ta).logabsdet.numpy(), np.linalg.slogdet(a)[1])
    np.testing.assert_allclose(la.cholesky(ts).numpy(), np.linalg.cholesky(spd), atol=1e-12)
    np.testing.assert_allclose(
        la.cholesky(ts, upper=True).numpy(), np.linalg.cholesky(spd, upper=True), atol=1e-12
    )
    np.testing.assert_allclose(
        la.cho_solve(la.cho_factor(ts), tb).numpy(), np.linalg.solve(spd, b), rtol=1e-10
    )
    q, r = la.qr(ta)
    ref_q, ref_r = np.linalg.qr(a)
    np.testing.assert_allclose(q.numpy(), ref_q, atol=1e-12)
    np.testing.assert_allclose(r.numpy(), ref_r, atol=1e-12)
    p, low, up = la.lu(ta)
    np.testing.assert_allclose((p.numpy() @ low.numpy() @ up.numpy()), a, atol=1e-12)
    np.testing.assert_allclose(
        la.solve_triangular(ta, tb, lower=True).numpy(),
        np.stack([sla.solve_triangular(a[i], b[i], lower=True) for i in range(2)]),
        rtol=1e-10,
    )
    np.testing.assert_allclose(la.eigvalsh(ts).numpy(), np.linalg.eigvalsh(spd), rtol=1e-12)
    np.testing.assert_allclose(la.svdvals(ta).numpy(), np.linalg.svd(a, compute_uv=False))
    np.testing.assert_allclose(la.pinv(ta).numpy(), np.linalg.pinv(a), atol=1e-12)
    x, res, rank, s = la.lstsq(nm.asarray(a[0, :, :4], device=dev), nm.asarray(b[0], device=dev))
    rx, rres, rrank, rs = np.linalg.lstsq(a[0, :, :4], b[0])
    np.testing.assert_allclose(x.numpy(), rx, atol=1e-12)
    np.testing.assert_allclose(res.numpy(), rres, rtol=1e-10)
    assert int(rank.numpy()) == rrank


def test_generic_singular_and_not_pd_errors_on_the_strict_backend():
    dev = _strict()
    a = np.broadcast_to(np.eye(3), (2, 3, 3)).copy()
    a[1, :, 2] = 0.0
    with pytest.raises(nm.errors.LinAlgError, match=r"a\[1\] is singular.*zero pivot index 2"):
        la.solve(nm.asarray(a, device=dev), nm.asarray(np.ones((2, 3, 1)), device=dev))
    a = np.eye(3)
    a[1, 1] = 0.0
    with pytest.raises(nm.errors.LinAlgError, match="leading minor of order 2"):
        la.cholesky(nm.asarray(a, device=dev))


@pytest.mark.parametrize("dtype", [np.complex128, np.float32])
def test_generic_xp_panels_on_the_strict_backend_agree_with_lapack(dtype):
    """Panels of 64+ columns run as xp loops on ``strict``: complex and float32 included."""
    dev = _strict()
    rng = np.random.default_rng(5)
    a = _random(rng, (70, 70), dtype)
    t = nm.asarray(a, device=dev)
    lu, piv = la.lu_factor(t)
    ref_lu, ref_piv = sla.lu_factor(a)
    tol = 100 * 70 * _eps(dtype)
    np.testing.assert_array_equal(piv.numpy(), ref_piv)
    np.testing.assert_allclose(lu.numpy(), ref_lu, atol=tol * 10)
    spd = (a @ np.conj(a.T) + 70 * np.eye(70)).astype(dtype)
    np.testing.assert_allclose(
        la.cholesky(nm.asarray(spd, device=dev)).numpy(), np.linalg.cholesky(spd), atol=tol * 10
    )
    for mode in ("reduced", "complete"):
        q, r = la.qr(nm.asarray(a[:, :50], device=dev), mode=mode)
        ref_q, ref_r = np.linalg.qr(a[:, :50], mode=mode)
        np.testing.assert_allclose(q.numpy(), ref_q, atol=tol)
        np.testing.assert_allclose(r.numpy(), ref_r, atol=tol * 10)
