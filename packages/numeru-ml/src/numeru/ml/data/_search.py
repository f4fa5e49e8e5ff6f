"""``GridSearchCV``, ``RandomizedSearchCV``, ``ParameterGrid`` and ``ParameterSampler``
(scikit-learn's signatures, candidate order, ``cv_results_`` and ranking).

Every candidate is cross-validated on the same splits with ``_fit_and_score`` (fits run
one after another; ``n_jobs`` is accepted), then the best one is refitted on all the data.
``RandomizedSearchCV`` draws from a NumPy ``RandomState`` seeded with ``random_state`` (a
local one, never NumPy's global state) because ``scipy.stats`` distributions take one in
``rvs(random_state=...)``; its draws follow scikit-learn's sequence, so a seed gives the
same candidates as scikit-learn's.
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from itertools import product
from typing import Any

import numpy as np

from numeru.core.errors import NotFittedError, expected
from numeru.core.estimator import BaseEstimator, clone

from ._scoring import check_multimetric_scoring, check_scoring, is_multimetric
from ._validation import (
    _check_error_score,
    _check_n_jobs,
    _fit_and_score,
    _is_classifier,
    _warn_or_raise_about_fit_failures,
    check_cv,
)


def _grid_list(grid: Any, name: str) -> list[dict[str, Any]]:
    grids = [grid] if isinstance(grid, Mapping) else grid
    if not isinstance(grids, (list, tuple)) or not all(isinstance(g, Mapping) for g in grids):
        raise expected(name, "a dict or a list of dicts", grid)
    return [dict(g) for g in grids]


class ParameterGrid:
    """Every combination of a dict (or list of dicts) of value lists; keys in sorted order,
    the last key changing fastest (scikit-learn's order)."""

    def __init__(self, param_grid: Any) -> None:
        self.param_grid = _grid_list(param_grid, "param_grid")
        for grid in self.param_grid:
            for key, values in grid.items():
                if isinstance(values, np.ndarray) and values.ndim > 1:
                    raise expected(f"param_grid[{key!r}]", "a 1-D list or array of values",
                                   f"an array of shape {values.shape}")
                if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence,
                                                                               np.ndarray)):
                    raise expected(f"param_grid[{key!r}]", "a list or a numpy array of "
                                   "values (wrap a single value in a list)", values)
                if len(values) == 0:
                    raise expected(f"param_grid[{key!r}]", "a non-empty sequence", values)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for grid in self.param_grid:
            items = sorted(grid.items())
            if not items:
                yield {}
                continue
            keys, values = zip(*items, strict=True)
            for combination in product(*values):
                yield dict(zip(keys, combination, strict=True))

    def __len__(self) -> int:
        return sum(int(np.prod([len(v) for v in g.values()])) for g in self.param_grid)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not isinstance(index, numbers.Integral) or isinstance(index, bool):
            raise expected("index", "an integer", index)
        for grid in self.param_grid:
            items = sorted(grid.items())
            size = int(np.prod([len(v) for _, v in items]))
            if index >= size:
                index -= size
                continue
            out = {}
            for key, values in reversed(items):  # the last key changes fastest
                index, offset = divmod(index, len(values))
                out[key] = values[offset]
            return out
        raise IndexError("ParameterGrid index out of range")


def _random_state(random_state: Any) -> np.random.RandomState:
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) or \
            random_state < 0:
        raise expected("random_state", "None, a non-negative integer or a "
                       "numpy.random.RandomState", random_state)
    return np.random.RandomState(int(random_state))


def _sample_without_replacement(n_population: int, n_samples: int,
                                rng: np.random.RandomState) -> list[int]:
    """scikit-learn's ``sample_without_replacement(method='auto')``, draw for draw."""
    ratio = n_samples / n_population if n_population else 1.0
    if 0.01 < ratio < 0.99:
        return rng.permutation(n_population)[:n_samples].tolist()
    if ratio < 0.2:  # tracking selection
        selected: set[int] = set()
        out = []
        for _ in range(n_samples):
            j = rng.randint(n_population)
            while j in selected:
                j = rng.randint(n_population)
            selected.add(j)
            out.append(int(j))
        return out
    out = list(range(n_samples))  # reservoir sampling
    for i in range(n_samples, n_population):
        j = rng.randint(0, i + 1)
        if j < n_samples:
            out[j] = i
    return out


