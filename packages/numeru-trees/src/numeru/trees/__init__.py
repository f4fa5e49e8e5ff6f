"""numeru.trees: decision trees, random forests and XGBoost-style gradient boosting."""

from ._boosting import GradientBoostingClassifier, GradientBoostingRegressor
from ._export import export_text, plot_tree
from ._forest import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from ._tree import DecisionTreeClassifier, DecisionTreeRegressor
from ._version import __version__

__all__ = [
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "__version__",
    "export_text",
    "plot_tree",
]
