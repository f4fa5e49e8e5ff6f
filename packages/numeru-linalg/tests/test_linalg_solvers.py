"""solve, solve_triangular, inv, det, slogdet and lstsq against NumPy/SciPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

import numeru.core as nm
import numeru.linalg as la

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _tol(dtype):
    return 1e-3 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "a_shape,b_shape",
    [
        ((5, 5), (5,)),
        ((5, 5), (5, 3)),
        ((4, 5, 5), (4, 5, 2)),
        ((4, 5, 5), (5, 2)),
        ((2, 1, 5, 5), (3, 5, 1)),
    ],
)
def test_solve_matches_numpy(dtype, a_shape, b_shape):
    rng = np.random.default_rng(0)
    a = _random(rng, a_shape, dtype) + 3 * np.eye(a_shape[-1], dtype=dtype)
    b = _random(rng, b_shape, dtype)
    x = la.solve(nm.asarray(a), nm.asarray(b))
    ref = np.linalg.solve(a, b)
    assert x.shape == ref.shape and x.dtype == ref.dtype
    np.testing.assert_allclose(x.numpy(), ref, rtol=_tol(dtype), atol=_tol(dtype))


def test_solve_mixed_dtypes_promote_like_numpy():
    a = np.eye(3, dtype=np.float32) * 2
    b = np.ones(3, dtype=np.float64)
    x = la.solve(nm.asarray(a), nm.asarray(b))
    assert x.dtype == np.linalg.solve(a, b).dtype


def test_solve_hilbert_residual():
    h = sla.hilbert(10)
    b = np.ones(10)
    x = la.solve(nm.asarray(h), nm.asarray(b)).numpy()
    np.testing.assert_allclose(x, np.linalg.solve(h, b), rtol=1e-3)
    assert np.linalg.norm(h @ x - b) / (np.linalg.norm(h) * np.linalg.norm(x)) < 1e-14


def test_solve_out_argument():
    a = nm.asarray(np.eye(3) * 2)
    out = nm.empty((3,), dtype=nm.float64)
    result = la.solve(a, nm.asarray([2.0, 4.0, 6.0]), out=out)
    assert result is out
    np.testing.assert_allclose(out.numpy(), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("trans", [0, 1, 2])
@pytest.mark.parametrize("unit_diagonal", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_solve_triangular_matches_scipy(lower, trans, unit_diagonal, dtype):
    rng = np.random.default_rng(1)
    a = _random(rng, (8, 8), dtype) + 4 * np.eye(8)
    b = _random(rng, (8, 3), dtype)
    x = la.solve_triangular(
        nm.asarray(a), nm.asarray(b), lower=lower, trans=trans, unit_diagonal=unit_diagonal
    )
    ref = sla.solve_triangular(a, b, lower=lower, trans=trans, unit_diagonal=unit_diagonal)
    np.testing.assert_allclose(x.numpy(), ref, rtol=1e-10, atol=1e-12)


def test_solve_triangular_batched():
    rng = np.random.default_rng(2)
    a = np.tril(rng.standard_normal((3, 6, 6))) + 3 * np.eye(6)
    b = rng.standard_normal((3, 6))
    x = la.solve_triangular(nm.asarray(a), nm.asarray(b[0]), lower=True)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b[0]), rtol=1e-10)
    x = la.solve_triangular(nm.asarray(a), nm.asarray(b[..., None]), lower=True)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b[..., None]), rtol=1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 6), (3, 6, 6)])
def test_inv_det_slogdet_match_numpy(dtype, shape):
    rng = np.random.default_rng(3)
    a = _random(rng, shape, dtype)
    t = nm.asarray(a)
    np.testing.assert_allclose(
        la.inv(t).numpy(), np.linalg.inv(a), rtol=_tol(dtype) * 10, atol=_tol(dtype) * 10
    )
    np.testing.assert_allclose(la.det(t).numpy(), np.linalg.det(a), rtol=_tol(dtype) * 10)
    sign, logabs = la.slogdet(t)
    ref_sign, ref_log = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign.numpy(), ref_sign, rtol=_tol(dtype) * 10)
    np.testing.assert_allclose(logabs.numpy(), ref_log, rtol=_tol(dtype) * 10)
    assert la.det(t).dtype == np.linalg.det(a).dtype
    assert logabs.dtype == ref_log.dtype


def test_det_of_singular_is_zero_and_slogdet_minus_inf():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert float(la.det(nm.asarray(a))) == np.linalg.det(a) == 0.0
    sign, logabs = la.slogdet(nm.asarray(a))
    assert float(sign) == 0.0 and float(logabs) == -np.inf


@pytest.mark.parametrize("shape,b_shape", [((8, 4), (8,)), ((8, 4), (8, 2)), ((4, 8), (4, 2))])
def test_lstsq_matches_numpy(shape, b_shape):
    rng = np.random.default_rng(4)
    a = rng.standard_normal(shape)
    b = rng.standard_normal(b_shape)
    x, residuals, rank, s = la.lstsq(nm.asarray(a), nm.asarray(b))
    rx, rres, rrank, rs = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x.numpy(), rx, atol=1e-12)
    np.testing.assert_allclose(residuals.numpy(), rres, atol=1e-12)
    assert int(rank) == rrank
    np.testing.assert_allclose(s.numpy(), rs)


@pytest.mark.parametrize("rcond, expected_rank", [(None, 4), (-1.0, 4), (0.0, 4), (1e-12, 3),
                                                 (0.5, 2), (1.0, 4), (2.0, 4)])
def test_lstsq_cutoff_follows_lapack_on_every_backend(rcond, expected_rank):
    """Singular values 3, 2, 1, 1e-13: the rank and solution NumPy (LAPACK gelsd) gives for
    every rcond, including the out-of-range ones gelsd replaces by eps, on the CPU and in the
    generic code (the example backend)."""
    rng = np.random.default_rng(8)
    u, _ = np.linalg.qr(rng.standard_normal((6, 4)))
    v, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    a = u @ np.diag([3.0, 2.0, 1.0, 1e-13]) @ v.T
    b = rng.standard_normal((6, 2))
    rx, _, rrank, rs = np.linalg.lstsq(a, b, rcond=rcond)
    assert rrank == expected_rank
    devices = ["cpu"] + [d for d in nm.__array_namespace_info__().devices() if d.type == "strict"]
    for device in devices:
        x, _, rank, s = la.lstsq(nm.asarray(a, device=device), nm.asarray(b, device=device),
                                 rcond=rcond)
        assert int(rank.to("cpu").numpy()) == rrank, device
        np.testing.assert_allclose(s.to("cpu").numpy(), rs, rtol=0, atol=1e-14)
        # kept, 1 / 1e-13 amplifies rounding to about 1e-3 of the solution
        rtol = 1e-2 if rrank == 4 else 1e-10
        np.testing.assert_allclose(x.to("cpu").numpy(), rx, rtol=0, atol=rtol * np.abs(rx).max())


def test_lstsq_rank_deficient_and_batched():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))
    b = rng.standard_normal((6, 1))
    x, residuals, rank, _ = la.lstsq(nm.asarray(a), nm.asarray(b))
    rx, rres, rrank, _ = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x.numpy(), rx, atol=1e-12)
    assert int(rank) == rrank == 2 and residuals.shape == rres.shape == (0,)
    stack = rng.standard_normal((3, 7, 3))
    rhs = rng.standard_normal((3, 7, 2))
    x, residuals, rank, s = la.lstsq(nm.asarray(stack), nm.asarray(rhs))
    for i in range(3):
        rx, rres, rrank, rs = np.linalg.lstsq(stack[i], rhs[i])
        np.testing.assert_allclose(x.numpy()[i], rx, atol=1e-12)
        np.testing.assert_allclose(residuals.numpy()[i], rres, atol=1e-12)
        assert rank.numpy()[i] == rrank


@settings(max_examples=30, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), max_size=2),
    n=st.integers(1, 6),
    k=st.integers(1, 3),
    dtype=st.sampled_from([np.float32, np.float64, np.complex128]),
    seed=st.integers(0, 2**16),
)
def test_property_solve_det_inv_agree_with_numpy(batch, n, k, dtype, seed):
    rng = np.random.default_rng(seed)
    a = _random(rng, (*batch, n, n), dtype) + 2 * n * np.eye(n, dtype=dtype)  # well-posed
    b = _random(rng, (*batch, n, k), dtype)
    t = nm.asarray(a)
    tol = _tol(dtype) * 10
    np.testing.assert_allclose(
        la.solve(t, nm.asarray(b)).numpy(), np.linalg.solve(a, b), rtol=tol, atol=tol
    )
    np.testing.assert_allclose(la.det(t).numpy(), np.linalg.det(a), rtol=tol)
    np.testing.assert_allclose(la.inv(t).numpy(), np.linalg.inv(a), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", [(0, 0), (0, 3, 3), (2, 0, 0)])
def test_empty_inputs_give_numpy_shapes(shape):
    a = np.ones(shape)
    b = np.ones((*shape[:-1], 1))
    t, tb = nm.asarray(a), nm.asarray(b)
    assert la.solve(t, tb).shape == np.linalg.solve(a, b).shape
    assert la.inv(t).shape == np.linalg.inv(a).shape
    np.testing.assert_array_equal(la.det(t).numpy(), np.linalg.det(a))
    assert la.lu_factor(t).LU.shape == shape
    assert la.lu_solve(la.lu_factor(t), tb).shape == b.shape
    assert la.cholesky(t).shape == np.linalg.cholesky(a).shape
    assert la.solve_triangular(t, tb).shape == b.shape
    assert la.qr(t).R.shape == np.linalg.qr(a).R.shape


# -- review: edge cases on both paths (CPU kernels and the generic code on `strict`) ----------

_STRICT = [d for d in nm.__array_namespace_info__().devices() if d.type == "strict"]
DEVICES = ["cpu", *_STRICT[:1]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 2, 2)])
def test_empty_stacks_give_numpy_results_on_every_backend(device, shape):
    # The generic path indexed the first result of an empty stack (IndexError).
    a = np.broadcast_to(2 * np.eye(shape[-1]), shape).copy()
    b = np.ones((*shape[:-1], 2))
    t = nm.asarray(a, device=device)
    tb = nm.asarray(b, device=device)
    inv = la.inv(t)
    assert inv.shape == shape and inv.dtype == np.float64
    det = la.det(t)
    assert det.shape == shape[:-2] and det.dtype == np.float64
    sign, logabs = la.slogdet(t)
    assert sign.shape == logabs.shape == shape[:-2]
    assert la.solve(t, tb).shape == np.linalg.solve(a, b).shape
    assert la.lu_solve(la.lu_factor(t), tb, trans=1).shape == b.shape
    assert la.cholesky(t).shape == shape
    assert la.cho_solve((t, True), tb).shape == b.shape
    assert la.solve_triangular(t, tb, trans=2).shape == b.shape
    assert [x.shape for x in la.lu(t)] == [shape] * 3
    q, r = la.qr(t)
    assert q.shape == r.shape == shape and q.dtype == np.float64
    # and a stack that is not empty still gives numbers
    np.testing.assert_allclose(la.det(nm.asarray(a[..., :1, :, :], device=device)).numpy(),
                               np.linalg.det(a[..., :1, :, :]))


@pytest.mark.parametrize("device", DEVICES)
def test_lstsq_rank_is_int64_for_one_matrix_and_stacks(device):
    # The CPU returned NumPy's int32 rank for one matrix and int64 for stacks and elsewhere.
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]])
    b = np.array([1.0, 2.0, 3.0])
    one = la.lstsq(nm.asarray(a, device=device), nm.asarray(b, device=device))
    many = la.lstsq(nm.asarray(np.stack([a, a[:, :1] * [1, 0]]), device=device),
                    nm.asarray(b, device=device))
    assert one.rank.dtype == many.rank.dtype == np.int64
    assert int(one.rank) == np.linalg.lstsq(a, b)[2] == 2
    np.testing.assert_array_equal(many.rank.numpy(), [2, 1])
    np.testing.assert_allclose(one.solution.numpy(), np.linalg.lstsq(a, b)[0], atol=1e-12)


@pytest.mark.parametrize("func", ["solve", "lu_solve", "cho_solve", "solve_triangular", "lstsq"])
def test_wrong_vector_rhs_is_reported_with_the_shape_given(func):
    # A 1-D b was reported with the (N, 1) shape it is reshaped to internally.
    a = nm.asarray(2 * np.eye(3))
    b = nm.asarray(np.ones(4))
    calls = {
        "solve": lambda: la.solve(a, b),
        "lu_solve": lambda: la.lu_solve(la.lu_factor(a), b),
        "cho_solve": lambda: la.cho_solve(la.cho_factor(a), b),
        "solve_triangular": lambda: la.solve_triangular(a, b),
        "lstsq": lambda: la.lstsq(a, b),
    }
    message = r"^b: expected shape \(3,\) .*got shape \(4,\)$"
    with pytest.raises(nm.errors.ShapeError, match=message):
        calls[func]()


# -- second review -----------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("a_shape,b_shape", [((5, 0), (5,)), ((5, 0), (5, 2)), ((0, 3), (0, 2))],
)
def test_lstsq_of_empty_matrices_matches_numpy_on_every_backend(device, a_shape, b_shape):
    # The generic path took the maximum of no singular values (ValueError).
    a = np.ones(a_shape)
    b = np.arange(1.0, 1 + math.prod(b_shape)).reshape(b_shape)
    got = la.lstsq(nm.asarray(a, device=device), nm.asarray(b, device=device))
    ref = np.linalg.lstsq(a, b)
    for g, want in zip(got, ref, strict=True):
        assert g.shape == np.shape(want)
        np.testing.assert_array_equal(g.numpy(), want)
    # and in a stack: every matrix has full rank 0 = N < M, so residuals are |b|^2
    ones = nm.asarray(np.ones((2, *a_shape)), device=device)
    stack = la.lstsq(ones, nm.asarray(b, device=device))
    assert stack.solution.shape == (2, *ref[0].shape) and stack.rank.shape == (2,)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("rcond", [-1, 0.0, 1.5, np.float32(-1)])
def test_lstsq_out_of_range_rcond_uses_lapacks_epsilon(device, rcond):
    # LAPACK (NumPy's lstsq) cuts at dlamch('E') * max(S) = eps / 2 * max(S); the generic path
    # used eps and dropped a singular value that NumPy keeps.
    a = np.diag([1.0, 1.5e-16])
    b = np.array([1.0, 1.5e-16])
    got = la.lstsq(nm.asarray(a, device=device), nm.asarray(b, device=device), rcond=rcond)
    ref = np.linalg.lstsq(a, b, rcond=float(rcond))
    assert int(got.rank) == ref[2] == 2
    np.testing.assert_allclose(got.solution.numpy(), ref[0], rtol=1e-12)
