"""Trainer callbacks: EarlyStopping, ModelCheckpoint, LRSchedulerCallback, MetricLogger.

A callback overrides any of ``on_train_begin``, ``on_epoch_begin``, ``on_batch_end``,
``on_epoch_end``, ``on_train_end`` (each gets the trainer, plus the step or the epoch's logs),
and ``state_dict`` / ``load_state_dict`` when it has state a resumed run must get back.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from numeru.core.errors import expected
from numeru.core.nmr import atomic_file


class Callback:
    def on_train_begin(self, trainer: Any) -> None: ...

    def on_epoch_begin(self, trainer: Any, epoch: int) -> None: ...

    def on_batch_end(self, trainer: Any, step: int, loss: float) -> None: ...

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None: ...

    def on_train_end(self, trainer: Any) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _check_mode(mode: str) -> str:
    if mode not in ("min", "max"):
        raise expected("mode", "'min' or 'max'", mode)
    return mode


def _improved(mode: str, value: float, best: float, min_delta: float) -> bool:
    return value < best - min_delta if mode == "min" else value > best + min_delta


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the best epoch's weights are put back when training ends,
    whether it stopped early or ran all its epochs (Keras 3's rule)."""

    def __init__(self, monitor: str = "val_loss", *, patience: int = 5, min_delta: float = 0.0,
                 mode: str = "min", restore_best_weights: bool = False) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise expected("patience", "a non-negative integer", patience)
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or \
                not math.isfinite(min_delta) or min_delta < 0:
            raise expected("min_delta", "a finite number >= 0", min_delta)
        self.monitor, self.patience, self.min_delta = monitor, patience, float(min_delta)
        self.mode = _check_mode(mode)
        self.restore_best_weights = bool(restore_best_weights)
        self.best = math.inf if mode == "min" else -math.inf
        self.wait = 0
        self.stopped_epoch: int | None = None
        self._best_weights: dict[str, Any] | None = None

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise expected("monitor", f"a logged value ({sorted(logs)})", self.monitor)
        value = logs[self.monitor]
        if _improved(self.mode, value, self.best, self.min_delta):
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self._best_weights = trainer.model_state(copy=True)
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                trainer.stop_training = True

    def on_train_end(self, trainer: Any) -> None:
        if self.restore_best_weights and self._best_weights is not None:
            trainer.load_model_state(self._best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "stopped_epoch": self.stopped_epoch,
                "best_weights": self._best_weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.wait = state["best"], state["wait"]
        self.stopped_epoch = state["stopped_epoch"]
        self._best_weights = state["best_weights"]


class ModelCheckpoint(Callback):
    """Write a full training checkpoint (model, optimizer, scheduler, data position,
    callbacks, history) as an atomic ``.nmr`` file every ``every_n_epochs`` epochs or
    ``every_n_steps`` optimizer steps; with ``save_best_only`` only when ``monitor`` improves.
    ``path`` may contain ``{epoch}`` and ``{step}``."""

    def __init__(self, path: str | os.PathLike[str], *, monitor: str | None = None,
                 mode: str = "min", save_best_only: bool = False, every_n_epochs: int = 1,
                 every_n_steps: int | None = None) -> None:
        self.path = os.fspath(path)
        self.monitor, self.mode = monitor, _check_mode(mode)
        self.save_best_only = bool(save_best_only)
        if save_best_only and monitor is None:
            raise expected("monitor", "a logged value when save_best_only=True", None)
        for name, value in (("every_n_epochs", every_n_epochs), ("every_n_steps", every_n_steps)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise expected(name, "a positive integer", value)
        self.every_n_epochs, self.every_n_steps = every_n_epochs, every_n_steps
        self.best = math.inf if mode == "min" else -math.inf
        self.last_path: str | None = None

    def _write(self, trainer: Any, epoch: int) -> None:
        target = self.path.format(epoch=epoch, step=trainer.global_step)
        trainer.save_checkpoint(target)
        self.last_path = target

    def on_batch_end(self, trainer: Any, step: int, loss: float) -> None:
        if self.every_n_steps is not None and step % self.every_n_steps == 0:
            self._write(trainer, trainer.epoch)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        if self.every_n_steps is not None or (epoch + 1) % self.every_n_epochs != 0:
            return
        if self.save_best_only:
            if self.monitor not in logs:
                raise expected("monitor", f"a logged value ({sorted(logs)})", self.monitor)
            if not _improved(self.mode, logs[self.monitor], self.best, 0.0):
                return
            self.best = logs[self.monitor]
        self._write(trainer, epoch)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "last_path": self.last_path}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.last_path = state["best"], state["last_path"]


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler after each epoch (default) or each optimizer step;
    ReduceLROnPlateau gets the ``monitor`` value."""

    def __init__(self, scheduler: Any, *, interval: str = "epoch",
                 monitor: str = "val_loss") -> None:
        if interval not in ("epoch", "step"):
            raise expected("interval", "'epoch' or 'step'", interval)
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor

    def _plateau(self) -> bool:
        from ..optim.lr_scheduler import ReduceLROnPlateau

        return isinstance(self.scheduler, ReduceLROnPlateau)

    def on_batch_end(self, trainer: Any, step: int, loss: float) -> None:
        if self.interval == "step":
            self.scheduler.step(loss) if self._plateau() else self.scheduler.step()

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        if self.interval != "epoch":
            return
        if self._plateau():
            if self.monitor not in logs:
                raise expected("monitor", f"a logged value ({sorted(logs)})", self.monitor)
            self.scheduler.step(logs[self.monitor])
        else:
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state["scheduler"])


class MetricLogger(Callback):
    """Append each epoch's logs as one JSON line to ``path`` (or keep them in ``records``).

    A resumed run first rewrites ``path`` with the records the checkpoint holds, so epochs
    logged after that checkpoint by the interrupted run do not appear twice."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self.records: list[dict[str, float]] = []
        self._rewrite = False

    def on_train_begin(self, trainer: Any) -> None:
        if self._rewrite and self.path is not None:
            # Replaced atomically: a crash during the rewrite keeps the interrupted run's log.
            with atomic_file(self.path) as file:
                file.write("".join(json.dumps(record) + "\n"
                                   for record in self.records).encode("utf-8"))
        self._rewrite = False

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        record = {"epoch": epoch, **logs}
        self.records.append(record)
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as file:
                file.write(json.dumps(record) + "\n")

    def state_dict(self) -> dict[str, Any]:
        return {"records": self.records}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.records = list(state["records"])
        self._rewrite = True
