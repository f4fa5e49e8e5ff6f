"""Ready-made networks registered by name: ``mlp`` and ``cnn``.

``nm.build({"model": "cnn", "params": {...}})`` constructs them; their constructor arguments
are kept (``get_params``) so that a saved model can be rebuilt from its registry name and
state dict without any code from the file.
"""

from __future__ import annotations

import inspect
from typing import Any

from numeru.core.errors import expected
from numeru.core.tensor import Tensor

from . import nn

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU,
                "elu": nn.ELU, "leaky_relu": nn.LeakyReLU, "sigmoid": nn.Sigmoid}


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise expected("activation", f"one of {sorted(_ACTIVATIONS)}", name)
    return _ACTIVATIONS[name]()


class _Configured(nn.Module):
    """A module whose constructor arguments can be read back (for configs and artifacts)."""

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def _nmr_state(self) -> dict[str, Any]:
        return {"params": self.get_params(),
                "state_dict": {k: v.numpy() for k, v in self.state_dict().items()}}

    @classmethod
    def _nmr_from_state(cls, state: dict[str, Any]) -> _Configured:
        params = dict(state.get("params", {}))
        for key, value in params.items():
            if isinstance(value, list):
                params[key] = tuple(value)
        model = cls(**params)
        saved = state.get("state_dict", {})
        # The constructor makes float32 parameters; a model saved after .double() (or any
        # per-tensor cast) must come back in the saved dtypes, not rounded into float32.
        for key, target in model.state_dict(keep_vars=True).items():
            dtype = getattr(saved.get(key), "dtype", None)
            if dtype is not None and dtype != target.dtype and target.dtype.kind in "fc":
                target.data = target.to(None, dtype).data
        model.load_state_dict(saved)
        return model


class MLP(_Configured):
    """Linear layers with an activation (and optional dropout) between them."""

    def __init__(self, in_features: int, out_features: int, hidden_sizes: Any = (128,),
                 activation: str = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.hidden_sizes = tuple(int(h) for h in hidden_sizes)
        self.activation, self.dropout = activation, dropout
        layers: list[nn.Module] = []
        width = in_features
        for h in self.hidden_sizes:
            layers += [nn.Linear(width, h), _activation(activation)]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Any) -> Tensor:
        return self.layers(nn.functional.flatten(x, 1) if getattr(x, "ndim", 2) > 2 else x)


class CNN(_Configured):
    """A small image classifier: conv-BN-ReLU blocks, max pooling, then an MLP head.

    Each entry of ``channels`` adds a 3x3 convolution (padding 1); a 2x2 max pool follows
    every second block and the last one. Input: (N, in_channels, image_size, image_size).
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 8,
                 channels: Any = (16, 32), hidden: int = 64, dropout: float = 0.0,
                 batch_norm: bool = True) -> None:
        super().__init__()
        self.in_channels, self.num_classes, self.image_size = in_channels, num_classes, image_size
        self.channels = tuple(int(c) for c in channels)
        self.hidden, self.dropout, self.batch_norm = hidden, dropout, batch_norm
        if not self.channels:
            raise expected("channels", "at least one convolution width", channels)
        blocks: list[nn.Module] = []
        width, size = in_channels, image_size
        for i, c in enumerate(self.channels):
            blocks.append(nn.Conv2d(width, c, 3, padding=1, bias=not batch_norm))
            if batch_norm:
                blocks.append(nn.BatchNorm2d(c))
            blocks.append(nn.ReLU())
            if i % 2 == 1 or i == len(self.channels) - 1:
                if size < 2:
                    raise expected("image_size", "large enough for the pooling layers",
                                   image_size)
                blocks.append(nn.MaxPool2d(2))
                size //= 2
            width = c
        self.features = nn.Sequential(*blocks)
        head: list[nn.Module] = [nn.Flatten(), nn.Linear(width * size * size, hidden), nn.ReLU()]
        if dropout:
            head.append(nn.Dropout(dropout))
        head.append(nn.Linear(hidden, num_classes))
        self.classifier = nn.Sequential(*head)

    def forward(self, x: Any) -> Tensor:
        return self.classifier(self.features(x))
