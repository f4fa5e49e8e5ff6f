"""History: the per-epoch record of a training run, with an optional matplotlib plot."""

from __future__ import annotations

import math
from typing import Any


class History:
    """``history["loss"]`` is the list of epoch values of ``loss`` (and likewise for every
    logged metric: ``val_loss``, ``lr``, user metrics). ``epoch`` lists the epoch numbers."""

    def __init__(self, records: dict[str, list[float]] | None = None) -> None:
        self.history: dict[str, list[float]] = {k: list(v) for k, v in (records or {}).items()}

    def log(self, epoch: int, values: dict[str, float]) -> None:
        self.history.setdefault("epoch", []).append(epoch)
        n = len(self.history["epoch"])
        for key, value in values.items():
            column = self.history.setdefault(key, [])
            column.extend([math.nan] * (n - 1 - len(column)))  # a metric that appears late
            column.append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"key: expected one of {sorted(self.history)}, got {key!r}")
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def keys(self) -> list[str]:
        return list(self.history)

    def last(self) -> dict[str, float]:
        return {k: v[-1] for k, v in self.history.items() if v}

    def state_dict(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in self.history.items()}

    def plot(self, keys: list[str] | None = None, path: str | None = None) -> Any:
        """Plot the curves (default: every loss) against the epoch; save to ``path`` if
        given. Returns the matplotlib Figure. Needs matplotlib (``pip install matplotlib``)."""
        try:
            import matplotlib

            if path is not None:
                matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
        except ImportError:  # an optional dependency: say how to get it
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from None
        wanted = keys or [k for k in self.history if "loss" in k]
        for key in wanted:
            self[key]  # raises for unknown keys
        fig, ax = plt.subplots()
        for key in wanted:
            ax.plot(self.history["epoch"], self.history[key], label=key)
        ax.set_xlabel("epoch")
        ax.legend()
        if path is not None:
            fig.savefig(path)
        return fig
