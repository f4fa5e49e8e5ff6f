"""The plugin manager and the typed registries it fills.

One ``pluggy.PluginManager("numeru")``. Entry points in group ``numeru`` load lazily on the first
registry look-up, once and thread-safely; each plugin is loaded and called in isolation, so one
that fails is reported (``numeru plugins``, one warning) and the others still work.
``NUMERU_PLUGINS=name,name`` restricts which entry points load (an empty value loads none).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import catalog, hookspecs
from .errors import PluginError

ENTRY_POINT_GROUP = "numeru"
BUILTIN = "numeru-core"

# Registry kind -> (hook name, singular noun used in messages).
KINDS: dict[str, tuple[str, str]] = {
    "backends": ("register_backends", "backend"),
    "kernels": ("register_kernels", "kernel"),
    "gradients": ("register_gradients", "gradient"),
    "models": ("register_models", "model"),
    "optimizers": ("register_optimizers", "optimizer"),
    "schedulers": ("register_schedulers", "scheduler"),
    "index_types": ("register_index_types", "index type"),
    "exporters": ("register_exporters", "exporter"),
    "commands": ("register_commands", "command"),
    "demos": ("register_demos", "demo section"),
}


def _resolve(obj: Any) -> Any:
    """Import a ``"module:attribute"`` reference given by a plugin's own code."""
    if not isinstance(obj, str):
        return obj
    module_name, _, attribute = obj.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


class Registry:
    """Name -> object for one kind of thing (models, optimizers, ...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.noun = KINDS[kind][1]
        self._entries: dict[Any, list[Any]] = {}  # name -> [object or reference, plugin name]

    def _add(self, name: Any, obj: Any, plugin: str) -> None:
        if name in self._entries:
            other = self._entries[name][1]
            raise PluginError(
                f"{self.noun} {name!r} is registered twice: by plugin {other!r} and by {plugin!r}"
            )
        self._entries[name] = [obj, plugin]
        _bump()

    def _drop_plugin(self, plugin: str) -> None:
        for name in [n for n, (_, p) in self._entries.items() if p == plugin]:
            del self._entries[name]
        _bump()

    def get(self, name: Any) -> Any:
        """The object registered as ``name``; an unknown name raises ``PluginError``."""
        ensure_loaded()
        entry = self._entries.get(name)
        if entry is None:
            raise PluginError(self._unknown_message(name))
        if isinstance(entry[0], str):
            entry[0] = _resolve(entry[0])
        return entry[0]

    def find(self, name: Any) -> Any | None:
        """Like ``get`` but ``None`` for an unknown name."""
        ensure_loaded()
        return self.get(name) if name in self._entries else None

    def _unknown_message(self, name: Any) -> str:
        known = ", ".join(sorted(map(str, self._entries))) or "none"
        message = f"unknown {self.noun} {name!r}"
        dist = catalog.provider(self.kind, name)
        if dist is not None:
            message += f": pip install {dist}"
        return f"{message} (known: {known})"

    def provider(self, name: Any) -> str:
        """The plugin that registered ``name``."""
        ensure_loaded()
        if name not in self._entries:
            raise PluginError(self._unknown_message(name))
        return self._entries[name][1]

    def names(self) -> list[Any]:
        ensure_loaded()
        return sorted(self._entries, key=str)

    def __contains__(self, name: object) -> bool:
        ensure_loaded()
        return name in self._entries

    def __iter__(self) -> Iterator[Any]:
        return iter(self.names())

    def __len__(self) -> int:
        ensure_loaded()
        return len(self._entries)


@dataclass
class PluginInfo:
    """What ``numeru plugins`` reports about one plugin."""

    name: str
    distribution: str | None = None
    version: str | None = None
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None


_registries = {kind: Registry(kind) for kind in KINDS}
_manager = pluggy.PluginManager("numeru")
_manager.add_hookspecs(hookspecs)
_info: dict[str, PluginInfo] = {}
_lock = threading.RLock()
_loaded = False
_generation = 0  # bumped on every registry change; dispatch caches compare against it


def _bump() -> None:
    global _generation
    _generation += 1


def generation() -> int:
    return _generation


def registry(kind: str) -> Registry:
    """The registry of one kind: ``registry("models")``, ``registry("optimizers")``, ..."""
    try:
        return _registries[kind]
    except KeyError:
        known = ", ".join(KINDS)
        raise PluginError(f"registry: expected one of {known}, got {kind!r}") from None


def _register_callable(kind: str, plugin: str, info: PluginInfo) -> Callable[..., None]:
    reg = _registries[kind]

    def register(*args: Any) -> None:
        if kind == "backends":
            (backend,) = args
            key, obj = backend.name, backend
        elif kind == "kernels":
            op, backend_name, fn = args
            key, obj = (op, backend_name), fn
        else:
            key, obj = args
        reg._add(key, obj, plugin)
        label = "/".join(key) if isinstance(key, tuple) else str(key)
        info.registered.setdefault(kind, []).append(label)

    return register


def _call_hooks(plugin_name: str, info: PluginInfo) -> None:
    """Run every hook of one plugin; on failure undo its registrations and record the error."""
    try:
        for kind, (hook_name, _) in KINDS.items():
            for impl in getattr(_manager.hook, hook_name).get_hookimpls():
                if impl.plugin_name == plugin_name:
                    impl.function(register=_register_callable(kind, plugin_name, info))
    except Exception as exc:
        for reg in _registries.values():
            reg._drop_plugin(plugin_name)
        info.registered.clear()
        info.error = f"{type(exc).__name__}: {exc}"
        _manager.unregister(name=plugin_name)
        warnings.warn(f"numeru plugin {plugin_name!r} failed and was skipped: {info.error}",
                      RuntimeWarning, stacklevel=3)


def _wanted(name: str) -> bool:
    selection = os.environ.get("NUMERU_PLUGINS")
    if selection is None:
        return True
    return name in {part.strip() for part in selection.split(",") if part.strip()}


def ensure_loaded() -> None:
    """Load the built-in plugin and every entry point, once."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        from . import plugin as builtin

        _add_plugin(builtin, BUILTIN, PluginInfo(BUILTIN, BUILTIN, _version(BUILTIN)))
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                         key=lambda e: e.name):
            if ep.name in _info or not _wanted(ep.name):
                continue
            dist = ep.dist.name if ep.dist is not None else None
            info = PluginInfo(ep.name, dist, ep.dist.version if ep.dist is not None else None)
            try:
                module = ep.load()
            except Exception as exc:
                info.error = f"{type(exc).__name__}: {exc}"
                _info[ep.name] = info
                warnings.warn(f"numeru plugin {ep.name!r} failed to import and was skipped: "
                              f"{info.error}", RuntimeWarning, stacklevel=2)
                continue
            _add_plugin(module, ep.name, info)
        _loaded = True


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _add_plugin(obj: object, name: str, info: PluginInfo) -> None:
    _info[name] = info
    try:
        _manager.register(obj, name=name)
    except Exception as exc:
        info.error = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"numeru plugin {name!r} is invalid and was skipped: {info.error}",
                      RuntimeWarning, stacklevel=3)
        return
    _call_hooks(name, info)


