"""A plain supervised training loop over NumPy data, for any Module and optimizer with the
torch.optim API (``zero_grad()``, ``step()``), plus evaluation helpers.

numeru.ml.train's ``Trainer`` is the general tool; this loop is what the demo and the
accuracy tests use, so they depend only on numeru.dl and an optimizer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

import numeru.core as nm
from numeru.core.errors import expected

from .autograd._mode import no_grad
from .nn import functional as F
from .nn.module import Module


def make_optimizer(name: str, params: Any, **options: Any) -> Any:
    """An optimizer by registry name (``"adam"``, ``"sgd"``, ...), from numeru.ml.optim."""
    optimizers = nm.registry("optimizers")
    if name in optimizers:
        return optimizers.get(name)(params, **options)
    # numeru.ml.optim's classes by name, for an installation where its plugin does not
    # register them (yet): "adamw" -> AdamW.
    from numeru.ml import optim

    by_name = {attr.lower(): getattr(optim, attr) for attr in optim.__all__
               if isinstance(getattr(optim, attr), type)}
    if name not in by_name:
        raise expected("name", f"an optimizer name ({sorted(by_name)})", name)
    return by_name[name](params, **options)


class _Progress:
    """A one-line text progress bar: redrawn in place on a terminal (only when the bar moves),
    one summary line per epoch on anything else (logs, files, captured output)."""

    WIDTH = 24

    def __init__(self, out: TextIO | None, epochs: int, total: int) -> None:
        self.out, self.epochs, self.total = out, epochs, total
        isatty = getattr(out, "isatty", None)
        self.live = bool(isatty()) if callable(isatty) else False
        self.start = time.perf_counter()
        self.drawn = -1

    def update(self, epoch: int, done: int, loss: float) -> None:
        if self.out is None:
            return
        filled = self.WIDTH * done // max(self.total, 1)
        last = done == self.total
        if not last and (not self.live or filled == self.drawn):
            return
        self.drawn = filled
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = (f"  epoch {epoch + 1}/{self.epochs} [{bar}] {done}/{self.total} loss {loss:.4f} "
                f"{time.perf_counter() - self.start:5.1f}s")
        self.out.write(("\r" if self.live else "") + line + ("\n" if last else ""))
        self.out.flush()
        if last:
            self.drawn = -1


def fit(model: Module, X: np.ndarray, y: np.ndarray, optimizer: Any, *, epochs: int = 1,
        batch_size: int = 32, loss_fn: Callable[..., Any] = F.cross_entropy, seed: int = 0,
        progress: TextIO | None = None) -> list[float]:
    """Train ``model`` on ``(X, y)`` with shuffled minibatches; returns the mean loss per epoch."""
    if len(X) != len(y):
        raise expected("y", f"{len(X)} targets (one per sample of X)", len(y))
    if batch_size < 1:
        raise expected("batch_size", "a positive int", batch_size)
    order_rng = np.random.Generator(np.random.Philox(seed))
    history = []
    n = len(X)
    bar = _Progress(progress, epochs, n)
    for epoch in range(epochs):
        model.train()
        order = order_rng.permutation(n)
        total, count = 0.0, 0
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            loss = loss_fn(model(nm.asarray(X[idx])), nm.asarray(y[idx]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.item()) * len(idx)
            count += len(idx)
            bar.update(epoch, count, total / count)
        history.append(total / count)
    return history


def predict(model: Module, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class predictions (argmax of the outputs) in eval mode, without recording a graph;
    every submodule's train/eval mode is restored afterwards."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    outs = []
    try:
        with no_grad():
            for i in range(0, len(X), batch_size):
                outs.append(np.argmax(model(nm.asarray(X[i:i + batch_size])).numpy(), axis=1))
    finally:
        for m, training in modes:  # each module's own flag, as Module.train sets it
            object.__setattr__(m, "training", training)
    return np.concatenate(outs) if outs else np.zeros((0,), dtype=np.int64)


def accuracy(model: Module, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predict(model, X) == np.asarray(y)))


class Supervised:
    """A Module and a loss as the model protocol of ``numeru.ml.train.Trainer``.

    ``batch_loss((x, y))`` returns the differentiable loss (the Trainer calls ``backward``);
    ``eval_loss`` computes it in eval mode without a graph; parameters, state dicts and
    train/eval switches are the module's.
    """

    def __init__(self, module: Module, loss_fn: Callable[..., Any] = F.cross_entropy) -> None:
        if not isinstance(module, Module):
            raise expected("module", "a numeru.dl.nn.Module", type(module).__name__)
        if not callable(loss_fn):
            raise expected("loss_fn", "a callable loss(output, target)", loss_fn)
        self.module, self.loss_fn = module, loss_fn

    def _split(self, batch: Any) -> tuple[Any, Any]:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise expected("batch", "a pair (inputs, targets)", type(batch).__name__)
        return batch[0], batch[1]

    def batch_loss(self, batch: Any) -> Any:
        x, y = self._split(batch)
        return self.loss_fn(self.module(x), y)

    def eval_loss(self, batch: Any) -> float:
        x, y = self._split(batch)
        with no_grad():
            return float(self.loss_fn(self.module(x), y).item())

    def parameters(self) -> Any:
        return self.module.parameters()

    def state_dict(self) -> dict[str, Any]:
        return self.module.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> Any:
        return self.module.load_state_dict(state)

    def train(self) -> None:
        self.module.train()

    def eval(self) -> None:
        self.module.eval()

    def __call__(self, x: Any) -> Any:
        return self.module(x)
