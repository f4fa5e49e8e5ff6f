"""Gradient boosting fit/predict vs LightGBM, XGBoost hist and scikit-learn HistGradientBoosting.

Synthetic HIGGS-like data (28 features, nonlinear logit), 100 rounds, 255 bins, depth 8,
learning rate 0.1, 2 threads for every library. Usage:
    python packages/numeru-trees/benchmarks/bench_boosting.py [n_rows] [repeats]
"""

from __future__ import annotations

import sys
import time

import numpy as np

THREADS = 2


def higgs_like(n: int, seed: int = 0):
    gen = np.random.Generator(np.random.Philox(seed))
    X = gen.normal(size=(n, 28))
    X[:, 21:] = np.abs(X[:, 21:]) + 0.3 * np.abs(X[:, :7])  # "high level" derived features
    logit = (X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + 0.8 * X[:, 21] - 0.6 * X[:, 22]
             + 0.5 * np.abs(X[:, 3]) * X[:, 4] + 0.3 * X[:, 5:12].sum(axis=1) - 1.0)
    y = (gen.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return X, y


def auc(y, s):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y, s)


def best_of(fn, repeats):
    best, result = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    X, y = higgs_like(n + 100_000)
    Xt, yt, Xv, yv = X[:n], y[:n], X[n:], y[n:]
    params = {"n_estimators": 100, "max_depth": 8, "learning_rate": 0.1}

    import numeru.core as nm
    from numeru.trees import GradientBoostingClassifier

    nm.set_num_threads(THREADS)
    # warm the Numba caches on a tiny fit so compile time is not measured
    GradientBoostingClassifier(n_estimators=2, max_depth=2).fit(X[:1000], y[:1000])
    rows = []

    def run(name, make, predict):
        fit_s, model = best_of(make, repeats)
        pred_s, scores = best_of(lambda: predict(model), repeats)
        rows.append((name, fit_s, pred_s, auc(yv, scores)))

    run("numeru", lambda: GradientBoostingClassifier(**params, max_bin=255, n_jobs=THREADS)
        .fit(Xt, yt), lambda m: m.predict_proba(Xv)[:, 1])
    import lightgbm as lgb

    run("lightgbm", lambda: lgb.LGBMClassifier(**params, num_leaves=255, max_bin=255,
                                              n_jobs=THREADS, verbose=-1,
                                              min_child_samples=20).fit(Xt, yt),
        lambda m: m.predict_proba(Xv)[:, 1])
    import xgboost as xgb

    run("xgboost hist", lambda: xgb.XGBClassifier(**params, tree_method="hist", max_bin=255,
                                                  n_jobs=THREADS).fit(Xt, yt),
        lambda m: m.predict_proba(Xv)[:, 1])
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    with threadpool_limits(THREADS):
        run("sklearn HistGB", lambda: HistGradientBoostingClassifier(
            max_iter=100, max_depth=8, learning_rate=0.1, max_leaf_nodes=255, max_bins=255,
            early_stopping=False).fit(Xt, yt), lambda m: m.predict_proba(Xv)[:, 1])
    ours_fit, ours_pred = rows[0][1], rows[0][2]
    print(f"\nboosting: {n:,} x 28 HIGGS-like, 100 rounds, depth 8, 255 bins, "
          f"{THREADS} threads, best of {repeats}; predict on {Xv.shape[0]:,} rows\n")
    print("| library | fit s | ratio fit (numeru/anchor) | predict s | ratio predict "
          "(numeru/anchor) | AUC |")
    print("|---|---|---|---|---|---|")
    for name, fit_s, pred_s, a in rows:
        print(f"| {name} | {fit_s:.2f} | {ours_fit / fit_s:.2f} | {pred_s:.3f} | "
              f"{ours_pred / pred_s:.2f} | {a:.4f} |")


if __name__ == "__main__":
    main()
