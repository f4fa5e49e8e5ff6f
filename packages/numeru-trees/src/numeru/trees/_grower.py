"""Growth of one histogram tree from gradients and hessians (the core of gradient boosting).

Depth-wise growth expands a whole level per step, in two batched kernel calls: the row
partition, then ``grow_level`` (histograms of the smaller children, the larger child's as the
parent's minus the smaller one's -- the subtraction trick -- and the split search).
Loss-guided growth expands the leaf with the largest gain first until ``max_leaves``.
Everything here is deterministic: node order is fixed and the kernels reduce in a fixed
order.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from ._kernels.histogram import N_BINS, build_histograms
from ._kernels.level import grow_level
from ._kernels.partition import partition_rows
from ._kernels.split import find_splits, leaf_weight, pick_best_feature
from ._kernels.threads import use_threads_for

_MIN_GAIN = np.float32(1e-6)  # XGBoost's kRtEps (src/tree/param.h)


@dataclass
class GrowParams:
    learning_rate: float
    max_depth: int  # 0: unlimited
    max_leaves: int  # 0: unlimited
    grow_policy: str  # "depthwise" or "lossguide"
    reg_lambda: float
    reg_alpha: float
    gamma: float
    min_child_weight: float
    cat_smooth: float = 10.0
    max_cat_to_onehot: int = 4
    # XGBoost's max_delta_step: leaf weights (before learning_rate) kept in [-step, step];
    # 0 means none. Applied as the root's weight bounds, which monotone bounds nest inside.
    max_delta_step: float = 0.0


@dataclass
class _Node:
    index: int
    start: int
    end: int
    G: float
    H: float
    lower: float
    upper: float
    depth: int
    store: np.ndarray | None = None  # the histogram array holding this node's histogram
    slot: int = -1  # its index in ``store``
    gain: float = -np.inf
    used: int = -1  # position in the used-feature list of the best split
    split_bin: int = -1
    default_left: bool = False
    left_G: float = 0.0
    left_H: float = 0.0
    cat_left: np.ndarray | None = None


@dataclass
class GrownTree:
    """Node arrays of one tree (node 0 is the root; ``left == -1`` marks a leaf)."""

    feature: list = field(default_factory=list)
    split_bin: list = field(default_factory=list)
    threshold: list = field(default_factory=list)
    default_left: list = field(default_factory=list)
    is_cat: list = field(default_factory=list)
    cat_left: list = field(default_factory=list)
    left: list = field(default_factory=list)
    right: list = field(default_factory=list)
    value: list = field(default_factory=list)
    gain: list = field(default_factory=list)
    cover: list = field(default_factory=list)
    leaf_segments: list = field(default_factory=list)  # (node, start, end) in the row order

    def add(self, value: float, cover: float) -> int:
        self.feature.append(-1)
        self.split_bin.append(-1)
        self.threshold.append(np.nan)
        self.default_left.append(False)
        self.is_cat.append(False)
        self.cat_left.append(None)
        self.left.append(-1)
        self.right.append(-1)
        self.value.append(value)
        self.gain.append(0.0)
        self.cover.append(cover)
        return len(self.value) - 1


class HistogramGrower:
    """Grows trees on fixed binned data; one instance serves every round of a fit."""

    def __init__(self, bins, n_bins, cuts, is_cat, monotone, params: GrowParams):
        self.bins = bins  # row-major: histograms read whole rows
        self.bins_t = np.ascontiguousarray(bins.T)  # feature-major: partitions read a column
        self.n_bins = n_bins
        self.cuts = cuts
        self.is_cat = is_cat
        self.monotone = monotone
        self.p = params
        self.scratch = np.empty((2, bins.shape[0]), np.int64)

    # -- kernels on batches of nodes -------------------------------------------------------
    def _split_search(self, nodes, features):
        """Node statistics and empty outputs of a split search over ``nodes`` (their order is
        the histogram store's slot order): the arguments after the histograms that
        ``find_splits`` and ``grow_level`` share."""
        p = self.p
        k, used = len(nodes), features.shape[0]
        outputs = (np.empty((k, used)), np.empty((k, used), np.int64),
                   np.empty((k, used), np.bool_), np.empty((k, used)), np.empty((k, used)),
                   np.empty((k, used, N_BINS), np.bool_))
        stats = tuple(np.array([getattr(n, name) for n in nodes])
                      for name in ("G", "H", "lower", "upper"))
        return (*stats, self.n_bins, self.is_cat, self.monotone, p.reg_lambda, p.reg_alpha,
                p.min_child_weight, p.cat_smooth, p.max_cat_to_onehot, *outputs)

    def _take_best_splits(self, nodes, features, search):
        """Each node's best split over the used features, from a finished split search."""
        gain, split_bin, default_left, left_G, left_H, cat_left = search[-6:]
        best = pick_best_feature(gain)
        for i, node in enumerate(nodes):
            j = best[i]
            if j < 0:
                continue
            node.gain = float(gain[i, j])
            node.used = int(j)
            node.split_bin = int(split_bin[i, j])
            node.default_left = bool(default_left[i, j])
            node.left_G = float(left_G[i, j])
            node.left_H = float(left_H[i, j])
            f = features[j]
            node.cat_left = cat_left[i, j, : self.n_bins[f]].copy() if self.is_cat[f] else None

    def _can_split(self, node) -> bool:
        # XGBoost's rule (hist updater, ExpandEntry::IsValid): the loss change, kept as a
        # float32, must exceed kRtEps = 1e-6 and be at least min_split_loss (gamma), so a
        # split whose gain only rounding makes positive is not taken, and gain == gamma is.
        p = self.p
        gain = np.float32(node.gain)
        return (bool(gain > _MIN_GAIN and gain >= np.float32(p.gamma))
                and (p.max_depth <= 0 or node.depth < p.max_depth))

    def _weight(self, G, H, lower, upper) -> float:
        return float(leaf_weight(G, H, self.p.reg_lambda, self.p.reg_alpha, lower, upper))

    def _expand(self, tree, nodes, order, gh, features):
        """Split ``nodes`` (their best splits are known); returns their children, whose
        histograms (unless they are at max_depth) and best splits are computed."""
        feats = np.array([features[n.used] for n in nodes], np.int64)
        cat_rows = np.zeros((len(nodes), N_BINS), np.bool_)
        for i, n in enumerate(nodes):
            if n.cat_left is not None:
                cat_rows[i, : n.cat_left.shape[0]] = n.cat_left
        use_threads_for(sum(n.end - n.start for n in nodes))
        n_left = partition_rows(
            self.bins_t, order, self.scratch, np.array([n.start for n in nodes], np.int64),
            np.array([n.end for n in nodes], np.int64), feats,
            np.array([n.split_bin for n in nodes], np.int64),
            np.array([n.default_left for n in nodes], np.bool_), self.is_cat[feats], cat_rows)
        children = []
        for i, n in enumerate(nodes):
            f = int(feats[i])
            GL, HL = n.left_G, n.left_H
            GR, HR = n.G - GL, n.H - HL
            lo_l = lo_r = n.lower
            up_l = up_r = n.upper
            m = self.monotone[f]
            if m != 0:
                wl = self._weight(GL, HL, n.lower, n.upper)
                wr = self._weight(GR, HR, n.lower, n.upper)
                mid = (wl + wr) / 2.0
                if m > 0:
                    up_l, lo_r = mid, mid
                else:
                    lo_l, up_r = mid, mid
            mid_row = n.start + int(n_left[i])
            li = tree.add(self._weight(GL, HL, lo_l, up_l) * self.p.learning_rate, HL)
            ri = tree.add(self._weight(GR, HR, lo_r, up_r) * self.p.learning_rate, HR)
            idx = n.index
            tree.feature[idx] = f
            tree.split_bin[idx] = n.split_bin
            tree.is_cat[idx] = bool(self.is_cat[f])
            tree.cat_left[idx] = n.cat_left
            tree.threshold[idx] = (np.nan if self.is_cat[f] else
                                   float(self.cuts[f][n.split_bin]))
            tree.default_left[idx] = n.default_left
            tree.left[idx], tree.right[idx] = li, ri
            tree.gain[idx] = n.gain
            children += [_Node(li, n.start, mid_row, GL, HL, lo_l, up_l, n.depth + 1),
                         _Node(ri, mid_row, n.end, GR, HR, lo_r, up_r, n.depth + 1)]
        if self.p.max_depth > 0 and children[0].depth >= self.p.max_depth:
            return children  # leaves for sure: no histograms needed
        # one store for all children: build the smaller of each pair, subtract for the other
        store = np.empty((len(children), features.shape[0], N_BINS), np.complex128)
        small, small_slots, large_slots, parent_slots = [], [], [], []
        for i, n in enumerate(nodes):
            lnode, rnode = children[2 * i], children[2 * i + 1]
            lnode.store = rnode.store = store
            lnode.slot, rnode.slot = 2 * i, 2 * i + 1
            left_smaller = lnode.end - lnode.start <= rnode.end - rnode.start
            small.append(lnode if left_smaller else rnode)
            small_slots.append(2 * i if left_smaller else 2 * i + 1)
            large_slots.append(2 * i + 1 if left_smaller else 2 * i)
            parent_slots.append(n.slot)
        search = self._split_search(children, features)
        use_threads_for(sum(c.end - c.start for c in small) * features.shape[0])
        grow_level(self.bins, order, gh, features, np.array([c.start for c in small], np.int64),
                   np.array([c.end for c in small], np.int64), nodes[0].store,
                   np.array(parent_slots, np.int64), store, np.array(small_slots, np.int64),
                   np.array(large_slots, np.int64), *search)
        for n in nodes:
            n.store = None  # the parents' histograms are no longer needed
        self._take_best_splits(children, features, search)
        return children

    # -- growth policies ---------------------------------------------------------------------
    def grow(self, order, gh, features) -> GrownTree:
        """Grow one tree on the rows ``order`` (modified: rows end grouped by leaf) from the
        gradients and hessians ``gh`` (complex128: gradient + 1j * hessian)."""
        tree = GrownTree()
        step = self.p.max_delta_step if self.p.max_delta_step > 0 else np.inf
        root = _Node(0, 0, order.shape[0], 0.0, 0.0, -step, step, 0)
        root.store = np.empty((1, features.shape[0], N_BINS), np.complex128)
        root.slot = 0
        use_threads_for(order.shape[0] * features.shape[0])
        build_histograms(self.bins, order, np.array([0], np.int64),
                         np.array([order.shape[0]], np.int64), gh, features, root.store,
                         np.array([0], np.int64))
        root.G = float(root.store[0, 0].real.sum())
        root.H = float(root.store[0, 0].imag.sum())
        tree.add(self._weight(root.G, root.H, root.lower, root.upper) * self.p.learning_rate,
                 root.H)
        search = self._split_search([root], features)
        use_threads_for(features.shape[0] * N_BINS)
        find_splits(root.store, features, *search)
        self._take_best_splits([root], features, search)
        leaves: list[_Node] = []
        if self.p.grow_policy == "lossguide":
            self._grow_lossguide(tree, root, order, gh, features, leaves)
        else:
            self._grow_depthwise(tree, root, order, gh, features, leaves)
        tree.leaf_segments = [(n.index, n.start, n.end) for n in leaves]
        return tree

    def _grow_depthwise(self, tree, root, order, gh, features, leaves):
        level = [root]
        n_leaves = 1
        max_leaves = self.p.max_leaves
        while level:
            expand = []
            for node in level:
                if self._can_split(node) and (max_leaves <= 0 or n_leaves < max_leaves):
                    expand.append(node)
                    n_leaves += 1
                else:
                    node.store = None
                    leaves.append(node)
            if not expand:
                break
            level = self._expand(tree, expand, order, gh, features)

    def _grow_lossguide(self, tree, root, order, gh, features, leaves):
        max_leaves = self.p.max_leaves if self.p.max_leaves > 0 else np.iinfo(np.int64).max
        heap = [(-root.gain, root.index, root)]
        n_leaves = 1
        while heap and n_leaves < max_leaves:
            _, _, node = heapq.heappop(heap)
            if not self._can_split(node):
                node.store = None
                leaves.append(node)
                continue
            for child in self._expand(tree, [node], order, gh, features):
                heapq.heappush(heap, (-child.gain, child.index, child))
            n_leaves += 1
        leaves.extend(entry[2] for entry in heap)
