"""The ``.nmr`` artifact format: one safe file for tensors, containers and registered models.

``save(obj, path)`` / ``load(path, *, mmap=False, device=None)``; the format is specified in
``packages/numeru-core/docs/nmr-format.md``. Nothing is pickled and no name read from a file
is ever imported: models come back through registry look-ups only.
"""

from ._io import load, read_header, save, verify_file
from ._layout import FORMAT_VERSION, MAGIC, MAX_HEADER_BYTES, Header, TensorEntry

__all__ = ["FORMAT_VERSION", "MAGIC", "MAX_HEADER_BYTES", "Header", "TensorEntry", "load",
           "read_header", "save", "verify_file"]
