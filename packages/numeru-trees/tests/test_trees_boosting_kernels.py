"""The histogram-boosting kernels against plain NumPy references: binning, histograms,
row partitions and the two prediction kernels (branch-free complete trees, node walk)."""

from __future__ import annotations

import numpy as np
import pytest

from numeru.trees import GradientBoostingRegressor
from numeru.trees._kernels.binning import MISSING_BIN, bin_numeric, padded_cuts, quantile_cuts
from numeru.trees._kernels.heap_predict import heap_layout, predict_heap, tree_depths
from numeru.trees._kernels.histogram import CHUNK, build_histograms
from numeru.trees._kernels.partition import BLOCK, partition_rows
from numeru.trees._kernels.predict import pack_nodes, predict_packed


def test_binning_matches_searchsorted_and_sends_nan_to_the_missing_bin():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 4))
    X[:, 1] = rng.integers(0, 7, 5000)  # few distinct values: one bin each
    X[rng.random(X.shape) < 0.05] = np.nan
    cuts = [quantile_cuts(X[:, f], 255) for f in range(4)]
    out = np.empty(X.shape, np.uint8)
    bin_numeric(X, padded_cuts(cuts), np.zeros(4, np.bool_), out)
    for f in range(4):
        finite = ~np.isnan(X[:, f])
        expected = np.searchsorted(cuts[f], X[finite, f], side="left")
        np.testing.assert_array_equal(out[finite, f], expected)
        assert (out[~finite, f] == MISSING_BIN).all()
        # x <= cuts[b] exactly when bin(x) <= b: the fit and predict rules agree
        b = out[finite, f].astype(np.int64)
        assert (X[finite, f] <= cuts[f][b]).all()
        assert (b == 0).any() and (X[finite, f][b > 0] > cuts[f][b[b > 0] - 1]).all()


@pytest.mark.parametrize("max_bin", [2, 255])
def test_bin_edges_of_huge_values_stay_finite_and_distinct(max_bin):
    column = np.array([-1.7e308, 0.0, 1.0e308, 1.7e308] * 10)
    cuts = quantile_cuts(column, max_bin)
    assert np.isfinite(cuts[:-1]).all() and cuts[-1] == np.inf
    assert (np.diff(cuts) > 0).all()
    # every edge still separates its neighbours: x <= edge exactly for the lower values
    distinct = np.unique(column)
    for edge in cuts[:-1]:
        assert distinct[distinct <= edge].size and distinct[distinct > edge].size


def _reference_histogram(bins, rows, gh, features):
    hist = np.zeros((features.shape[0], 256), np.complex128)
    for j, f in enumerate(features):
        np.add.at(hist[j], bins[rows, f], gh[rows])
    return hist


@pytest.mark.parametrize("subset", [False, True])
def test_histograms_match_numpy_for_nodes_of_every_size(subset):
    rng = np.random.default_rng(1)
    n, n_features = 3 * CHUNK + 1000, 6
    bins = rng.integers(0, 256, size=(n, n_features)).astype(np.uint8)
    gh = rng.normal(size=n) + 1j * rng.random(n)
    order = rng.permutation(n).astype(np.int64)
    # nodes: one spanning several chunks, one tiny, one empty, one exactly a chunk
    bounds = [0, 2 * CHUNK + 500, 2 * CHUNK + 503, 2 * CHUNK + 503, 3 * CHUNK + 503]
    starts = np.array(bounds[:-1], np.int64)
    ends = np.array(bounds[1:], np.int64)
    features = (np.array([4, 0, 5], np.int64) if subset
                else np.arange(n_features, dtype=np.int64))
    out = np.full((6, features.shape[0], 256), np.nan, np.complex128)
    slots = np.array([5, 0, 2, 3], np.int64)
    build_histograms(bins, order, starts, ends, gh, features, out, slots)
    for k in range(4):
        expected = _reference_histogram(bins, order[starts[k]:ends[k]], gh, features)
        np.testing.assert_allclose(out[slots[k]], expected, rtol=1e-12, atol=1e-9)


