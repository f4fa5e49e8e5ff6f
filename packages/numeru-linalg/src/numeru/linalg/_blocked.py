"""Blocked right-looking LU, Cholesky and Householder QR, and a blocked triangular solve.

Written against an Array API namespace ``xp`` so that a backend without LAPACK (the example
``strict`` backend) can still factor matrices; on NumPy the same code also cross-checks LAPACK.
Each factorization works panel by panel: the panel (``nb`` columns) is factored column by
column, then the rest of the matrix is updated with one matrix product (BLAS-3), which is where
almost all the flops go. On NumPy the panel itself runs in a Numba kernel (``_kernels.panels``);
on other namespaces it runs as a loop of ``xp`` vector operations.

All functions take one matrix (2-D), work on a private copy and return new arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BLOCK = 64


def _is_complex(xp: Any, a: Any) -> bool:
    return bool(xp.isdtype(a.dtype, "complex floating"))


def _conj_t(xp: Any, a: Any) -> Any:
    t = xp.matrix_transpose(a)
    return xp.conj(t) if _is_complex(xp, a) else t


def _copy(xp: Any, a: Any) -> Any:
    return xp.asarray(a, copy=True)


def _numba_panels(xp: Any) -> Any:
    """The Numba panel kernels when ``xp`` is NumPy, else None (panels run as xp loops)."""
    if xp is np:
        from ._kernels import panels

        return panels
    return None


def _cabs1(xp: Any, v: Any) -> Any:
    """|re| + |im|: the magnitude LAPACK uses to choose pivots (i?amax)."""
    if _is_complex(xp, v):
        return xp.abs(xp.real(v)) + xp.abs(xp.imag(v))
    return xp.abs(v)


# -- triangular solve --------------------------------------------------------------------------


def trsm(
    xp: Any,
    a: Any,
    b: Any,
    *,
    lower: bool,
    trans: int = 0,
    unit_diagonal: bool = False,
    nb: int = BLOCK,
) -> Any:
    """X with op(A) X = B for triangular A (n x n) and B (n x k); op by LAPACK's ``trans``."""
    if trans:
        a = xp.matrix_transpose(a)
        if trans == 2 and _is_complex(xp, a):
            a = xp.conj(a)
        lower = not lower
    n = a.shape[0]
    x = _copy(xp, b)
    starts = list(range(0, n, nb))
    if not lower:
        starts.reverse()
    for i0 in starts:
        i1 = min(i0 + nb, n)
        # BLAS-3: subtract what the already solved blocks contribute to this one.
        if lower and i0 > 0:
            x[i0:i1, :] = x[i0:i1, :] - xp.matmul(a[i0:i1, :i0], x[:i0, :])
        elif not lower and i1 < n:
            x[i0:i1, :] = x[i0:i1, :] - xp.matmul(a[i0:i1, i1:], x[i1:, :])
        rows = range(i0, i1) if lower else range(i1 - 1, i0 - 1, -1)
        for r in rows:
            if lower and r > i0:
                x[r : r + 1, :] = x[r : r + 1, :] - xp.matmul(a[r : r + 1, i0:r], x[i0:r, :])
            elif not lower and r < i1 - 1:
                x[r : r + 1, :] = x[r : r + 1, :] - xp.matmul(
                    a[r : r + 1, r + 1 : i1], x[r + 1 : i1, :]
                )
            if not unit_diagonal:
                x[r : r + 1, :] = x[r : r + 1, :] / a[r : r + 1, r : r + 1]
    return x


# -- LU ----------------------------------------------------------------------------------------


def _apply_swaps(xp: Any, block: Any, swaps: list[int]) -> Any:
    """Rows of ``block`` permuted by LAPACK-style interchanges (row i <-> row swaps[i])."""
    order = list(range(block.shape[0]))
    for i, p in enumerate(swaps):
        order[i], order[p] = order[p], order[i]
    if order == sorted(order):
        return block
    index = (
        xp.asarray(order, dtype=xp.int64, device=getattr(block, "device", None))
        if xp is not np
        else np.asarray(order)
    )
    return xp.take(block, index, axis=0)


def _lu_panel_xp(xp: Any, a: Any, k0: int, k1: int) -> tuple[list[int], int]:
    """Unblocked LU of columns k0:k1 (rows k0:), swapping only inside the panel."""
    swaps: list[int] = []
    info = 0
    for j in range(k0, k1):
        p = j + int(xp.argmax(_cabs1(xp, a[j:, j])))
        swaps.append(p - k0)
        if p != j:
            row = _copy(xp, a[j : j + 1, k0:k1])
            a[j : j + 1, k0:k1] = a[p : p + 1, k0:k1]
            a[p : p + 1, k0:k1] = row
        if bool(a[j, j] == 0):
            info = info or j + 1
            continue
        a[j + 1 :, j : j + 1] = a[j + 1 :, j : j + 1] / a[j : j + 1, j : j + 1]
        if j + 1 < k1:
            a[j + 1 :, j + 1 : k1] = (
                a[j + 1 :, j + 1 : k1] - a[j + 1 :, j : j + 1] * a[j : j + 1, j + 1 : k1]
            )
    return swaps, info


