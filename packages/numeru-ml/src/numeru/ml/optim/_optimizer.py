"""The optimizer base class: parameter groups, per-parameter state, state dicts.

The contract is torch.optim's, so that code written for one reads the same with the other:
``Optimizer(params, defaults)`` where ``params`` is an iterable of Tensors or of dicts (parameter
groups with their own hyperparameters), ``step()``, ``zero_grad(set_to_none=True)``,
``state_dict()`` / ``load_state_dict()``, ``add_param_group()``, ``param_groups``, ``state``.

A parameter is a ``numeru.core.Tensor`` (numeru-dl's ``Parameter`` is one) with ``.grad`` (a
Tensor or None). Updates happen in place on ``p.data`` with the backend's own array operations
(``xp`` of the parameter's device), so the same optimizer runs on every backend. State arrays
live on the parameter's device and are exposed as Tensors by ``state_dict``.
"""

from __future__ import annotations

import copy
import functools
import math
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from numeru.core.errors import DeviceError, ShapeError, ValidationError, expected
from numeru.core.tensor import Tensor


class ParamState:
    """``optimizer.state[p]``: per-parameter state keyed by the parameter's identity.

    (Tensors compare elementwise, so they cannot be dict keys by value.)
    """

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Any, dict[str, Any]]] = {}

    def __getitem__(self, param: Any) -> dict[str, Any]:
        entry = self._by_id.get(id(param))
        if entry is None:
            entry = (param, {})
            self._by_id[id(param)] = entry
        return entry[1]

    def __contains__(self, param: Any) -> bool:
        return id(param) in self._by_id and bool(self._by_id[id(param)][1])

    def __len__(self) -> int:
        return sum(1 for _, s in self._by_id.values() if s)

    def items(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        return ((p, s) for p, s in self._by_id.values() if s)

    def get(self, param: Any, default: Any = None) -> Any:
        entry = self._by_id.get(id(param))
        return entry[1] if entry is not None and entry[1] else default

    def clear(self) -> None:
        self._by_id.clear()


def check_hyper(name: str, value: Any, *, low: float = 0.0, high: float | None = None,
                open_high: bool = False) -> float:
    """A finite number in [low, high] (or [low, high) with ``open_high``), else an error."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = math.isfinite(v) and v >= low and (high is None or (v < high if open_high
                                                                    else v <= high))
    if not ok:
        if high is None:
            what = f"a finite number >= {low}"
        else:
            what = f"a number in [{low}, {high}{')' if open_high else ']'}"
        raise expected(name, what, value)
    return float(value)


def check_betas(value: Any) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise expected("betas", "a pair (beta1, beta2)", value)
    return (check_hyper("betas[0]", value[0], high=1.0, open_high=True),
            check_hyper("betas[1]", value[1], high=1.0, open_high=True))


class Optimizer:
    """Base class of every numeru optimizer (see the module docstring)."""

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state = ParamState()
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise expected("params", "an iterable of Tensors or of parameter-group dicts "
                           "(wrap a single tensor in a list)", "a Tensor")
        groups = list(params)
        if not groups:
            raise expected("params", "a non-empty iterable of Tensors or dicts", "an empty one")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # -- groups -----------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones: defaults)."""
        if not isinstance(param_group, dict):
            raise expected("param_group", "a dict with a 'params' entry", param_group)
        if "params" not in param_group:
            raise expected("param_group", "a dict with a 'params' entry", sorted(param_group))
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise expected("params", "an ordered collection (list or tuple) of Tensors; a set's "
                           "order changes between runs", "a set")
        params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise expected("params", "Tensors", type(p).__name__)
            dt = p.dtype
            if not (isinstance(dt, np.dtype) and dt.kind == "f") and "float" not in str(dt):
                raise expected("params", "floating-point Tensors", f"dtype {dt}")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        unknown = sorted(set(group) - set(self.defaults) - {"params", "initial_lr",
                                                             "max_lr", "min_lr", "max_momentum",
                                                             "base_momentum"})
        if unknown:
            raise expected("param_group", f"keys among {sorted(self.defaults)} and 'params'",
                           unknown)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params):
            raise expected("params", "distinct Tensors", "a group listing one tensor twice")
        if any(id(p) in seen for p in params):
            raise expected("params", "tensors not already in another parameter group",
                           "a tensor that is")
        group["params"] = params
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Subclasses validate a group's hyperparameters here (names the bad one)."""

    def _params(self) -> Iterator[Tensor]:
        for group in self.param_groups:
            yield from group["params"]

    # -- gradients --------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default) or to zeros in place."""
        for p in self._params():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:  # a Tensor, or the bare array step() also accepts
                grad = p.grad.data if isinstance(p.grad, Tensor) else p.grad
                grad[...] = 0

    def step(self, closure: Any = None) -> Any:
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = None
        if closure is not None:
            loss = grad_enabled(closure)()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = _grad_array(p)
                self._update(p, grad, self.state[p], group)
        return loss

    def _update(self, p: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError  # every concrete optimizer implements its rule

    # -- state dicts ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered in group order, as torch does; state arrays come as Tensors that
        share memory with the optimizer's own.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            numbered = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            numbered["params"] = ids
            groups.append(numbered)
        state: dict[int, dict[str, Any]] = {}
        for p, values in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = {k: _export(v, p) for k, v in values.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (hyperparameters and per-parameter state)."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise expected("state_dict", "a dict with keys 'state' and 'param_groups'",
                           sorted(state_dict) if isinstance(state_dict, dict) else state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise expected("state_dict", f"{len(self.param_groups)} parameter groups",
                           len(saved_groups))
        by_index: dict[int, Tensor] = {}
        for mine, saved in zip(self.param_groups, saved_groups, strict=True):
            if len(saved["params"]) != len(mine["params"]):
                raise expected("state_dict", f"a group of {len(mine['params'])} parameters",
                               f"one of {len(saved['params'])}", error=ShapeError)
            for i, p in zip(saved["params"], mine["params"], strict=True):
                by_index[int(i)] = p
        self.state.clear()
        for key, values in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise expected("state_dict['state']", f"parameter indices in {sorted(by_index)}",
                               key)
            self.state[p].update({k: _import(k, v, p) for k, v in values.items()})
        for mine, saved in zip(self.param_groups, saved_groups, strict=True):
            for k, v in saved.items():
                if k != "params":
                    mine[k] = copy.deepcopy(v)


def grad_enabled(closure: Callable[[], Any]) -> Callable[[], Any]:
    """``closure`` made to run with autograd recording on, as torch.optim runs it.

    A ``step(closure)`` taken inside ``no_grad`` must still let the closure call ``backward``.
    Autograd and its grad mode are numeru-dl's: when numeru.dl is not imported, no closure can
    have built a graph and there is no mode to switch.
    """
    enable_grad = getattr(sys.modules.get("numeru.dl"), "enable_grad", None)
    if enable_grad is None:
        return closure

    @functools.wraps(closure)
    def run() -> Any:
        with enable_grad():
            return closure()

    return run


def _grad_array(p: Tensor) -> Any:
    grad: Any = p.grad
    if isinstance(grad, Tensor):
        if grad.device is not p.device:
            raise DeviceError(f"grad: expected a gradient on {p.device} like its parameter, "
                              f"got one on {grad.device}")
        grad = grad.data
    if tuple(grad.shape) != tuple(p.shape):
        raise expected("grad", f"shape {tuple(p.shape)} (as its parameter)",
                       f"shape {tuple(grad.shape)}", error=ShapeError)
    return grad


def _export(value: Any, p: Tensor) -> Any:
    if isinstance(value, list):
        return [_export(v, p) for v in value]
    if hasattr(value, "shape") and hasattr(value, "dtype") and not np.isscalar(value):
        return Tensor(value, p.device)
    return value


def _import(name: str, value: Any, p: Tensor) -> Any:
    """A saved state value as an independent array on the parameter's device."""
    if isinstance(value, list):
        return [_import(name, v, p) for v in value]
    if isinstance(value, np.ndarray):
        value = Tensor(np.array(value), "cpu")
    if not isinstance(value, Tensor):
        return value
    moved = value.to(p.device).data
    xp = p.device.backend.xp
    dtype = p.data.dtype if moved.dtype.kind == "f" else moved.dtype
    return xp.array(moved, dtype=dtype, copy=True) if hasattr(xp, "array") else \
        xp.asarray(moved, dtype=dtype, copy=True)


def backend_xp(p: Tensor) -> Any:
    """The array namespace of a parameter's device."""
    return p.device.backend.xp


__all__ = ["Optimizer", "ParamState", "ValidationError", "backend_xp", "check_betas",
           "check_hyper", "grad_enabled"]
