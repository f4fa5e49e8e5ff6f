"""numeru.ml.data: datasets, the DataLoader, data splitting and model selection."""

from ._collate import default_collate
from ._dataset import Dataset, Subset, TensorDataset
from ._loader import DataLoader
from ._split import KFold, StratifiedKFold, train_test_split
from ._splitters import GroupKFold, ShuffleSplit, StratifiedShuffleSplit

# Model selection (scoring, cross-validation, searches): loaded on first use (name -> module),
# so that ``import numeru.ml.data`` does not import the metrics.
_MODEL_SELECTION = {
    **dict.fromkeys(["check_scoring", "get_scorer", "get_scorer_names", "make_scorer"],
                    "_scoring"),
    **dict.fromkeys(["FitFailedWarning", "check_cv", "cross_val_predict", "cross_val_score",
                     "cross_validate"], "_validation"),
    **dict.fromkeys(["GridSearchCV", "ParameterGrid", "ParameterSampler",
                     "RandomizedSearchCV"], "_search"),
}


def __getattr__(name: str):
    if name in _MODEL_SELECTION:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_MODEL_SELECTION[name]}"), name)
    raise AttributeError(f"module 'numeru.ml.data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODEL_SELECTION))


__all__ = ["DataLoader", "Dataset", "GroupKFold", "KFold", "ShuffleSplit", "StratifiedKFold",
           "StratifiedShuffleSplit", "Subset", "TensorDataset", "default_collate",
           "train_test_split", *sorted(_MODEL_SELECTION)]
