"""``numeru.dl.nn.functional``: the stateless forms of layers, activations and losses."""

from ._activations import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from ._conv import conv1d, conv2d, conv_transpose2d, pad
from ._layers import (
    adaptive_avg_pool2d,
    avg_pool2d,
    batch_norm,
    dropout,
    embedding,
    flatten,
    group_norm,
    layer_norm,
    linear,
    max_pool2d,
    unflatten,
)
from ._losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv1d", "conv2d", "conv_transpose2d", "cross_entropy",
    "dropout", "elu", "embedding", "flatten", "gelu", "group_norm", "kl_div", "l1_loss",
    "layer_norm", "leaky_relu", "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss",
    "pad", "relu", "sigmoid", "silu", "smooth_l1_loss", "softmax", "softplus", "tanh", "unflatten",
]
