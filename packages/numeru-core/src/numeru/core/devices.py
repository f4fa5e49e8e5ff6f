"""Devices: ``nm.device("cpu")``, ``nm.device("cuda:1")`` and ``with nm.device(...):``.

A ``Device`` is a (type, index) pair whose type names a registered backend. Devices are
interned, so ``a.device is b.device`` is the cheap test dispatch uses. Used as a context
manager, a device becomes the default for creation functions in this thread (and task), and
the current device of a backend whose operations follow one (CuPy).
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

from . import plugins as _plugins
from .errors import DeviceError


class Device:
    __slots__ = ("type", "index", "_backend", "_generation")

    def __init__(self, type: str, index: int) -> None:
        self.type = type
        self.index = index
        self._backend: Any = None
        self._generation = -1

    @property
    def backend(self) -> Any:
        """The backend object that owns this device (looked up again after plugins change)."""
        if self._generation != _plugins._generation:
            self._backend = _plugins.registry("backends").get(self.type)
            self._generation = _plugins._generation
        return self._backend

    def __repr__(self) -> str:
        return f"device({str(self)!r})"

    def __str__(self) -> str:
        return self.type if self.type == "cpu" else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except DeviceError:
                return False
        return self is other

    # Devices are interned (one object per type and index), so identity hashing is exact, and
    # it keeps the per-device kernel caches of dispatch on C-level hashing.
    __hash__ = object.__hash__

    # Copies must stay the interned object: a copy would be a device of its own to ``is``.
    def __copy__(self) -> Device:
        return self

    def __deepcopy__(self, memo: Any) -> Device:
        return self

    def __reduce__(self) -> Any:
        return _intern, (self.type, self.index)

    def __enter__(self) -> Device:
        # A backend whose operations follow its own current device (CuPy) is switched too, so
        # that code calling its namespace directly inside the block runs here as well.
        backend = self.backend
        scope = backend.use(self.index) if backend.ops_use_current_device else None
        if scope is not None:
            scope.__enter__()
        # with-blocks nest within a thread, so one token stack per thread is enough.
        _tokens.__dict__.setdefault("stack", []).append((_default.set(self), scope))
        return self

    def __exit__(self, *exc: Any) -> None:
        token, scope = _tokens.stack.pop()
        _default.reset(token)
        if scope is not None:
            scope.__exit__(*exc)


_interned: dict[tuple[str, int], Device] = {}
_tokens = threading.local()


def _intern(type_: str, index: int) -> Device:
    key = (type_, index)
    found = _interned.get(key)
    if found is None:
        found = _interned.setdefault(key, Device(type_, index))
    return found


def _parse(spec: str) -> tuple[str, int]:
    type_, sep, index_text = spec.strip().partition(":")
    if not type_ or (sep and not index_text.isdigit()):
        raise DeviceError(f"device: expected 'TYPE' or 'TYPE:INDEX' such as 'cuda:0', got {spec!r}")
    return type_, int(index_text) if sep else 0


def device(spec: str | Device | None = None, index: int | None = None) -> Device:
    """The device named by ``spec`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``), checked usable.

    ``device()`` with no argument returns the current default device.
    """
    if spec is None:
        return _default.get()
    if isinstance(spec, Device):
        return spec
    if not isinstance(spec, str):
        raise DeviceError(f"device: expected a string such as 'cpu' or 'cuda:0', got {spec!r}")
    type_, parsed_index = _parse(spec)
    if index is not None:
        parsed_index = index
    found = _interned.get((type_, parsed_index))
    if found is not None:
        return found
    from .plugins import registry

    backends = registry("backends")
    if type_ not in backends:
        raise DeviceError(backends._unknown_message(type_).replace("backend", "device type", 1))
    backends.get(type_).check_index(parsed_index)
    return _intern(type_, parsed_index)


def get_default_device() -> Device:
    return _default.get()


CPU = _intern("cpu", 0)
_default: contextvars.ContextVar[Device] = contextvars.ContextVar("numeru_device", default=CPU)
