"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from numeru.core.errors import ValidationError, expected

from .module import Module


class ContainerIndexError(ValidationError, IndexError):
    """An index out of a container's range: a numeru ValidationError that ``except
    IndexError`` also catches (as with PyTorch's containers)."""


def _index(index: Any, n: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise expected("index", "an int or a slice", index)
    if not -n <= index < n:
        raise expected("index", f"an int in [{-n}, {n})", index, error=ContainerIndexError)
    return index % n


def _without(items: list[Module], index: int | slice) -> list[Module]:
    if isinstance(index, slice):
        del items[index]
    else:
        del items[_index(index, len(items))]
    return items


def _renumber(container: Module, items: list[Module]) -> None:
    container._modules.clear()
    for i, m in enumerate(items):
        container._modules[str(i)] = m


def _module(module: Any) -> Module:
    if not isinstance(module, Module):
        raise expected("module", "a Module", module)
    return module


class _NumberedModules(Module):
    """Modules kept in order, appended under '0', '1', ...: what Sequential and ModuleList
    share (editing renumbers the keys, as in PyTorch)."""

    def append(self, module: Module) -> Any:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        for m in modules:
            self.append(m)
        return self

    def pop(self, index: int | slice) -> Any:
        value = self[index]  # type: ignore[index]
        del self[index]
        return value

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __setitem__(self, index: int, module: Module) -> None:
        self._modules[list(self._modules)[_index(index, len(self._modules))]] = _module(module)

    def __delitem__(self, index: int | slice) -> None:
        """Delete and renumber the keys '0', '1', ... (PyTorch does, names included)."""
        _renumber(self, _without(list(self._modules.values()), index))


class Sequential(_NumberedModules):
    """Modules applied in order; built from modules or from an ``OrderedDict`` of them."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (OrderedDict, dict)):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert before ``index`` (negative counts from the end), renumbering as PyTorch."""
        _module(module)
        n = len(self._modules)
        if not isinstance(index, int) or not -n <= index <= n:
            raise expected("index", f"an int in [{-n}, {n}]", index, error=ContainerIndexError)
        items = list(self._modules.values())
        items.insert(index + n if index < 0 else index, module)
        _renumber(self, items)
        return self

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_index(index, len(items))][1]


class ModuleList(_NumberedModules):
    """A list of modules, registered under '0', '1', ..."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for m in modules or ():
            self.append(m)

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, _module(module))
        _renumber(self, items)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(list(self) + list(other))

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[_index(index, len(items))]

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it instead")


class ModuleDict(Module):
    """A dict of modules by name (insertion order kept)."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for name, m in items:
            self[name] = m

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Any:
        return self._modules.keys()

    def values(self) -> Any:
        return self._modules.values()

    def items(self) -> Any:
        return self._modules.items()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward(); index it instead")
