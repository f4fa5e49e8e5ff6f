"""Grad mode: whether ops record a graph. Thread-local, as in PyTorch."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether ops on tensors that require grad are recorded in this thread."""
    return getattr(_state, "enabled", True)


def _set(enabled: bool) -> bool:
    previous = is_grad_enabled()
    _state.enabled = enabled
    return previous


class _GradMode(contextlib.ContextDecorator):
    """Usable as ``with no_grad():``, ``@no_grad()`` and bare ``@no_grad`` (PyTorch's forms).

    Each ``with`` pushes the previous mode on a stack, and each call of a decorated function
    uses a fresh instance, so recursion, nesting and threads restore the right mode.
    """

    enabled = True
    _previous: list[bool]

    def __new__(cls, func: Any = None) -> Any:
        self = super().__new__(cls)
        self._previous = []
        if callable(func):  # bare @no_grad: decorate directly
            return self(func)
        return self

    def _recreate_cm(self) -> _GradMode:
        return type(self)()

    def __enter__(self) -> None:
        self._previous.append(_set(self.enabled))

    def __exit__(self, *exc: Any) -> None:
        _set(self._previous.pop())


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record nothing (inference, parameter updates)."""

    enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator: turn recording back on inside a ``no_grad`` block."""

    enabled = True


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Context manager turning recording on or off according to ``mode``."""
    previous = _set(bool(mode))
    try:
        yield
    finally:
        _set(previous)


def _without_grad(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = _set(False)
        try:
            return fn(*args, **kwargs)
        finally:
            _set(previous)

    return wrapper  # type: ignore[return-value]
