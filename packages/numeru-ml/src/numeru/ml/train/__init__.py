"""numeru.ml.train: the Trainer, its callbacks, History and LinearModule."""

from ._callbacks import Callback, EarlyStopping, LRSchedulerCallback, MetricLogger, ModelCheckpoint
from ._history import History
from ._linear_module import LinearModule
from ._trainer import Trainer

__all__ = ["Callback", "EarlyStopping", "History", "LRSchedulerCallback", "LinearModule",
           "MetricLogger", "ModelCheckpoint", "Trainer"]
