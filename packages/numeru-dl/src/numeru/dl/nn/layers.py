"""Layers with parameters: Linear, convolutions, normalisation, Embedding; and the
parameter-free Flatten, Identity and pooling modules (the Dropouts are in ``dropout``)."""

from __future__ import annotations

import math
from typing import Any

import numeru.core as nm
from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor

from . import functional as F
from . import init
from .dropout import Dropout  # noqa: F401 - its home before nn.dropout
from .module import Module
from .parameter import DEFAULT_DTYPE, Parameter


def _param(shape: tuple[int, ...], dtype: Any, device: Any) -> Parameter:
    return Parameter(nm.empty(shape, dtype=dtype or DEFAULT_DTYPE, device=device))


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise expected(name, "a positive int", value)
    return value


class Identity(Module):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Linear(Module):
    """``y = x @ weight.T + bias``; weight (out_features, in_features), PyTorch's init."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = _positive(in_features, "in_features")
        self.out_features = _positive(out_features, "out_features")
        self.weight = _param((out_features, in_features), dtype, device)
        if bias:
            self.bias = _param((out_features,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Any) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """PyTorch's ``_ConvNd``: its attributes (``padding_mode``, ``transposed``), parameter
    shapes, initialisation and ``extra_repr``."""

    def __init__(self, in_channels: int, out_channels: int, kernel: tuple[int, ...],
                 stride: Any, padding: Any, dilation: Any, groups: int, bias: bool,
                 transposed: bool, output_padding: Any, padding_mode: str, device: Any,
                 dtype: Any) -> None:
        super().__init__()
        _positive(in_channels, "in_channels")
        _positive(out_channels, "out_channels")
        _positive(groups, "groups")
        if in_channels % groups or out_channels % groups:
            raise expected("groups", f"a divisor of in_channels={in_channels} and "
                           f"out_channels={out_channels}", groups)
        if padding_mode not in _PADDING_MODES:
            raise expected("padding_mode", "'zeros', 'reflect', 'replicate' or 'circular'",
                           padding_mode)
        n = len(kernel)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = F._conv.ints(kernel, n, "kernel_size", 1)
        self.stride = F._conv.ints(stride, n, "stride", 1)
        self.dilation = F._conv.ints(dilation, n, "dilation", 1)
        self.padding: Any
        sides: list[tuple[int, int]]
        if isinstance(padding, str):
            F._conv.string_padding(padding, self.kernel_size, self.stride, self.dilation)
            self.padding = padding  # kept as the string, as PyTorch keeps it
            sides = (F._conv.same_padding_sides(self.kernel_size, self.dilation)
                     if padding == "same" else [(0, 0)] * n)
        else:
            self.padding = F._conv.ints(padding, n, "padding", 0)
            sides = [(p, p) for p in self.padding]
        # F.pad's order (last axis first), used when padding_mode is not 'zeros'.
        self._reversed_padding_repeated_twice = tuple(v for pair in reversed(sides)
                                                      for v in pair)
        self.groups, self.output_padding = groups, output_padding
        self.transposed, self.padding_mode = transposed, padding_mode
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = _param(shape, dtype, device)
        if bias:
            self.bias = _param((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _conv_forward(self, x: Any, conv: Any) -> Tensor:
        """``conv(x, weight, bias, stride, padding, dilation, groups)``, padding first with
        ``F.pad`` when ``padding_mode`` is not 'zeros' (PyTorch's order)."""
        if self.padding_mode != "zeros":
            x = F.pad(x, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                    self.groups)

    def extra_repr(self) -> str:
        """PyTorch's: only the arguments that differ from their defaults after the stride
        (a string padding unquoted, as its ``str.format`` writes it)."""
        n = len(self.kernel_size)
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, F._conv.ints(kernel_size, 1, "kernel_size",
                                                                 1),
                         stride, padding, dilation, groups, bias, False, (0,), padding_mode,
                         device, dtype)

    def forward(self, x: Any) -> Tensor:
        return self._conv_forward(x, F.conv1d)


class Conv2d(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, F._conv.ints(kernel_size, 2, "kernel_size",
                                                                 1),
                         stride, padding, dilation, groups, bias, False, (0, 0), padding_mode,
                         device, dtype)

    def forward(self, x: Any) -> Tensor:
        return self._conv_forward(x, F.conv2d)


