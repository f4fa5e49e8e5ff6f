"""The ``ml-classic`` section of ``numeru demo``: SVM, k-NN and naive Bayes side by side.

The data set is generated here (three overlapping Gaussian classes in 8 dimensions, seeded),
so the demo needs nothing beyond numeru-ml's own dependencies.
"""

from __future__ import annotations

import time
from typing import TextIO

import numpy as np


def make_blobs3(n_per_class: int = 200, n_features: int = 8, seed: int = 7):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=2.0, size=(3, n_features))
    X = np.concatenate([c + rng.normal(size=(n_per_class, n_features)) for c in centers])
    y = np.repeat(np.array(["setosa-like", "versicolor-like", "virginica-like"]), n_per_class)
    order = rng.permutation(y.size)
    return X[order], y[order]


def section(out: TextIO) -> None:
    from .metrics import accuracy_score, f1_score
    from .naive_bayes import GaussianNB
    from .neighbors import KNeighborsClassifier
    from .pipeline import make_pipeline
    from .preprocessing import StandardScaler
    from .svm import SVC, LinearSVC

    X, y = make_blobs3()
    cut = int(0.7 * y.size)
    X_train, X_test, y_train, y_test = X[:cut], X[cut:], y[:cut], y[cut:]
    models = {
        "SVC (rbf)": make_pipeline(StandardScaler(), SVC()),
        "LinearSVC": make_pipeline(StandardScaler(), LinearSVC()),
        "k-NN (k=7, kd-tree)": make_pipeline(StandardScaler(), KNeighborsClassifier(7)),
        "GaussianNB": GaussianNB(),
    }
    out.write(f"three generated Gaussian classes, {X.shape[1]} features: "
              f"{cut} train / {y.size - cut} test samples\n")
    out.write(f"{'model':<22}{'accuracy':>10}{'macro F1':>10}{'fit ms':>9}\n")
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_ms = 1000 * (time.perf_counter() - start)
        predicted = model.predict(X_test)
        out.write(f"{name:<22}{accuracy_score(y_test, predicted):>10.3f}"
                  f"{f1_score(y_test, predicted, average='macro'):>10.3f}{fit_ms:>9.1f}\n")
