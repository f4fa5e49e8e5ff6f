"""k-NN search against scikit-learn: 10,000 queries, k=5, on 100,000 x 32 (brute force) and
100,000 x 3 (KD-tree), same threads."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import numpy as np
from sklearn import neighbors as skn
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from _classic_bench import best_of, table

import numeru.core as nm
from numeru.ml.neighbors import NearestNeighbors


def main() -> None:
    threads = nm.get_num_threads()
    nm.set_num_threads(threads)
    rng = np.random.default_rng(0)
    rows = []
    for d, algorithm in [(32, "brute"), (3, "kd_tree")]:
        X = rng.normal(size=(100_000, d))
        Q = rng.normal(size=(10_000, d))
        NearestNeighbors(algorithm=algorithm).fit(X[:1000]).kneighbors(Q[:10])  # compile
        ours_model = NearestNeighbors(n_neighbors=5, algorithm=algorithm)
        ref_model = skn.NearestNeighbors(n_neighbors=5, algorithm=algorithm, n_jobs=threads)
        with threadpool_limits(threads):
            fit_ours = best_of(partial(ours_model.fit, X))
            fit_ref = best_of(partial(ref_model.fit, X))
            query_ours = best_of(partial(ours_model.kneighbors, Q))
            query_ref = best_of(partial(ref_model.kneighbors, Q))
        same = np.array_equal(ours_model.kneighbors(Q)[1], ref_model.kneighbors(Q)[1])
        label = f"100,000 x {d}, {algorithm}"
        rows.append((f"fit {label}", fit_ours, fit_ref))
        rows.append((f"10,000 queries k=5, {label} (same indices: {same})", query_ours,
                     query_ref))
        rows.append((f"fit + query, {label}", fit_ours + query_ours, fit_ref + query_ref))
    print(table("k-nearest neighbours", rows, threads))


if __name__ == "__main__":
    main()
