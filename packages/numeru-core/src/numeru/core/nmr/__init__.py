"""The ``.nmr`` artifact format: one safe file for tensors, containers and registered models.

``save(obj, path)`` / ``load(path, *, mmap=False, device=None)``; the format is specified in
``packages/numeru-core/docs/nmr-format.md``. Nothing is pickled and no name read from a file
is ever imported: models come back through registry look-ups only. ``atomic_file(path)``, the
writer under ``save``, is public so that other packages write their files the same way (all or
nothing, the previous file intact on any failure).
"""

from ._io import atomic_file, load, read_header, save, verify_file
from ._layout import FORMAT_VERSION, MAGIC, MAX_HEADER_BYTES, Header, TensorEntry

__all__ = ["FORMAT_VERSION", "MAGIC", "MAX_HEADER_BYTES", "Header", "TensorEntry", "atomic_file",
           "load", "read_header", "save", "verify_file"]
