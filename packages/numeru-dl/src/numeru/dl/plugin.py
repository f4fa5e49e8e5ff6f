"""What numeru-dl registers with numeru.core: gradient rules, kernels, models, a demo section.

Imports stay inside the hooks so that loading the plugin is cheap (no Numba at import time).
"""

from __future__ import annotations

from typing import Any

from numeru.core.hookspecs import hookimpl


@hookimpl
def register_gradients(register: Any) -> None:
    from .autograd.rules import all_rules

    for name, rule in all_rules().items():
        register(name, rule)
    # With numeru-dl installed, autograd works as soon as plugins load (the first op), even in
    # a program that never imports numeru.dl itself.
    from .autograd import install

    install()


@hookimpl
def register_kernels(register: Any) -> None:
    from .ops.activation import erf_cpu_kernel

    register("erf", "cpu", _Lazy(erf_cpu_kernel))
    for name in ("conv2d", "conv2d_weight_grad", "conv2d_input_grad"):
        register(name, "cpu", _Lazy(_conv_kernel(name)))
    register("index_add", "cpu", _Lazy(_index_add_kernel))


@hookimpl
def register_models(register: Any) -> None:
    register("mlp", "numeru.dl.models:MLP")
    register("cnn", "numeru.dl.models:CNN")


@hookimpl
def register_demos(register: Any) -> None:
    register("dl", "numeru.dl.demo:section")


def _conv_kernel(name: str) -> Any:
    def factory() -> Any:
        from .ops._cpu_conv import KERNELS  # imports Numba: only when a convolution runs

        return KERNELS[name]

    return factory


def _index_add_kernel() -> Any:
    from .ops._cpu_scatter import index_add  # imports Numba: only when a gradient needs it

    return index_add


class _Lazy:
    """A kernel compiled on first call (Numba compilation is not paid at plugin load)."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._kernel: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._kernel is None:
            self._kernel = self._factory()
        return self._kernel(*args, **kwargs)
