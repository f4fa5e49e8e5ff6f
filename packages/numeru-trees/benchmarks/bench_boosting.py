"""Gradient boosting fit/predict vs LightGBM, XGBoost hist and scikit-learn HistGradientBoosting.

Synthetic HIGGS-like data (28 features, nonlinear logit), 100 rounds, 255 bins, depth 8,
learning rate 0.1, 2 threads for every library (wall time); with ``--cpu`` also 1 thread
each (CPU time, which a busy shared machine disturbs least). Usage:
    python packages/numeru-trees/benchmarks/bench_boosting.py [n_rows] [repeats] [--cpu]
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


def libraries(threads: int):
    """(name, fit, predict) of numeru and its anchors, each limited to ``threads`` threads."""
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    import numeru.core as nm
    from numeru.trees import GradientBoostingClassifier

    params = {"n_estimators": 100, "max_depth": 8, "learning_rate": 0.1}
    nm.set_num_threads(threads)

    def sklearn_fit(X, y):
        with threadpool_limits(threads):  # HistGB's OpenMP threads
            return HistGradientBoostingClassifier(
                max_iter=100, max_depth=8, learning_rate=0.1, max_leaf_nodes=255,
                max_bins=255, early_stopping=False).fit(X, y)

    def sklearn_predict(model, X):
        with threadpool_limits(threads):
            return model.predict_proba(X)[:, 1]

    def proba(model, X):
        return model.predict_proba(X)[:, 1]

    return [
        ("numeru", lambda X, y: GradientBoostingClassifier(**params, max_bin=255,
                                                           n_jobs=threads).fit(X, y), proba),
        ("lightgbm", lambda X, y: lgb.LGBMClassifier(**params, num_leaves=255, max_bin=255,
                                                      n_jobs=threads, verbose=-1,
                                                      min_child_samples=20).fit(X, y), proba),
        ("xgboost hist", lambda X, y: xgb.XGBClassifier(**params, tree_method="hist",
                                                        max_bin=255,
                                                        n_jobs=threads).fit(X, y), proba),
        ("sklearn HistGB", sklearn_fit, sklearn_predict),
    ]


def cpu_time(fn):
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_000_000
    repeats = int(args[1]) if len(args) > 1 else 1
    X, y = higgs_like(n + 100_000)
    Xt, yt, Xv, yv = X[:n], y[:n], X[n:], y[n:]

    from numeru.trees import GradientBoostingClassifier

    # warm the Numba caches on a tiny fit so compile time is not measured
    GradientBoostingClassifier(n_estimators=2, max_depth=2).fit(X[:1000], y[:1000])
    GradientBoostingClassifier(n_estimators=2, max_depth=2).fit(X[:1000], y[:1000]).predict(X)
    rows = []
    for name, fit, predict in libraries(THREADS):
        fit_s, model = best_of(lambda fit=fit: fit(Xt, yt), repeats)
        pred_s, scores = best_of(lambda m=model, p=predict: p(m, Xv), max(repeats, 3))
        rows.append((name, fit_s, pred_s, auc(yv, scores)))
    ours_fit, ours_pred = rows[0][1], rows[0][2]
    print(f"\nboosting: {n:,} x 28 HIGGS-like, 100 rounds, depth 8, 255 bins, "
          f"{THREADS} threads, wall time, best of {repeats}; predict on {Xv.shape[0]:,} rows\n")
    print("| library | fit s | ratio fit (numeru/anchor) | predict s | ratio predict "
          "(numeru/anchor) | AUC |")
    print("|---|---|---|---|---|---|")
    for name, fit_s, pred_s, a in rows:
        print(f"| {name} | {fit_s:.2f} | {ours_fit / fit_s:.2f} | {pred_s:.3f} | "
              f"{ours_pred / pred_s:.2f} | {a:.4f} |", flush=True)
    if "--cpu" in sys.argv:
        # One thread, CPU time: what a shared, busy machine disturbs least.
        cpu_rows = []
        for name, fit, predict in libraries(1):
            fit_s, model = cpu_time(lambda fit=fit: fit(Xt, yt))
            pred_s, _ = cpu_time(lambda m=model, p=predict: p(m, Xv))
            cpu_rows.append((name, fit_s, pred_s))
        print("\nsame, 1 thread each, CPU time\n")
        print("| library | fit CPU s | ratio fit (numeru/anchor) | predict CPU s | ratio predict "
              "(numeru/anchor) |")
        print("|---|---|---|---|---|")
        for name, fit_s, pred_s in cpu_rows:
            print(f"| {name} | {fit_s:.2f} | {cpu_rows[0][1] / fit_s:.2f} | {pred_s:.3f} | "
                  f"{cpu_rows[0][2] / pred_s:.2f} |", flush=True)


if __name__ == "__main__":
    main()
