"""Text and matplotlib renderings of a fitted decision tree (scikit-learn's formats)."""

from __future__ import annotations

import numpy as np

from numeru.core.errors import expected


def _structure(decision_tree):
    tree = getattr(decision_tree, "tree_", None)
    if tree is None:
        raise expected("decision_tree", "a fitted DecisionTreeClassifier/Regressor",
                       type(decision_tree).__name__)
    return tree


def export_text(decision_tree, *, feature_names=None, class_names=None, max_depth=10,
                spacing=3, decimals=2, show_weights=False, show_missing=False) -> str:
    """The rules of a tree as text, in scikit-learn's format.

    ``show_missing=True`` appends ``(missing)`` to the branch that NaN values take, so the
    learned missing direction survives the export.
    """
    tree = _structure(decision_tree)
    n_features = decision_tree.n_features_in_
    if feature_names is not None and len(feature_names) != n_features:
        raise expected("feature_names", f"{n_features} names", len(feature_names))
    if spacing < 1:
        raise expected("spacing", "an int >= 1", spacing)
    if decimals < 0:
        raise expected("decimals", "an int >= 0", decimals)
    names = list(feature_names) if feature_names is not None else [
        f"feature_{i}" for i in range(n_features)]
    is_classifier = hasattr(decision_tree, "classes_")
    if is_classifier:
        classes = list(class_names) if class_names is not None else list(
            decision_tree.classes_)
    lines: list[str] = []

    def leaf_text(node, indent):
        v = tree.value[node, 0]
        if is_classifier:
            text = f" class: {classes[int(np.argmax(v))]}"
            if show_weights:
                weights = v * tree.weighted_n_node_samples[node]
                text = f" weights: [{', '.join(f'{x:.{decimals}f}' for x in weights)}]" + text
        else:
            text = f" value: [{v[0]:.{decimals}f}]"
        return f"{indent}{text}\n"

    def recurse(node, depth):
        indent = ("|" + " " * spacing) * depth
        indent = indent[:-spacing] + "-" * spacing
        if depth > max_depth + 1:
            sub = _subtree_depth(tree, node)
            lines.append(leaf_text(node, indent) if sub == 1 else
                         f"{indent} truncated branch of depth {sub}\n")
            return
        if tree.children_left[node] < 0:
            lines.append(leaf_text(node, indent))
            return
        name = names[tree.feature[node]]
        threshold = f"{tree.threshold[node]:.{decimals}f}"
        miss_left = bool(tree.missing_go_to_left[node])
        tag_left = " (missing)" if show_missing and miss_left else ""
        tag_right = " (missing)" if show_missing and not miss_left else ""
        lines.append(f"{indent} {name} <= {threshold}{tag_left}\n")
        recurse(tree.children_left[node], depth + 1)
        lines.append(f"{indent} {name} >  {threshold}{tag_right}\n")
        recurse(tree.children_right[node], depth + 1)

    recurse(0, 1)
    return "".join(lines)


def _subtree_depth(tree, node) -> int:
    """Depth of the subtree at ``node``, counting the node itself as 1 (scikit-learn's)."""
    left, right = tree.children_left[node], tree.children_right[node]
    if left < 0:
        return 1
    return 1 + max(_subtree_depth(tree, left), _subtree_depth(tree, right))


def plot_tree(decision_tree, *, max_depth=None, feature_names=None, class_names=None,
              ax=None, fontsize=8, precision=3):
    """Draw the tree with matplotlib (required only for this function); returns the texts."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # an optional dependency, for plotting only
        raise ImportError("plot_tree needs matplotlib: pip install matplotlib") from None
    tree = _structure(decision_tree)
    n_features = decision_tree.n_features_in_
    names = list(feature_names) if feature_names is not None else [
        f"x[{i}]" for i in range(n_features)]
    is_classifier = hasattr(decision_tree, "classes_")
    classes = (list(class_names) if class_names is not None else
               list(getattr(decision_tree, "classes_", [])))
    limit = np.inf if max_depth is None else max_depth
    # leaf-order x positions, depth y positions
    positions: dict[int, tuple[float, int]] = {}
    counter = [0]

    def layout(node, depth):
        left, right = tree.children_left[node], tree.children_right[node]
        if left < 0 or depth >= limit:
            positions[node] = (counter[0], depth)
            counter[0] += 1
            return positions[node][0]
        a = layout(left, depth + 1)
        b = layout(right, depth + 1)
        positions[node] = ((a + b) / 2.0, depth)
        return positions[node][0]

    layout(0, 0)
    width = max(counter[0], 1)
    height = max(d for _, d in positions.values()) + 1
    if ax is None:
        ax = plt.gca()
    ax.set_axis_off()
    texts = []
    for node, (x, depth) in positions.items():
        px, py = (x + 0.5) / width, 1.0 - (depth + 0.5) / height
        lines = []
        if tree.children_left[node] >= 0 and node in positions and \
                tree.children_left[node] in positions:
            lines.append(f"{names[tree.feature[node]]} <= {tree.threshold[node]:.{precision}g}")
        lines.append(f"impurity = {tree.impurity[node]:.{precision}g}")
        lines.append(f"samples = {tree.n_node_samples[node]}")
        v = tree.value[node, 0]
        if is_classifier:
            lines.append(f"class = {classes[int(np.argmax(v))]}")
        else:
            lines.append(f"value = {v[0]:.{precision}g}")
        texts.append(ax.annotate("\n".join(lines), (px, py), xycoords="axes fraction",
                                 ha="center", va="center", fontsize=fontsize,
                                 bbox={"boxstyle": "round", "fc": "white"}))
        for child in (tree.children_left[node], tree.children_right[node]):
            if child >= 0 and child in positions:
                cx, cd = positions[child]
                ax.annotate("", xy=((cx + 0.5) / width, 1.0 - (cd + 0.5) / height),
                            xytext=(px, py), xycoords="axes fraction",
                            arrowprops={"arrowstyle": "->"})
    return texts
