"""What numeru-trees registers with numeru.core: its models (by name), their ONNX exporters
and a demo section.

Names are "module:attribute" strings so that importing this module stays cheap (no Numba).
"""

from __future__ import annotations

from typing import Any

from numeru.core.hookspecs import hookimpl

MODELS = {
    "decision_tree_classifier": "numeru.trees._tree:DecisionTreeClassifier",
    "decision_tree_regressor": "numeru.trees._tree:DecisionTreeRegressor",
    "random_forest_classifier": "numeru.trees._forest:RandomForestClassifier",
    "random_forest_regressor": "numeru.trees._forest:RandomForestRegressor",
    "extra_trees_classifier": "numeru.trees._forest:ExtraTreesClassifier",
    "extra_trees_regressor": "numeru.trees._forest:ExtraTreesRegressor",
    "gradient_boosting_classifier": "numeru.trees._boosting:GradientBoostingClassifier",
    "gradient_boosting_regressor": "numeru.trees._boosting:GradientBoostingRegressor",
}

# ONNX exporters (nm.onnx.export), one per model; onnx is imported on the first export only.
EXPORTERS = {name: "numeru.trees._onnx:" + ("export_boosting" if name.startswith("gradient_")
                                            else "export_exact") for name in MODELS}


@hookimpl
def register_models(register: Any) -> None:
    for name, target in MODELS.items():
        register(name, target)


@hookimpl
def register_exporters(register: Any) -> None:
    for name, target in EXPORTERS.items():
        register(name, target)


@hookimpl
def register_demos(register: Any) -> None:
    register("trees", "numeru.trees.demo:section")