class ParameterSampler:
    """``n_iter`` draws from lists (uniformly) or distributions (``rvs(random_state=...)``);
    when every value is a list, draws without replacement from the grid."""

    n_iter: int
    random_state: Any

    def __init__(self, param_distributions: Any, n_iter: int, *,
                 random_state: Any = None) -> None:
        self.param_distributions = _grid_list(param_distributions, "param_distributions")
        for dist in self.param_distributions:
            for key, values in dist.items():
                if not hasattr(values, "rvs") and (
                        isinstance(values, (str, bytes)) or
                        not isinstance(values, (Sequence, np.ndarray)) or len(values) == 0):
                    raise expected(f"param_distributions[{key!r}]", "a non-empty list or an "
                                   "object with rvs(random_state=...)", values)
        if isinstance(n_iter, bool) or not isinstance(n_iter, numbers.Integral) or n_iter < 1:
            raise expected("n_iter", "a positive integer", n_iter)
        self.n_iter = int(n_iter)
        self.random_state = random_state

    def _all_lists(self) -> bool:
        return not any(hasattr(v, "rvs") for d in self.param_distributions for v in d.values())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rng = _random_state(self.random_state)
        if self._all_lists():
            grid = ParameterGrid(self.param_distributions)
            n_iter = self.n_iter
            if len(grid) < n_iter:
                warnings.warn(f"The total space of parameters {len(grid)} is smaller than "
                              f"n_iter={n_iter}. Running {len(grid)} iterations. For "
                              "exhaustive searches, use GridSearchCV.", UserWarning,
                              stacklevel=2)
                n_iter = len(grid)
            for i in _sample_without_replacement(len(grid), n_iter, rng):
                yield grid[i]
            return
        for _ in range(self.n_iter):
            dist = rng.choice(self.param_distributions)  # type: ignore[arg-type]
            params = {}
            for key, values in sorted(dist.items()):
                params[key] = values.rvs(random_state=rng) if hasattr(values, "rvs") \
                    else values[rng.randint(len(values))]
            yield params

    def __len__(self) -> int:
        if self._all_lists():
            return min(self.n_iter, len(ParameterGrid(self.param_distributions)))
        return self.n_iter


