"""The hooks a numeru plugin can implement.

Each hook is handed a ``register`` callable; a plugin calls it once per thing it provides.
Objects may be given directly or as a ``"module:attribute"`` string, which is imported on first
use, so a plugin module stays cheap to import.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("numeru")
hookimpl = pluggy.HookimplMarker("numeru")


@hookspec
def register_backends(register):
    """Register array backends: ``register(backend)`` with a ``numeru.core.Backend``."""


@hookspec
def register_kernels(register):
    """Register fast kernels: ``register(op_name, backend_name, function)``."""


@hookspec
def register_gradients(register):
    """Register autograd rules: ``register(op_name, rule)``."""


@hookspec
def register_models(register):
    """Register models by name: ``register(name, cls)``."""


@hookspec
def register_optimizers(register):
    """Register optimizers by name: ``register(name, cls)``."""


@hookspec
def register_schedulers(register):
    """Register learning-rate schedulers by name: ``register(name, cls)``."""


@hookspec
def register_index_types(register):
    """Register vector index types by name: ``register(name, cls)``."""


@hookspec
def register_exporters(register):
    """Register ONNX exporters: ``register(model_name, export_function)``."""


@hookspec
def register_commands(register):
    """Register CLI subcommands: ``register(name, command)`` with a ``numeru.core.cli.Command``."""


@hookspec
def register_demos(register):
    """Register sections of ``numeru demo``: ``register(name, function(out))``."""
