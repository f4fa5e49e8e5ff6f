"""``save`` and ``load``: atomic writes, checked reads, zero-copy memory maps.

Saving writes through ``atomic_file``: a temporary file in the target's directory, fsynced,
renamed over the target (``os.replace``, atomic on POSIX and Windows), then the directory
fsynced, so a save that is interrupted at any point leaves the previous file intact. Buffers
are written straight from the arrays' memory (no serialization copy) while worker threads
compute their CRC-32 block by block (``_checksum``), so the checksum mostly overlaps the I/O.
"""

from __future__ import annotations

import contextlib
import io
import mmap as _mmap
import os
import stat
import uuid
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np

from .._version import __version__
from ..backends.cpu import aligned_empty
from ..errors import FormatError, ValidationError, expected
from ..parallel import get_num_threads
from ._checksum import BLOCK, BlockCrc, blocks
from ._codec import Decoder, Encoder
from ._layout import (
    ALIGNMENT,
    FORMAT_NAME,
    FORMAT_VERSION,
    PREFIX,
    Header,
    TensorEntry,
    align,
    pack_header,
    parse_header,
    read_prefix,
)

PLACEHOLDER_CRC = 2**32 - 1  # the widest checksum value, to reserve the header's room
_ZEROS = bytes(ALIGNMENT)


def _byte_view(array: np.ndarray) -> memoryview:
    """The raw bytes of a C-contiguous array (any dtype, incl. bfloat16 and 0-d)."""
    return array.reshape(-1).view(np.uint8).data


def _crc_threads() -> int:
    # One core stays with the thread doing the I/O (copying to or from the page cache); the
    # others compute block checksums. At least one worker, so the two always overlap.
    return max(1, get_num_threads() - 1)


def _metadata(metadata: Any) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise expected("metadata", "a dict of str -> str", metadata)
    return dict(metadata)


def save(obj: Any, path: str | os.PathLike[str], *, metadata: dict[str, str] | None = None,
         durable: bool = True) -> None:
    """Save ``obj`` to ``path`` in the ``.nmr`` format, atomically.

    ``obj``: a Tensor, a NumPy array, a JSON-safe value, nested lists/tuples/dicts of those, or
    any registered model (its ``_nmr_state``). ``metadata``: free-form str -> str pairs kept in
    the header (``numeru inspect`` shows them). ``durable=False`` skips the two fsyncs: the
    replace stays atomic for other processes (they see the old file or the new one, never a
    partial one), but a power loss right after may lose the new data (scratch files only).
    """
    target = check_target(path)  # before any work: a bad path fails fast
    encoder = Encoder()
    root = encoder.encode(obj)
    meta = _metadata(metadata)
    producers: dict[str, str | None] = {"numeru-core": __version__}
    producers.update(encoder.producers)
    # (np.ascontiguousarray would turn 0-d arrays into 1-d ones, hence the reshape)
    hosts = [np.ascontiguousarray(a).reshape(a.shape) for _, a in encoder.arrays]
    offsets, position = [], 0
    for host in hosts:
        offsets.append(position)
        position = align(position + host.nbytes)
    data_size = offsets[-1] + hosts[-1].nbytes if hosts else 0
    views = [_byte_view(h) for h in hosts]
    table = [TensorEntry(name, host.dtype, host.shape, offsets[i], host.nbytes, PLACEHOLDER_CRC)
             for i, ((name, _), host) in enumerate(zip(encoder.arrays, hosts, strict=True))]
    # The header's length is fixed before the checksums are known: reserve it with the widest
    # checksum value, write the data, then write the real header padded to the same length.
    length = len(pack_header(_header(root, table, data_size, producers, meta)))

    with atomic_file(target, durable=durable) as file, \
            BlockCrc(data_size, _crc_threads()) as crc:
        pending = [[crc.add(piece) for piece in blocks(view)] for view in views]
        file.seek(length)
        _write_data(file, views, offsets)
        table = [TensorEntry(e.name, e.dtype, e.shape, e.offset, e.nbytes, BlockCrc.value(parts))
                 for e, parts in zip(table, pending, strict=True)]
        packed = pack_header(_header(root, table, data_size, producers, meta), length)
        file.seek(0)
        _write_all(file, memoryview(packed))
        file.truncate(length + data_size)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], *, durable: bool = True) -> Iterator[BinaryIO]:
    """An unbuffered binary file that replaces ``path`` atomically when the block ends.

    The data goes to a temporary file in the target's directory, which is fsynced, renamed
    over the target (``os.replace``, atomic on POSIX and Windows) and followed by an fsync of
    the directory: an interruption at any point leaves the previous file intact, and an error
    in the block removes the temporary file. The new file keeps the permissions of the one it
    replaces. ``durable=False`` skips the two fsyncs (still atomic for other processes).
    Used by ``save`` and by ``numeru.core.onnx.export``.
    """
    target = check_target(path)
    directory = os.path.dirname(os.path.abspath(target))
    temporary = os.path.join(directory,
                             f".{os.path.basename(target)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(
            os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise expected("path", "a writable location", f"{target} ({exc.strerror})",
                       error=ValidationError) from None
    try:
        _keep_mode(target, descriptor)
        with os.fdopen(descriptor, "wb", buffering=0) as file:
            yield file
            if durable:
                os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        _remove_quietly(temporary)
        raise
    if durable:
        _fsync_directory(directory)


def check_target(path: Any) -> str:
    """``path`` as a str naming a file to write; ``ValidationError`` for anything else.

    Checked before writing, so that a directory (which ``os.replace`` refuses only after the
    whole file is written), an empty path or an existing read-only file (which ``os.replace``
    would replace) is refused up front, with the argument named.
    """
    try:
        target: Any = os.fspath(path)
    except TypeError:  # an int, None, ...: not a path at all
        target = None
    if not isinstance(target, str) or not target:
        raise expected("path", "a non-empty str or os.PathLike file path", path)
    if target.endswith(("/", os.sep)) or os.path.isdir(target):
        raise expected("path", "a file path, not a directory", target)
    if os.path.exists(target) and not os.access(target, os.W_OK):
        # os.replace would swap a read-only file without a word; np.save and safetensors
        # refuse (they open it for writing), and so does this: read-only protects a file
        raise expected("path", "a file this user may write (it exists and is read-only; "
                       "make it writable to replace it)", target)
    return target


def _header(root: Any, table: list[TensorEntry], data_size: int,
            producers: dict[str, str | None], metadata: dict[str, str]) -> dict[str, Any]:
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "producers": producers,
            "metadata": metadata, "data_size": data_size,
            "tensors": [entry.as_json() for entry in table], "object": root}


