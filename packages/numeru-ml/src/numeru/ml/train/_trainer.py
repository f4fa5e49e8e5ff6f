"""Trainer: the fit loop for any model that exposes a loss on a batch.

The model protocol (``LinearModule`` here is a small example):
- ``parameters()``: the Tensors to optimise;
- ``batch_loss(batch)``: the loss of one batch, or pass ``loss_fn(model, batch)`` to the
  Trainer instead (e.g. for a numeru-dl ``nn.Module``:
  ``lambda m, b: loss(m(b[0]), b[1])``). If the returned value has ``backward()``
  (numeru-dl autograd), the trainer calls it; otherwise the model has already filled each
  parameter's ``.grad`` (models with analytic gradients);
- optional ``state_dict()`` / ``load_state_dict()`` (else the parameters are saved by
  position), ``train()`` / ``eval()``, and ``eval_loss(batch)`` for validation.

Exact resume: a checkpoint holds the parameters, the optimizer and scheduler states, the data
loader's position (epoch, batch), the epoch's running sums, the callbacks' states and the
history. Shuffling is a function of (seed, epoch) and every update is deterministic, so a run
resumed from a checkpoint ends with bit-identical weights to an uninterrupted one.
"""

from __future__ import annotations

import copy as copy_module
import os
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from numeru.core.errors import expected
from numeru.core.tensor import Tensor

from ..optim import clip_grad_norm_
from ..optim._optimizer import Optimizer
from ._callbacks import Callback, LRSchedulerCallback, ModelCheckpoint
from ._history import History

CHECKPOINT_FORMAT = "numeru.ml.train/checkpoint-1"


def _progress(total: int, enabled: bool, desc: str) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: no bar without it
        return None
    return tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)


