"""DecisionTree and RandomForest fit/predict vs scikit-learn on 100,000 x 20, 2 threads.

Usage: python packages/numeru-trees/benchmarks/bench_forest.py [n_rows] [n_trees] [repeats]
"""

from __future__ import annotations

import sys
import time

import numpy as np

THREADS = 2


def best_of(fn, repeats):
    best, result = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    n_trees = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    from sklearn.datasets import make_classification

    X, y = make_classification(n + 20_000, 20, n_informative=10, random_state=0)
    Xt, yt, Xv, yv = X[:n], y[:n], X[n:], y[n:]
    from sklearn.ensemble import RandomForestClassifier as SkForest
    from sklearn.tree import DecisionTreeClassifier as SkTree

    import numeru.core as nm
    from numeru.trees import DecisionTreeClassifier, RandomForestClassifier

    nm.set_num_threads(THREADS)
    RandomForestClassifier(2, random_state=0).fit(Xt[:2000], yt[:2000])  # compile outside
    DecisionTreeClassifier(random_state=0).fit(Xt[:2000], yt[:2000]).predict(Xv[:10])
    cases = [
        ("DecisionTree", lambda: DecisionTreeClassifier(random_state=0).fit(Xt, yt),
         lambda: SkTree(random_state=0).fit(Xt, yt)),
        (f"RandomForest({n_trees})",
         lambda: RandomForestClassifier(n_trees, random_state=0, n_jobs=THREADS).fit(Xt, yt),
         lambda: SkForest(n_trees, random_state=0, n_jobs=THREADS).fit(Xt, yt)),
    ]
    print(f"\ntrees: {n:,} x 20 (make_classification), {THREADS} threads, best of {repeats};"
          f" predict on {Xv.shape[0]:,} rows\n")
    print("| model | numeru fit s | sklearn fit s | ratio fit (numeru/anchor) | numeru predict s"
          " | sklearn predict s | ratio predict (numeru/anchor) | accuracy numeru | "
          "accuracy sklearn |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, ours_fn, ref_fn in cases:
        fo, ours = best_of(ours_fn, repeats)
        fr, ref = best_of(ref_fn, repeats)
        po, _ = best_of(lambda m=ours: m.predict(Xv), max(repeats, 3))
        pr, _ = best_of(lambda m=ref: m.predict(Xv), max(repeats, 3))
        print(f"| {name} | {fo:.2f} | {fr:.2f} | {fo / fr:.2f} | {po:.3f} | {pr:.3f} | "
              f"{po / pr:.2f} | {ours.score(Xv, yv):.4f} | {ref.score(Xv, yv):.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
