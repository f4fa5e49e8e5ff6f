"""Fit times of numeru's linear models against scikit-learn, same data, same threads.

Run: python packages/numeru-ml/benchmarks/bench_ml_linear.py [--rows N] [--cols P]
Prints a markdown table (best of --repeat fits each; the first numeru fit, which compiles the
Numba kernels, is not timed).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn import linear_model as sk

import numeru.core as nm
from numeru.ml import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDRegressor,
)


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _iters(model) -> str:
    n_iter = getattr(model, "n_iter_", None)
    if n_iter is None:
        return "-"
    return str(int(np.max(n_iter)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, args.cols))
    coef = rng.normal(size=args.cols) * (rng.random(args.cols) < 0.3)
    y = X @ coef + rng.normal(size=args.rows)
    labels = (X[:, :5].sum(axis=1) + rng.normal(size=args.rows) > 0).astype(int)
    cases = [
        ("LinearRegression", LinearRegression(), sk.LinearRegression(), y),
        ("Ridge", Ridge(alpha=1.0), sk.Ridge(alpha=1.0), y),
        ("Lasso", Lasso(alpha=0.1), sk.Lasso(alpha=0.1), y),
        ("ElasticNet", ElasticNet(alpha=0.1, l1_ratio=0.5),
         sk.ElasticNet(alpha=0.1, l1_ratio=0.5), y),
        ("LogisticRegression", LogisticRegression(), sk.LogisticRegression(), labels),
        ("SGDRegressor", SGDRegressor(random_state=0), sk.SGDRegressor(random_state=0), y),
        # without shuffling both run the same epochs in the same order: the same work
        ("SGDRegressor(shuffle=False)", SGDRegressor(shuffle=False),
         sk.SGDRegressor(shuffle=False), y),
    ]
    threads = nm.get_num_threads()
    print(f"Fit {args.rows:,} x {args.cols} float64, {threads} threads for both "
          f"(best of {args.repeat})\n")
    print("| model | numeru (s) | scikit-learn (s) | ratio (numeru/anchor) | iterations "
          "(numeru / scikit-learn) |")
    print("|---|---|---|---|---|")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, ours, ref, target in cases:
            ours.fit(X[:2000], target[:2000])  # compile the kernels once
            t_ours = best_of(lambda o=ours, t=target: o.fit(X, t), args.repeat)
            t_ref = best_of(lambda r=ref, t=target: r.fit(X, t), args.repeat)
            iters = f"{_iters(ours)} / {_iters(ref)}"
            print(f"| {name} | {t_ours:.4f} | {t_ref:.4f} | {t_ours / t_ref:.2f} | {iters} |")


if __name__ == "__main__":
    main()
