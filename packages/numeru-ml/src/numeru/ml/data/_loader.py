"""DataLoader: batches from a dataset, shuffled deterministically, prefetched in background.

- Order: ``shuffle=True`` draws a permutation from (``seed``, epoch), so the order of every
  epoch is reproducible, and a run resumed at (epoch, batch) sees exactly the batches it would
  have seen (``state_dict`` / ``load_state_dict``).
- Batches: datasets with ``__getitems__`` (TensorDataset) are gathered one batch at a time
  with a single fancy index per tensor; others are read sample by sample and collated.
- Prefetch: with ``prefetch > 0`` the next batches are built on numeru's shared task pool
  (``numeru.core.parallel.submit``) while the current one is used. Gathering is mostly NumPy
  work that releases the GIL, so it overlaps with the training step.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from numeru.core import parallel
from numeru.core.errors import expected

from ._collate import default_collate
from ._rng import check_seed, fresh_seed, permutation


class DataLoader:
    """Iterate over ``dataset`` in batches (torch.utils.data.DataLoader's main options)."""

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, *,
                 drop_last: bool = False, collate_fn: Callable[[list[Any]], Any] | None = None,
                 seed: int | None = None, prefetch: int = 2) -> None:
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise expected("dataset", "a map-style dataset (__len__ and __getitem__)",
                           type(dataset).__name__)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise expected("batch_size", "a positive integer", batch_size)
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 0:
            raise expected("prefetch", "a non-negative integer (batches built ahead)", prefetch)
        if collate_fn is not None and not callable(collate_fn):
            raise expected("collate_fn", "a callable taking a list of samples", collate_fn)
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.prefetch = prefetch
        checked = check_seed(seed)
        self.seed = fresh_seed() if checked is None else checked
        self.epoch = 0
        self._start_batch = 0
        self._running: list[int] | None = None  # [epoch, next batch] while iterating

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def order(self, epoch: int | None = None) -> np.ndarray:
        """The sample order of ``epoch`` (default: the next one to run)."""
        n = len(self.dataset)
        e = self.epoch if epoch is None else epoch
        return permutation(n, self.seed, e) if self.shuffle else np.arange(n)

    def _batch(self, indices: np.ndarray) -> Any:
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None and self.collate_fn is None:
            return getitems(indices)
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def __iter__(self) -> Iterator[Any]:
        order = self.order()
        n_batches = len(self)
        starts = [k * self.batch_size for k in range(self._start_batch, n_batches)]
        contiguous = not self.shuffle
        self._start_batch = 0
        epoch = self.epoch
        self.epoch += 1  # the next iteration is the next epoch, even if this one is cut short

        def make(start: int) -> Any:
            stop = min(start + self.batch_size, order.shape[0])
            if contiguous and hasattr(self.dataset, "__getitems__") and self.collate_fn is None:
                return self.dataset.__getitems__(slice(start, stop))
            return self._batch(order[start:stop])

        self._running = [epoch, starts[0] // self.batch_size if starts else 0]
        try:
            yield from self._run(make, starts)
        finally:
            self._running = None

    def _run(self, make: Callable[[int], Any], starts: list[int]) -> Iterator[Any]:
        if self.prefetch == 0 or parallel.get_num_threads() == 1:
            for start in starts:
                batch = make(start)
                assert self._running is not None
                self._running[1] += 1
                yield batch
            return
        pending: deque[Any] = deque()
        feed = iter(starts)
        for start in feed:
            pending.append(parallel.submit(make, start))
            if len(pending) >= self.prefetch:
                break
        while pending:
            batch = pending.popleft().result()
            nxt = next(feed, None)
            if nxt is not None:
                pending.append(parallel.submit(make, nxt))
            assert self._running is not None
            self._running[1] += 1
            yield batch

    # -- resume -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, int]:
        """Seed, and where the next batch comes from: (epoch, batch number). Taken inside an
        epoch, it points just after the last batch handed out (JSON-safe)."""
        running = getattr(self, "_running", None)
        if running is not None:
            return {"seed": self.seed, "epoch": running[0], "start_batch": running[1]}
        return {"seed": self.seed, "epoch": self.epoch, "start_batch": self._start_batch}

    def load_state_dict(self, state: dict[str, int]) -> None:
        for key in ("seed", "epoch", "start_batch"):
            if key not in state:
                raise expected("state", "a dict with 'seed', 'epoch' and 'start_batch'",
                               sorted(state))
        self.seed = int(state["seed"])
        self.epoch = int(state["epoch"])
        self._start_batch = int(state["start_batch"])

    def resume_at(self, epoch: int, batch: int) -> None:
        """Make the next iteration be ``epoch``, starting at its batch number ``batch``."""
        self.epoch = int(epoch)
        self._start_batch = int(batch)
