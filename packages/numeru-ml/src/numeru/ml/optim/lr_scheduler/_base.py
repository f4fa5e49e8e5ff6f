"""``LRScheduler``: the base of the epoch/step-driven schedulers (torch.optim.lr_scheduler's).

A scheduler owns an optimizer and rewrites ``group["lr"]`` of each parameter group when
``step()`` is called. Construction performs the initial step (``last_epoch`` 0), as torch does.
The rules are torch's chainable forms (each new rate computed from the current one) so that
sequences agree with torch to rounding and schedulers can be combined.
"""

from __future__ import annotations

import copy
from typing import Any

from numeru.core.errors import expected

from .._optimizer import Optimizer


def check_optimizer(optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise expected("optimizer", "a numeru.ml.optim Optimizer", type(optimizer).__name__)
    return optimizer


def check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise expected(name, f"an integer >= {minimum}", value)
    return value


def per_group(name: str, optimizer: Optimizer, value: Any) -> list[float]:
    """One value per parameter group, from a scalar or a list of the right length."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise expected(name, f"{len(optimizer.param_groups)} values (one per group)",
                           len(value))
        return [float(v) for v in value]
    return [float(value)] * len(optimizer.param_groups)


class LRScheduler:
    """Base class: ``step()``, ``get_last_lr()``, ``state_dict()``, ``load_state_dict()``."""

    _is_initial = False

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        if last_epoch == -1:
            for group in self.optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(self.optimizer.param_groups):
                if "initial_lr" not in group:
                    raise expected(f"optimizer.param_groups[{i}]", "an 'initial_lr' entry "
                                   "when resuming with last_epoch >= 0 (load the optimizer's "
                                   "state first)", sorted(k for k in group if k != "params"))
        self.base_lrs = [group["initial_lr"] for group in self.optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _group_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step`` set, one per parameter group."""
        return list(self._last_lr)

    def get_lr(self) -> list[float]:
        raise NotImplementedError  # each scheduler defines its rule

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch`` with the closed form, where there is one)."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = self._group_lrs()

    # -- state ----------------------------------------------------------------------------------
    _not_state: tuple[str, ...] = ("optimizer",)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (JSON-safe values, so ``nm.save`` can store it)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in self._not_state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not isinstance(state_dict, dict):
            raise expected("state_dict", "a dict from state_dict()", type(state_dict).__name__)
        self.__dict__.update(copy.deepcopy(state_dict))
