"""LinearModule: a linear model trained by the Trainer, with analytic gradients.

It is the "model with a loss on a batch" that numeru.ml provides itself: weights and bias
are Tensors on any device, ``batch_loss((X, y))`` returns the mean loss and fills the
gradients. Losses: ``squared_error`` (regression, any number of outputs), ``log_loss``
(binary labels 0/1, one output), ``cross_entropy`` (integer class labels, softmax).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.errors import expected
from numeru.core.tensor import Tensor

_LOSSES = ("squared_error", "log_loss", "cross_entropy")


class LinearModule:
    """``y = X @ weight.T + bias``, trained by minimising ``loss + l2/2 ||weight||^2``."""

    def __init__(self, n_features: int, n_outputs: int = 1, *, loss: str = "squared_error",
                 l2: float = 0.0, device: Any = None, dtype: Any = None,
                 seed: int = 0) -> None:
        if loss not in _LOSSES:
            raise expected("loss", "one of " + ", ".join(map(repr, _LOSSES)), loss)
        if loss == "log_loss" and n_outputs != 1:
            raise expected("n_outputs", "1 for loss='log_loss'", n_outputs)
        self.loss, self.l2 = loss, float(l2)
        scale = 1.0 / np.sqrt(n_features)
        init = np.random.default_rng(seed).uniform(-scale, scale, size=(n_outputs, n_features))
        dt = dtype or nm.float64
        self.weight = nm.asarray(init, dtype=dt, device=device)
        self.bias = nm.zeros((n_outputs,), dtype=dt, device=device)

    def parameters(self) -> list[Tensor]:
        return [self.weight, self.bias]

    def state_dict(self) -> dict[str, Tensor]:
        return {"weight": self.weight, "bias": self.bias}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in ("weight", "bias"):
            value = state[name]
            target = getattr(self, name)
            host = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
            if host.shape != target.shape:
                raise expected(f"state['{name}']", f"shape {target.shape}", host.shape)
            target.data[...] = Tensor(np.ascontiguousarray(host), "cpu").to(target.device).data

    def forward(self, X: Any) -> Tensor:
        Xt = X if isinstance(X, Tensor) else nm.asarray(X)
        return Tensor(Xt.data @ self.weight.data.T + self.bias.data, self.weight.device)

    __call__ = forward

    def predict(self, X: Any) -> Tensor:
        out = self.forward(X)
        xp = out.device.backend.xp
        if self.loss == "log_loss":
            return Tensor(xp.astype(out.data[:, 0] > 0, xp.int64), out.device)
        if self.loss == "cross_entropy":
            return Tensor(xp.argmax(out.data, axis=1), out.device)
        return Tensor(out.data[:, 0], out.device) if out.shape[1] == 1 else out

    def _loss_and_residual(self, batch: Any) -> tuple[float, Any, Any]:
        X, y = batch
        Xd = X.data if isinstance(X, Tensor) else np.asarray(X)
        yd = y.data if isinstance(y, Tensor) else np.asarray(y)
        xp = self.weight.device.backend.xp
        Z = Xd @ self.weight.data.T + self.bias.data
        n = Xd.shape[0]
        if self.loss == "squared_error":
            target = xp.reshape(xp.astype(yd, Z.dtype), Z.shape)
            R = Z - target
            value = 0.5 * float(xp.sum(R * R)) / n
        elif self.loss == "log_loss":
            z = Z[:, 0]
            t = xp.astype(xp.reshape(yd, (-1,)), Z.dtype)
            value = float(xp.sum(xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z))) - t * z)) / n
            R = (1.0 / (1.0 + xp.exp(-z)) - t)[:, None]
        else:
            shifted = Z - xp.max(Z, axis=1, keepdims=True)
            e = xp.exp(shifted)
            P = e / xp.sum(e, axis=1, keepdims=True)
            labels = xp.astype(xp.reshape(yd, (-1,)), xp.int64)
            classes = xp.arange(P.shape[1], dtype=xp.int64)
            onehot = xp.astype(labels[:, None] == classes[None, :], P.dtype)
            value = float(-xp.sum(onehot * (shifted - xp.log(xp.sum(e, axis=1,
                                                                     keepdims=True))))) / n
            R = P - onehot
        value += 0.5 * self.l2 * float(xp.sum(self.weight.data * self.weight.data))
        return value, R / n, Xd

    def batch_loss(self, batch: Any) -> float:
        """Mean loss of the batch; fills ``weight.grad`` and ``bias.grad``."""
        value, R, Xd = self._loss_and_residual(batch)
        xp = self.weight.device.backend.xp
        self.weight.grad = Tensor(R.T @ Xd + self.l2 * self.weight.data, self.weight.device)
        self.bias.grad = Tensor(xp.sum(R, axis=0), self.bias.device)
        return value

    def eval_loss(self, batch: Any) -> float:
        return self._loss_and_residual(batch)[0]
