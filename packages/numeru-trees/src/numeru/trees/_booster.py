"""The gradient boosting loop: binning, rounds of tree growth, evaluation, early stopping."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from numeru.core import parallel
from numeru.core.errors import ValidationError, expected

from ._ensemble import TreeEnsemble
from ._grower import GrowParams, HistogramGrower
from ._kernels.binning import MAX_BIN, MISSING_BIN, bin_numeric, padded_cuts, quantile_cuts
from ._kernels.gradients import pack_pairs
from ._kernels.partition import add_leaf_values
from ._kernels.threads import use_threads_for
from ._metrics import METRICS
from ._objectives import Objective, weighted_quantile
from ._random import TreeRandom


@dataclass
class BinMapper:
    """Per-feature bin edges (numeric) or category counts (categorical)."""

    cuts: list
    n_bins: np.ndarray
    is_cat: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray, max_bin: int, is_cat: np.ndarray) -> BinMapper:
        cuts, n_bins = [], []
        # quantiles of the numeric features on the task pool (NumPy's sort releases the GIL)
        numeric = [f for f in range(X.shape[1]) if not is_cat[f]]
        numeric_cuts = dict(zip(numeric, parallel.parallel_map(
            lambda f: quantile_cuts(X[:, f], max_bin), numeric), strict=True))
        for f in range(X.shape[1]):
            column = X[:, f]
            if is_cat[f]:
                values = column[~np.isnan(column)]
                if values.size and (values.min() < 0 or values.max() >= MISSING_BIN
                                    or np.any(values != np.floor(values))):
                    raise expected(f"X[:, {f}] (categorical)",
                                   f"integer category codes in [0, {MISSING_BIN - 1}]",
                                   f"values in [{values.min()}, {values.max()}]")
                count = int(values.max()) + 1 if values.size else 1
                cuts.append(np.full(count, np.nan))
                n_bins.append(count)
            else:
                c = numeric_cuts[f]
                cuts.append(c)
                n_bins.append(c.shape[0])
        return cls(cuts, np.array(n_bins, np.int64), is_cat.astype(np.bool_))

    def transform(self, X: np.ndarray) -> np.ndarray:
        out = np.empty(X.shape, np.uint8)
        use_threads_for(X.shape[0] * X.shape[1])
        bin_numeric(X, padded_cuts(self.cuts), self.is_cat, out)
        return out


@dataclass
class BoostConfig:
    n_estimators: int
    grow: GrowParams
    max_bin: int
    subsample: float
    colsample_bytree: float
    early_stopping_rounds: int | None
    metrics: list[str]
    random_state: object
    verbose: bool


@dataclass
class BoostResult:
    ensemble: TreeEnsemble
    base_score: np.ndarray
    mapper: BinMapper
    evals_result: dict = field(default_factory=dict)
    best_iteration: int | None = None
    best_score: float | None = None


def _progress(total: int, verbose: bool):
    if not verbose:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="boosting", unit="round")


def boost(X, y, w, objective: Objective, is_cat, monotone, config: BoostConfig,
          eval_sets=()) -> BoostResult:
    """Fit an ensemble on float64 ``X`` (n, f); ``eval_sets``: [(X, y, w)] scored per round."""
    if not 2 <= config.max_bin <= MAX_BIN:
        raise expected("max_bin", f"an int in [2, {MAX_BIN}]", config.max_bin)
    n, n_features = X.shape
    mapper = BinMapper.fit(X, config.max_bin, is_cat)
    bins = mapper.transform(X)
    grower = HistogramGrower(bins, mapper.n_bins, mapper.cuts, mapper.is_cat,
                             monotone.astype(np.int64), config.grow)
    rng = TreeRandom(config.random_state)
    K = objective.n_groups
    base = objective.init_score(y, w).astype(np.float64)
    raw = np.tile(base, (n, 1))
    eval_raw = [np.tile(base, (Xe.shape[0], 1)) for Xe, _, _ in eval_sets]
    ensemble = TreeEnsemble()
    result = BoostResult(ensemble, base, mapper)
    history: dict[str, dict[str, list[float]]] = {
        f"validation_{i}": {m: [] for m in config.metrics} for i in range(len(eval_sets))}
    result.evals_result = history
    best_value, best_round, rounds_since = None, -1, 0
    stop_metric = config.metrics[-1]  # resolve_metrics gives at least one
    higher_better = METRICS[stop_metric][1]
    all_features = np.arange(n_features, dtype=np.int64)
    all_rows = np.arange(n, dtype=np.int64)
    bar = _progress(config.n_estimators, config.verbose)
    for round_ in range(config.n_estimators):
        grad, hess = objective.grad_hess(y, raw, w)
        grad = grad.reshape(n, K)
        hess = hess.reshape(n, K)
        pairs = np.empty((K, n), np.complex128)  # per group: gradient + 1j * hessian
        use_threads_for(n * K)
        finite = [pack_pairs(grad[:, k], hess[:, k], pairs[k]) for k in range(K)]
        if not all(finite):
            raise ValidationError(f"objective: gradients or hessians became non-finite in "
                                  f"round {round_}; lower learning_rate or check y")
        rows = all_rows if config.subsample >= 1.0 else rng.bernoulli_rows(n, config.subsample)
        if config.colsample_bytree >= 1.0:
            features = all_features
        else:
            k = max(1, int(round(config.colsample_bytree * n_features)))
        first_tree = len(ensemble)
        for group in range(K):
            if config.colsample_bytree < 1.0:
                features = rng.choice(n_features, k)
            order = rows.copy()
            tree = grower.grow(order, pairs[group], features)
            segments = np.array(tree.leaf_segments, np.int64).reshape(-1, 3)
            if objective.refresh_leaves_with_median:
                _refresh_with_median(tree, segments, order, y, raw[:, group],
                                     w if getattr(objective, "weighted", True) else None,
                                     config.grow.learning_rate)
            values = np.array([tree.value[i] for i in segments[:, 0]], np.float64)
            use_threads_for(order.shape[0])
            add_leaf_values(order, segments[:, 1].copy(), segments[:, 2].copy(), values, raw,
                            group)
            ensemble.append(tree, group)
            if rows.shape[0] < n:
                rest = np.setdiff1d(all_rows, rows, assume_unique=True)
                part = np.zeros((rest.shape[0], K))
                ensemble.predict_raw(X[rest], part, len(ensemble) - 1, len(ensemble))
                raw[rest] += part
        for i, (Xe, ye, we) in enumerate(eval_sets):
            ensemble.predict_raw(Xe, eval_raw[i], first_tree, len(ensemble))
            for m in config.metrics:
                history[f"validation_{i}"][m].append(
                    METRICS[m][0](ye, eval_raw[i], we, objective.transform))
        if bar is not None:
            bar.update(1)
        if eval_sets and config.early_stopping_rounds:
            value = history[f"validation_{len(eval_sets) - 1}"][stop_metric][-1]
            improved = best_value is None or (value > best_value if higher_better
                                              else value < best_value)
            if improved:
                best_value, best_round, rounds_since = value, round_, 0
            else:
                rounds_since += 1
                if rounds_since >= config.early_stopping_rounds:
                    break
    if bar is not None:
        bar.close()
    if eval_sets and config.early_stopping_rounds:
        result.best_iteration = best_round
        result.best_score = best_value
    return result


def _refresh_with_median(tree, segments, order, y, raw_column, w, learning_rate):
    """Leaf value = median residual of its rows (absolute error; as XGBoost and LightGBM);
    ``w`` None: unweighted (interpolated) median."""
    for node, start, end in segments:
        rows = order[start:end]
        if rows.size:
            residual = y[rows] - raw_column[rows]
            tree.value[node] = weighted_quantile(
                residual, None if w is None else w[rows], 0.5) * learning_rate
