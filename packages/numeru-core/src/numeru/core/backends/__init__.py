"""Array backends: the base class a backend implements, and the built-in CPU backend."""

from ._base import Backend
from .cpu import CPUBackend, aligned_empty

__all__ = ["Backend", "CPUBackend", "aligned_empty"]
