"""GaussianNB on 1,000,000 x 20 (3 classes) against scikit-learn, same threads."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn import naive_bayes as sk_nb
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from _classic_bench import best_of, table

import numeru.core as nm
from numeru.ml.naive_bayes import GaussianNB


def main() -> None:
    threads = nm.get_num_threads()
    nm.set_num_threads(threads)
    rng = np.random.default_rng(0)
    n, d = 1_000_000, 20
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d)) + y[:, None] * 0.3
    GaussianNB().fit(X[:1000], y[:1000]).predict(X[:10])  # compile
    with threadpool_limits(threads):
        fit_ours = best_of(lambda: GaussianNB().fit(X, y))
        fit_ref = best_of(lambda: sk_nb.GaussianNB().fit(X, y))
        a, b = GaussianNB().fit(X, y), sk_nb.GaussianNB().fit(X, y)
        pred_ours = best_of(lambda: a.predict(X))
        pred_ref = best_of(lambda: b.predict(X))
    assert np.array_equal(a.predict(X), b.predict(X))
    rows = [("fit 1e6 x 20", fit_ours, fit_ref), ("predict 1e6 x 20", pred_ours, pred_ref),
            ("fit + predict", fit_ours + pred_ours, fit_ref + pred_ref)]
    print(table("GaussianNB", rows, threads))


if __name__ == "__main__":
    main()
