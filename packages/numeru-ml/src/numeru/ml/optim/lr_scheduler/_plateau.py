"""ReduceLROnPlateau: cut the rate when a monitored metric stops improving (torch's rule)."""

from __future__ import annotations

import math
from typing import Any

from numeru.core.errors import expected

from ._base import LRScheduler, check_int, check_optimizer, per_group


class ReduceLROnPlateau(LRScheduler):
    """``step(metric)``: after ``patience`` epochs without improvement beyond ``threshold``
    (relative or absolute), multiply every rate by ``factor`` (not below ``min_lr``), then
    wait ``cooldown`` epochs."""

    def __init__(self, optimizer: Any, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or \
                not 0 <= factor < 1:
            raise expected("factor", "a number in [0, 1)", factor)
        if mode not in ("min", "max"):
            raise expected("mode", "'min' or 'max'", mode)
        if threshold_mode not in ("rel", "abs"):
            raise expected("threshold_mode", "'rel' or 'abs'", threshold_mode)
        self.optimizer = check_optimizer(optimizer)
        self.factor = float(factor)
        self.min_lrs = per_group("min_lr", self.optimizer, min_lr)
        # a scalar floor also covers groups added later (torch's rule); a list cannot guess
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else float(min_lr)
        self.patience = check_int("patience", patience, 0)
        self.cooldown = check_int("cooldown", cooldown, 0)
        self.eps = float(eps)
        self.mode, self.threshold, self.threshold_mode = mode, float(threshold), threshold_mode
        self.last_epoch = 0
        self._step_count = 0
        self._last_lr = self._group_lrs()
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else best + self.threshold)

    def _match_groups(self) -> None:
        n = len(self.optimizer.param_groups)
        if len(self.min_lrs) == n:
            return
        if self.default_min_lr is None:
            raise expected("min_lrs", f"{n} values, one per parameter group of the optimizer "
                           "(a group was added after the scheduler was made: extend "
                           "scheduler.min_lrs)", self.min_lrs)
        self.min_lrs = [self.default_min_lr] * n

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        self._step_count += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._match_groups()
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()
