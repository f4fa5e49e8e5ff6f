"""Primal Newton solver for the L2-regularised squared-hinge SVM (liblinear's solver 2 problem).

    min_w  0.5 |w|^2 + sum_i C_i max(0, 1 - y_i (x_i.w + bias * w_b))^2

The objective is strongly convex and once differentiable with a generalised Hessian
``I + 2 X_A' diag(C_A) X_A`` over the margin violators ``A``. Each Newton step solves that
system by conjugate gradients (Hessian-vector products are two GEMVs on X, so BLAS threads
do the work) and takes a backtracking Armijo step. The stopping rule is liblinear's:
``|grad| <= eps * max(min(n_pos, n_neg), 1) / n * |grad(0)|``. The optimum is unique, so the
weights agree with liblinear's TRON to the tolerance. This is what ``dual="auto"`` picks when
there are more samples than features, as in scikit-learn.
"""

from __future__ import annotations

import numpy as np


def _objective_parts(X, y, C_row, bias, w, wb):
    margin = y * (X @ w + bias * wb)
    violation = np.maximum(0.0, 1.0 - margin)
    return margin, violation


def primal_newton_svc(X, y, C_row, bias, tol, max_iter):
    """Returns (w, w_bias, n_newton_steps)."""
    n, d = X.shape
    w = np.zeros(d)
    wb = 0.0
    n_pos = int(np.count_nonzero(y > 0))
    eps = tol * max(min(n_pos, n - n_pos), 1) / n

    def gradient(margin):
        active = margin < 1.0
        r = np.where(active, C_row * (margin - 1.0) * y, 0.0)
        return w + 2.0 * (X.T @ r), wb + 2.0 * bias * float(r.sum()), active

    margin, _ = _objective_parts(X, y, C_row, bias, w, wb)
    g, gb, active = gradient(margin)
    g0 = np.sqrt(g @ g + gb * gb)
    it = 0
    while it < max_iter:
        gnorm = np.sqrt(g @ g + gb * gb)
        if gnorm <= eps * g0:
            break
        s, sb = _conjugate_gradient(X, C_row, bias, active, g, gb, gnorm)
        # Backtracking line search on the 1-D piecewise quadratic (Xs computed once).
        Xs = y * (X @ s + bias * sb)
        f_old = 0.5 * (w @ w + wb * wb) + float(C_row @ np.maximum(0.0, 1.0 - margin) ** 2)
        slope = float(g @ s + gb * sb)
        step = 1.0
        while True:
            trial = margin + step * Xs
            w_t = w + step * s
            wb_t = wb + step * sb
            f_new = 0.5 * (w_t @ w_t + wb_t * wb_t) + \
                float(C_row @ np.maximum(0.0, 1.0 - trial) ** 2)
            if f_new <= f_old + 0.01 * step * slope or step < 1e-10:
                break
            step *= 0.5
        w, wb, margin = w_t, wb_t, trial
        g, gb, active = gradient(margin)
        it += 1
    return w, wb, it


def _conjugate_gradient(X, C_row, bias, active, g, gb, gnorm):
    """Approximately solve H s = -g (to relative residual 0.1, as TRON's inner loop)."""
    weights = 2.0 * np.where(active, C_row, 0.0)

    def hess_vec(v, vb):
        u = weights * (X @ v + bias * vb)
        return v + X.T @ u, vb + bias * float(u.sum())

    s = np.zeros_like(g)
    sb = 0.0
    r, rb = -g, -gb
    p, pb = r.copy(), rb
    rr = float(r @ r + rb * rb)
    for _ in range(max(50, g.size)):
        if np.sqrt(rr) <= 0.1 * gnorm:
            break
        Hp, Hpb = hess_vec(p, pb)
        alpha = rr / float(p @ Hp + pb * Hpb)
        s += alpha * p
        sb += alpha * pb
        r -= alpha * Hp
        rb -= alpha * Hpb
        rr_new = float(r @ r + rb * rb)
        beta = rr_new / rr
        p = r + beta * p
        pb = rb + beta * pb
        rr = rr_new
    return s, sb
