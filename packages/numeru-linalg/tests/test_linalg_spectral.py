"""eigh, svd, pinv, matrix_rank, cond and the norms against NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla

import numeru.core as nm
import numeru.linalg as la

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _tol(dtype):
    return 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-11


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_eigh_matches_numpy(uplo, dtype):
    rng = np.random.default_rng(0)
    a = _random(rng, (3, 6, 6), dtype)
    w, v = la.eigh(nm.asarray(a), uplo=uplo)
    rw, rv = np.linalg.eigh(a, UPLO=uplo)
    np.testing.assert_allclose(w.numpy(), rw, rtol=_tol(dtype), atol=_tol(dtype))
    # Eigenvectors are unique up to a phase: compare |v^H rv|.
    overlap = np.abs(np.einsum("...ij,...ij->...j", np.conj(v.numpy()), rv))
    np.testing.assert_allclose(overlap, 1.0, atol=_tol(dtype) * 100)
    np.testing.assert_allclose(
        la.eigvalsh(nm.asarray(a), uplo=uplo).numpy(), rw, rtol=_tol(dtype), atol=_tol(dtype)
    )


@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (2, 5, 5)])
def test_svd_matches_numpy(full_matrices, shape):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    u, s, vh = la.svd(nm.asarray(a), full_matrices=full_matrices)
    ru, rs, rvh = np.linalg.svd(a, full_matrices=full_matrices)
    assert u.shape == ru.shape and vh.shape == rvh.shape
    np.testing.assert_allclose(s.numpy(), rs, rtol=1e-12)
    k = rs.shape[-1]
    rebuilt = (u.numpy()[..., :k] * s.numpy()[..., None, :]) @ vh.numpy()[..., :k, :]
    np.testing.assert_allclose(rebuilt, a, atol=1e-12)
    np.testing.assert_allclose(la.svdvals(nm.asarray(a)).numpy(), rs, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_pinv_matrix_rank_match_numpy_on_rank_deficient(dtype):
    rng = np.random.default_rng(2)
    a = _random(rng, (7, 3), dtype) @ _random(rng, (3, 5), dtype)
    np.testing.assert_allclose(la.pinv(nm.asarray(a)).numpy(), np.linalg.pinv(a), atol=1e-10)
    assert int(la.matrix_rank(nm.asarray(a))) == np.linalg.matrix_rank(a) == 3
    h = a @ np.conj(a.T)
    np.testing.assert_allclose(
        la.pinv(nm.asarray(h), hermitian=True).numpy(),
        np.linalg.pinv(h, hermitian=True),
        atol=1e-10,
    )
    assert int(la.matrix_rank(nm.asarray(h), hermitian=True)) == 3
    assert int(la.matrix_rank(nm.asarray(a), rtol=0.5)) == np.linalg.matrix_rank(a, rtol=0.5)


def test_matrix_rank_hilbert_and_batches():
    h = sla.hilbert(10)
    assert int(la.matrix_rank(nm.asarray(h))) == np.linalg.matrix_rank(h)
    stack = np.stack([np.eye(4), np.diag([1.0, 1.0, 0.0, 0.0])])
    np.testing.assert_array_equal(la.matrix_rank(nm.asarray(stack)).numpy(), [4, 2])


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond_matches_numpy(p):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 5, 5))
    np.testing.assert_allclose(la.cond(nm.asarray(a), p).numpy(), np.linalg.cond(a, p), rtol=1e-9)
    h = sla.hilbert(10)
    np.testing.assert_allclose(float(la.cond(nm.asarray(h), p)), np.linalg.cond(h, p), rtol=1e-3)


def test_cond_of_singular_is_inf():
    a = np.array([[1.0, 0.0], [0.0, 0.0]])
    with np.errstate(divide="ignore"):
        assert float(la.cond(nm.asarray(a))) == np.linalg.cond(a) == math.inf
        assert float(la.cond(nm.asarray(a), 1)) == np.linalg.cond(a, 1) == math.inf
        stack = np.stack([a, np.eye(2) * 2])
        np.testing.assert_array_equal(
            la.cond(nm.asarray(stack), 1).numpy(), np.linalg.cond(stack, 1)
        )


@pytest.mark.parametrize("ord", [2, 1, 0, 3, -1, 0.5, math.inf, -math.inf])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_vector_norm_matches_numpy(ord, axis):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))
    result = la.vector_norm(nm.asarray(x), axis=axis, ord=ord, keepdims=True)
    flat = x.reshape(-1) if axis is None else x
    ref_axis = None if axis is None else axis
    if isinstance(axis, tuple) or axis is None:
        ref = np.linalg.norm(flat.reshape(-1), ord=ord)
        ref = np.full(result.shape, ref)
    else:
        ref = np.linalg.norm(x, ord=ord, axis=ref_axis, keepdims=True)
    assert result.dtype == np.float64
    np.testing.assert_allclose(result.numpy(), ref, rtol=1e-12)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norm_and_norm_match_numpy(ord):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 5))
    np.testing.assert_allclose(
        la.matrix_norm(nm.asarray(x), ord=ord).numpy(),
        np.linalg.norm(x, ord=ord, axis=(-2, -1)),
        rtol=1e-12,
    )
    kept = la.matrix_norm(nm.asarray(x), ord=ord, keepdims=True)
    assert kept.shape == (3, 1, 1)
    np.testing.assert_allclose(
        la.norm(nm.asarray(x), ord=ord, axis=(0, 2)).numpy(),
        np.linalg.norm(x, ord=ord, axis=(0, 2)),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        la.norm(nm.asarray(x[0]), ord=ord).numpy(), np.linalg.norm(x[0], ord=ord), rtol=1e-12
    )


def test_norm_defaults_match_numpy():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4, 5))
    np.testing.assert_allclose(float(la.norm(nm.asarray(x))), np.linalg.norm(x))
    np.testing.assert_allclose(la.norm(nm.asarray(x), axis=1).numpy(), np.linalg.norm(x, axis=1))
    np.testing.assert_allclose(
        la.norm(nm.asarray(x), axis=(0, 1), keepdims=True).numpy(),
        np.linalg.norm(x, axis=(0, 1), keepdims=True),
    )
    np.testing.assert_allclose(
        float(la.norm(nm.asarray(x[0, 0]), ord=1)), np.linalg.norm(x[0, 0], ord=1)
    )
    assert la.vector_norm(nm.asarray([3, 4])).dtype == np.float64
    assert float(la.vector_norm(nm.asarray([3, 4]))) == 5.0


# -- review: edge cases on both paths (CPU kernels and the generic code on `strict`) ----------

_STRICT = [d for d in nm.__array_namespace_info__().devices() if d.type == "strict"]
DEVICES = ["cpu", *_STRICT[:1]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("p", [1, "fro", -math.inf])
def test_cond_of_a_stack_with_a_singular_matrix_on_every_backend(device, p):
    # The per-matrix fallback used NumPy array methods (reshape, None indexing): it failed on
    # any other backend.
    a = np.stack([np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([[2.0, 1.0], [0.0, 3.0]])])
    got = la.cond(nm.asarray(a, device=device), p).numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.linalg.cond(a, p)
    assert got[0] == math.inf
    np.testing.assert_allclose(got, ref, rtol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [(0, 2), (2, 0), (-1, 1)])
def test_norm_over_two_axes_on_every_backend(device, keepdims, axis):
    # norm moved the two axes with nm.moveaxis, which fails on the strict backend.
    x = _random(np.random.default_rng(9), (3, 4, 5), np.complex128)
    for ord in (None, 1, -math.inf, "nuc"):
        got = la.norm(nm.asarray(x, device=device), ord=ord, axis=axis, keepdims=keepdims)
        ref = np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
        assert got.shape == ref.shape
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)


# -- second review -----------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [(), (3,)])
def test_svd_compute_uv_and_hermitian_match_numpy(device, dtype, batch):
    # svd took neither of NumPy's compute_uv / hermitian (a TypeError for NumPy users).
    rng = np.random.default_rng(11)
    x = _random(rng, (*batch, 4, 4), dtype)
    h = (x + np.conj(np.swapaxes(x, -1, -2))).astype(dtype)
    r = _random(rng, (*batch, 5, 3), dtype)
    t, th = nm.asarray(r, device=device), nm.asarray(h, device=device)
    s = la.svd(t, compute_uv=False)
    assert s.shape == (*batch, 3) and s.dtype == np.linalg.svd(r, compute_uv=False).dtype
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(r, compute_uv=False), rtol=_tol(dtype))
    got = la.svd(th, hermitian=True)
    ref = np.linalg.svd(h, hermitian=True)
    for g, want in zip(got, ref, strict=True):  # the same signs: they go into Vh, as in NumPy
        assert g.shape == want.shape and g.dtype == want.dtype
        np.testing.assert_allclose(g.numpy(), want, rtol=_tol(dtype), atol=_tol(dtype))
    np.testing.assert_allclose(la.svd(th, hermitian=True, compute_uv=False).numpy(),
                               np.linalg.svd(h, hermitian=True, compute_uv=False),
                               rtol=_tol(dtype), atol=_tol(dtype))


@pytest.mark.parametrize("device", DEVICES)
def test_svd_of_nan_without_check_finite_raises_numeru_linalg_error(device):
    # NumPy's own LinAlgError ("SVD did not converge") leaked out of the kernels.
    a = nm.asarray(np.array([[1.0, np.nan], [0.0, 1.0]]), device=device)
    b = nm.asarray(np.ones(2), device=device)
    for call in (lambda: la.svd(a, check_finite=False), lambda: la.svdvals(a, check_finite=False),
                 lambda: la.pinv(a, check_finite=False),
                 lambda: la.lstsq(a, b, check_finite=False)):
        with pytest.raises(nm.errors.LinAlgError, match="did not converge"):
            call()


def test_rtol_accepts_numpy_scalars_and_arrays_like_numpy():
    # np.float32(0.5) and NumPy arrays were refused ("a non-negative float, a Tensor or None").
    a = np.stack([np.diag([1.0, 0.2]), np.eye(2)])
    for rtol in (np.float32(0.5), np.array([0.5, 0.1])):
        np.testing.assert_array_equal(la.matrix_rank(nm.asarray(a), rtol=rtol).numpy(),
                                      np.linalg.matrix_rank(a, rtol=rtol))
        np.testing.assert_allclose(la.pinv(nm.asarray(a), rtol=rtol).numpy(),
                                   np.linalg.pinv(a, rtol=rtol))


@pytest.mark.parametrize("device", DEVICES)
def test_uplo_is_case_insensitive_like_numpy(device):
    a = np.array([[2.0, 9.0], [1.0, 3.0]])
    t = nm.asarray(a, device=device)
    for uplo in ("l", "u"):
        np.testing.assert_allclose(la.eigvalsh(t, uplo=uplo).numpy(),
                                   np.linalg.eigvalsh(a, UPLO=uplo))
        np.testing.assert_allclose(la.eigh(t, uplo=uplo).eigenvalues.numpy(),
                                   np.linalg.eigh(a, UPLO=uplo).eigenvalues)
