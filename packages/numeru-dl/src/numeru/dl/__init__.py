"""numeru.dl: autograd on numeru Tensors, PyTorch-style ``nn`` modules, losses and training.

Importing ``numeru.dl`` installs autograd (see ``numeru.dl.autograd``).
"""

from . import autograd, nn
from ._functional_grad import grad, value_and_grad
from ._malloc import keep_freed_memory
from ._rng import manual_seed
from ._scatter import index_add, scatter_along_axis, take_along_axis
from ._version import __version__
from .autograd import backward, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["__version__", "autograd", "backward", "enable_grad", "grad", "gradcheck",
           "gradgradcheck", "index_add", "is_grad_enabled", "keep_freed_memory", "manual_seed",
           "nn", "no_grad", "scatter_along_axis", "set_grad_enabled", "take_along_axis",
           "value_and_grad"]