def lu_factor(xp: Any, a: Any, nb: int = BLOCK) -> tuple[Any, list[int], int]:
    """(LU, pivots, info): P A = L U; pivots are 0-based row interchanges; info as LAPACK's
    getrf (0, or k+1 for the first exactly zero pivot U[k, k])."""
    a = _copy(xp, a)
    m, n = a.shape
    kmin = min(m, n)
    panels = _numba_panels(xp)
    piv: list[int] = []
    info = 0
    for k0 in range(0, kmin, nb):
        k1 = min(k0 + nb, kmin)
        if panels is not None:
            rel = np.empty(k1 - k0, dtype=np.int64)
            panel_info = panels.lu_panel(a[k0:, k0:k1], rel)
            swaps = [int(s) for s in rel]
            panel_info = panel_info + k0 if panel_info else 0
        else:
            swaps, panel_info = _lu_panel_xp(xp, a, k0, k1)
        info = info or panel_info
        piv.extend(k0 + s for s in swaps)
        # Apply the panel's row interchanges left and right of it.
        if k0 > 0:
            a[k0:, :k0] = _apply_swaps(xp, a[k0:, :k0], swaps)
        if k1 < n:
            a[k0:, k1:] = _apply_swaps(xp, a[k0:, k1:], swaps)
            # U12 = L11^-1 A12, then the BLAS-3 trailing update A22 -= L21 U12.
            a[k0:k1, k1:] = trsm(
                xp, a[k0:k1, k0:k1], a[k0:k1, k1:], lower=True, unit_diagonal=True, nb=nb
            )
            if k1 < m:
                a[k1:, k1:] = a[k1:, k1:] - xp.matmul(a[k1:, k0:k1], a[k0:k1, k1:])
    return a, piv, info


# -- Cholesky ----------------------------------------------------------------------------------


def _chol_block_xp(xp: Any, a: Any, k0: int, k1: int) -> int:
    """Unblocked (left-looking inside the block) Cholesky of the diagonal block k0:k1."""
    complex_ = _is_complex(xp, a)
    for j in range(k0, k1):
        row = a[j : j + 1, k0:j]
        diag = a[j : j + 1, j : j + 1]
        d = (xp.real(diag) if complex_ else diag) - xp.sum(xp.abs(row) ** 2)
        if not bool(d[0, 0] > 0):
            return j + 1
        root = xp.sqrt(d)
        a[j : j + 1, j : j + 1] = xp.astype(root, a.dtype) if complex_ else root
        if j + 1 < k1:
            below = a[j + 1 : k1, j : j + 1] - xp.matmul(a[j + 1 : k1, k0:j], _conj_t(xp, row))
            a[j + 1 : k1, j : j + 1] = below / a[j : j + 1, j : j + 1]
    return 0


def cholesky(xp: Any, a: Any, nb: int = BLOCK) -> tuple[Any, int]:
    """(L, info): A = L L^H from A's lower triangle; info = order of the first leading minor
    that is not positive (0 when A is positive definite)."""
    a = _copy(xp, a)
    n = a.shape[0]
    panels = _numba_panels(xp)
    for k0 in range(0, n, nb):
        k1 = min(k0 + nb, n)
        if panels is not None:
            info = panels.chol_block(a[k0:k1, k0:k1])
            info = info + k0 if info else 0
        else:
            info = _chol_block_xp(xp, a, k0, k1)
        if info:
            return a, info
        if k1 < n:
            # L21 = A21 L11^-H, then the BLAS-3 trailing update A22 -= L21 L21^H.
            l21_h = trsm(xp, a[k0:k1, k0:k1], _conj_t(xp, a[k1:, k0:k1]), lower=True, nb=nb)
            l21 = _conj_t(xp, l21_h)
            a[k1:, k0:k1] = l21
            a[k1:, k1:] = a[k1:, k1:] - xp.matmul(l21, l21_h)
    return xp.tril(a), 0


# -- Householder QR ----------------------------------------------------------------------------


