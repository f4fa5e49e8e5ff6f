"""LU, QR and Cholesky against SciPy/NumPy: values, backward errors, orthogonality."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

import numeru.core as nm
import numeru.linalg as la
from numeru.core.errors import ValidationError

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _eps(dtype) -> float:
    return float(np.finfo(np.dtype(dtype)).eps)


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _spd(rng, n, dtype, batch=()):
    x = _random(rng, (*batch, n, n), dtype)
    return (x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lu_factor_matches_scipy_with_small_backward_error(dtype):
    rng = np.random.default_rng(0)
    a = _random(rng, (40, 40), dtype)
    lu, piv = la.lu_factor(nm.asarray(a))
    ref_lu, ref_piv = sla.lu_factor(a)
    assert lu.dtype == ref_lu.dtype and piv.dtype == np.int32
    np.testing.assert_array_equal(piv.numpy(), ref_piv)
    np.testing.assert_allclose(lu.numpy(), ref_lu, rtol=0, atol=200 * _eps(dtype) * 40)
    p, l_, u = la.lu(nm.asarray(a))
    backward = np.linalg.norm(p.numpy() @ l_.numpy() @ u.numpy() - a) / np.linalg.norm(a)
    assert backward <= 10 * 40 * _eps(dtype)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 5, 5), (2, 3, 4, 4)])
def test_lu_rectangular_and_batched_match_scipy(shape):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    p, l_, u = la.lu(nm.asarray(a))
    rp, rl, ru = sla.lu(a)
    np.testing.assert_allclose(p.numpy(), rp)
    np.testing.assert_allclose(l_.numpy(), rl, atol=1e-12)
    np.testing.assert_allclose(u.numpy(), ru, atol=1e-12)
    lu, piv = la.lu_factor(nm.asarray(a))
    ref_lu, ref_piv = sla.lu_factor(a)
    np.testing.assert_allclose(lu.numpy(), ref_lu, atol=1e-12)
    np.testing.assert_array_equal(piv.numpy(), ref_piv)


@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_lu_solve_matches_scipy(trans, dtype):
    rng = np.random.default_rng(2)
    a = _random(rng, (12, 12), dtype)
    b = _random(rng, (12, 3), dtype)
    factors = la.lu_factor(nm.asarray(a))
    x = la.lu_solve(factors, nm.asarray(b), trans=trans)
    np.testing.assert_allclose(
        x.numpy(),
        sla.lu_solve(sla.lu_factor(a), b, trans={"N": 0, "T": 1, "C": 2}.get(trans, trans)),
        rtol=1e-9,
        atol=1e-11,
    )
    vector = la.lu_solve(factors, nm.asarray(b[:, 0]), trans=trans)
    assert vector.shape == (12,)


def test_lu_solve_batched_broadcasts_b():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 6, 6))
    b = rng.standard_normal((6, 2))
    x = la.lu_solve(la.lu_factor(nm.asarray(a)), nm.asarray(b))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-9, atol=1e-11)


def test_lu_hilbert_backward_error():
    h = sla.hilbert(10)
    p, l_, u = la.lu(nm.asarray(h))
    assert np.linalg.norm(p.numpy() @ l_.numpy() @ u.numpy() - h) / np.linalg.norm(
        h
    ) <= 10 * 10 * _eps(np.float64)


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize("shape", [(7, 5), (5, 7), (3, 6, 4)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_qr_matches_numpy_backward_error_and_orthogonality(mode, shape, dtype):
    rng = np.random.default_rng(4)
    a = _random(rng, shape, dtype)
    result = la.qr(nm.asarray(a), mode=mode)
    ref = np.linalg.qr(a, mode=mode)
    tol = 50 * max(shape) * _eps(dtype)
    if mode == "r":
        np.testing.assert_allclose(result.numpy(), ref, atol=tol * np.abs(a).max())
        return
    q, r = result.Q.numpy(), result.R.numpy()
    np.testing.assert_allclose(q, ref[0], atol=tol)
    np.testing.assert_allclose(r, ref[1], atol=tol * np.abs(a).max())
    backward = np.linalg.norm(a - q @ r) / np.linalg.norm(a)
    assert backward <= 10 * max(shape[-2:]) * _eps(dtype)
    gram = np.conj(np.swapaxes(q, -1, -2)) @ q
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(q.shape[-1]), gram.shape), atol=tol)


def test_qr_rank_deficient_and_hilbert():
    rng = np.random.default_rng(5)
    base = rng.standard_normal((8, 3))
    a = base @ rng.standard_normal((3, 6))  # rank 3
    for m in (a, sla.hilbert(10)):
        q, r = la.qr(nm.asarray(m))
        assert np.linalg.norm(m - q.numpy() @ r.numpy()) / np.linalg.norm(m) <= 100 * 1e-16 * 10
        np.testing.assert_allclose(q.numpy().T @ q.numpy(), np.eye(q.shape[1]), atol=1e-13)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cholesky_matches_numpy(upper, dtype):
    rng = np.random.default_rng(6)
    a = _spd(rng, 20, dtype)
    c = la.cholesky(nm.asarray(a), upper=upper)
    np.testing.assert_allclose(
        c.numpy(),
        np.linalg.cholesky(a, upper=upper),
        rtol=100 * _eps(dtype),
        atol=100 * _eps(dtype) * 20,
    )


def test_cholesky_reads_only_its_triangle_like_numpy():
    rng = np.random.default_rng(7)
    a = _spd(rng, 5, np.float64)
    garbage = a + np.triu(rng.standard_normal((5, 5)), 1)
    np.testing.assert_allclose(la.cholesky(nm.asarray(garbage)).numpy(), np.linalg.cholesky(a))
    garbage = a + np.tril(rng.standard_normal((5, 5)), -1)
    np.testing.assert_allclose(
        la.cholesky(nm.asarray(garbage), upper=True).numpy(), np.linalg.cholesky(a, upper=True)
    )


def test_cholesky_batched_and_cho_solve_match_scipy():
    rng = np.random.default_rng(8)
    a = _spd(rng, 6, np.float64, batch=(3,))
    b = rng.standard_normal((3, 6, 2))
    np.testing.assert_allclose(la.cholesky(nm.asarray(a)).numpy(), np.linalg.cholesky(a))
    for lower in (False, True):
        c = la.cho_factor(nm.asarray(a), lower=lower)
        assert c[1] is lower
        x = la.cho_solve(c, nm.asarray(b))
        np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-10)
        ref = sla.cho_solve(sla.cho_factor(a[0], lower=lower), b[0])
        np.testing.assert_allclose(
            la.cho_solve(la.cho_factor(nm.asarray(a[0]), lower=lower), nm.asarray(b[0])).numpy(),
            ref,
            rtol=1e-10,
        )


def test_integer_input_is_promoted_to_float64():
    a = nm.asarray([[4, 1], [1, 3]])
    assert la.cholesky(a).dtype == np.float64
    np.testing.assert_allclose(
        la.cholesky(a).numpy(), np.linalg.cholesky(np.array([[4.0, 1], [1, 3]]))
    )


@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (2, 3, 0), (2, 0, 0)])
def test_lu_of_matrices_without_elements_keeps_p_square(shape):
    """P is (..., M, M) as documented, and P @ L @ U has A's shape (SciPy's lu gives P (0, 0)
    for an (M, 0) matrix, which cannot multiply L)."""
    devices = ["cpu"] + [d for d in nm.__array_namespace_info__().devices() if d.type == "strict"]
    m, n = shape[-2:]
    for device in devices:
        p, low, up = la.lu(nm.ones(shape, device=device))
        assert (p.shape, low.shape, up.shape) == (
            (*shape[:-2], m, m), (*shape[:-2], m, min(m, n)), (*shape[:-2], min(m, n), n)), device
        np.testing.assert_array_equal(p.to("cpu").numpy(), np.broadcast_to(np.eye(m), p.shape))
        assert (p @ low @ up).shape == shape


# -- review: edge cases on both paths (CPU kernels and the generic code on `strict`) ----------

_STRICT = [d for d in nm.__array_namespace_info__().devices() if d.type == "strict"]
DEVICES = ["cpu", *_STRICT[:1]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(6, 3), (2, 5, 3), (3, 5)])
def test_qr_mode_r_is_k_by_n_like_numpy(device, shape):
    # The generic path used to return R with M rows for tall matrices (the "complete" shape).
    a = _random(np.random.default_rng(30), shape, np.complex128)
    r = la.qr(nm.asarray(a, device=device), mode="r")
    ref = np.linalg.qr(a, mode="r")
    assert r.shape == ref.shape
    np.testing.assert_allclose(r.numpy(), ref, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("bad", [2, -1])
def test_lu_solve_refuses_pivots_out_of_range(device, bad):
    # LAPACK's getrs indexes rows by the pivots: out of range, it read and wrote out of bounds
    # on the CPU (garbage results, heap corruption) and misbehaved on the generic path.
    lu = nm.asarray(2 * np.eye(2), device=device)
    piv = nm.asarray(np.array([bad, 1], dtype=np.int32), device=device)
    message = rf"piv: expected .*\[0, 2\).*got {bad} at index \(0,\)"
    with pytest.raises(ValidationError, match=message):
        la.lu_solve((lu, piv), nm.asarray(np.ones(2), device=device))
    ok = la.lu_solve((lu, nm.asarray(np.array([1, 1], np.int32), device=device)),
                     nm.asarray(np.array([1.0, 3.0]), device=device))
    np.testing.assert_allclose(ok.numpy(), [1.5, 0.5])  # rows 0 and 1 swapped, then / 2


# -- second review: SciPy's permute_l / p_indices ----------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3), (40, 3, 3), (2, 0, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
def test_lu_permute_l_and_p_indices_match_scipy(device, shape, dtype):
    # lu took neither option (SciPy >= 1.11 has both): a TypeError for SciPy users.
    a = _random(np.random.default_rng(7), shape, dtype)
    t = nm.asarray(a, device=device)
    both = {"permute_l": True, "p_indices": True}
    for kwargs in ({"permute_l": True}, {"p_indices": True}, both):
        got = la.lu(t, **kwargs)
        ref = sla.lu(a, **kwargs)
        assert len(got) == len(ref), kwargs
        for g, r in zip(got, ref, strict=True):
            assert g.shape == r.shape and g.dtype == r.dtype, kwargs
            np.testing.assert_allclose(g.to("cpu").numpy(), r, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_lu_permute_l_keeps_a_nan_in_its_row(device):
    # P @ L would spread the NaN (0 * nan) over its column; SciPy permutes the rows.
    a = np.array([[1.0, 2.0], [3.0, np.nan]])
    pl, _ = la.lu(nm.asarray(a, device=device), permute_l=True, check_finite=False)
    ref = sla.lu(a, permute_l=True, check_finite=False)[0]
    np.testing.assert_array_equal(pl.to("cpu").numpy(), ref)
