"""gemm, matmul, cross, diagonal, outer, trace, matrix_power, tensordot, vecdot against NumPy
(and gemm against SciPy's BLAS wrapper)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import blas

import numeru.core as nm
import numeru.linalg as la


@pytest.mark.parametrize("trans_a", [False, True, "C"])
@pytest.mark.parametrize("trans_b", [False, True, "C"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_gemm_in_place_matches_blas(trans_a, trans_b, dtype):
    rng = np.random.default_rng(0)
    a = (
        rng.standard_normal((5, 4))
        + (1j * rng.standard_normal((5, 4)) if dtype == np.complex128 else 0)
    ).astype(dtype)
    b = rng.standard_normal((5, 3) if trans_b is False else (3, 5)).astype(dtype)
    a = a if trans_a is not False else np.ascontiguousarray(a.T)  # op(a) is 4 x 5
    c = rng.standard_normal((4, 3)).astype(dtype)
    code = {False: 0, True: 1, "C": 2}
    fn = blas.get_blas_funcs("gemm", (a, b, c))
    ref = fn(2.0, a, b, beta=0.5, c=c, trans_a=code[trans_a], trans_b=code[trans_b])
    ct = nm.asarray(c.copy())
    before = ct.data
    result = la.gemm(
        nm.asarray(a), nm.asarray(b), ct, alpha=2.0, beta=0.5, trans_a=trans_a, trans_b=trans_b
    )
    assert result is ct and ct.data is before  # written in place
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ct.numpy(), ref, rtol=tol, atol=tol)


def test_gemm_without_c_and_batched():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 4))
    b = rng.standard_normal((2, 4, 5))
    np.testing.assert_allclose(la.gemm(nm.asarray(a), nm.asarray(b), alpha=3).numpy(), 3 * a @ b)
    c = nm.asarray(np.ones((2, 3, 5)))
    la.gemm(nm.asarray(a), nm.asarray(b), c, beta=2.0)
    np.testing.assert_allclose(c.numpy(), a @ b + 2.0)
    c_t = nm.asarray(np.ones((5, 3)).T)  # a non-contiguous c takes the general path
    la.gemm(nm.asarray(a[0]), nm.asarray(b[0]), c_t)
    np.testing.assert_allclose(c_t.numpy(), a[0] @ b[0])


def test_matmul_tensordot_vecdot_match_numpy():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4, 5))
    b = rng.standard_normal((5, 2))
    np.testing.assert_allclose(la.matmul(nm.asarray(a), nm.asarray(b)).numpy(), a @ b)
    out = nm.empty((3, 4, 2), dtype=nm.float64)
    assert la.matmul(nm.asarray(a), nm.asarray(b), out=out) is out
    np.testing.assert_allclose(out.numpy(), a @ b)
    np.testing.assert_allclose(
        la.tensordot(nm.asarray(a), nm.asarray(b), axes=1).numpy(), np.tensordot(a, b, axes=1)
    )
    v = rng.standard_normal((3, 4, 5)) + 1j
    np.testing.assert_allclose(la.vecdot(nm.asarray(v), nm.asarray(a)).numpy(), np.vecdot(v, a))
    np.testing.assert_allclose(la.matrix_transpose(nm.asarray(a)).numpy(), np.swapaxes(a, -1, -2))


def test_cross_diagonal_outer_trace_match_numpy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    y = rng.standard_normal((3,))
    np.testing.assert_allclose(la.cross(nm.asarray(x), nm.asarray(y)).numpy(), np.cross(x, y))
    np.testing.assert_allclose(
        la.cross(nm.asarray(x.T), nm.asarray(x.T), axis=0).numpy(), np.cross(x.T, x.T, axis=0)
    )
    m = rng.standard_normal((2, 4, 5))
    for offset in (-2, 0, 1, 4):
        np.testing.assert_allclose(
            la.diagonal(nm.asarray(m), offset=offset).numpy(), np.linalg.diagonal(m, offset=offset)
        )
        np.testing.assert_allclose(
            la.trace(nm.asarray(m), offset=offset).numpy(), np.linalg.trace(m, offset=offset)
        )
    assert la.trace(nm.asarray(m), dtype=nm.float32).dtype == np.float32
    np.testing.assert_allclose(la.outer(nm.asarray(x[0]), nm.asarray(y)).numpy(), np.outer(x[0], y))


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_matches_numpy(n):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 4, 4)) + 2 * np.eye(4)
    np.testing.assert_allclose(
        la.matrix_power(nm.asarray(a), n).numpy(), np.linalg.matrix_power(a, n), rtol=1e-9
    )


def test_generic_products_on_the_strict_backend():
    try:
        dev = nm.device("strict")
    except nm.errors.DeviceError:
        pytest.skip("the example strict backend is not installed")
    rng = np.random.default_rng(5)
    a, b, c = rng.standard_normal((3, 4)), rng.standard_normal((3, 5)), rng.standard_normal((4, 5))
    tc = nm.asarray(c.copy(), device=dev)
    result = la.gemm(
        nm.asarray(a, device=dev), nm.asarray(b, device=dev), tc, alpha=2.0, beta=0.5, trans_a=True
    )
    assert result is tc
    np.testing.assert_allclose(tc.numpy(), 2 * a.T @ b + 0.5 * c)
    x = rng.standard_normal((2, 5, 5))
    t = nm.asarray(x, device=dev)
    np.testing.assert_allclose(la.diagonal(t, offset=1).numpy(), np.linalg.diagonal(x, offset=1))
    np.testing.assert_allclose(la.trace(t).numpy(), np.linalg.trace(x))
    np.testing.assert_allclose(la.matrix_power(t, 3).numpy(), np.linalg.matrix_power(x, 3))
    v = rng.standard_normal((4, 3))
    np.testing.assert_allclose(
        la.cross(nm.asarray(v, device=dev), nm.asarray(v[::-1].copy(), device=dev)).numpy(),
        np.cross(v, v[::-1]),
    )
    np.testing.assert_allclose(
        la.matrix_norm(t, ord="nuc").numpy(), np.linalg.norm(x, ord="nuc", axis=(-2, -1))
    )


def test_gemm_with_an_empty_dimension_scales_c_and_adds_nothing():
    c = nm.ones((2, 3))
    la.gemm(nm.ones((2, 0)), nm.ones((0, 3)), c=c, beta=2.5)  # K = 0: C = beta C
    np.testing.assert_array_equal(c.numpy(), np.full((2, 3), 2.5))
    empty = nm.zeros((0, 3))
    la.gemm(nm.ones((0, 4)), nm.ones((4, 3)), c=empty)  # M = 0: nothing to write, no BLAS error
    assert empty.shape == (0, 3)
    assert la.gemm(nm.ones((0, 4)), nm.ones((4, 3))).shape == (0, 3)


# -- review: edge cases on both paths (CPU kernels and the generic code on `strict`) ----------

_STRICT = [d for d in nm.__array_namespace_info__().devices() if d.type == "strict"]
DEVICES = ["cpu", *_STRICT[:1]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_gemm_into_an_operand_is_as_if_the_operands_were_copied(device, order):
    # BLAS wrote C while reading B when c was b (CPU, C-ordered c): wrong numbers.
    rng = np.random.default_rng(12)
    x0 = np.asarray(rng.standard_normal((40, 40)), order=order)
    w = rng.standard_normal((40, 40))
    x = nm.asarray(x0.copy(order="K"), device=device)
    la.gemm(nm.asarray(w, device=device), x, x, alpha=2.0, trans_b=True)
    np.testing.assert_allclose(x.numpy(), 2 * w @ x0.T, atol=1e-12)
    x = nm.asarray(x0.copy(order="K"), device=device)
    la.gemm(x, nm.asarray(w, device=device), x, beta=1.0)
    np.testing.assert_allclose(x.numpy(), x0 @ w + x0, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_gemm_refuses_alpha_beta_that_the_dtype_cannot_hold(device):
    # A complex alpha with real operands lost its imaginary part silently in BLAS (C = 0 for
    # alpha=1j); a fractional alpha with integer operands raised NumPy's own casting error.
    a = nm.asarray(np.ones((2, 3)), device=device)
    b = nm.asarray(np.ones((3, 2)), device=device)
    c = nm.asarray(np.full((2, 2), 5.0), device=device)
    with pytest.raises(nm.errors.DTypeError, match=r"alpha: expected .* float64 .*got 1j"):
        la.gemm(a, b, c, alpha=1j)
    with pytest.raises(nm.errors.DTypeError, match=r"beta: expected .*got \(2\+0j\)"):
        la.gemm(a, b, c, beta=2 + 0j)
    np.testing.assert_array_equal(c.numpy(), np.full((2, 2), 5.0))  # untouched
    ints = nm.asarray(np.arange(6).reshape(2, 3), device=device)
    with pytest.raises(nm.errors.DTypeError, match=r"alpha: expected .* int64 .*got 0.5"):
        la.gemm(ints, nm.asarray(np.arange(6).reshape(3, 2), device=device), alpha=0.5)
    # numbers of the operands' kind (or a lower one) are accepted
    i23, i32 = np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)
    got = la.gemm(ints, nm.asarray(i32, device=device), alpha=np.int8(3))
    np.testing.assert_array_equal(got.numpy(), 3 * (i23 @ i32))
    z = nm.asarray(np.ones((2, 3), np.complex64), device=device)
    got = la.gemm(z, nm.asarray(np.ones((3, 2), np.complex64), device=device), alpha=1j)
    np.testing.assert_allclose(got.numpy(), np.full((2, 2), 3j))