def _write_all(file: BinaryIO, view: memoryview) -> None:
    while len(view):
        written = file.write(view)
        if written is None or written <= 0:
            raise OSError("short write")
        view = view[written:]


def _write_data(file: BinaryIO, views: list[memoryview], offsets: list[int]) -> None:
    position = 0
    for view, offset in zip(views, offsets, strict=True):
        if offset > position:
            _write_all(file, memoryview(_ZEROS[: offset - position]))
        for piece in blocks(view):
            _write_all(file, piece)
        position = offset + len(view)


def _keep_mode(target: str, descriptor: int) -> None:
    """Give the new file the permissions of the one it replaces (a private model stays so)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return  # no previous file: the umask applied at creation stands
    if hasattr(os, "fchmod"):
        os.fchmod(descriptor, mode)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _fsync_directory(directory: str) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory; there os.replace is as durable as it gets
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_header(file: BinaryIO) -> Header:
    """Read and validate the prefix and header of an open ``.nmr`` file."""
    size = os.fstat(file.fileno()).st_size
    file.seek(0)
    prefix = file.read(PREFIX.size)
    version, crc, length = read_prefix(prefix, size)
    body = file.read(length)
    if len(body) != length:
        raise FormatError("truncated .nmr file: the header ends early")
    return parse_header(version, crc, body, size)


def _gaps(header: Header) -> Iterator[tuple[int, int, int | None]]:
    """(start, end, index of the next tensor or None) of each run of padding bytes in the data
    section: between buffers, and after the last one up to ``data_size``."""
    end = 0
    for index, entry in enumerate(header.tensors):
        if entry.offset > end:
            yield end, entry.offset, index
        end = entry.offset + entry.nbytes
    if header.data_size > end:
        yield end, header.data_size, None


def _padding_is_zero(file: BinaryIO, header: Header, start: int, end: int) -> bool:
    file.seek(header.data_start + start)
    while start < end:
        piece = file.read(min(BLOCK, end - start))
        if not piece or piece.count(0) != len(piece):
            return False
        start += len(piece)
    return True


def _padding_error(header: Header, start: int, end: int, following: int | None) -> FormatError:
    where = "at the end" if following is None else \
        f"before tensor {header.tensors[following].name!r}"
    return FormatError(f"padding bytes {where} (data section bytes {start}..{end}): expected "
                       "zeros, got other bytes: the file is corrupt")


def _check_padding(file: BinaryIO, header: Header) -> None:
    """Padding is written as zeros: with checksums verified, a flipped byte there is found too."""
    for start, end, following in _gaps(header):
        if not _padding_is_zero(file, header, start, end):
            raise _padding_error(header, start, end, following)


def _read_buffers(file: io.FileIO, header: Header, verify: bool) -> list[np.ndarray]:
    """Each tensor in its own 64-byte aligned buffer, checksums computed while reading."""
    threads = _crc_threads() if verify else 0
    if verify:
        _check_padding(file, header)
    with BlockCrc(header.data_size, threads) as crc:
        arrays, checks = [], []
        for entry in header.tensors:
            buffer = aligned_empty((entry.nbytes,), np.uint8)
            file.seek(header.data_start + entry.offset)
            parts = []
            for piece in blocks(buffer.data):
                if file.readinto(piece) != len(piece):
                    raise FormatError(f"truncated .nmr file: tensor {entry.name!r} ends early")
                if verify:
                    parts.append(crc.add(piece))
            checks.append((entry, parts))
            arrays.append(buffer.view(entry.dtype).reshape(entry.shape))
        if verify:
            for entry, parts in checks:
                if BlockCrc.value(parts) != entry.crc32:
                    raise FormatError(f"checksum mismatch in tensor {entry.name!r}: the file "
                                      "is corrupt")
    return arrays


def _map_buffers(file: io.FileIO, header: Header, verify: bool) -> list[np.ndarray]:
    """Arrays over a copy-on-write memory map: no copy; writes stay private to the process."""
    if verify:
        _check_padding(file, header)
    if not header.tensors or header.data_size == 0:
        return [np.empty(e.shape, e.dtype) for e in header.tensors]
    mapped = _mmap.mmap(file.fileno(), 0, access=_mmap.ACCESS_COPY)
    whole = memoryview(mapped)
    if verify:
        with BlockCrc(header.data_size, get_num_threads()) as crc:
            for entry in header.tensors:
                start = header.data_start + entry.offset
                parts = [crc.add(p) for p in blocks(whole[start : start + entry.nbytes])]
                if BlockCrc.value(parts) != entry.crc32:
                    raise FormatError(f"checksum mismatch in tensor {entry.name!r}: the file "
                                      "is corrupt")
    whole.release()
    arrays = []
    for entry in header.tensors:
        if entry.nbytes == 0:
            arrays.append(np.empty(entry.shape, entry.dtype))
            continue
        flat = np.frombuffer(mapped, np.uint8, count=entry.nbytes,
                             offset=header.data_start + entry.offset)
        arrays.append(flat.view(entry.dtype).reshape(entry.shape))
    return arrays


def load(path: str | os.PathLike[str], *, mmap: bool = False, device: Any = None,
         verify: bool | None = None) -> Any:
    """Load what ``save`` wrote.

    ``mmap=True``: CPU arrays backed by the file through a copy-on-write memory map (no copy
    at load; pages are read on first touch; writing to an array changes only this process's
    copy, never the file). ``device``: where Tensors go (default CPU); on a non-CPU device
    every array becomes a Tensor there. ``verify``: check each tensor's CRC-32 (default: yes,
    except with ``mmap=True``, where it would read the whole file up front).
    """
    from ..devices import CPU
    from ..devices import device as make_device
    from ..tensor import Tensor

    target = CPU if device is None else make_device(device)
    if mmap and target is not CPU:
        raise expected("mmap", f"False when loading to device '{target}' (a memory map is "
                       "host memory)", mmap)
    check = (not mmap) if verify is None else bool(verify)
    with open(os.fspath(path), "rb", buffering=0) as file:
        header = read_header(file)
        arrays = (_map_buffers if mmap else _read_buffers)(file, header, check)

    def to_tensor(host: np.ndarray) -> Tensor:
        return Tensor(host, CPU) if target is CPU else Tensor(host, CPU).to(target)

    try:
        return Decoder(arrays, to_tensor, str(target)).decode(header.root)
    except RecursionError:  # a safety net: MAX_DEPTH normally stops hostile nesting first
        raise FormatError("object tree: nested too deeply") from None


def verify_file(path: str | os.PathLike[str]) -> tuple[Header, list[bool]]:
    """The header and, per tensor, whether its bytes match the recorded CRC-32 and the
    padding before it (after it, for the last tensor) is zero. A file without tensors whose
    data section holds non-zero bytes raises ``FormatError``."""
    with open(os.fspath(path), "rb", buffering=0) as file:
        header = read_header(file)
        padding_ok = [True] * len(header.tensors)
        for start, end, following in _gaps(header):
            if not _padding_is_zero(file, header, start, end):
                if not header.tensors:
                    raise _padding_error(header, start, end, following)
                padding_ok[-1 if following is None else following] = False
        results = []
        for entry, padding in zip(header.tensors, padding_ok, strict=True):
            file.seek(header.data_start + entry.offset)
            value, left = 0, entry.nbytes
            while left:
                piece = file.read(min(8 * 1024 * 1024, left))
                if not piece:
                    break
                value = zlib.crc32(piece, value)
                left -= len(piece)
            results.append(padding and left == 0 and value == entry.crc32)
    return header, results