class ConvTranspose2d(_ConvNd):
    """PyTorch's ``ConvTranspose2d``; ``forward(x, output_size=None)`` picks the output
    padding that gives ``output_size`` (PyTorch's), and only ``padding_mode='zeros'``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise expected("padding_mode", "'zeros' (the only mode of ConvTranspose2d)",
                           padding_mode)
        if isinstance(padding, str):
            raise expected("padding", "an int or a tuple of 2 ints", padding)
        super().__init__(in_channels, out_channels, F._conv.ints(kernel_size, 2, "kernel_size",
                                                                 1),
                         stride, padding, dilation, groups, bias, True,
                         F._conv.ints(output_padding, 2, "output_padding", 0), padding_mode,
                         device, dtype)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        output_padding = self.output_padding
        if output_size is not None:
            x = F._common.tensor(x)
            output_padding = F._conv.transposed_output_padding(
                tuple(x.shape[-2:]), output_size, self.kernel_size, self.stride, self.padding,
                self.dilation)
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)


def _affine_parameters(module: Module, affine: bool, bias: bool, shape: tuple[int, ...],
                       dtype: Any, device: Any) -> None:
    """``weight`` (ones) and ``bias`` (zeros) of a normalisation layer, or None: no bias
    without ``bias`` (PyTorch's keyword), neither without ``affine``."""
    module.register_parameter("weight", Parameter(nm.ones(shape, dtype=dtype, device=device))
                              if affine else None)
    module.register_parameter("bias", Parameter(nm.zeros(shape, dtype=dtype, device=device))
                              if affine and bias else None)


class _Norm(Module):
    """BatchNorm: batch statistics in training (updating running ones), running ones in eval."""

    _dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = _positive(num_features, "num_features")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, affine, bias, (num_features,), dtype or DEFAULT_DTYPE, device)
        dt = dtype or DEFAULT_DTYPE
        if track_running_stats:
            self.register_buffer("running_mean", nm.zeros((num_features,), dtype=dt,
                                                          device=device))
            self.register_buffer("running_var", nm.ones((num_features,), dtype=dt,
                                                        device=device))
            self.register_buffer("num_batches_tracked", nm.zeros((), dtype=nm.int64,
                                                                 device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Any) -> Tensor:
        x = F._common.tensor(x)
        if x.ndim not in self._dims:
            raise expected("input", f"a tensor with {' or '.join(map(str, self._dims))} "
                           "dimensions", x.shape)
        if x.shape[1] != self.num_features:
            raise expected("input", f"{self.num_features} channels on axis 1", x.shape)
        factor = 0.0 if self.momentum is None else self.momentum
        use_batch = self.training or not self.track_running_stats
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        running = self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if running else None,
                            self.running_var if running else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_Norm):
    _dims = (2, 3)


class BatchNorm2d(_Norm):
    _dims = (4,)


class LayerNorm(Module):
    def __init__(self, normalized_shape: Any, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
            normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, shape, dtype or DEFAULT_DTYPE, device)

    def forward(self, x: Any) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if _positive(num_channels, "num_channels") % _positive(num_groups, "num_groups"):
            raise expected("num_groups", f"a divisor of num_channels={num_channels}", num_groups)
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        _affine_parameters(self, affine, bias, (num_channels,), dtype or DEFAULT_DTYPE, device)

    def forward(self, x: Any) -> Tensor:
        x = F._common.tensor(x)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise expected("input", f"{self.num_channels} channels on axis 1", x.shape,
                           error=ShapeError)
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table, ``torch.nn.Embedding``'s arguments: ``padding_idx`` (its row starts at
    zero and gets no gradient), ``max_norm`` / ``norm_type`` (looked-up rows renormalised in
    place), ``scale_grad_by_freq``, ``_weight`` / ``_freeze`` and ``from_pretrained``.
    ``sparse`` gradients are refused."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = _positive(num_embeddings, "num_embeddings")
        self.embedding_dim = _positive(embedding_dim, "embedding_dim")
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise expected("padding_idx", f"an index in [-{num_embeddings}, {num_embeddings})",
                           padding_idx)
        F._layers.check_embedding_options(max_norm, norm_type, scale_grad_by_freq, sparse)
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = _param((num_embeddings, embedding_dim), dtype, device)
            self.weight.requires_grad = not _freeze
            self.reset_parameters()
        else:
            weight = F._common.tensor(_weight, "_weight")
            if tuple(weight.shape) != (num_embeddings, embedding_dim):
                raise expected("_weight", f"shape {(num_embeddings, embedding_dim)}",
                               tuple(weight.shape), error=ShapeError)
            self.weight = Parameter(weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (shared memory; the padding row is
        kept as given), frozen unless ``freeze=False``."""
        weight = F._common.tensor(embeddings, "embeddings")
        if weight.ndim != 2:
            raise expected("embeddings", "a 2-D tensor", tuple(weight.shape), error=ShapeError)
        rows, cols = weight.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=weight, _freeze=freeze)

    def forward(self, x: Any) -> Tensor:
        return F.embedding(x, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand axis ``dim`` into ``unflattened_size`` (one entry may be -1)."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, x: Any) -> Tensor:
        return F.unflatten(x, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class MaxPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride  # PyTorch's
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Any) -> Any:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride  # PyTorch's
        self.padding = padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
