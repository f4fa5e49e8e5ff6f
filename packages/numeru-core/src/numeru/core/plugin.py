"""What numeru-core itself registers: the CPU backend, its kernels, the CLI and a demo section.

The built-in plugin is registered the same way third-party ones are, only without an entry point.
"""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl


@hookimpl
def register_backends(register: Any) -> None:
    from .backends.cpu import CPUBackend

    register(CPUBackend())


@hookimpl
def register_commands(register: Any) -> None:
    from .cli import BUILTIN_COMMANDS

    for name, command in BUILTIN_COMMANDS.items():
        register(name, command)


@hookimpl
def register_demos(register: Any) -> None:
    register("core", "numeru.core.demo:core_section")
