"""numeru.ml.optim: optimizers and learning-rate schedulers with torch.optim's API.

They update numeru Tensors of any backend in place (``p.data``), with parameter groups,
``state_dict`` / ``load_state_dict`` and ``zero_grad``.
"""

from . import lr_scheduler
from ._adam import Adam, Adamax, AdamW, Lion, NAdam
from ._clip import clip_grad_norm_, clip_grad_value_
from ._lbfgs import LBFGS
from ._optimizer import Optimizer
from ._sgd import SGD, Adagrad, RMSprop

__all__ = ["LBFGS", "SGD", "Adagrad", "Adam", "AdamW", "Adamax", "Lion", "NAdam", "Optimizer",
           "RMSprop", "clip_grad_norm_", "clip_grad_value_", "lr_scheduler"]
