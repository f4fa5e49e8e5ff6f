"""liblinear's dual coordinate descent (Hsieh et al. 2008) in Numba, with its shrinking rules.

``dual_cd_svc`` is ``solve_l2r_l1l2_svc`` (hinge or squared hinge, L2 penalty) and
``dual_cd_svr`` is ``solve_l2r_l1l2_svr`` (epsilon-insensitive or its square). The intercept
is liblinear's: an extra feature of constant value ``bias`` (``intercept_scaling``) whose
weight is regularised like the others; it is kept as a separate scalar so that X is never
copied. Coordinates are visited in a random order per epoch drawn from a small xorshift
generator seeded by ``random_state``: the optimum is unique (the primal is strongly convex),
so it agrees with liblinear's to the tolerance even though the visiting order differs.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _next(state):
    # xorshift64*: small, fast, good enough to shuffle coordinates.
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True)
def _shuffle(index, n, state):
    for s in range(n - 1, 0, -1):
        r = int(_next(state) >> np.uint64(11)) % (s + 1)
        tmp = index[s]
        index[s] = index[r]
        index[r] = tmp


@njit(cache=True, fastmath=True, inline="always")
def _row_dot(X, i, w):
    s = 0.0
    for f in range(X.shape[1]):
        s += X[i, f] * w[f]
    return s


@njit(cache=True, fastmath=True, inline="always")
def _row_axpy(X, i, a, w):
    for f in range(X.shape[1]):
        w[f] += a * X[i, f]


@njit(cache=True, nogil=True)
def dual_cd_svc(X, y, C_row, bias, squared, tol, max_iter, seed):
    """Returns (w, w_bias, n_epochs). y in {+1, -1}; C_row per sample (class weight folded in)."""
    n, d = X.shape
    w = np.zeros(d)
    wb = 0.0
    alpha = np.zeros(n)
    QD = np.empty(n)
    diag = np.empty(n)
    upper = np.empty(n)
    for i in range(n):
        if squared:
            diag[i] = 0.5 / C_row[i]
            upper[i] = np.inf
        else:
            diag[i] = 0.0
            upper[i] = C_row[i]
        QD[i] = diag[i] + _row_dot(X, i, X[i]) + bias * bias
    index = np.arange(n)
    state = np.array([np.uint64(seed) * np.uint64(2654435761) + np.uint64(88172645463325252)])
    active = n
    pg_max_old = np.inf
    pg_min_old = -np.inf
    it = 0
    while it < max_iter:
        pg_max_new = -np.inf
        pg_min_new = np.inf
        _shuffle(index, active, state)
        s = 0
        while s < active:
            i = index[s]
            yi = y[i]
            G = yi * (_row_dot(X, i, w) + bias * wb) - 1.0 + alpha[i] * diag[i]
            C = upper[i]
            PG = 0.0
            if alpha[i] == 0.0:
                if G > pg_max_old:
                    active -= 1
                    index[s] = index[active]
                    index[active] = i
                    continue
                elif G < 0.0:
                    PG = G
            elif alpha[i] == C:
                if G < pg_min_old:
                    active -= 1
                    index[s] = index[active]
                    index[active] = i
                    continue
                elif G > 0.0:
                    PG = G
            else:
                PG = G
            pg_max_new = max(pg_max_new, PG)
            pg_min_new = min(pg_min_new, PG)
            if abs(PG) > 1.0e-12:
                old = alpha[i]
                alpha[i] = min(max(alpha[i] - G / QD[i], 0.0), C)
                step = (alpha[i] - old) * yi
                _row_axpy(X, i, step, w)
                wb += step * bias
            s += 1
        it += 1
        if pg_max_new - pg_min_new <= tol:
            if active == n:
                break
            active = n
            pg_max_old = np.inf
            pg_min_old = -np.inf
            continue
        pg_max_old = pg_max_new
        pg_min_old = pg_min_new
        if pg_max_old <= 0.0:
            pg_max_old = np.inf
        if pg_min_old >= 0.0:
            pg_min_old = -np.inf
    return w, wb, it


@njit(cache=True, nogil=True)
def dual_cd_svr(X, z, C_row, epsilon, bias, squared, tol, max_iter, seed):
    """Returns (w, w_bias, n_epochs) for L2-regularised (squared) epsilon-insensitive loss."""
    n, d = X.shape
    w = np.zeros(d)
    wb = 0.0
    beta = np.zeros(n)
    QD = np.empty(n)
    lam = np.empty(n)
    upper = np.empty(n)
    for i in range(n):
        if squared:
            lam[i] = 0.5 / C_row[i]
            upper[i] = np.inf
        else:
            lam[i] = 0.0
            upper[i] = C_row[i]
        QD[i] = _row_dot(X, i, X[i]) + bias * bias
    index = np.arange(n)
    state = np.array([np.uint64(seed) * np.uint64(2654435761) + np.uint64(88172645463325252)])
    active = n
    gmax_old = np.inf
    gnorm1_init = -1.0
    it = 0
    while it < max_iter:
        gmax_new = 0.0
        gnorm1_new = 0.0
        _shuffle(index, active, state)
        s = 0
        while s < active:
            i = index[s]
            G = -z[i] + lam[i] * beta[i] + _row_dot(X, i, w) + bias * wb
            H = QD[i] + lam[i]
            Gp = G + epsilon
            Gn = G - epsilon
            violation = 0.0
            shrink = False
            if beta[i] == 0.0:
                if Gp < 0.0:
                    violation = -Gp
                elif Gn > 0.0:
                    violation = Gn
                elif Gp > gmax_old and Gn < -gmax_old:
                    shrink = True
            elif beta[i] >= upper[i]:
                if Gp > 0.0:
                    violation = Gp
                elif Gp < -gmax_old:
                    shrink = True
            elif beta[i] <= -upper[i]:
                if Gn < 0.0:
                    violation = -Gn
                elif Gn > gmax_old:
                    shrink = True
            elif beta[i] > 0.0:
                violation = abs(Gp)
            else:
                violation = abs(Gn)
            if shrink:
                active -= 1
                index[s] = index[active]
                index[active] = i
                continue
            gmax_new = max(gmax_new, violation)
            gnorm1_new += violation
            if Gp < H * beta[i]:
                dstep = -Gp / H
            elif Gn > H * beta[i]:
                dstep = -Gn / H
            else:
                dstep = -beta[i]
            s += 1
            if abs(dstep) < 1.0e-12:
                continue
            old = beta[i]
            beta[i] = min(max(beta[i] + dstep, -upper[i]), upper[i])
            dstep = beta[i] - old
            if dstep != 0.0:
                _row_axpy(X, i, dstep, w)
                wb += dstep * bias
        if it == 0:
            gnorm1_init = gnorm1_new
        it += 1
        if gnorm1_new <= tol * gnorm1_init:
            if active == n:
                break
            active = n
            gmax_old = np.inf
            continue
        gmax_old = gmax_new
    return w, wb, it
