"""``numeru.dl.nn.functional``: the stateless forms of layers, activations and losses."""

from ._activations import (
    celu,
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softsign,
    tanh,
    threshold,
)
from ._conv import conv1d, conv2d, conv_transpose2d, pad
from ._dropout import alpha_dropout, dropout1d, dropout2d
from ._interpolate import interpolate
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
    one_hot,
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
    "adaptive_avg_pool2d", "alpha_dropout", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "celu", "conv1d", "conv2d", "conv_transpose2d",
    "cross_entropy", "dropout", "dropout1d", "dropout2d", "elu", "embedding", "flatten", "gelu",
    "group_norm", "hardsigmoid", "hardswish", "hardtanh", "interpolate", "kl_div", "l1_loss",
    "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid", "max_pool2d", "mish",
    "mse_loss", "nll_loss", "one_hot", "pad", "prelu", "relu", "relu6", "selu", "sigmoid",
    "silu", "smooth_l1_loss", "softmax", "softmin", "softplus", "softsign", "tanh", "threshold",
    "unflatten",
]
