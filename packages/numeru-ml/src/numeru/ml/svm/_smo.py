"""libsvm's SMO solver in Numba: second-order working-set selection (WSS2, Fan, Chen & Lin
2005), shrinking with gradient reconstruction, and an LRU kernel-column cache.

It solves  min_a 0.5 a'Qa + p'a  s.t.  y'a = 0,  0 <= a_t <= C_t,  Q_st = y_s y_t K(r_s, r_t)
over ``L`` variables, where variable ``t`` refers to training row ``r_t = real[t]``. C-SVC uses
one variable per row (y = +-1, p = -1); epsilon-SVR uses two per row (y = +1 then -1,
p = eps -+ z). The steps mirror ``Solver::Solve`` of libsvm 3.x line by line, including the
order in which shrinking swaps variables, so that the iterates (and therefore the support
vectors found at tolerance ``eps``) are those of libsvm / scikit-learn.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernel_cache import cache_fetch, cache_slots, kernel_diagonal

TAU = 1e-12
LOWER, UPPER, FREE = 0, 1, 2


@njit(cache=True, inline="always")
def _status(a, c):
    if a >= c:
        return UPPER
    if a <= 0.0:
        return LOWER
    return FREE


@njit(cache=True)
def _be_shrunk(t, gmax1, gmax2, status, y, G):
    if status[t] == UPPER:
        if y[t] == 1:
            return -G[t] > gmax1
        return -G[t] > gmax2
    if status[t] == LOWER:
        if y[t] == 1:
            return G[t] > gmax2
        return G[t] > gmax1
    return False


@njit(cache=True)
def _smo(kind, X, sq, gamma, coef0, degree, real, y, p, C, eps, shrinking, max_iter, n_slots):
    L = y.shape[0]
    n = X.shape[0]
    slots = np.empty((n_slots, n), np.float32)
    slot_of = -np.ones(n, np.int64)
    owner = -np.ones(n_slots, np.int64)
    stamp = -np.ones(n_slots, np.int64)
    clock = np.zeros(2, np.int64)
    kdiag = kernel_diagonal(kind, X, sq, gamma, coef0, degree)

    alpha = np.zeros(L)
    status = np.zeros(L, np.int8)
    for t in range(L):
        status[t] = _status(0.0, C[t])
    G = p.copy()
    G_bar = np.zeros(L)
    perm = np.arange(L)  # perm[:active] are the active variables, in libsvm's order
    QD = np.empty(L)
    for t in range(L):
        QD[t] = kdiag[real[t]]
    active = L
    unshrink = False
    it = 0
    counter = min(L, 1000) + 1

    while it < max_iter:
        counter -= 1
        if counter == 0:
            counter = min(L, 1000)
            if shrinking:
                active, unshrink = _shrink(kind, X, sq, gamma, coef0, degree, real, y, p, C,
                                           eps, alpha, status, G, G_bar, perm, active, unshrink,
                                           slots, slot_of, owner, stamp, clock)
        i, j = _select(kind, X, sq, gamma, coef0, degree, real, y, QD, eps, status, G, perm,
                       active, slots, slot_of, owner, stamp, clock)
        if j < 0:
            _reconstruct(kind, X, sq, gamma, coef0, degree, real, y, p, alpha, status, G,
                         G_bar, perm, active, slots, slot_of, owner, stamp, clock)
            active = L
            i, j = _select(kind, X, sq, gamma, coef0, degree, real, y, QD, eps, status, G,
                           perm, active, slots, slot_of, owner, stamp, clock)
            if j < 0:
                break
            counter = 1  # shrink at the next iteration
        it += 1

        si = cache_fetch(kind, X, sq, real[i], gamma, coef0, degree, slots, slot_of, owner,
                         stamp, clock)
        sj = cache_fetch(kind, X, sq, real[j], gamma, coef0, degree, slots, slot_of, owner,
                         stamp, clock)
        Ki = slots[si]
        Kj = slots[sj]
        Ci = C[i]
        Cj = C[j]
        old_ai = alpha[i]
        old_aj = alpha[j]
        Qij = y[i] * y[j] * Ki[real[j]]
        if y[i] != y[j]:
            quad = QD[i] + QD[j] + 2.0 * Qij
            if quad <= 0.0:
                quad = TAU
            delta = (-G[i] - G[j]) / quad
            diff = alpha[i] - alpha[j]
            alpha[i] += delta
            alpha[j] += delta
            if diff > 0.0:
                if alpha[j] < 0.0:
                    alpha[j] = 0.0
                    alpha[i] = diff
            else:
                if alpha[i] < 0.0:
                    alpha[i] = 0.0
                    alpha[j] = -diff
            if diff > Ci - Cj:
                if alpha[i] > Ci:
                    alpha[i] = Ci
                    alpha[j] = Ci - diff
            else:
                if alpha[j] > Cj:
                    alpha[j] = Cj
                    alpha[i] = Cj + diff
        else:
            quad = QD[i] + QD[j] - 2.0 * Qij
            if quad <= 0.0:
                quad = TAU
            delta = (G[i] - G[j]) / quad
            total = alpha[i] + alpha[j]
            alpha[i] -= delta
            alpha[j] += delta
            if total > Ci:
                if alpha[i] > Ci:
                    alpha[i] = Ci
                    alpha[j] = total - Ci
            else:
                if alpha[j] < 0.0:
                    alpha[j] = 0.0
                    alpha[i] = total
            if total > Cj:
                if alpha[j] > Cj:
                    alpha[j] = Cj
                    alpha[i] = total - Cj
            else:
                if alpha[i] < 0.0:
                    alpha[i] = 0.0
                    alpha[j] = total

        dai = (alpha[i] - old_ai) * y[i]
        daj = (alpha[j] - old_aj) * y[j]
        for s in range(active):
            t = perm[s]
            r = real[t]
            G[t] += y[t] * (Ki[r] * dai + Kj[r] * daj)

        ui = status[i] == UPPER
        uj = status[j] == UPPER
        status[i] = _status(alpha[i], Ci)
        status[j] = _status(alpha[j], Cj)
        if ui != (status[i] == UPPER):
            sign = -Ci if ui else Ci
            si = cache_fetch(kind, X, sq, real[i], gamma, coef0, degree, slots, slot_of,
                             owner, stamp, clock)
            Ki = slots[si]
            for t in range(L):
                G_bar[t] += sign * y[i] * y[t] * Ki[real[t]]
        if uj != (status[j] == UPPER):
            sign = -Cj if uj else Cj
            sj = cache_fetch(kind, X, sq, real[j], gamma, coef0, degree, slots, slot_of,
                             owner, stamp, clock)
            Kj = slots[sj]
            for t in range(L):
                G_bar[t] += sign * y[j] * y[t] * Kj[real[t]]

    reached_max = it >= max_iter
    if active < L:
        _reconstruct(kind, X, sq, gamma, coef0, degree, real, y, p, alpha, status, G, G_bar,
                     perm, active, slots, slot_of, owner, stamp, clock)
    rho = _rho(y, status, G, L)
    return alpha, rho, it, reached_max


@njit(cache=True)
def _select(kind, X, sq, gamma, coef0, degree, real, y, QD, eps, status, G, perm, active,
            slots, slot_of, owner, stamp, clock):
    """WSS2: i maximises the violation, j the second-order decrease. (-1, -1) when optimal."""
    gmax = -np.inf
    gmax2 = -np.inf
    gmax_idx = -1
    gmin_idx = -1
    obj_diff_min = np.inf
    for s in range(active):
        t = perm[s]
        if y[t] == 1:
            if status[t] != UPPER and -G[t] >= gmax:
                gmax = -G[t]
                gmax_idx = t
        else:
            if status[t] != LOWER and G[t] >= gmax:
                gmax = G[t]
                gmax_idx = t
    i = gmax_idx
    Ki = slots[0]
    if i != -1:
        si = cache_fetch(kind, X, sq, real[i], gamma, coef0, degree, slots, slot_of, owner,
                         stamp, clock)
        Ki = slots[si]
    for s in range(active):
        j = perm[s]
        if y[j] == 1:
            if status[j] != LOWER:
                grad_diff = gmax + G[j]
                if G[j] >= gmax2:
                    gmax2 = G[j]
                if grad_diff > 0.0:
                    quad = QD[i] + QD[j] - 2.0 * Ki[real[j]]
                    if quad > 0.0:
                        obj_diff = -(grad_diff * grad_diff) / quad
                    else:
                        obj_diff = -(grad_diff * grad_diff) / TAU
                    if obj_diff <= obj_diff_min:
                        gmin_idx = j
                        obj_diff_min = obj_diff
        else:
            if status[j] != UPPER:
                grad_diff = gmax - G[j]
                if -G[j] >= gmax2:
                    gmax2 = -G[j]
                if grad_diff > 0.0:
                    quad = QD[i] + QD[j] - 2.0 * Ki[real[j]]
                    if quad > 0.0:
                        obj_diff = -(grad_diff * grad_diff) / quad
                    else:
                        obj_diff = -(grad_diff * grad_diff) / TAU
                    if obj_diff <= obj_diff_min:
                        gmin_idx = j
                        obj_diff_min = obj_diff
    if gmax + gmax2 < eps or gmin_idx == -1:
        return -1, -1
    return gmax_idx, gmin_idx


@njit(cache=True)
def _reconstruct(kind, X, sq, gamma, coef0, degree, real, y, p, alpha, status, G, G_bar, perm,
                 active, slots, slot_of, owner, stamp, clock):
    """Recompute the gradient of the shrunk (inactive) variables from the free ones."""
    L = y.shape[0]
    if active == L:
        return
    for s in range(active, L):
        t = perm[s]
        G[t] = G_bar[t] + p[t]
    for s in range(active):
        i = perm[s]
        if status[i] == FREE:
            si = cache_fetch(kind, X, sq, real[i], gamma, coef0, degree, slots, slot_of,
                             owner, stamp, clock)
            Ki = slots[si]
            ai = alpha[i] * y[i]
            for u in range(active, L):
                t = perm[u]
                G[t] += ai * y[t] * Ki[real[t]]


@njit(cache=True)
def _shrink(kind, X, sq, gamma, coef0, degree, real, y, p, C, eps, alpha, status, G, G_bar,
            perm, active, unshrink, slots, slot_of, owner, stamp, clock):
    gmax1 = -np.inf
    gmax2 = -np.inf
    for s in range(active):
        t = perm[s]
        if y[t] == 1:
            if status[t] != UPPER and -G[t] >= gmax1:
                gmax1 = -G[t]
            if status[t] != LOWER and G[t] >= gmax2:
                gmax2 = G[t]
        else:
            if status[t] != UPPER and -G[t] >= gmax2:
                gmax2 = -G[t]
            if status[t] != LOWER and G[t] >= gmax1:
                gmax1 = G[t]
    if not unshrink and gmax1 + gmax2 <= eps * 10.0:
        unshrink = True
        _reconstruct(kind, X, sq, gamma, coef0, degree, real, y, p, alpha, status, G, G_bar,
                     perm, active, slots, slot_of, owner, stamp, clock)
        active = y.shape[0]
    s = 0
    while s < active:
        if _be_shrunk(perm[s], gmax1, gmax2, status, y, G):
            active -= 1
            while active > s:
                if not _be_shrunk(perm[active], gmax1, gmax2, status, y, G):
                    tmp = perm[s]
                    perm[s] = perm[active]
                    perm[active] = tmp
                    break
                active -= 1
        s += 1
    return active, unshrink


@njit(cache=True)
def _rho(y, status, G, L):
    ub = np.inf
    lb = -np.inf
    n_free = 0
    sum_free = 0.0
    for t in range(L):
        yG = y[t] * G[t]
        if status[t] == UPPER:
            if y[t] == -1:
                ub = min(ub, yG)
            else:
                lb = max(lb, yG)
        elif status[t] == LOWER:
            if y[t] == 1:
                ub = min(ub, yG)
            else:
                lb = max(lb, yG)
        else:
            n_free += 1
            sum_free += yG
    if n_free > 0:
        return sum_free / n_free
    return (ub + lb) / 2.0


def solve(kind, X, sq, gamma, coef0, degree, real, y, p, C, *, tol, shrinking, max_iter,
          cache_size):
    """Run SMO; returns (alpha per variable, rho, iterations, reached_max_iter)."""
    L = y.shape[0]
    if max_iter is None or max_iter < 0:
        max_iter = max(10_000_000, 100 * L)
    n_slots = cache_slots(X.shape[0], cache_size)
    return _smo(int(kind), np.ascontiguousarray(X, dtype=np.float64), sq, float(gamma),
                float(coef0), int(degree), real.astype(np.int64), y.astype(np.float64),
                p.astype(np.float64), C.astype(np.float64), float(tol), bool(shrinking),
                int(max_iter), int(n_slots))