class Trainer:
    """``Trainer(model, optimizer, ...).fit(train_loader, val_loader)`` -> History."""

    def __init__(self, model: Any, optimizer: Optimizer, *, epochs: int = 10,
                 scheduler: Any = None, scheduler_interval: str = "epoch",
                 monitor: str = "val_loss", callbacks: Iterable[Callback] = (),
                 metrics: dict[str, Callable[[Any, Any], float]] | None = None,
                 clip_grad_norm: float | None = None, progress: bool = True,
                 loss_fn: Callable[[Any, Any], Any] | None = None) -> None:
        if loss_fn is not None and not callable(loss_fn):
            raise expected("loss_fn", "a callable loss_fn(model, batch)", loss_fn)
        if not hasattr(model, "parameters") or (loss_fn is None
                                                and not hasattr(model, "batch_loss")):
            raise expected("model", "an object with parameters() and batch_loss(batch) (or "
                           "pass loss_fn)", type(model).__name__)
        self.loss_fn = loss_fn
        if not isinstance(optimizer, Optimizer):
            raise expected("optimizer", "a numeru.ml.optim Optimizer", type(optimizer).__name__)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise expected("epochs", "a positive integer", epochs)
        if scheduler_interval not in ("epoch", "step"):
            raise expected("scheduler_interval", "'epoch' or 'step'", scheduler_interval)
        if clip_grad_norm is not None and (
                isinstance(clip_grad_norm, bool) or not isinstance(clip_grad_norm, (int, float))
                or not clip_grad_norm > 0):
            raise expected("clip_grad_norm", "a positive number or None", clip_grad_norm)
        self.model, self.optimizer, self.epochs = model, optimizer, epochs
        self.metrics = dict(metrics or {})
        self.clip_grad_norm = clip_grad_norm
        self.progress = progress
        own = [LRSchedulerCallback(scheduler, interval=scheduler_interval, monitor=monitor)] \
            if scheduler is not None else []
        given = list(callbacks)
        for i, c in enumerate(given):
            if not isinstance(c, Callback):
                raise expected(f"callbacks[{i}]", "a Callback", type(c).__name__)
        # checkpoints run last, so that they capture the state every other callback left
        self.callbacks = own + [c for c in given if not isinstance(c, ModelCheckpoint)] + \
            [c for c in given if isinstance(c, ModelCheckpoint)]
        self.history = History()
        self.global_step = 0
        self.epoch = 0
        self.stop_training = False
        self._resume_point: tuple[int, int] = (0, 0)
        self._running: list[Any] = [0.0, 0]  # the epoch's loss sum and batch count so far
        self._loader: Any = None
        self._saved_loader: Any = None

    # -- model state --------------------------------------------------------------------------
    def _params(self) -> list[Tensor]:
        return list(self.model.parameters())

    def model_state(self, copy: bool = False) -> dict[str, Any]:
        if hasattr(self.model, "state_dict"):
            state = dict(self.model.state_dict())
        else:
            state = {str(i): p for i, p in enumerate(self._params())}
        if copy:  # a snapshot: nothing in it may alias the live weights
            state = {k: (Tensor(v.data.copy(), v.device) if isinstance(v, Tensor)
                         else copy_module.deepcopy(v)) for k, v in state.items()}
        return state

    def load_model_state(self, state: dict[str, Any]) -> None:
        if hasattr(self.model, "load_state_dict"):
            self.model.load_state_dict(state)
            return
        params = self._params()
        if len(state) != len(params):
            raise expected("checkpoint['model']", f"{len(params)} parameters", len(state))
        for i, p in enumerate(params):
            value = state[str(i)]
            host = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
            p.data[...] = Tensor(np.ascontiguousarray(host), "cpu").to(p.device).data

    # -- checkpoints ----------------------------------------------------------------------------
    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Everything a resumed run needs, written atomically with ``nm.save``."""
        import numeru.core as nm

        epoch, batch = self._resume_point
        state = {
            "format": CHECKPOINT_FORMAT,
            "model": self.model_state(),
            "optimizer": self.optimizer.state_dict(),
            "callbacks": [c.state_dict() for c in self.callbacks],
            "history": self.history.state_dict(),
            "position": {"epoch": epoch, "batch": batch, "global_step": self.global_step,
                         "loss_sum": self._running[0], "loss_count": self._running[1]},
            "loader": None if self._loader is None else self._loader.state_dict(),
        }
        nm.save(state, path)

    def _restore(self, path: str | os.PathLike[str]) -> None:
        import numeru.core as nm

        state = nm.load(path)
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise expected("resume_from", f"a checkpoint written by Trainer "
                           f"({CHECKPOINT_FORMAT})", os.fspath(path))
        self.load_model_state(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if len(state["callbacks"]) != len(self.callbacks):
            raise expected("callbacks", f"{len(state['callbacks'])} callbacks (as when the "
                           "checkpoint was written)", len(self.callbacks))
        for callback, saved in zip(self.callbacks, state["callbacks"], strict=True):
            callback.load_state_dict(saved)
        self.history = History(state["history"])
        position = state["position"]
        self._resume_point = (int(position["epoch"]), int(position["batch"]))
        self.global_step = int(position["global_step"])
        self._running = [float(position["loss_sum"]), int(position["loss_count"])]
        self._saved_loader = state["loader"]

    # -- the loop -------------------------------------------------------------------------------
    def _step(self, batch: Any) -> float:
        self.optimizer.zero_grad()
        loss = self.model.batch_loss(batch) if self.loss_fn is None else \
            self.loss_fn(self.model, batch)
        if hasattr(loss, "backward"):
            loss.backward()
        if self.clip_grad_norm is not None:
            clip_grad_norm_(self._params(), self.clip_grad_norm)
        self.optimizer.step()
        return float(loss)

    def _evaluate(self, loader: Any) -> float:
        total, count = 0.0, 0
        evaluate: Callable[[Any], Any]
        if self.loss_fn is not None:
            loss_fn = self.loss_fn

            def evaluate(batch: Any) -> Any:
                return loss_fn(self.model, batch)
        else:
            evaluate = getattr(self.model, "eval_loss", self.model.batch_loss)
        for batch in loader:
            total += float(evaluate(batch))
            count += 1
        if count == 0:
            raise expected("val_loader", "at least one batch", "a loader with no batches")
        return total / count

    @staticmethod
    def _rewind(loader: Any, epoch: int, batch: int = 0) -> None:
        """Make the loader's next pass be ``epoch`` (from batch ``batch``): its order is then a
        function of the trainer's epoch alone, however often the loader was iterated
        elsewhere (metrics, validation on the training loader) and across a resume."""
        if hasattr(loader, "resume_at"):
            loader.resume_at(epoch, batch)

    def _mode(self, name: str) -> None:
        switch = getattr(self.model, name, None)
        if callable(switch):
            switch()

    def fit(self, train_loader: Any, val_loader: Any = None, *,
            resume_from: str | os.PathLike[str] | None = None) -> History:
        """Train for ``epochs`` epochs (or until a callback stops it); returns the History."""
        self._loader = train_loader
        self._saved_loader = None
        if resume_from is not None:
            self._restore(resume_from)
            if self._saved_loader is not None and hasattr(train_loader, "load_state_dict"):
                train_loader.load_state_dict(self._saved_loader)
        start_epoch, start_batch = self._resume_point
        if start_epoch >= self.epochs:  # a second fit(), or a resume of a finished run
            warnings.warn(f"Trainer.fit: the {self.epochs} epochs are already done, nothing "
                          "to train; raise trainer.epochs to train on", UserWarning,
                          stacklevel=2)
        if hasattr(train_loader, "resume_at"):
            train_loader.resume_at(start_epoch, start_batch)
        elif start_batch:
            raise expected("train_loader", "a DataLoader that can resume mid-epoch "
                           "(resume_at)", type(train_loader).__name__)
        self.stop_training = False
        for c in self.callbacks:
            c.on_train_begin(self)
        for epoch in range(start_epoch, self.epochs):
            self.epoch = epoch
            if epoch != start_epoch or start_batch == 0:
                self._running = [0.0, 0]
            for c in self.callbacks:
                c.on_epoch_begin(self, epoch)
            self._rewind(train_loader, epoch, start_batch if epoch == start_epoch else 0)
            self._mode("train")
            bar = _progress(len(train_loader), self.progress, f"epoch {epoch + 1}/{self.epochs}")
            if bar is not None and self._running[1]:
                bar.update(self._running[1])
            for batch in train_loader:
                loss = self._step(batch)
                self.global_step += 1
                self._running[0] += loss
                self._running[1] += 1
                self._resume_point = (epoch, self._running[1])
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss:.4g}")
                for c in self.callbacks:
                    c.on_batch_end(self, self.global_step, loss)
            if bar is not None:
                bar.close()
            if self._running[1] == 0:
                raise expected("train_loader", "at least one batch per epoch",
                               "an epoch with no batches")
            logs = {"loss": self._running[0] / self._running[1],
                    "lr": float(self.optimizer.param_groups[0]["lr"])}
            if val_loader is not None:
                self._mode("eval")
                self._rewind(val_loader, epoch)
                logs["val_loss"] = self._evaluate(val_loader)
            for name, metric in self.metrics.items():
                scored = val_loader if val_loader is not None else train_loader
                self._rewind(scored, epoch)
                logs[name] = float(metric(self.model, scored))
            self.history.log(epoch, logs)
            self._resume_point = (epoch + 1, 0)  # a checkpoint from here resumes next epoch
            self._running = [0.0, 0]
            for c in self.callbacks:
                c.on_epoch_end(self, epoch, logs)
            if self.stop_training:
                break
        for c in self.callbacks:
            c.on_train_end(self)
        return self.history
