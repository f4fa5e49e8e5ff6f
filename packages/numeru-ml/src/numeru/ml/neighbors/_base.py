"""Shared machinery of the neighbour estimators: fitting the index (KD-tree or brute force),
``kneighbors``, ``radius_neighbors`` and the sparse graphs.

Algorithm choice (``algorithm="auto"``), as scikit-learn's rule: brute force when the metric is
cosine, the data has more than 15 features, ``n_neighbors >= n_samples // 2``, or the data is
not on the CPU; a KD-tree otherwise. Neighbours come back sorted by distance, ties broken by
the lower training index, on every path.
"""

from __future__ import annotations

import numpy as np

from numeru.core.errors import ValidationError, expected
from numeru.core.estimator import BaseEstimator, get_namespace, to_output, validate_data

from .._classic_utils import check_choice, check_int, check_positive, to_host
from . import _brute, _kdtree
from ._distances import (
    EUCLIDEAN,
    MINKOWSKI,
    distance_to_reduced,
    metric_code,
    reduced_to_distance,
)

METRICS = ("minkowski", "euclidean", "manhattan", "cityblock", "l1", "chebyshev", "cosine")


class NeighborsBase(BaseEstimator):
    """Fit stores the data (and builds the KD-tree when chosen)."""

    def _check_params(self):
        check_choice("algorithm", self.algorithm, ("auto", "brute", "kd_tree"))
        check_choice("metric", self.metric, METRICS)
        check_int("leaf_size", self.leaf_size, 1)
        # p = inf is the Chebyshev distance, as scikit-learn
        is_inf = isinstance(self.p, (float, np.floating)) and self.p == np.inf
        p = np.inf if is_inf else check_positive("p", self.p)
        if p < 1:
            raise expected("p", "a number >= 1 (minkowski is a metric only for p >= 1)", self.p)
        if self.algorithm == "kd_tree" and self.metric == "cosine":
            raise expected("algorithm", "'brute' or 'auto' for metric='cosine' (a KD-tree "
                           "needs a Minkowski-family metric)", self.algorithm)
        return p

    def _fit(self, X, y=None, **validate):
        p = self._check_params()
        Xv, yv = validate_data(self, X, y, dtype="float", **validate)
        xp = get_namespace(Xv)
        on_cpu = xp is np
        n, d = Xv.shape
        k = getattr(self, "n_neighbors", None)
        if self.algorithm == "auto":
            brute = (self.metric == "cosine" or d > 15 or not on_cpu
                     or (k is not None and k >= n // 2))
            self.fit_method_ = "brute" if brute else "kd_tree"
        else:
            self.fit_method_ = self.algorithm
        # scikit-learn's names: minkowski with p = 1, 2, inf becomes manhattan, euclidean,
        # chebyshev; other metrics keep the given name
        self.effective_metric_ = self.metric
        self.effective_metric_params_ = {}
        if self.metric == "minkowski":
            named = {1.0: "manhattan", 2.0: "euclidean", np.inf: "chebyshev"}.get(float(p))
            self.effective_metric_ = named or "minkowski"
            if named is None:
                self.effective_metric_params_ = {"p": self.p, "w": None}
        self.effective_p_ = float(p if self.metric == "minkowski" else
                                  {"euclidean": 2.0, "manhattan": 1.0, "cityblock": 1.0,
                                   "l1": 1.0, "chebyshev": np.inf}.get(self.metric, 2.0))
        self.n_samples_fit_ = int(n)
        if self.fit_method_ == "kd_tree":
            Xh = np.ascontiguousarray(to_host(Xv), dtype=np.float64)
            n_nodes = _kdtree.n_nodes_for(n, int(self.leaf_size))
            (self.tree_index_, self.tree_start_, self.tree_end_, leaf, self.tree_lower_,
             self.tree_upper_) = _kdtree.build(Xh, int(self.leaf_size), n_nodes)
            self.tree_leaf_ = leaf.astype(np.uint8)
            self.fit_X_ = Xh
        else:
            self.fit_X_ = np.ascontiguousarray(Xv, dtype=np.float64) if on_cpu else Xv
        return Xv, yv

    # -- queries -----------------------------------------------------------------------------
    def _code(self):
        return metric_code("minkowski", self.effective_p_)

    def _query_data(self, X):
        Xv, _ = validate_data(self, X, reset=False, dtype="float")
        xp = get_namespace(Xv)
        return (np.ascontiguousarray(Xv, dtype=np.float64) if xp is np else Xv), xp

    def _normalised(self, xp, A):
        norms = xp.sqrt(xp.sum(A * A, axis=1))
        norms = xp.where(norms == 0, 1.0, norms)
        return A / norms[:, None]

    def _knn(self, Q, xp, k):
        code, p = self._code(), self.effective_p_
        if self.fit_method_ == "kd_tree":
            from numeru.core.parallel import numba_threads

            numba_threads()
            rd, ind = _kdtree.query_knn(self.fit_X_, self.tree_index_, self.tree_start_,
                                         self.tree_end_, self.tree_leaf_.astype(np.bool_),
                                         self.tree_lower_, self.tree_upper_,
                                         np.ascontiguousarray(to_host(Q)), k, code, p)
            return reduced_to_distance(code, p, rd), ind
        X = self.fit_X_ if xp is np else xp.asarray(self.fit_X_)
        cosine = self.effective_metric_ == "cosine"
        if cosine:
            X, Q = self._normalised(xp, X), self._normalised(xp, Q)
        rd, ind = _brute.knn(xp, X, Q, k, code, p, cosine)
        if cosine:
            return rd, ind
        if code == EUCLIDEAN:
            rd, ind = _brute.refine_euclidean_knn(xp, X, Q, ind)
        if xp is np:
            return reduced_to_distance(code, p, rd), ind
        if code == EUCLIDEAN:
            return xp.sqrt(rd), ind
        return (rd ** (1.0 / p) if code == MINKOWSKI else rd), ind

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Distances and indices of the ``n_neighbors`` nearest training points per query.

        With ``X=None`` the training points are the queries and each is not its own neighbour.
        """
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        k = check_int("n_neighbors", k, 1)
        self_query = X is None
        if self_query:
            Q, xp = self.fit_X_, get_namespace(self.fit_X_)
            like = None
            k_query = k + 1
        else:
            Q, xp = self._query_data(X)
            like = X
            k_query = k
        if k_query > self.n_samples_fit_:
            raise expected("n_neighbors", f"at most {self.n_samples_fit_ - int(self_query)} "
                           "(the number of training samples"
                           + (" minus the query itself)" if self_query else ")"), k,
                           error=ValidationError)
        dist, ind = self._knn(Q, xp, k_query)
        if self_query:
            dist, ind = _drop_self(to_host(dist), to_host(ind))
        if return_distance:
            return to_output(self, dist, like=like), to_output(self, ind, like=like)
        return to_output(self, ind, like=like)

    def _radius_csr(self, X, radius):
        r = check_positive("radius", self.radius if radius is None else radius, allow_zero=True)
        if X is None:
            Q, xp = self.fit_X_, get_namespace(self.fit_X_)
        else:
            Q, xp = self._query_data(X)
        code, p = self._code(), self.effective_p_
        cosine = self.effective_metric_ == "cosine"
        r_red = r if cosine else distance_to_reduced(code, p, r)
        if self.fit_method_ == "kd_tree":
            from numeru.core.parallel import numba_threads

            numba_threads()
            Qh = np.ascontiguousarray(to_host(Q))
            args = (self.fit_X_, self.tree_index_, self.tree_start_, self.tree_end_,
                    self.tree_leaf_.astype(np.bool_), self.tree_lower_, self.tree_upper_, Qh,
                    r_red, code, p)
            counts = _kdtree.query_radius_count(*args)
            offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            ind = np.empty(offsets[-1], np.int64)
            rd = np.empty(offsets[-1])
            _kdtree.query_radius_fill(*args, offsets, ind, rd)
        else:
            Xf = self.fit_X_ if xp is np else xp.asarray(self.fit_X_)
            if cosine:
                Xf, Q = self._normalised(xp, Xf), self._normalised(xp, Q)
            offsets, ind, rd = _brute.radius(xp, Xf, Q, r_red, code, p, cosine)
            if xp is np and not cosine and code == EUCLIDEAN:
                offsets, ind, rd = _brute.refine_euclidean_radius(Xf, Q, offsets, ind, r_red)
        dist = rd if cosine else reduced_to_distance(code, p, rd)
        if X is None:
            # The training points are the queries: a point is not its own neighbour (as
            # scikit-learn; duplicates of it still are).
            rows = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
            keep = ind != rows
            offsets = np.concatenate([[0], np.cumsum(np.bincount(
                rows[keep], minlength=offsets.size - 1))]).astype(np.int64)
            ind, dist = ind[keep], dist[keep]
        # Order each row by (distance, index): the documented tie rule.
        for q in range(offsets.size - 1):
            s, e = offsets[q], offsets[q + 1]
            if e - s > 1:
                order = np.lexsort((ind[s:e], dist[s:e]))
                ind[s:e], dist[s:e] = ind[s:e][order], dist[s:e][order]
        return offsets, ind, dist

    def radius_neighbors(self, X=None, radius=None, return_distance=True, sort_results=True):
        """Per query, the indices (and distances) of training points within ``radius``.

        Returns object arrays of 1-D arrays, as scikit-learn. Rows are sorted by distance
        (ties by index); ``sort_results`` is accepted for compatibility.
        """
        offsets, ind, dist = self._radius_csr(X, radius)
        m = offsets.size - 1
        out_i = np.empty(m, dtype=object)
        out_d = np.empty(m, dtype=object)
        for q in range(m):
            out_i[q] = ind[offsets[q]:offsets[q + 1]]
            out_d[q] = dist[offsets[q]:offsets[q + 1]]
        return (out_d, out_i) if return_distance else out_i

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """scipy.sparse CSR matrix (n_queries, n_samples_fit) of the k nearest neighbours."""
        check_choice("mode", mode, ("connectivity", "distance"))
        dist, ind = self.kneighbors(X, n_neighbors, return_distance=True)
        dist, ind = to_host(dist), to_host(ind)
        m, k = ind.shape
        data = np.ones(m * k) if mode == "connectivity" else dist.ravel()
        return _csr(data, ind.ravel(), np.arange(0, m * k + 1, k), (m, self.n_samples_fit_))

    def radius_neighbors_graph(self, X=None, radius=None, mode="connectivity",
                               sort_results=True):
        """scipy.sparse CSR matrix of the neighbours within ``radius``."""
        check_choice("mode", mode, ("connectivity", "distance"))
        offsets, ind, dist = self._radius_csr(X, radius)
        data = np.ones(ind.size) if mode == "connectivity" else dist
        return _csr(data, ind, offsets, (offsets.size - 1, self.n_samples_fit_))


def _drop_self(dist, ind):
    """Remove each query's own index from its k+1 neighbours (else the farthest one)."""
    m, k1 = ind.shape
    own = np.arange(m)[:, None]
    is_self = ind == own
    has = is_self.any(axis=1)
    drop = np.where(has, np.argmax(is_self, axis=1), k1 - 1)
    keep = np.ones_like(ind, dtype=bool)
    keep[np.arange(m), drop] = False
    return dist[keep].reshape(m, k1 - 1), ind[keep].reshape(m, k1 - 1)


def _csr(data, indices, indptr, shape):
    # scipy comes with numeru-linalg (a dependency of numeru-ml).
    from scipy.sparse import csr_matrix

    return csr_matrix((data, indices, indptr), shape=shape)

