"""Plain stochastic gradient descent for linear models, in Numba (scikit-learn's algorithm).

One kernel serves every loss, penalty and learning-rate schedule (ids below). Per sample:
``update = -eta * dloss(p, y) * weight``; the L2 part of the penalty shrinks ``w`` by
``1 - (1 - l1_ratio) eta alpha``; the L1 part uses the cumulative truncated gradient of
Tsuruoka et al. (2009), as scikit-learn does. Labels of classification losses are -1/+1.
Stopping: after each epoch, the epoch's mean objective (loss plus penalty, accumulated sample by
sample as scikit-learn does) or the validation score with early stopping must improve by
``tol`` within ``n_iter_no_change`` epochs, else stop (or, for the adaptive
schedule, divide eta by 5 until it falls below 1e-6).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LOSSES = {"squared_error": 0, "huber": 1, "epsilon_insensitive": 2,
          "squared_epsilon_insensitive": 3, "hinge": 4, "log_loss": 5, "modified_huber": 6,
          "squared_hinge": 7, "perceptron": 8}
PENALTIES = {None: 0, "l2": 1, "l1": 2, "elasticnet": 3}
SCHEDULES = {"constant": 0, "optimal": 1, "invscaling": 2, "adaptive": 3}
MAX_DLOSS = 1e12


@njit(cache=True)
def loss_value(loss_id, p, y, eps):  # pragma: no cover - compiled
    if loss_id == 0:
        return 0.5 * (p - y) * (p - y)
    if loss_id == 1:
        r = p - y
        return 0.5 * r * r if abs(r) <= eps else eps * abs(r) - 0.5 * eps * eps
    if loss_id == 2:
        return max(0.0, abs(y - p) - eps)
    if loss_id == 3:
        z = max(0.0, abs(y - p) - eps)
        return z * z
    z = p * y
    if loss_id == 4:
        return max(0.0, 1.0 - z)
    if loss_id == 5:  # log(1 + e^p) - y01 p, evaluated as scikit-learn does (same rounding)
        y01 = 0.5 * (y + 1.0)
        if p <= -37.0:
            soft = math.exp(p)
        elif p <= -2.0:
            soft = math.log1p(math.exp(p))
        elif p <= 18.0:
            soft = math.log(1.0 + math.exp(p))
        elif p <= 33.3:
            soft = p + math.exp(-p)
        else:
            soft = p
        return soft - y01 * p
    if loss_id == 6:
        if z >= 1.0:
            return 0.0
        if z >= -1.0:
            return (1.0 - z) * (1.0 - z)
        return -4.0 * z
    if loss_id == 7:
        z = 1.0 - z
        return z * z if z > 0.0 else 0.0
    return max(0.0, -z)


@njit(cache=True)
def loss_derivative(loss_id, p, y, eps):  # pragma: no cover - compiled
    if loss_id == 0:
        return p - y
    if loss_id == 1:
        r = p - y
        if abs(r) <= eps:
            return r
        return eps if r > 0.0 else -eps
    if loss_id == 2:
        if y - p > eps:
            return -1.0
        if p - y > eps:
            return 1.0
        return 0.0
    if loss_id == 3:
        z = y - p
        if z > eps:
            return -2.0 * (z - eps)
        if z < -eps:
            return 2.0 * (-z - eps)
        return 0.0
    z = p * y
    if loss_id == 4:
        return -y if z <= 1.0 else 0.0
    if loss_id == 5:  # sigmoid(p) - y01, evaluated as scikit-learn does (same rounding)
        y01 = 0.5 * (y + 1.0)
        if p > -37.0:
            e = math.exp(-p)
            return ((1.0 - y01) - y01 * e) / (1.0 + e)
        return math.exp(p) - y01
    if loss_id == 6:
        if z >= 1.0:
            return 0.0
        if z >= -1.0:
            return -2.0 * (1.0 - z) * y
        return -4.0 * y
    if loss_id == 7:
        z = 1.0 - z
        return -2.0 * y * z if z > 0.0 else 0.0
    return -y if z <= 0.0 else 0.0


@njit(cache=True)
def _score(w, b, X, y, sw, is_classifier, wscale):  # pragma: no cover - compiled
    """Validation score: accuracy (labels -1/+1) or R^2, sample-weighted."""
    n, p = X.shape
    total = 0.0
    good = 0.0
    mean = 0.0
    for i in range(n):
        mean += sw[i] * y[i]
        total += sw[i]
    mean /= total
    residual = 0.0
    spread = 0.0
    for i in range(n):
        s = 0.0
        for j in range(p):
            s += X[i, j] * w[j]
        s = b + wscale * s
        if is_classifier:
            good += sw[i] * (1.0 if (s > 0.0) == (y[i] > 0.0) else 0.0)
        else:
            residual += sw[i] * (y[i] - s) * (y[i] - s)
            spread += sw[i] * (y[i] - mean) * (y[i] - mean)
    if is_classifier:
        return good / total
    return 1.0 - residual / spread if spread > 0.0 else 0.0


@njit(cache=True)
def sgd_epochs(w, b_arr, avg_w, avg_b_arr, q, state, X, y, sw, loss_id, eps, penalty_id, alpha,
               l1_ratio, schedule_id, eta0, power_t, optimal_init, fit_intercept, max_iter,
               tol, n_iter_no_change, shuffle, seed, average_start, X_val, y_val, sw_val,
               early_stopping, is_classifier):  # pragma: no cover - compiled
    """Run up to ``max_iter`` epochs in place. ``state`` = [t, u, eta, n_averaged] carries
    the sample count, the L1 accumulator, the adaptive rate and the averaging count between
    calls (partial_fit); ``average_start`` > 0 averages the weights from the sample whose
    count t reaches it (0: no averaging). Returns the number of epochs run."""
    n, p = X.shape
    if seed >= 0:
        np.random.seed(seed)  # noqa: NPY002 - Numba's own per-thread state, not NumPy's
    order = np.arange(n)
    t = state[0]
    u = state[1]
    eta = state[2]
    n_avg = state[3]
    b = b_arr[0]
    avg_b = avg_b_arr[0]
    best_loss = np.inf
    best_score = -np.inf
    no_improvement = 0
    epochs = 0
    l2_part = 1.0 - l1_ratio if penalty_id == 3 else (1.0 if penalty_id == 1 else 0.0)
    l1_part = l1_ratio if penalty_id == 3 else (1.0 if penalty_id == 2 else 0.0)
    # w is stored divided by ``wscale`` so that the L2 shrink of every weight is one scalar
    # multiplication, and the norms the objective needs are cached and refreshed by each
    # update pass (scikit-learn's WeightVector); actual weights are w * wscale
    wscale = 1.0
    sq_norm = 0.0
    l1_norm = 0.0
    # the norms only feed the stopping objective: keep only the ones it reads
    track = penalty_id > 0 and not early_stopping and tol > -np.inf
    track_sq = track and l2_part > 0.0
    track_l1 = track and l1_part > 0.0
    for j in range(p):
        sq_norm += w[j] * w[j]
        l1_norm += abs(w[j])
    for epoch in range(max_iter):
        epochs = epoch + 1
        if shuffle:
            np.random.shuffle(order)  # noqa: NPY002
        sumloss = 0.0
        for k in range(n):
            i = order[k]
            if schedule_id == 1:
                eta = 1.0 / (alpha * (optimal_init + t - 1.0))
            elif schedule_id == 2:
                eta = eta0 / t ** power_t
            xi = X[i]  # a contiguous row view: plain 1-D loops that LLVM handles well
            dot = 0.0
            for j in range(p):
                dot += xi[j] * w[j]
            pred = b + wscale * dot
            sumloss += loss_value(loss_id, pred, y[i], eps)
            if track:
                # the objective includes the penalty at the weights this sample saw
                sumloss += alpha * (l2_part * 0.5 * math.sqrt(sq_norm) ** 2
                                    + l1_part * l1_norm)
            d = loss_derivative(loss_id, pred, y[i], eps)
            if d < -MAX_DLOSS:
                d = -MAX_DLOSS
            elif d > MAX_DLOSS:
                d = MAX_DLOSS
            update = -eta * d * sw[i]
            if l2_part > 0.0:
                c = max(0.0, 1.0 - l2_part * eta * alpha)
                wscale *= c
                sq_norm *= c * c
                l1_norm *= abs(c)
                if wscale < 1e-9:  # fold the scale back before it underflows
                    for j in range(p):
                        w[j] *= wscale
                    wscale = 1.0
            if update != 0.0:
                step = update / wscale
                if track_sq and track_l1:
                    acc2 = 0.0
                    acc1 = 0.0
                    for j in range(p):
                        w[j] += xi[j] * step
                        acc2 += w[j] * w[j]
                        acc1 += abs(w[j])
                    sq_norm = acc2 * (wscale * wscale)
                    l1_norm = acc1 * wscale
                elif track_sq:
                    # four independent partial sums: the squared norm no longer serialises
                    # the update loop on one addition chain
                    s0 = 0.0
                    s1 = 0.0
                    s2 = 0.0
                    s3 = 0.0
                    j = 0
                    while j + 4 <= p:
                        w[j] += xi[j] * step
                        w[j + 1] += xi[j + 1] * step
                        w[j + 2] += xi[j + 2] * step
                        w[j + 3] += xi[j + 3] * step
                        s0 += w[j] * w[j]
                        s1 += w[j + 1] * w[j + 1]
                        s2 += w[j + 2] * w[j + 2]
                        s3 += w[j + 3] * w[j + 3]
                        j += 4
                    while j < p:
                        w[j] += xi[j] * step
                        s0 += w[j] * w[j]
                        j += 1
                    sq_norm = ((s0 + s1) + (s2 + s3)) * (wscale * wscale)
                elif track_l1:
                    acc1 = 0.0
                    for j in range(p):
                        w[j] += xi[j] * step
                        acc1 += abs(w[j])
                    l1_norm = acc1 * wscale
                else:
                    for j in range(p):
                        w[j] += xi[j] * step
                if fit_intercept:
                    b += update
            if average_start > 0 and t >= average_start:
                n_avg += 1.0
                for j in range(p):
                    avg_w[j] += (w[j] * wscale - avg_w[j]) / n_avg
                avg_b += (b - avg_b) / n_avg
            if l1_part > 0.0:
                u += l1_part * eta * alpha
                for j in range(p):  # on the stored (scaled) weights, as scikit-learn
                    z = w[j]
                    if wscale * z > 0.0:
                        w[j] = max(0.0, z - (u + q[j]) / wscale)
                    elif wscale * z < 0.0:
                        w[j] = min(0.0, z + (u - q[j]) / wscale)
                    q[j] += wscale * (w[j] - z)
            t += 1.0
        if tol > -np.inf:
            if early_stopping:
                if average_start > 0 and n_avg > 0:
                    score = _score(avg_w, avg_b, X_val, y_val, sw_val, is_classifier, 1.0)
                else:
                    score = _score(w, b, X_val, y_val, sw_val, is_classifier, wscale)
                if score < best_score + tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if score > best_score:
                    best_score = score
            else:
                objective = sumloss / n
                if objective > best_loss - tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if objective < best_loss:
                    best_loss = objective
            if no_improvement >= n_iter_no_change:
                if schedule_id == 3 and eta > 1e-6:
                    eta = eta / 5.0
                    no_improvement = 0
                else:
                    break
    for j in range(p):  # hand back the actual weights
        w[j] *= wscale

    state[0] = t
    state[1] = u
    state[2] = eta
    state[3] = n_avg
    b_arr[0] = b
    avg_b_arr[0] = avg_b
    return epochs
