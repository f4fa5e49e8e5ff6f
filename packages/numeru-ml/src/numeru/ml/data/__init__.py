"""numeru.ml.data: datasets, the DataLoader and data splitting."""

from ._collate import default_collate
from ._dataset import Dataset, Subset, TensorDataset
from ._loader import DataLoader
from ._split import KFold, StratifiedKFold, train_test_split

__all__ = ["DataLoader", "Dataset", "KFold", "StratifiedKFold", "Subset", "TensorDataset",
           "default_collate", "train_test_split"]
