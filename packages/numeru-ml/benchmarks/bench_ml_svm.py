"""SVC (rbf, 5,000 x 20) and LinearSVC (100,000 x 100) against scikit-learn, same threads."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn import svm as sk_svm
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from _classic_bench import best_of, table

import numeru.core as nm
from numeru.ml.svm import SVC, LinearSVC


def main() -> None:
    threads = nm.get_num_threads()
    nm.set_num_threads(threads)
    rows = []
    X, y = make_classification(5000, 20, n_informative=10, random_state=0)
    SVC().fit(X[:200], y[:200])  # compile (cached Numba kernels load once)
    with threadpool_limits(threads):
        ours = best_of(lambda: SVC().fit(X, y))
        ref = best_of(lambda: sk_svm.SVC().fit(X, y))
    rows.append(("SVC rbf fit 5,000 x 20", ours, ref))
    a, b = SVC().fit(X, y), sk_svm.SVC().fit(X, y)
    assert np.array_equal(a.support_, b.support_)
    with threadpool_limits(threads):
        ours = best_of(lambda: a.predict(X))
        ref = best_of(lambda: b.predict(X))
    rows.append(("SVC rbf predict 5,000", ours, ref))
    X, y = make_classification(100_000, 100, n_informative=20, random_state=0)
    LinearSVC().fit(X[:500], y[:500])
    with threadpool_limits(threads):
        ours = best_of(lambda: LinearSVC(random_state=0).fit(X, y), 2)
        ref = best_of(lambda: sk_svm.LinearSVC(random_state=0).fit(X, y), 2)
    rows.append(("LinearSVC fit 100,000 x 100 (defaults)", ours, ref))
    print(table("SVM", rows, threads, "LinearSVC dual='auto': both pick a primal solver"))


if __name__ == "__main__":
    main()