def _rank_min(means: np.ndarray) -> np.ndarray:
    """scikit-learn's rank: NaN means tie with the worst, ties share the smallest rank."""
    if np.isnan(means).all():
        return np.ones(means.shape[0], dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    order = np.sort(-filled)
    return (np.searchsorted(order, -filled, side="left") + 1).astype(np.int32)


def _param_column(candidates: list[dict[str, Any]], name: str) -> np.ma.MaskedArray:
    present = {i: c[name] for i, c in enumerate(candidates) if name in c}
    try:
        arr = np.array(list(present.values()))
        dtype = arr.dtype if arr.dtype.kind != "U" and arr.ndim == 1 else np.dtype(object)
    except ValueError:
        dtype = np.dtype(object)
    column = np.ma.MaskedArray(np.empty(len(candidates), dtype=dtype), mask=True)
    for i, value in present.items():
        column[i] = value
    return column


class BaseSearchCV(BaseEstimator):
    """Cross-validate candidates, rank them, refit the best; delegate to ``best_estimator_``."""

    estimator: Any
    scoring: Any
    n_jobs: Any
    refit: Any
    cv: Any
    error_score: Any
    return_train_score: bool
    scorer_: Any
    multimetric_: bool

    def _candidates(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    @property
    def _estimator_type(self) -> Any:  # type: ignore[override]
        return getattr(self.estimator, "_estimator_type", None)

    def _check_refit(self, multi: bool, scorers: Any) -> None:
        refit = self.refit
        if multi and not (refit is False or callable(refit) or
                          (isinstance(refit, str) and refit in scorers)):
            raise expected("refit", f"a scorer name (one of {list(scorers)}), a callable, or "
                           "False for multi-metric scoring", refit)
        if not multi and not (isinstance(refit, bool) or callable(refit)):
            raise expected("refit", "True, False or a callable for single-metric scoring",
                           refit)

    def fit(self, X: Any, y: Any = None, **params: Any) -> BaseSearchCV:
        """Run the search with ``params`` passed to every fit (``step__param`` through
        pipelines is set by the candidates, not here)."""
        _check_n_jobs(self.n_jobs)
        _check_error_score(self.error_score)
        multi = is_multimetric(self.scoring)
        scorers = check_multimetric_scoring(self.scoring) if multi else \
            check_scoring(self.estimator, self.scoring)
        self._check_refit(multi, scorers)
        splitter = check_cv(self.cv, y, classifier=_is_classifier(self.estimator))
        splits = list(splitter.split(X, y, params.get("groups")))
        fit_params = {k: v for k, v in params.items() if k != "groups"}
        candidates = self._candidates()
        results = [_fit_and_score(self.estimator, X, y, scorers, train, test,
                                  parameters=candidate, fit_params=fit_params,
                                  return_train_score=self.return_train_score,
                                  error_score=self.error_score)
                   for candidate in candidates for train, test in splits]
        _warn_or_raise_about_fit_failures(results, self.error_score)
        self.multimetric_ = multi
        self.scorer_ = scorers
        self.n_splits_ = len(splits)
        self.cv_results_ = self._format_results(candidates, results, len(splits), scorers,
                                                multi)
        metric = self.refit if multi else "score"
        if self.refit is not False or not multi:
            if callable(self.refit):
                self.best_index_ = int(self.refit(self.cv_results_))
            else:
                self.best_index_ = int(np.argmin(self.cv_results_[f"rank_test_{metric}"]))
                self.best_score_ = float(self.cv_results_[f"mean_test_{metric}"]
                                         [self.best_index_])
            self.best_params_ = candidates[self.best_index_]
        if self.refit is not False:
            best = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
            start = time.perf_counter()
            if y is None:
                best.fit(X, **fit_params)
            else:
                best.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = best
        return self

    def _format_results(self, candidates: list[dict[str, Any]], results: list[dict[str, Any]],
                        n_splits: int, scorers: Any, multi: bool) -> dict[str, Any]:
        n = len(candidates)
        out: dict[str, Any] = {}

        def store(key: str, values: list[float], splits: bool = False,
                  rank: bool = False) -> None:
            array = np.array(values, dtype=np.float64).reshape(n, n_splits)
            if splits:
                for k in range(n_splits):
                    out[f"split{k}_{key}"] = array[:, k]
            means = array.mean(axis=1)
            out[f"mean_{key}"] = means
            if key.startswith(("train_", "test_")) and not np.all(np.isfinite(means)):
                warnings.warn(f"One or more of the {key.split('_')[0]} scores are "
                              f"non-finite: {means}", UserWarning, stacklevel=4)
            out[f"std_{key}"] = np.sqrt(((array - means[:, None]) ** 2).mean(axis=1))
            if rank:
                out[f"rank_{key}"] = _rank_min(means)

        store("fit_time", [r["fit_time"] for r in results])
        store("score_time", [r["score_time"] for r in results])
        names = sorted({k for c in candidates for k in c})
        for name in names:
            out[f"param_{name}"] = _param_column(candidates, name)
        out["params"] = candidates
        for kind in ("test", "train") if self.return_train_score else ("test",):
            for name in (scorers if multi else ["score"]):
                values = [r[f"{kind}_scores"][name] if multi else r[f"{kind}_scores"]
                          for r in results]
                store(f"{kind}_{name}", values, splits=True, rank=kind == "test")
        return out

    # -- delegation to the refitted best estimator --------------------------------------------
    def _best(self, method: str) -> Any:
        if self.refit is False:
            raise NotFittedError(f"{type(self).__name__}.{method}: this search was made with "
                                 "refit=False; refit the best parameters to use it")
        if not hasattr(self, "best_estimator_"):
            raise NotFittedError(f"{type(self).__name__}.{method}: call fit first")
        return self.best_estimator_

    def predict(self, X: Any) -> Any:
        return self._best("predict").predict(X)

    def predict_proba(self, X: Any) -> Any:
        return self._best("predict_proba").predict_proba(X)

    def predict_log_proba(self, X: Any) -> Any:
        return self._best("predict_log_proba").predict_log_proba(X)

    def decision_function(self, X: Any) -> Any:
        return self._best("decision_function").decision_function(X)

    def transform(self, X: Any) -> Any:
        return self._best("transform").transform(X)

    def inverse_transform(self, X: Any) -> Any:
        return self._best("inverse_transform").inverse_transform(X)

    def score(self, X: Any, y: Any = None) -> float:
        """The refit metric's scorer (``estimator.score`` when ``scoring`` is None)."""
        best = self._best("score")
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        return float(scorer(best, X, y))

    @property
    def classes_(self) -> Any:
        return self._best("classes_").classes_

    @property
    def n_features_in_(self) -> int:
        return self._best("n_features_in_").n_features_in_


class GridSearchCV(BaseSearchCV):
    """Exhaustive search over ``param_grid`` (a dict or a list of dicts of value lists)."""

    def __init__(self, estimator: Any, param_grid: Any, *, scoring: Any = None,
                 n_jobs: Any = None, refit: Any = True, cv: Any = None, verbose: int = 0,
                 pre_dispatch: Any = "2*n_jobs", error_score: Any = np.nan,
                 return_train_score: bool = False) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.error_score = error_score
        self.return_train_score = return_train_score

    def _candidates(self) -> list[dict[str, Any]]:
        return list(ParameterGrid(self.param_grid))


class RandomizedSearchCV(BaseSearchCV):
    """``n_iter`` candidates drawn from ``param_distributions`` (lists or distributions)."""

    def __init__(self, estimator: Any, param_distributions: Any, *, n_iter: int = 10,
                 scoring: Any = None, n_jobs: Any = None, refit: Any = True, cv: Any = None,
                 verbose: int = 0, pre_dispatch: Any = "2*n_jobs", random_state: Any = None,
                 error_score: Any = np.nan, return_train_score: bool = False) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.random_state = random_state
        self.error_score = error_score
        self.return_train_score = return_train_score

    def _candidates(self) -> list[dict[str, Any]]:
        return list(ParameterSampler(self.param_distributions, self.n_iter,
                                     random_state=self.random_state))
