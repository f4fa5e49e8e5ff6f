"""SGD (momentum, Nesterov, weight decay), Adagrad and RMSprop: torch.optim's update rules.

Each rule is written with the backend's array operations on ``p.data`` and updates it in place;
the formulas follow torch.optim's single-tensor implementations operation by operation, so the
two agree to rounding for the same inputs.
"""

from __future__ import annotations

from typing import Any

from numeru.core.errors import ValidationError

from ._optimizer import Optimizer, backend_xp, check_hyper


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay."""

    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("lr", group["lr"])
        check_hyper("momentum", group["momentum"])
        check_hyper("dampening", group["dampening"])
        check_hyper("weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValidationError(f"nesterov=True: expected momentum > 0 and dampening == 0, got "
                                  f"momentum={group['momentum']!r} and "
                                  f"dampening={group['dampening']!r}")

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = backend_xp(p).asarray(g, copy=True)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g


class Adagrad(Optimizer):
    """Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps, "maximize": maximize})
        # torch creates the accumulators at construction (so state_dict has them at once)
        for group in self.param_groups:
            self._init_group_state(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        if hasattr(self, "state"):
            self._init_group_state(self.param_groups[-1])

    def _init_group_state(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            state = self.state[p]
            if "sum" not in state:
                xp = backend_xp(p)
                state["step"] = 0
                state["sum"] = xp.full(p.data.shape, group["initial_accumulator_value"],
                                       dtype=p.data.dtype)

    def _check_group(self, group: dict[str, Any]) -> None:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_hyper(name, group[name])

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = backend_xp(p)
        g = -grad if group["maximize"] else grad
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += g * g
        std = xp.sqrt(state["sum"]) + group["eps"]
        p.data -= clr * (g / std)


class RMSprop(Optimizer):
    """RMSprop (optionally centred, with momentum), torch's variant (eps outside the root)."""

    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered, "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> None:
        for name in ("lr", "eps", "weight_decay", "momentum"):
            check_hyper(name, group[name])
        check_hyper("alpha", group["alpha"], high=1.0)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = backend_xp(p)
        g = -grad if group["maximize"] else grad
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p.data)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (g * g)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (g - grad_avg)  # lerp towards g
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * (g / avg)
