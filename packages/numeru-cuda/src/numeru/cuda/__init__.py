"""numeru.cuda: the CuPy backend. Use it through ``nm.device("cuda")``; nothing to import."""

from ._version import __version__
from .backend import CUDABackend

__all__ = ["CUDABackend", "__version__"]