def test_partition_is_stable_and_routes_missing_and_categories():
    rng = np.random.default_rng(2)
    n = 2 * BLOCK + 777
    bins = rng.integers(0, 10, size=(n, 3)).astype(np.uint8)
    bins[rng.random(bins.shape) < 0.1] = MISSING_BIN
    bins_t = np.ascontiguousarray(bins.T)
    order = rng.permutation(n).astype(np.int64)
    before = order.copy()
    bounds = [0, BLOCK + 100, BLOCK + 101, n]  # a node over several blocks, a single row, ...
    starts = np.array(bounds[:-1], np.int64)
    ends = np.array(bounds[1:], np.int64)
    features = np.array([0, 1, 2], np.int64)
    split_bins = np.array([4, 0, 6], np.int64)
    default_left = np.array([True, False, False])
    is_cat = np.array([False, False, True])
    cat_left = np.zeros((3, 256), np.bool_)
    cat_left[2, [1, 3, 8]] = True
    n_left = partition_rows(bins_t, order, np.empty((2, n), np.int64), starts, ends, features,
                            split_bins, default_left, is_cat, cat_left)
    for k in range(3):
        rows = before[starts[k]:ends[k]]
        b = bins[rows, features[k]]
        goes_left = cat_left[k, b] if is_cat[k] else b <= split_bins[k]
        goes_left = np.where(b == MISSING_BIN, default_left[k], goes_left)
        expected = np.concatenate([rows[goes_left], rows[~goes_left]])
        np.testing.assert_array_equal(order[starts[k]:ends[k]], expected)
        assert n_left[k] == goes_left.sum()


def _model_arrays(model):
    ensemble = model._ensemble
    return ensemble, ensemble.flat()  # also lays out the prediction arrays


@pytest.mark.parametrize("max_depth", [1, 3, 6])
def test_complete_tree_kernel_equals_the_node_walk(max_depth):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 5))
    y = X[:, 0] * 2 + np.sin(X[:, 1] * 3) + (X[:, 2] > 0.5)
    X[rng.random(X.shape) < 0.1] = np.nan  # learned missing directions, both ways
    # min_child_weight and gamma leave shallow leaves above max_depth: padded paths
    model = GradientBoostingRegressor(n_estimators=15, max_depth=max_depth,
                                      min_child_weight=200, random_state=0).fit(X, y)
    ensemble, f = _model_arrays(model)
    depths = tree_depths(f["tree_offsets"], f["left"], f["right"])
    assert depths.max() == max_depth
    if max_depth > 1:  # some trees are not complete: leaves above the last level get padded
        assert (np.diff(f["tree_offsets"]) < 2 ** (depths + 1) - 1).any()
    assert ensemble._kernels.heap is not None
    Xq = rng.normal(size=(1000, 5))
    Xq[rng.random(Xq.shape) < 0.2] = np.nan
    walk = np.zeros((1000, 1))
    packed = pack_nodes(f["feature"], f["left"], f["right"], f["default_left"], f["is_cat"])
    predict_packed(Xq, f["tree_offsets"], f["tree_group"], packed, f["threshold"],
                   f["cat_start"], f["cat_count"], f["cat_left"], f["value"], 0, 15, walk)
    heap = np.zeros((1000, 1))
    predict_heap(Xq, depths, *heap_layout(f["tree_offsets"], depths, f["feature"],
                                          f["threshold"], f["left"], f["right"],
                                          f["default_left"], f["value"]),
                 f["tree_group"], 0, 15, heap)
    np.testing.assert_array_equal(heap, walk)  # same leaves, same summation order
    # a partial range of trees, as staged prediction uses it
    part_walk = np.zeros((1000, 1))
    predict_packed(Xq, f["tree_offsets"], f["tree_group"], packed, f["threshold"],
                   f["cat_start"], f["cat_count"], f["cat_left"], f["value"], 4, 9, part_walk)
    part = np.zeros((1000, 1))
    ensemble.predict_raw(Xq, part, 4, 9)
    np.testing.assert_array_equal(part, part_walk)


def test_deep_or_categorical_models_take_the_node_walk():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(4000, 3))
    y = X[:, 0] + X[:, 1] ** 2
    deep = GradientBoostingRegressor(n_estimators=3, max_depth=0, max_leaves=200,
                                     grow_policy="lossguide", random_state=0).fit(X, y)
    ensemble, f = _model_arrays(deep)
    assert tree_depths(f["tree_offsets"], f["left"], f["right"]).max() > 10
    assert ensemble._kernels.heap is None
    Xc = X.copy()
    Xc[:, 2] = rng.integers(0, 6, 4000)
    yc = 5.0 * np.isin(Xc[:, 2], [1, 3, 4]) + 0.1 * X[:, 0]
    categorical = GradientBoostingRegressor(n_estimators=3, max_depth=3,
                                            categorical_features=[2]).fit(Xc, yc)
    assert categorical._ensemble.flat()["is_cat"].any()
    assert categorical._ensemble._kernels.heap is None
