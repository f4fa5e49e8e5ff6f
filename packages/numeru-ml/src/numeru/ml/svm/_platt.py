"""Platt scaling as libsvm does it: 5-fold internal cross-validation per class pair, a sigmoid
fitted by Newton's method with backtracking (Lin, Lin & Weng 2007), and pairwise coupling of
the pairwise probabilities (Wu, Lin & Weng 2004, method 2).

The fold split is random (seeded by the estimator's ``random_state``), so probabilities equal
scikit-learn's only up to that randomness, as two scikit-learn fits with different seeds do.
"""

from __future__ import annotations

import numpy as np

MIN_PROB = 1e-7


def binary_probability(train, cross_kernel, kind, X, y_pm, C_row, rng, n_folds=5):
    """(A, B) of the sigmoid fitted on out-of-fold decision values (``svm_binary_svc_probability``).

    ``train(Xt, yt, Ct) -> (coef, rho)`` solves a sub-problem; ``cross_kernel(Xtr, Xte, tr, te)``
    gives K(test rows, train rows) of the pair's data.
    """
    n = y_pm.size
    perm = rng.permutation(n)
    dec = np.empty(n)
    for k in range(n_folds):
        begin, end = k * n // n_folds, (k + 1) * n // n_folds
        test = perm[begin:end]
        tr = np.concatenate([perm[:begin], perm[end:]])
        if test.size == 0:
            continue
        positives = np.count_nonzero(y_pm[tr] > 0)
        if positives == 0 or positives == tr.size:
            # One class only in the training part: libsvm predicts that class with value 1/-1.
            dec[test] = 1.0 if positives > 0 else -1.0
            continue
        from ._libsvm import _rows

        coef, rho = train(_rows(kind, X, tr), y_pm[tr], C_row[tr])
        K = cross_kernel(None, None, tr, test)
        # Our sub-problem keeps +1 as the positive label, so no sign fix-up (libsvm multiplies
        # by its sub-model's first label to get the same orientation).
        dec[test] = K @ coef - rho
    return sigmoid_train(dec, y_pm)


def sigmoid_train(dec, labels):
    """Platt's sigmoid 1 / (1 + exp(A f + B)) fitted to (dec, labels) by regularised targets."""
    prior1 = float(np.count_nonzero(labels > 0))
    prior0 = float(labels.size - prior1)
    hi = (prior1 + 1.0) / (prior1 + 2.0)
    lo = 1.0 / (prior0 + 2.0)
    t = np.where(labels > 0, hi, lo)
    A = 0.0
    B = np.log((prior0 + 1.0) / (prior1 + 1.0))

    def objective(a, b):
        f = dec * a + b
        return float(np.sum(np.where(f >= 0, t * f + np.log1p(np.exp(-np.abs(f))),
                                     (t - 1.0) * f + np.log1p(np.exp(-np.abs(f))))))

    fval = objective(A, B)
    for _ in range(100):
        f = dec * A + B
        e = np.exp(-np.abs(f))
        p = np.where(f >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
        q = np.where(f >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        d2 = p * q
        h11 = 1e-12 + float(np.sum(dec * dec * d2))
        h22 = 1e-12 + float(np.sum(d2))
        h21 = float(np.sum(dec * d2))
        d1 = t - p
        g1 = float(np.sum(dec * d1))
        g2 = float(np.sum(d1))
        if abs(g1) < 1e-5 and abs(g2) < 1e-5:
            break
        det = h11 * h22 - h21 * h21
        dA = -(h22 * g1 - h21 * g2) / det
        dB = -(-h21 * g1 + h11 * g2) / det
        gd = g1 * dA + g2 * dB
        step = 1.0
        while step >= 1e-10:
            new_a, new_b = A + step * dA, B + step * dB
            new_f = objective(new_a, new_b)
            if new_f < fval + 0.0001 * step * gd:
                A, B, fval = new_a, new_b, new_f
                break
            step /= 2.0
        if step < 1e-10:
            break
    return A, B


def sigmoid_predict(dec, A, B):
    f = dec * A + B
    e = np.exp(-np.abs(f))
    return np.where(f >= 0, e / (1.0 + e), 1.0 / (1.0 + e))


def couple(r):
    """Multi-class probabilities from pairwise ones r[i, j] = P(i | i or j) (Wu-Lin-Weng)."""
    k = r.shape[0]
    Q = np.empty((k, k))
    for t in range(k):
        Q[t, t] = 0.0
        for j in range(t):
            Q[t, t] += r[j, t] * r[j, t]
            Q[t, j] = Q[j, t]
        for j in range(t + 1, k):
            Q[t, t] += r[j, t] * r[j, t]
            Q[t, j] = -r[j, t] * r[t, j]
    p = np.full(k, 1.0 / k)
    eps = 0.005 / k
    for _ in range(max(100, k)):
        Qp = Q @ p
        pQp = float(p @ Qp)
        if np.max(np.abs(Qp - pQp)) < eps:
            break
        for t in range(k):
            diff = (-Qp[t] + pQp) / Q[t, t]
            p[t] += diff
            pQp = (pQp + diff * (diff * Q[t, t] + 2.0 * Qp[t])) / (1.0 + diff) / (1.0 + diff)
            Qp = (Qp + diff * Q[t, :]) / (1.0 + diff)
            p /= 1.0 + diff
    return p


def predict_proba(dec, n_classes, prob_a, prob_b):
    """Class probabilities (n_samples, n_classes) from libsvm pairwise decision values."""
    pair = np.clip(sigmoid_predict(dec, prob_a[None, :], prob_b[None, :]), MIN_PROB, 1 - MIN_PROB)
    if n_classes == 2:
        return np.column_stack([pair[:, 0], 1.0 - pair[:, 0]])
    out = np.empty((dec.shape[0], n_classes))
    r = np.empty((n_classes, n_classes))
    for s in range(dec.shape[0]):
        p = 0
        for i in range(n_classes):
            for j in range(i + 1, n_classes):
                r[i, j] = pair[s, p]
                r[j, i] = 1.0 - pair[s, p]
                p += 1
        out[s] = couple(r)
    return out
