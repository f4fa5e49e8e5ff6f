"""ONNX export of every numeru-trees model (``nm.onnx.export``), learned NaN routing kept.

The trees become one ``ai.onnx.ml`` (opset 3) ``TreeEnsembleRegressor`` node: thresholds,
leaf values and base scores are double tensors (the ``*_as_tensor`` attributes), the
ensemble reads a double input and sums in double, so every row takes the path it takes in
numeru. A split sends ``x <= threshold`` left (``BRANCH_LEQ``, true = left) and a NaN where
it was learned to go (``nodes_missing_value_tracks_true``). Standard ops finish the job:
sigmoid / softmax / exp for the objective, ``ArgMax`` and ``Gather`` for class labels.

- Exact trees and forests read float32 features (as scikit-learn's, and numeru's, do): the
  graph rounds a double input to float32 and widens it back, so a value between a float32
  and the double threshold goes the same way as in numeru. Forests average their trees
  (``aggregate_function="AVERAGE"``).
- Boosting reads float64 features; categorical splits send category ``c`` (``c <= x < c+1``)
  left when it is in the split's set, other values right. ML opset 3 has no set membership,
  so the set becomes a chain of ``x < boundary`` nodes, one per boundary between a run of
  left categories and a run of right ones, each sending its run to the shared left or right
  subtree: exact for every input value, NaN included.
- Outputs: regressors ``variable`` (N,); classifiers ``label`` (N,) with ``classes_``'s
  values and ``probabilities`` (N, n_classes), as skl2onnx with ``zipmap=False``. The
  ``TreeEnsembleClassifier`` op is not used: onnxruntime labels two-class models by the sign
  of the second score, not by the larger probability. TreeEnsemble outputs are float32, so
  results equal numeru's up to float32 rounding of the final value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core.errors import ValidationError, expected

ML_OPSET = 3
MIN_OPSET = 15  # the ai.onnx release that came with ai.onnx.ml 3


class _Nodes:
    """The node and leaf attributes of one TreeEnsembleRegressor, gathered tree by tree."""

    def __init__(self) -> None:
        self.nodes: dict[str, list[np.ndarray]] = {k: [] for k in (
            "tree", "id", "feature", "mode", "value", "true", "false", "missing")}
        self.leaves: dict[str, list[np.ndarray]] = {k: [] for k in (
            "tree", "id", "target", "weight")}

    def add_nodes(self, tree: int, ids, feature, modes, values, true, false, missing) -> None:
        ids = np.asarray(ids, np.int64)
        for key, array in (("tree", np.full(ids.shape, tree, np.int64)), ("id", ids),
                           ("feature", feature), ("mode", np.asarray(modes, object)),
                           ("value", values), ("true", true), ("false", false),
                           ("missing", missing)):
            self.nodes[key].append(np.asarray(array))

    def add_leaves(self, tree: int, ids, targets, weights) -> None:
        ids = np.asarray(ids, np.int64)
        self.leaves["tree"].append(np.full(ids.shape, tree, np.int64))
        self.leaves["id"].append(ids)
        self.leaves["target"].append(np.asarray(targets, np.int64))
        self.leaves["weight"].append(np.asarray(weights, np.float64))

    def operator(self, inputs: str, output: str, n_targets: int, aggregate: str,
                 base_values: np.ndarray | None = None) -> Any:
        from onnx import helper, numpy_helper

        n = {k: np.concatenate(v) for k, v in self.nodes.items()}
        leaf = {k: np.concatenate(v) for k, v in self.leaves.items()}
        attributes: dict[str, Any] = dict(
            n_targets=int(n_targets), aggregate_function=aggregate,
            nodes_treeids=n["tree"].tolist(), nodes_nodeids=n["id"].tolist(),
            nodes_featureids=n["feature"].astype(np.int64).tolist(),
            nodes_modes=n["mode"].tolist(),
            nodes_values_as_tensor=numpy_helper.from_array(
                n["value"].astype(np.float64), "nodes_values"),
            nodes_truenodeids=n["true"].astype(np.int64).tolist(),
            nodes_falsenodeids=n["false"].astype(np.int64).tolist(),
            nodes_missing_value_tracks_true=n["missing"].astype(np.int64).tolist(),
            target_treeids=leaf["tree"].tolist(), target_nodeids=leaf["id"].tolist(),
            target_ids=leaf["target"].tolist(),
            target_weights_as_tensor=numpy_helper.from_array(leaf["weight"], "target_weights"))
        if base_values is not None:
            attributes["base_values_as_tensor"] = numpy_helper.from_array(
                np.asarray(base_values, np.float64), "base_values")
        return helper.make_node("TreeEnsembleRegressor", [inputs], [output],
                                domain="ai.onnx.ml", name="trees", **attributes)


# -- exact trees and forests -------------------------------------------------------------------
def export_exact(model: Any, *, sample_input: np.ndarray | None, opset: int) -> Any:
    """Decision trees, random forests and extra-trees (the exact, float32 family)."""
    trees = [model.tree_] if hasattr(model, "tree_") else [e.tree_ for e in model.estimators_]
    classifier = bool(model._is_classifier)
    table = _Nodes()
    for t, tree in enumerate(trees):
        left, right = tree.children_left, tree.children_right
        leaf = left < 0
        ids = np.arange(tree.node_count)
        table.add_nodes(t, ids, np.where(leaf, 0, tree.feature),
                        np.where(leaf, "LEAF", "BRANCH_LEQ"),
                        np.where(leaf, 0.0, tree.threshold), np.where(leaf, 0, left),
                        np.where(leaf, 0, right), ~leaf & tree.missing_go_to_left)
        values = tree.value[leaf, 0, :]
        rows, targets = np.nonzero(values) if classifier else (np.arange(values.shape[0]),
                                                               np.zeros(values.shape[0], int))
        table.add_leaves(t, ids[leaf][rows], targets, values[rows, targets])
    width = len(model.classes_) if classifier else 1
    graph = _Graph(model, sample_input, opset)
    # numeru reads these features as float32: round a double input the same way
    features = graph.cast(graph.cast("X", "FLOAT"), "DOUBLE") if graph.double_input else (
        graph.cast("X", "DOUBLE"))
    if classifier:
        graph.nodes.append(table.operator(features, "probabilities", width, "AVERAGE"))
        graph.classify()
    else:
        graph.nodes.append(table.operator(features, "scores", width, "AVERAGE"))
        graph.flatten("scores", "variable")
    return graph.model(regression=not classifier, width=width)


# -- gradient boosting -------------------------------------------------------------------------
def export_boosting(model: Any, *, sample_input: np.ndarray | None, opset: int) -> Any:
    """Gradient boosting (regressor and classifier), categorical splits included."""
    flat = model._ensemble.flat()
    _, end = model._n_trees(None)  # the trees predict uses (best_iteration_ with early stopping)
    table = _Nodes()
    for t in range(end):
        _boosting_tree(table, t, flat, int(flat["tree_offsets"][t]),
                       int(flat["tree_offsets"][t + 1]))
    groups = int(model.n_groups_)
    graph = _Graph(model, sample_input, opset)
    features = "X" if graph.double_input else graph.cast("X", "DOUBLE")
    graph.nodes.append(table.operator(features, "raw", groups, "SUM",
                                      np.asarray(model.base_score_, np.float64)))
    if model._is_classifier:
        if groups == 1:  # logistic: P(class 1) = sigmoid(raw), P(class 0) = 1 - that
            p = graph.op("Sigmoid", ["raw"])
            graph.initializer("one", np.ones(1, np.float32))
            graph.nodes.append(_node("Concat", [graph.op("Sub", ["one", p]), p],
                                     ["probabilities"], axis=1))
        else:
            graph.nodes.append(_node("Softmax", ["raw"], ["probabilities"], axis=1))
        graph.classify()
    else:
        name = model._objective.name
        if name == "poisson":  # log link
            graph.nodes.append(_node("Exp", [graph.flatten("raw", None)], ["variable"]))
        else:  # squared/absolute error, huber and callables predict the raw score
            graph.flatten("raw", "variable")
    return graph.model(regression=not model._is_classifier, width=len(
        getattr(model, "classes_", [0])))


def _boosting_tree(table: _Nodes, t: int, flat: dict[str, np.ndarray], a: int, b: int) -> None:
    """Tree t's nodes (flat rows a..b-1); a categorical node becomes a chain of nodes, the
    first keeping its id and the others numbered from b - a up. Nodes are listed by id:
    onnxruntime takes the first node of a tree as its root."""
    left, right = flat["left"][a:b], flat["right"][a:b]
    feature, default_left = flat["feature"][a:b], flat["default_left"][a:b]
    leaf = left < 0
    categorical = ~leaf & flat["is_cat"][a:b]
    ids = np.arange(b - a)
    columns = [ids, np.where(leaf, 0, feature),
               np.where(leaf, "LEAF", "BRANCH_LEQ").astype(object),
               np.where(leaf, 0.0, flat["threshold"][a:b]), np.where(leaf, 0, left),
               np.where(leaf, 0, right), ~leaf & default_left]
    extra: list[tuple] = []
    for i in np.flatnonzero(categorical).tolist():
        p = a + i
        start, count = int(flat["cat_start"][p]), int(flat["cat_count"][p])
        chain = _category_chain(flat["cat_left"][start:start + count], bool(default_left[i]))
        chain_ids = [i] + [b - a + len(extra) + k for k in range(len(chain) - 1)]
        child = {True: int(left[i]), False: int(right[i])}
        for k, (mode, bound, goes_left, nan_true) in enumerate(chain):
            false = chain_ids[k + 1] if k + 1 < len(chain) else child[False]
            node = (chain_ids[k], feature[i], mode, bound, child[goes_left], false, nan_true)
            if k == 0:
                for column, value in zip(columns, node, strict=True):
                    column[i] = value
            else:
                extra.append(node)
    if extra:
        columns = [np.concatenate([column, np.array([node[j] for node in extra],
                                                    dtype=column.dtype)])
                   for j, column in enumerate(columns)]
    table.add_nodes(t, *columns)
    leaves = np.flatnonzero(leaf)
    table.add_leaves(t, leaves, np.full(leaves.size, flat["tree_group"][t]),
                     flat["value"][a:b][leaves])


def _category_chain(goes_left: np.ndarray, nan_left: bool) -> list[tuple[str, float, bool, bool]]:
    """(mode, threshold, true branch goes left?, NaN takes the true branch?) per chain node.

    numeru sends x left when ``0 <= x < count`` and category ``int(x)`` is in the set: over
    the real line that is a run of intervals. Node k asks ``x < boundary_k`` (true: the run
    below the boundary; false: the next node, then the run above the last boundary, which is
    ``x >= count``: right). A NaN fails every comparison and ends on the right, unless it
    was learned to go left: then the first node whose true branch is left takes it there.
    Onnxruntime accepts a child shared by several true branches (the false child of a node
    must be its own), which is how the chain reaches the two subtrees.
    """
    sides = [False] + [bool(v) for v in goes_left] + [False]  # (-inf,0), [0,1), ..., [count,inf)
    chain: list[tuple[str, float, bool, bool]] = []
    for boundary in range(len(goes_left) + 1):
        if sides[boundary] != sides[boundary + 1]:
            chain.append(("BRANCH_LT", float(boundary), sides[boundary], False))
    if not chain:  # no category goes left: only a NaN can, when it learned to
        return [("BRANCH_GT", float("inf"), True, nan_left)]
    if nan_left:
        k = next(k for k, node in enumerate(chain) if node[2])
        chain[k] = (*chain[k][:3], True)
    return chain


# -- the graph around the trees ----------------------------------------------------------------
def _node(op: str, inputs: list[str], outputs: list[str], **attributes: Any) -> Any:
    from onnx import helper

    return helper.make_node(op, inputs, outputs, **attributes)


class _Graph:
    """Input X (float64, or float32 when the sample input is), the nodes and initializers."""

    def __init__(self, model: Any, sample_input: np.ndarray | None, opset: int) -> None:
        if opset < MIN_OPSET:
            raise expected("opset", f"{MIN_OPSET} or newer for numeru-trees models (the "
                           "ai.onnx release that came with ai.onnx.ml 3)", opset)
        self.model_obj = model
        self.opset = opset
        self.double_input = sample_input is None or sample_input.dtype != np.float32
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def _name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def op(self, op: str, inputs: list[str], **attributes: Any) -> str:
        out = self._name(op.lower())
        self.nodes.append(_node(op, inputs, [out], **attributes))
        return out

    def cast(self, name: str, to: str) -> str:
        from onnx import TensorProto

        return self.op("Cast", [name], to=getattr(TensorProto, to))

    def initializer(self, name: str, array: np.ndarray) -> None:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(array, name))

    def flatten(self, name: str, out: str | None) -> str:
        """(N, 1) -> (N,)."""
        if not any(i.name == "flat_shape" for i in self.initializers):
            self.initializer("flat_shape", np.array([-1], np.int64))
        out = out or self._name("flat")
        self.nodes.append(_node("Reshape", [name, "flat_shape"], [out]))
        return out

    def classify(self) -> None:
        """``label`` = classes_[argmax(probabilities)] (the first of equal ones, as NumPy)."""
        self.initializers.append(_classes_tensor(self.model_obj.classes_))
        best = self.op("ArgMax", ["probabilities"], axis=1, keepdims=0)
        self.nodes.append(_node("Gather", ["classes", best], ["label"], axis=0))

    def model(self, *, regression: bool, width: int) -> Any:
        from onnx import TensorProto, helper

        n_features = int(self.model_obj.n_features_in_)
        x_type = TensorProto.DOUBLE if self.double_input else TensorProto.FLOAT
        inputs = [helper.make_tensor_value_info("X", x_type, ["N", n_features])]
        if regression:
            outputs = [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N"])]
        else:
            label_type = next(i for i in self.initializers if i.name == "classes").data_type
            outputs = [helper.make_tensor_value_info("label", label_type, ["N"]),
                       helper.make_tensor_value_info("probabilities", TensorProto.FLOAT,
                                                     ["N", width])]
        name = type(self.model_obj).__name__
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        opsets = [helper.make_opsetid("", self.opset), helper.make_opsetid("ai.onnx.ml",
                                                                           ML_OPSET)]
        return helper.make_model(graph, opset_imports=opsets, doc_string=f"numeru-trees {name}",
                                 ir_version=helper.find_min_ir_version_for(opsets))


def _classes_tensor(classes: np.ndarray) -> Any:
    from onnx import TensorProto, helper, numpy_helper

    classes = np.asarray(classes)
    if classes.dtype.kind in "biuf":
        return numpy_helper.from_array(np.ascontiguousarray(classes), "classes")
    if classes.dtype.kind in "UO" and all(isinstance(c, str) for c in classes.tolist()):
        return helper.make_tensor("classes", TensorProto.STRING, [classes.shape[0]],
                                  [c.encode("utf-8") for c in classes.tolist()])
    raise expected("classes_", "class labels ONNX can hold (numbers, bools or strings)",
                   classes.tolist()[:5], error=ValidationError)