def _qr_panel_xp(xp: Any, a: Any, k0: int, k1: int) -> tuple[Any, Any]:
    """Householder reflectors of columns k0:k1 (LAPACK's larfg convention) and the triangular
    factor T of their compact WY form (larft): H_k0 ... H_k1-1 = I - V T V^H."""
    complex_ = _is_complex(xp, a)
    kb = k1 - k0
    taus: list[Any] = []
    for j in range(k0, k1):
        alpha = complex(a[j, j]) if complex_ else float(a[j, j])
        xnorm = float(xp.sqrt(xp.sum(xp.abs(a[j + 1 :, j]) ** 2))) if j + 1 < a.shape[0] else 0.0
        if xnorm == 0.0 and (not complex_ or alpha.imag == 0):
            taus.append(0.0)
            continue
        real = alpha.real if complex_ else alpha
        beta = -float(np.copysign(np.sqrt(abs(alpha) ** 2 + xnorm**2), real))
        tau = (beta - alpha) / beta
        taus.append(tau)
        a[j + 1 :, j : j + 1] = a[j + 1 :, j : j + 1] / (alpha - beta)
        a[j, j] = beta
        if j + 1 < k1:
            # Apply H^H = I - conj(tau) v v^H to the rest of the panel.
            v = _reflector(xp, a, j, j)
            w = xp.matmul(_conj_t(xp, v), a[j:, j + 1 : k1])
            a[j:, j + 1 : k1] = a[j:, j + 1 : k1] - (tau.conjugate() if complex_ else tau) * (v * w)
    v = _reflectors(xp, a, k0, k1)
    t = (
        xp.zeros((kb, kb), dtype=a.dtype, device=getattr(a, "device", None))
        if xp is not np
        else np.zeros((kb, kb), dtype=a.dtype)
    )
    for i in range(kb):
        t[i, i] = taus[i]
        if i and taus[i] != 0:
            col = xp.matmul(_conj_t(xp, v[:, :i]), v[:, i : i + 1])
            t[:i, i : i + 1] = -taus[i] * xp.matmul(t[:i, :i], col)
    return v, t


def _reflector(xp: Any, a: Any, j: int, row: int) -> Any:
    """Column j's Householder vector over rows ``row``: (1, a[row+1:, j])."""
    v = _copy(xp, a[row:, j : j + 1])
    v[0:1, :] = (
        xp.ones((1, 1), dtype=a.dtype)
        if xp is np
        else xp.asarray([[1]], dtype=a.dtype, device=a.device)
    )
    return v


def _reflectors(xp: Any, a: Any, k0: int, k1: int) -> Any:
    """V (unit lower trapezoidal) of the panel k0:k1, rows k0:."""
    v = xp.tril(_copy(xp, a[k0:, k0:k1]), k=-1)
    eye = (
        xp.eye(v.shape[0], k1 - k0, dtype=a.dtype)
        if xp is np
        else xp.eye(v.shape[0], k1 - k0, dtype=a.dtype, device=a.device)
    )
    return v + eye


def qr_factor(xp: Any, a: Any, nb: int = BLOCK) -> tuple[Any, list[tuple[int, Any, Any]]]:
    """(R-and-reflectors, blocks): Householder QR, blocks = [(k0, V, T), ...] for Q."""
    a = _copy(xp, a)
    m, n = a.shape
    kmin = min(m, n)
    panels = _numba_panels(xp)
    blocks = []
    for k0 in range(0, kmin, nb):
        k1 = min(k0 + nb, kmin)
        if panels is not None:
            t = np.zeros((k1 - k0, k1 - k0), dtype=a.dtype)
            panels.qr_panel(a[k0:, k0:k1], t)
            v = _reflectors(xp, a, k0, k1)
        else:
            v, t = _qr_panel_xp(xp, a, k0, k1)
        blocks.append((k0, v, t))
        if k1 < n:
            # BLAS-3 trailing update: A2 := (I - V T V^H)^H A2 = A2 - V (T^H (V^H A2)).
            w = xp.matmul(_conj_t(xp, v), a[k0:, k1:])
            a[k0:, k1:] = a[k0:, k1:] - xp.matmul(v, xp.matmul(_conj_t(xp, t), w))
    return a, blocks


def qr(xp: Any, a: Any, mode: str = "reduced", nb: int = BLOCK) -> Any:
    """Q and R as NumPy's ``qr`` gives them (``mode`` reduced, complete or r)."""
    m, n = a.shape
    kmin = min(m, n)
    factored, blocks = qr_factor(xp, a, nb)
    # R is K x N for "reduced" and "r" (NumPy's shapes), M x N only for "complete".
    rows = m if mode == "complete" else kmin
    r = xp.triu(factored[:rows, :])
    if mode == "r":
        return r
    cols = kmin if mode == "reduced" else m
    q = (
        xp.eye(m, cols, dtype=a.dtype)
        if xp is np
        else xp.eye(m, cols, dtype=a.dtype, device=a.device)
    )
    for k0, v, t in reversed(blocks):
        # Q := H_block Q, blocks applied last to first (LAPACK's orgqr order).
        w = xp.matmul(_conj_t(xp, v), q[k0:, k0:])
        q[k0:, k0:] = q[k0:, k0:] - xp.matmul(v, xp.matmul(t, w))
    return q, r
