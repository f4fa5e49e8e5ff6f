"""Numba panel kernels of the blocked LU, Cholesky and Householder QR (see ``_blocked``).

A panel is a tall block of ``nb`` columns; these kernels factor it in place, column by column
(the BLAS-2 part), and the caller updates the rest of the matrix with matrix products. They
follow LAPACK's unblocked routines (getf2, potf2, geqr2 + larft) so that pivots and reflectors
agree with LAPACK's.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _cabs1(x):  # pragma: no cover - compiled
    return abs(x.real) + abs(x.imag)


@njit(cache=True)
def lu_panel(p, piv):  # pragma: no cover - compiled
    """getf2 on the panel ``p`` (m x kb) in place; ``piv[j]`` = row swapped with j. Returns
    LAPACK's info (k+1 for the first exactly zero pivot, else 0)."""
    m, kb = p.shape
    info = 0
    for j in range(min(m, kb)):
        best = _cabs1(p[j, j])
        row = j
        for i in range(j + 1, m):
            v = _cabs1(p[i, j])
            if v > best:
                best = v
                row = i
        piv[j] = row
        if best == 0.0:
            if info == 0:
                info = j + 1
            continue
        if row != j:
            for c in range(kb):
                tmp = p[j, c]
                p[j, c] = p[row, c]
                p[row, c] = tmp
        inv = 1.0 / p[j, j]
        for i in range(j + 1, m):
            p[i, j] *= inv
        for i in range(j + 1, m):
            f = p[i, j]
            if f != 0:
                for c in range(j + 1, kb):
                    p[i, c] -= f * p[j, c]
    return info


@njit(cache=True)
def chol_block(a):  # pragma: no cover - compiled
    """potf2 (lower) on the square block ``a`` in place. Returns LAPACK's info: the order of
    the first leading minor that is not positive, else 0."""
    n = a.shape[0]
    for j in range(n):
        d = a[j, j].real
        for k in range(j):
            d -= (a[j, k] * np.conj(a[j, k])).real
        if not d > 0.0:
            return j + 1
        root = np.sqrt(d)
        a[j, j] = root
        for i in range(j + 1, n):
            s = a[i, j]
            for k in range(j):
                s -= a[i, k] * np.conj(a[j, k])
            a[i, j] = s / root
    return 0


@njit(cache=True)
def qr_panel(p, t):  # pragma: no cover - compiled
    """geqr2 on the panel ``p`` (m x kb) in place, then larft: ``t`` (kb x kb) receives the
    upper triangular factor with H_0 ... H_kb-1 = I - V T V^H."""
    m, kb = p.shape
    taus = np.zeros(kb, dtype=p.dtype)
    for j in range(min(m, kb)):
        alpha = p[j, j]
        xnorm2 = 0.0
        for i in range(j + 1, m):
            xnorm2 += (p[i, j] * np.conj(p[i, j])).real
        if xnorm2 == 0.0 and alpha.imag == 0.0:
            continue
        beta = -np.copysign(np.sqrt((alpha * np.conj(alpha)).real + xnorm2), alpha.real)
        tau = (beta - alpha) / beta
        taus[j] = tau
        scale = 1.0 / (alpha - beta)
        for i in range(j + 1, m):
            p[i, j] *= scale
        p[j, j] = beta
        # Apply H^H = I - conj(tau) v v^H (v = (1, p[j+1:, j])) to the panel's later columns.
        ctau = np.conj(tau)
        for c in range(j + 1, kb):
            w = p[j, c]
            for i in range(j + 1, m):
                w += np.conj(p[i, j]) * p[i, c]
            w *= ctau
            p[j, c] -= w
            for i in range(j + 1, m):
                p[i, c] -= p[i, j] * w
    # larft, forward and columnwise: T[:i, i] = -tau_i T[:i, :i] (V[:, :i]^H v_i).
    for i in range(kb):
        t[i, i] = taus[i]
        if i == 0 or taus[i] == 0:
            continue
        for r in range(i):
            # (V[:, r]^H v_i): v_r has 1 at row r and zeros above; v_i has 1 at row i.
            s = np.conj(p[i, r])
            for k in range(i + 1, m):
                s += np.conj(p[k, r]) * p[k, i]
            t[r, i] = -taus[i] * s
        for r in range(i):
            acc = 0.0 * t[0, 0]
            for k in range(r, i):
                acc += t[r, k] * t[k, i]
            t[r, i] = acc
