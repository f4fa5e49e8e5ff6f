"""Combining schedulers: ChainedScheduler (all at once) and SequentialLR (one after another)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from numeru.core.errors import expected

from ._base import LRScheduler, check_optimizer
from ._plateau import ReduceLROnPlateau


def _check_schedulers(schedulers: Sequence[Any], optimizer: Any) -> list[LRScheduler]:
    schedulers = list(schedulers)
    if not schedulers:
        raise expected("schedulers", "at least one scheduler", "an empty sequence")
    for i, s in enumerate(schedulers):
        if not isinstance(s, LRScheduler) or isinstance(s, ReduceLROnPlateau):
            raise expected(f"schedulers[{i}]", "an epoch-driven LRScheduler (not "
                           "ReduceLROnPlateau)", type(s).__name__)
        if s.optimizer is not optimizer:
            raise expected(f"schedulers[{i}]", "a scheduler of the same optimizer",
                           "one bound to another optimizer")
    return schedulers


class _Composite(LRScheduler):
    _not_state = ("optimizer", "_schedulers")
    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        inner = state_dict["_schedulers"]
        super().load_state_dict({k: v for k, v in state_dict.items() if k != "_schedulers"})
        for s, saved in zip(self._schedulers, inner, strict=True):
            s.load_state_dict(saved)


class ChainedScheduler(_Composite):
    """Step every scheduler on each ``step()``: their factors multiply."""

    def __init__(self, schedulers: Sequence[Any], optimizer: Any = None) -> None:
        optimizer = check_optimizer(optimizer or list(schedulers)[0].optimizer)
        self._schedulers = _check_schedulers(schedulers, optimizer)
        self.optimizer = optimizer
        self._last_lr = self._group_lrs()

    def step(self) -> None:  # type: ignore[override]
        for s in self._schedulers:
            s.step()
        self._last_lr = self._group_lrs()


class SequentialLR(_Composite):
    """Run ``schedulers[i]`` between ``milestones[i-1]`` and ``milestones[i]`` (e.g. a
    LinearLR warm-up followed by CosineAnnealingLR)."""

    def __init__(self, optimizer: Any, schedulers: Sequence[Any], milestones: Sequence[int],
                 last_epoch: int = -1) -> None:
        optimizer = check_optimizer(optimizer)
        self._schedulers = _check_schedulers(schedulers, optimizer)
        if len(milestones) != len(self._schedulers) - 1:
            raise expected("milestones", f"{len(self._schedulers) - 1} values (one fewer than "
                           "schedulers)", list(milestones))
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:  # undo the initial steps the schedulers took on creation
            s.last_epoch -= 1
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()
