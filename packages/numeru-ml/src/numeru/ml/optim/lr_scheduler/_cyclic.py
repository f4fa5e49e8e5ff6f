"""Schedules with cycles: CosineAnnealingWarmRestarts (SGDR) and OneCycleLR (torch's rules)."""

from __future__ import annotations

import math
from typing import Any

from numeru.core.errors import expected

from ._base import LRScheduler, check_int, check_optimizer, per_group


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every ``T_i`` epochs, ``T_i`` growing by ``T_mult``."""

    def __init__(self, optimizer: Any, T_0: int, T_mult: int = 1,
                 eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_0 = check_int("T_0", T_0, 1)
        self.T_i: float = T_0
        self.T_mult = check_int("T_mult", T_mult, 1)
        if isinstance(eta_min, bool) or not isinstance(eta_min, (int, float)):
            raise expected("eta_min", "a number", eta_min)
        self.eta_min = float(eta_min)
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (b - self.eta_min) * (1 + math.cos(math.pi * self.T_cur
                                                                  / self.T_i)) / 2
                for b in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or jump to a (possibly fractional) ``epoch``."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise expected("epoch", "a non-negative number", epoch)
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self._step_count += 1
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = self._group_lrs()


_TWO_PHASES = (("initial_lr", "max_lr", "max_momentum", "base_momentum"),
               ("max_lr", "min_lr", "base_momentum", "max_momentum"))
_THREE_PHASES = (("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                 ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                 ("initial_lr", "min_lr", "max_momentum", "max_momentum"))


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith): warm up to ``max_lr`` then anneal far below the start,
    with momentum cycling the other way. Step it once per batch."""

    def __init__(self, optimizer: Any, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        optimizer = check_optimizer(optimizer)
        if total_steps is not None:
            self.total_steps = check_int("total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (check_int("epochs", epochs, 1)
                                * check_int("steps_per_epoch", steps_per_epoch, 1))
        else:
            raise expected("total_steps", "an integer (or both epochs and steps_per_epoch)",
                           None)
        if isinstance(pct_start, bool) or not isinstance(pct_start, float) or \
                not 0 <= pct_start <= 1:
            raise expected("pct_start", "a float in [0, 1]", pct_start)
        if anneal_strategy not in ("cos", "linear"):
            raise expected("anneal_strategy", "'cos' or 'linear'", anneal_strategy)
        self.anneal_strategy = anneal_strategy
        ends = ([pct_start * self.total_steps - 1, 2 * pct_start * self.total_steps - 2,
                 self.total_steps - 1] if three_phase
                else [pct_start * self.total_steps - 1, self.total_steps - 1])
        names = _THREE_PHASES if three_phase else _TWO_PHASES
        self._phases: list[tuple[float, str, str, str, str]] = [
            (float(end), *keys) for end, keys in zip(ends, names, strict=True)]
        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise expected("cycle_momentum", "False for an optimizer without 'momentum' "
                               "or 'betas'", cycle_momentum)
            self.use_beta1 = "betas" in optimizer.defaults
            tops = per_group("max_momentum", optimizer, max_momentum)
            bases = per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, top, base in zip(optimizer.param_groups, tops, bases, strict=True):
                    self._set_momentum(group, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = base
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise expected("step()", f"at most total_steps={self.total_steps} calls",
                           f"call number {step_num}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr0, lr1, m0, m1) in enumerate(self._phases):
                if step_num <= end_step or i == len(self._phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start_step = end_step
        return lrs
