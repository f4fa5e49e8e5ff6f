"""A sequence of fitted trees in flat node arrays, with compiled prediction and .nmr state."""

from __future__ import annotations

import numpy as np

from ._kernels.heap_predict import MAX_DEPTH as HEAP_MAX_DEPTH
from ._kernels.heap_predict import heap_layout, predict_heap, tree_depths
from ._kernels.predict import apply_trees, pack_nodes, predict_packed
from ._kernels.threads import restore_threads, use_threads_for

_NODE_FIELDS = {
    "feature": np.int32, "threshold": np.float64, "left": np.int32, "right": np.int32,
    "default_left": np.bool_, "is_cat": np.bool_, "cat_start": np.int64,
    "cat_count": np.int64, "value": np.float64, "gain": np.float64, "cover": np.float64,
}


class TreeEnsemble:
    """Trees appended one by one; flattened lazily for the prediction kernels."""

    def __init__(self):
        self._trees: list[dict[str, np.ndarray]] = []
        self._groups: list[int] = []
        self._flat: dict[str, np.ndarray] | None = None
        self._kernels: _PredictArrays | None = None  # set with _flat

    def __len__(self) -> int:
        return len(self._trees)

    def append(self, grown, group: int) -> None:
        n = len(grown.value)
        tree: dict[str, np.ndarray] = {
            name: np.array(getattr(grown, name) if hasattr(grown, name) else np.zeros(n),
                               dtype=dtype) for name, dtype in _NODE_FIELDS.items()
                if name not in ("cat_start", "cat_count")}
        cat_count = np.zeros(n, np.int64)
        cat_start = np.zeros(n, np.int64)
        pieces, offset = [], 0
        for i, cats in enumerate(grown.cat_left):
            if cats is not None:
                cat_start[i] = offset
                cat_count[i] = cats.shape[0]
                pieces.append(np.asarray(cats, np.bool_))
                offset += cats.shape[0]
        tree["cat_start"] = cat_start
        tree["cat_count"] = cat_count
        tree["cat_left"] = np.concatenate(pieces) if pieces else np.zeros(0, np.bool_)
        self._trees.append(tree)
        self._groups.append(int(group))
        self._flat = None

    def truncate(self, n_trees: int) -> None:
        del self._trees[n_trees:]
        del self._groups[n_trees:]
        self._flat = None

    def tree(self, t: int) -> dict[str, np.ndarray]:
        return self._trees[t]

    def flat(self) -> dict[str, np.ndarray]:
        """Every tree's node arrays concatenated (the .nmr state), built once per change."""
        return self._layout()[0]

    def _layout(self) -> tuple[dict[str, np.ndarray], _PredictArrays]:
        if self._flat is None or self._kernels is None:
            self._flat = _flatten(self._trees, self._groups)
            self._kernels = _PredictArrays(self._flat)
        return self._flat, self._kernels

    def predict_raw(self, X: np.ndarray, out: np.ndarray, begin: int = 0,
                    end: int | None = None) -> np.ndarray:
        """Add the leaf values of trees ``begin..end`` to ``out`` (shape (n, groups))."""
        end = len(self._trees) if end is None else end
        if end <= begin:
            return out
        if self._flat is None and (begin, end) != (0, len(self._trees)):
            # a fit scoring its newest trees: flatten only those, not the whole ensemble
            # again every round
            flat = _flatten(self._trees[begin:end], self._groups[begin:end])
            kernels, begin, end = _PredictArrays(flat), 0, end - begin
        else:
            flat, kernels = self._layout()
        use_threads_for(X.shape[0] * (end - begin) * 8)
        kernels.predict(X, flat, begin, end, out)
        return out

    def apply(self, X: np.ndarray) -> np.ndarray:
        f = self.flat()
        out = np.empty((X.shape[0], len(self._trees)), np.int64)
        previous = use_threads_for(X.shape[0] * len(self._trees) * 8)
        apply_trees(X, f["tree_offsets"], f["feature"], f["threshold"], f["left"], f["right"],
                    f["default_left"], f["is_cat"], f["cat_start"], f["cat_count"],
                    f["cat_left"], out)
        restore_threads(previous)
        return out

    # -- .nmr state: flat arrays only -------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        f = self.flat()
        return {name: np.ascontiguousarray(v) for name, v in f.items()}

    @classmethod
    def from_state(cls, state: dict) -> TreeEnsemble:
        ens = cls()
        offsets = np.asarray(state["tree_offsets"], np.int64)
        groups = np.asarray(state["tree_group"], np.int64)
        cat_left = np.asarray(state["cat_left"], np.bool_)
        for t in range(offsets.shape[0] - 1):
            a, b = offsets[t], offsets[t + 1]
            tree: dict[str, np.ndarray] = {name: np.asarray(state[name], dtype)[a:b].copy()
                                           for name, dtype in _NODE_FIELDS.items()}
            counts = tree["cat_count"]
            if counts.any():
                base = tree["cat_start"][counts > 0].min()
                end = (tree["cat_start"] + counts).max()
                tree["cat_left"] = cat_left[base:end].copy()
                tree["cat_start"] = np.where(counts > 0, tree["cat_start"] - base, 0)
            else:
                tree["cat_left"] = np.zeros(0, np.bool_)
            ens._trees.append(tree)
            ens._groups.append(int(groups[t]))
        return ens


def _flatten(trees: list[dict[str, np.ndarray]], groups: list[int]) -> dict[str, np.ndarray]:
    """The node arrays of ``trees`` concatenated; child indices stay local to their tree."""
    sizes = [len(t["value"]) for t in trees]
    flat = {"tree_offsets": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            "tree_group": np.array(groups, np.int64)}
    cat_base = 0
    starts = []
    for t in trees:
        starts.append(t["cat_start"] + cat_base)
        cat_base += t["cat_left"].shape[0]
    for name, dtype in _NODE_FIELDS.items():
        parts = starts if name == "cat_start" else [t[name] for t in trees]
        flat[name] = np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
    flat["cat_left"] = (np.concatenate([t["cat_left"] for t in trees]) if trees
                        else np.zeros(0, np.bool_))
    if flat["cat_left"].size == 0:
        flat["cat_left"] = np.zeros(1, np.bool_)  # numba needs a non-empty buffer
    return flat


class _PredictArrays:
    """What the prediction kernels read besides the flat arrays: packed node rows for the
    node walk and, where the model allows it, the complete-tree layout (``heap_predict``)."""

    def __init__(self, flat: dict[str, np.ndarray]):
        self.packed = pack_nodes(flat["feature"], flat["left"], flat["right"],
                                 flat["default_left"], flat["is_cat"])
        depths = tree_depths(flat["tree_offsets"], flat["left"], flat["right"])
        self.heap: tuple | None = None
        if not flat["is_cat"].any() and not (depths.size and depths.max() > HEAP_MAX_DEPTH):
            self.heap = (depths, *heap_layout(flat["tree_offsets"], depths, flat["feature"],
                                              flat["threshold"], flat["left"], flat["right"],
                                              flat["default_left"], flat["value"]))

    def predict(self, X, flat, begin, end, out) -> None:
        if self.heap is not None:
            depths, splits, leaves, feature, threshold, missing_left, value = self.heap
            predict_heap(X, depths, splits, leaves, feature, threshold, missing_left, value,
                         flat["tree_group"], begin, end, out)
        else:
            predict_packed(X, flat["tree_offsets"], flat["tree_group"], self.packed,
                           flat["threshold"], flat["cat_start"], flat["cat_count"],
                           flat["cat_left"], flat["value"], begin, end, out)
