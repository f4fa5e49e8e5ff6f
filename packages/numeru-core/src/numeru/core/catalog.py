"""Names that numeru's own distributions register, and which distribution provides each.

Only used to write a helpful error when a name is unknown because its package is not installed
(``unknown model 'gradient_boosting_classifier': pip install numeru-trees``). What is actually
available always comes from the registries, never from this table.
"""

from __future__ import annotations

KNOWN: dict[str, dict[str, str]] = {
    "backends": {"cpu": "numeru-core", "cuda": "numeru-cuda"},
    "models": {},
    "optimizers": {},
    "schedulers": {},
    "index_types": {},
    "exporters": {},
    "commands": {},
    "demos": {},
}


def _add(kind: str, distribution: str, names: str) -> None:
    for name in names.split():
        KNOWN[kind][name] = distribution


_TREES = ("decision_tree_classifier decision_tree_regressor random_forest_classifier"
          " random_forest_regressor extra_trees_classifier extra_trees_regressor"
          " gradient_boosting_classifier gradient_boosting_regressor")
_add("models", "numeru-trees", _TREES)
_add("exporters", "numeru-trees", _TREES)  # ONNX export of each of them
_add(
    "models",
    "numeru-ml",
    "linear_regression ridge lasso elastic_net logistic_regression sgd_regressor sgd_classifier"
    " svc svr linear_svc linear_svr nearest_neighbors kneighbors_classifier"
    " kneighbors_regressor radius_neighbors_classifier radius_neighbors_regressor gaussian_nb"
    " multinomial_nb bernoulli_nb complement_nb categorical_nb standard_scaler min_max_scaler"
    " robust_scaler max_abs_scaler normalizer one_hot_encoder label_encoder polynomial_features"
    " simple_imputer pipeline",
)
_add("models", "numeru-dl", "mlp cnn")
_add("optimizers", "numeru-ml", "sgd adagrad rmsprop adam adamw adamax nadam lion lbfgs")
_add(
    "schedulers",
    "numeru-ml",
    "step_lr multi_step_lr exponential_lr cosine_annealing_lr cosine_annealing_warm_restarts"
    " one_cycle_lr linear_warmup reduce_lr_on_plateau chained constant_lr lambda_lr"
    " sequential_lr",
)
_add("index_types", "numeru-rag", "flat ivf hnsw")
_add("commands", "numeru-ml", "train")
_add("demos", "numeru-ml", "ml")
_add("demos", "numeru-ml", "ml-classic")
_add("demos", "numeru-linalg", "linalg")
_add("demos", "numeru-dl", "dl")


def provider(kind: str, name: object) -> str | None:
    """The distribution known to provide ``name`` in registry ``kind``, if any."""
    return KNOWN.get(kind, {}).get(name) if isinstance(name, str) else None