def register(obj: object, name: str) -> PluginInfo:
    """Register a plugin object (a module or an instance with hook methods) by hand."""
    ensure_loaded()
    with _lock:
        if name in _info:
            raise PluginError(f"plugin name {name!r} is already in use")
        info = PluginInfo(name)
        _add_plugin(obj, name, info)
        if info.error is not None:
            del _info[name]
            raise PluginError(f"plugin {name!r} failed: {info.error}")
        return info


def unregister(name: str) -> None:
    """Remove a plugin registered with ``register`` and everything it registered."""
    with _lock:
        if name not in _info:
            raise PluginError(f"unknown plugin {name!r} (known: {', '.join(sorted(_info))})")
        del _info[name]
        if _manager.has_plugin(name):
            _manager.unregister(name=name)
        for reg in _registries.values():
            reg._drop_plugin(name)


def plugin_info() -> list[PluginInfo]:
    """Every plugin seen, in load order, with what it registered or why it failed."""
    ensure_loaded()
    return list(_info.values())


def build(config: dict[str, Any]) -> Any:
    """Construct a registered object from a config: ``{"model": NAME, "params": {...}}``.

    The key names the registry (``model``, ``optimizer``, ``scheduler``, ``index_type``).
    """
    from .errors import expected

    if not isinstance(config, dict):
        raise expected("config", "a dict such as {'model': NAME, 'params': {...}}", config)
    kinds = {"model": "models", "optimizer": "optimizers", "scheduler": "schedulers",
             "index_type": "index_types"}
    chosen = [key for key in kinds if key in config]
    if len(chosen) != 1:
        raise expected("config", f"exactly one of the keys {sorted(kinds)}", sorted(config))
    extra = set(config) - {chosen[0], "params"}
    if extra:
        raise expected("config", "only the keys " f"{chosen[0]!r} and 'params'", sorted(config))
    params = config.get("params", {})
    if not isinstance(params, dict):
        raise expected("config['params']", "a dict of constructor arguments", params)
    cls = registry(kinds[chosen[0]]).get(config[chosen[0]])
    return cls(**params)
