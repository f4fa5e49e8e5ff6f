"""The ``trees`` section of ``numeru demo`` (a few seconds, mostly first-run compilation)."""

from __future__ import annotations

from typing import TextIO


def section(out: TextIO) -> None:
    import numpy as np

    from numeru.trees import (
        DecisionTreeClassifier,
        GradientBoostingClassifier,
        RandomForestClassifier,
        export_text,
    )

    # A small synthetic problem: two informative features, a few NaNs.
    gen = np.random.Generator(np.random.Philox(7))  # demo data only, not model randomness
    X = gen.normal(size=(600, 4))
    y = ((X[:, 0] + X[:, 1] ** 2) > 0.8).astype(np.int64)
    X[gen.random(X.shape) < 0.05] = np.nan
    train, test = slice(0, 450), slice(450, None)

    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X[train], y[train])
    out.write("decision tree (max_depth=2), NaNs routed by learned direction:\n")
    out.write(export_text(tree, feature_names=["a", "b", "c", "d"], show_missing=True))
    out.write(f"  test accuracy: {tree.score(X[test], y[test]):.3f}\n")
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(X[train], y[train])
    out.write(f"random forest (30 trees): test accuracy {forest.score(X[test], y[test]):.3f}\n")
    booster = GradientBoostingClassifier(n_estimators=40, max_depth=3, learning_rate=0.2,
                                         random_state=0, early_stopping_rounds=5,
                                         eval_metric="logloss")
    booster.fit(X[train], y[train], eval_set=[(X[test], y[test])])
    out.write(f"gradient boosting: best round {booster.best_iteration_}, test accuracy "
              f"{booster.score(X[test], y[test]):.3f}, gain importances "
              f"{np.round(booster.feature_importances_, 3).tolist()}\n")
