"""The ``ml`` section of ``numeru demo``: linear models, an optimizer and the Trainer."""

from __future__ import annotations

from typing import TextIO

import numpy as np


def section(out: TextIO) -> None:
    import numeru.core as nm
    from numeru.core.cli import write_table

    from . import optim
    from ._linear.api import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
    from .data import DataLoader, TensorDataset, train_test_split
    from .train import LinearModule, Trainer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 20))
    coef = np.where(np.arange(20) < 5, rng.normal(size=20) * 3, 0.0)
    y = X @ coef + 0.5 * rng.normal(size=2000)
    labels = (X[:, 0] + X[:, 1] + 0.3 * rng.normal(size=2000) > 0).astype(int)
    X_tr, X_te, y_tr, y_te, c_tr, c_te = train_test_split(X, y, labels, test_size=0.25,
                                                          random_state=0)
    rows = []
    for model in (LinearRegression(), Ridge(alpha=1.0), Lasso(alpha=0.05),
                  ElasticNet(alpha=0.05, l1_ratio=0.5)):
        model.fit(X_tr, y_tr)
        nonzero = int(np.count_nonzero(model.coef_))
        rows.append([type(model).__name__, f"R2 {model.score(X_te, y_te):.4f}", nonzero])
    clf = LogisticRegression().fit(X_tr, c_tr)
    rows.append(["LogisticRegression", f"accuracy {clf.score(X_te, c_te):.4f}",
                 int(np.count_nonzero(clf.coef_))])
    out.write("Linear models on 2000 x 20 synthetic data (5 informative features):\n")
    write_table(out, ["model", "test score", "non-zero coefs"], rows)

    out.write("\nTrainer: a LinearModule with AdamW + cosine schedule, 5 epochs:\n")
    module = LinearModule(20, loss="squared_error")
    opt = optim.AdamW(module.parameters(), lr=0.1, weight_decay=0.0)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
    loader = DataLoader(TensorDataset(nm.asarray(X_tr), nm.asarray(y_tr)), batch_size=64,
                        shuffle=True, seed=0)
    history = Trainer(module, opt, epochs=5, scheduler=sched, progress=False).fit(loader)
    write_table(out, ["epoch", "loss", "lr"],
                [[e, f"{loss:.4f}", f"{lr:.4f}"] for e, loss, lr in
                 zip(history["epoch"], history["loss"], history["lr"], strict=True)])
