"""The Adam family (Adam, AdamW with amsgrad, Adamax, NAdam) and Lion.

Adam, AdamW, Adamax and NAdam follow torch.optim's single-tensor update rules operation by
operation. Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms") is not in
torch.optim; it follows the paper's Algorithm 2 with decoupled weight decay.
"""

from __future__ import annotations

import math
from typing import Any

from ._optimizer import Optimizer, backend_xp, check_betas, check_hyper


def _moments(p: Any, state: dict[str, Any], *names: str) -> None:
    if not state:
        xp = backend_xp(p)
        state["step"] = 0
        for name in names:
            state[name] = xp.zeros_like(p.data)


class Adam(Optimizer):
    """Adam (Kingma and Ba); ``decoupled_weight_decay=True`` is AdamW; ``amsgrad`` keeps the
    running maximum of the second moment."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("lr", group["lr"])
        check_betas(group["betas"])
        check_hyper("eps", group["eps"])
        check_hyper("weight_decay", group["weight_decay"])

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = backend_xp(p)
        names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
        _moments(p, state, *names)
        g = -grad if group["maximize"] else grad
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        state["step"] += 1
        step = state["step"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.data *= 1 - lr * wd
            else:
                g = g + wd * p.data
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (g - exp_avg)  # lerp towards g, as torch
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (g * g)
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        second = exp_avg_sq
        if group["amsgrad"]:
            state["max_exp_avg_sq"][...] = xp.maximum(state["max_exp_avg_sq"], exp_avg_sq)
            second = state["max_exp_avg_sq"]
        denom = xp.sqrt(second) / bias_correction2_sqrt + group["eps"]
        p.data -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter); torch's defaults."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm in place of the second moment."""

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("lr", group["lr"])
        check_betas(group["betas"])
        check_hyper("eps", group["eps"])
        check_hyper("weight_decay", group["weight_decay"])

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = backend_xp(p)
        _moments(p, state, "exp_avg", "exp_inf")
        g = -grad if group["maximize"] else grad
        beta1, beta2 = group["betas"]
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg += (1 - beta1) * (g - exp_avg)
        exp_inf *= beta2
        exp_inf[...] = xp.maximum(exp_inf, xp.abs(g) + group["eps"])
        clr = group["lr"] / (1 - beta1 ** state["step"])
        p.data -= clr * (exp_avg / exp_inf)


class NAdam(Optimizer):
    """Adam with Nesterov momentum and torch's momentum-decay schedule (Dozat)."""

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("lr", group["lr"])
        check_betas(group["betas"])
        for name in ("eps", "weight_decay", "momentum_decay"):
            check_hyper(name, group[name])

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = backend_xp(p)
        if not state:
            _moments(p, state, "exp_avg", "exp_avg_sq")
            state["mu_product"] = 1.0
        g = -grad if group["maximize"] else grad
        beta1, beta2 = group["betas"]
        lr, wd, decay = group["lr"], group["weight_decay"], group["momentum_decay"]
        state["step"] += 1
        step = state["step"]
        bias_correction2 = 1 - beta2 ** step
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.data *= 1 - lr * wd
            else:
                g = g + wd * p.data
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (g - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (g * g)
        denom = xp.sqrt(exp_avg_sq / bias_correction2) + group["eps"]
        p.data -= (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        p.data -= (lr * mu_next / (1.0 - mu_product * mu_next)) * (exp_avg / denom)


class Lion(Optimizer):
    """Lion: the sign of an interpolated momentum, with decoupled weight decay.

    Use a learning rate 3-10x smaller than AdamW's and a weight decay 3-10x larger (the paper's
    advice); defaults are the paper's.
    """

    def __init__(self, params: Any, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99),
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "weight_decay": weight_decay,
                                  "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("lr", group["lr"])
        check_betas(group["betas"])
        check_hyper("weight_decay", group["weight_decay"])

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = backend_xp(p)
        _moments(p, state, "exp_avg")
        g = -grad if group["maximize"] else grad
        beta1, beta2 = group["betas"]
        state["step"] += 1
        exp_avg = state["exp_avg"]
        update = xp.sign(beta1 * exp_avg + (1 - beta1) * g)
        if group["weight_decay"] != 0:
            p.data *= 1 - group["lr"] * group["weight_decay"]
        p.data -= group["lr"] * update
        exp_avg *= beta2
        exp_avg += (1 - beta2) * g
