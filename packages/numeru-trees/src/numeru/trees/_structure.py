"""``tree_``: the node arrays of one fitted exact decision tree (scikit-learn's layout).

Node 0 is the root; ``children_left[i] == -1`` marks a leaf (``feature`` and ``threshold`` are
then -2, as in scikit-learn). A row goes left when ``x[feature] <= threshold``; a NaN goes
where ``missing_go_to_left`` says. ``value`` holds class fractions (classifiers) or the mean /
median (regressors), shape (node_count, 1, n_classes or 1).
"""

from __future__ import annotations

import numpy as np

from ._kernels.exact_predict import exact_tree_apply, exact_tree_path, pack_tree
from ._kernels.threads import restore_threads, use_threads_for

_FIELDS = ("children_left", "children_right", "feature", "threshold", "impurity",
           "n_node_samples", "weighted_n_node_samples", "value", "missing_go_to_left")


class TreeStructure:
    """Arrays of one tree plus traversal (apply, decision path) and cost-complexity pruning."""

    def __init__(self, children_left, children_right, feature, threshold, impurity,
                 n_node_samples, weighted_n_node_samples, value, missing_go_to_left):
        self.children_left = np.asarray(children_left, np.int64)
        self.children_right = np.asarray(children_right, np.int64)
        self.feature = np.asarray(feature, np.int64)
        self.threshold = np.asarray(threshold, np.float64)
        self.impurity = np.asarray(impurity, np.float64)
        self.n_node_samples = np.asarray(n_node_samples, np.int64)
        self.weighted_n_node_samples = np.asarray(weighted_n_node_samples, np.float64)
        self.value = np.asarray(value, np.float64)
        self.missing_go_to_left = np.asarray(missing_go_to_left, np.bool_)

    @property
    def node_count(self) -> int:
        return int(self.children_left.shape[0])

    @property
    def n_leaves(self) -> int:
        return int(np.sum(self.children_left < 0))

    @property
    def max_depth(self) -> int:
        return int(self.node_depths().max())

    def node_depths(self) -> np.ndarray:
        depth = np.zeros(self.node_count, np.int64)
        for node in range(self.node_count):  # parents always precede children
            for child in (self.children_left[node], self.children_right[node]):
                if child >= 0:
                    depth[child] = depth[node] + 1
        return depth

    @property
    def packed(self) -> np.ndarray:
        """The nodes packed for traversal (``_kernels.exact_predict``), built once."""
        nodes = getattr(self, "_packed", None)
        if nodes is None:
            nodes = self._packed = pack_tree(self.children_left, self.children_right,
                                             self.feature, self.threshold,
                                             self.missing_go_to_left)
        return nodes

    @property
    def leaf_argmax(self) -> np.ndarray:
        """Index of the largest value of every node (the predicted class), built once."""
        best = getattr(self, "_argmax", None)
        if best is None:
            best = self._argmax = np.argmax(self.value[:, 0, :], axis=1)
        return best

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Leaf of each row; ``X`` is read as float32, as the tree was fitted."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        out = np.empty(X.shape[0], np.int64)
        nodes = self.packed
        previous = use_threads_for(X.shape[0] * 4)
        exact_tree_apply(X, nodes, nodes.view(np.float32), out)
        restore_threads(previous)
        return out

    def decision_path(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float32)
        out = np.zeros((X.shape[0], self.node_count), np.bool_)
        nodes = self.packed
        previous = use_threads_for(X.shape[0] * 4)
        exact_tree_path(X, nodes, nodes.view(np.float32), out)
        restore_threads(previous)
        return out

    def feature_importances(self, n_features: int) -> np.ndarray:
        """Weighted impurity decrease per feature, normalised to sum to 1 (as scikit-learn)."""
        imp = np.zeros(n_features)
        w = self.weighted_n_node_samples
        for node in np.flatnonzero(self.children_left >= 0):
            a, b = self.children_left[node], self.children_right[node]
            imp[self.feature[node]] += (w[node] * self.impurity[node] - w[a] * self.impurity[a]
                                        - w[b] * self.impurity[b])
        imp /= w[0]
        total = imp.sum()
        return imp / total if total > 0 else imp

    # -- minimal cost-complexity pruning -------------------------------------------------------
    def pruning_sequence(self) -> tuple[list[int], list[float], list[float]]:
        """Weakest-link pruning order: (pruned node, effective alpha, total leaf impurity)."""
        n = self.node_count
        left, right = self.children_left, self.children_right
        r_node = self.weighted_n_node_samples / self.weighted_n_node_samples[0] * self.impurity
        parent = np.full(n, -1, np.int64)
        for node in range(n):
            if left[node] >= 0:
                parent[left[node]] = node
                parent[right[node]] = node
        r_branch = np.where(left < 0, r_node, 0.0)
        n_leaves = (left < 0).astype(np.int64)
        for node in range(n - 1, -1, -1):  # children have larger indices than parents
            if left[node] >= 0:
                r_branch[node] = r_branch[left[node]] + r_branch[right[node]]
                n_leaves[node] = n_leaves[left[node]] + n_leaves[right[node]]
        active = left >= 0  # internal nodes still in the tree
        order, alphas, impurities = [], [0.0], [float(r_branch[0])]
        while active.any():
            candidates = np.flatnonzero(active)
            g = (r_node[candidates] - r_branch[candidates]) / (n_leaves[candidates] - 1)
            pick = int(np.argmin(g))
            node = int(candidates[pick])
            delta_r = r_node[node] - r_branch[node]
            delta_leaves = n_leaves[node] - 1
            # remove the node's subtree from the active set
            stack = [node]
            while stack:
                x = stack.pop()
                if left[x] >= 0:
                    active[x] = False
                    stack += [int(left[x]), int(right[x])]
            x = node
            r_branch[x] = r_node[x]
            n_leaves[x] = 1
            x = parent[x]
            while x >= 0:
                r_branch[x] += delta_r
                n_leaves[x] -= delta_leaves
                x = parent[x]
            order.append(node)
            alphas.append(float(max(g[pick], 0.0)))
            impurities.append(float(r_branch[0]))
        return order, alphas, impurities

    def pruned(self, ccp_alpha: float) -> TreeStructure:
        """The subtree left after pruning every weakest link with effective alpha <= ccp_alpha."""
        order, alphas, _ = self.pruning_sequence()
        leaves = set()
        for node, alpha in zip(order, alphas[1:], strict=True):
            if alpha > ccp_alpha:
                break
            leaves.add(node)
        # renumbered even when nothing is pruned, as scikit-learn rebuilds every tree with
        # ccp_alpha > 0: preorder, left subtree first (a best-first tree is numbered in
        # growth order until then)
        keep, stack = [], [0]
        while stack:
            node = stack.pop()
            keep.append(node)
            if self.children_left[node] >= 0 and node not in leaves:
                stack += [int(self.children_right[node]), int(self.children_left[node])]
        new_id = {old: i for i, old in enumerate(keep)}
        idx = np.array(keep)
        cl = np.array([new_id[self.children_left[o]] if o not in leaves and
                       self.children_left[o] >= 0 else -1 for o in keep], np.int64)
        cr = np.array([new_id[self.children_right[o]] if o not in leaves and
                       self.children_right[o] >= 0 else -1 for o in keep], np.int64)
        leaf = cl < 0
        return TreeStructure(cl, cr, np.where(leaf, -2, self.feature[idx]),
                             np.where(leaf, -2.0, self.threshold[idx]), self.impurity[idx],
                             self.n_node_samples[idx], self.weighted_n_node_samples[idx],
                             self.value[idx], np.where(leaf, False, self.missing_go_to_left[idx]))

    # -- .nmr --------------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        return {name: np.ascontiguousarray(getattr(self, name)) for name in _FIELDS}

    @classmethod
    def from_state(cls, state: dict) -> TreeStructure:
        return cls(**{name: np.asarray(state[name]) for name in _FIELDS})
