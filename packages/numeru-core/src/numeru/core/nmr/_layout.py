"""The byte layout of a ``.nmr`` file and the validation of its header.

::

    offset  size  field
    0       8     magic  b"\\x89NMR\\r\\n\\x1a\\n"
    8       4     format version, uint32 little-endian
    12      4     CRC-32 of the header bytes, uint32 little-endian
    16      8     header length H in bytes, uint64 little-endian (H <= MAX_HEADER_BYTES)
    24      H     header: UTF-8 JSON, padded with spaces so that 24 + H is a multiple of 64
    24 + H  D     data section: raw little-endian buffers, each at a 64-byte aligned offset

The file ends exactly at ``24 + H + D`` where ``D`` is the header's ``data_size``. Everything a
reader allocates is checked against the file size first, so a corrupt or hostile file can make
the reader raise ``FormatError`` but never allocate more than the file holds.
See ``packages/numeru-core/docs/nmr-format.md``.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dtypes import BY_NAME
from ..errors import FormatError, ValidationError

MAGIC = b"\x89NMR\r\n\x1a\n"
FORMAT_VERSION = 1
PREFIX = struct.Struct("<8sIIQ")  # magic, version, header crc32, header length
ALIGNMENT = 64
MAX_HEADER_BYTES = 100 * 1024 * 1024  # as safetensors: a header is metadata, not data
MAX_NDIM = 64
MAX_EMPTY_EXTENT = 2**48  # bytes; bounds the non-zero dimensions of empty tensors too
FORMAT_NAME = "numeru.nmr"


def align(n: int) -> int:
    return -(-n // ALIGNMENT) * ALIGNMENT


def dtype_name(dtype: np.dtype) -> str:
    return "bool" if dtype == np.bool_ else dtype.name


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor table; ``offset`` is relative to the start of the data section."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    offset: int
    nbytes: int
    crc32: int

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": dtype_name(self.dtype), "shape": list(self.shape),
                "offset": self.offset, "nbytes": self.nbytes, "crc32": self.crc32}


@dataclass(frozen=True)
class Header:
    """A parsed, validated header."""

    version: int
    data_start: int
    data_size: int
    tensors: list[TensorEntry]
    root: Any  # the encoded object tree (see _codec)
    producers: dict[str, str | None]
    metadata: dict[str, str]
    raw: dict[str, Any]


def pack_header(header: dict[str, Any], length: int | None = None) -> bytes:
    """The prefix and the padded header bytes (the data section starts right after).

    ``length``: the total to pad to (prefix included), reserved earlier for this header.
    """
    text = json.dumps(header, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    body = text.encode("utf-8")
    padded = align(PREFIX.size + len(body)) - PREFIX.size
    if length is not None:
        if length - PREFIX.size < len(body) or length % ALIGNMENT:
            raise AssertionError("the reserved header room is too small")
        padded = length - PREFIX.size
    body += b" " * (padded - len(body))
    if len(body) > MAX_HEADER_BYTES:
        raise ValidationError(f"obj and metadata: expected at most {MAX_HEADER_BYTES} bytes of "
                              f"header JSON, got {len(body)} (store large values as arrays, "
                              "not in parameters or metadata)")
    return PREFIX.pack(MAGIC, FORMAT_VERSION, zlib.crc32(body), len(body)) + body


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def read_prefix(prefix: bytes, file_size: int) -> tuple[int, int, int]:
    """Validate the fixed prefix; return (version, header crc32, header length)."""
    if len(prefix) < PREFIX.size:
        if prefix and not MAGIC.startswith(prefix[: len(MAGIC)]):
            raise FormatError("not a .nmr file: bad magic bytes")
        raise FormatError(f"truncated .nmr file: expected at least {PREFIX.size} bytes, got "
                          f"{len(prefix)}")
    magic, version, crc, length = PREFIX.unpack(prefix[: PREFIX.size])
    if magic != MAGIC:
        raise FormatError(f"not a .nmr file: expected magic bytes {MAGIC!r}, got {magic!r}")
    if version > FORMAT_VERSION:
        raise FormatError(f"this file uses .nmr format version {version}, newer than the "
                          f"versions this numeru-core reads (up to {FORMAT_VERSION}): upgrade "
                          "numeru-core (pip install -U numeru-core)")
    if version < 1:
        raise FormatError(f".nmr format version: expected 1..{FORMAT_VERSION}, got {version}")
    if length > MAX_HEADER_BYTES:
        raise FormatError(f"header length: expected at most {MAX_HEADER_BYTES} bytes, got "
                          f"{length}")
    if PREFIX.size + length > file_size:
        raise FormatError(f"truncated .nmr file: the header needs {PREFIX.size + length} bytes, "
                          f"the file has {file_size}")
    if (PREFIX.size + length) % ALIGNMENT:
        raise FormatError(f"header length: expected the data section to start at a multiple "
                          f"of {ALIGNMENT} bytes, got offset {PREFIX.size + length}")
    return version, crc, length


def parse_header(version: int, crc: int, body: bytes, file_size: int) -> Header:
    """Check the header's checksum, parse its JSON and validate every field."""
    if zlib.crc32(body) != crc:
        raise FormatError("header checksum mismatch: the file is corrupt")
    try:
        raw = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise FormatError(f"header: expected UTF-8 JSON, got a parse error ({exc})") from None
    if not isinstance(raw, dict):
        raise FormatError(f"header: expected a JSON object, got {type(raw).__name__}")
    if raw.get("format") != FORMAT_NAME:
        raise FormatError(f"header 'format': expected {FORMAT_NAME!r}, got "
                          f"{_clip(raw.get('format'))}")
    data_start = PREFIX.size + len(body)
    data_size: Any = raw.get("data_size")
    if not _is_int(data_size) or data_size != file_size - data_start:
        if _is_int(data_size) and data_size > file_size - data_start:
            raise FormatError(f"truncated .nmr file: the data section needs {data_size} bytes, "
                              f"the file holds {file_size - data_start}")
        raise FormatError(f"header 'data_size': expected {file_size - data_start} (the bytes "
                          f"after the header), got {_clip(data_size)}")
    tensors = _parse_tensors(raw.get("tensors"), data_size)
    producers = raw.get("producers", {})
    if not isinstance(producers, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in producers.items()):
        raise FormatError("header 'producers': expected an object of distribution -> version")
    metadata = raw.get("metadata", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise FormatError("header 'metadata': expected an object of string -> string")
    if "object" not in raw:
        raise FormatError("header: expected an 'object' entry, found none")
    return Header(version, data_start, data_size, tensors, raw["object"], producers, metadata,
                  raw)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_tensors(table: Any, data_size: int) -> list[TensorEntry]:
    if not isinstance(table, list):
        raise FormatError(f"header 'tensors': expected a list, got {type(table).__name__}")
    entries: list[TensorEntry] = []
    end_of_previous = 0
    names: set[str] = set()
    for i, row in enumerate(table):
        where = f"header 'tensors'[{i}]"
        if not isinstance(row, dict):
            raise FormatError(f"{where}: expected an object, got {type(row).__name__}")
        name: Any = row.get("name")
        dtype: Any = row.get("dtype")
        shape: Any = row.get("shape")
        offset: Any = row.get("offset")
        nbytes: Any = row.get("nbytes")
        crc: Any = row.get("crc32")
        if not isinstance(name, str) or name in names:
            raise FormatError(f"{where} 'name': expected a unique string, got {_clip(name)}")
        names.add(name)
        if not isinstance(dtype, str) or dtype not in BY_NAME:
            raise FormatError(f"{where} 'dtype': expected one of {sorted(BY_NAME)}, got "
                              f"{_clip(dtype)}")
        if not isinstance(shape, list) or len(shape) > MAX_NDIM or not all(
                _is_int(d) and d >= 0 for d in shape):
            raise FormatError(f"{where} 'shape': expected a list of at most {MAX_NDIM} "
                              f"non-negative integers, got {_clip(shape)}")
        expected_bytes = _nbytes_for(where, shape, dtype, data_size)
        if not _is_int(nbytes) or nbytes != expected_bytes:
            raise FormatError(f"{where} 'nbytes': expected {expected_bytes} for shape "
                              f"{_clip(shape)} of {dtype}, got {_clip(nbytes)}")
        if not _is_int(offset) or offset % ALIGNMENT or offset < end_of_previous:
            raise FormatError(f"{where} 'offset': expected a multiple of {ALIGNMENT} at or "
                              f"after {end_of_previous} (buffers in order, no overlap), got "
                              f"{_clip(offset)}")
        if offset + nbytes > data_size:
            raise FormatError(f"{where}: bytes {offset}..{offset + nbytes} lie beyond the data "
                              f"section ({data_size} bytes): truncated or corrupt file")
        if not _is_int(crc) or not 0 <= crc < 2**32:
            raise FormatError(f"{where} 'crc32': expected an unsigned 32-bit integer, got "
                              f"{_clip(crc)}")
        end_of_previous = offset + nbytes
        entries.append(TensorEntry(name, BY_NAME[dtype], tuple(shape), offset, nbytes, crc))
    return entries


def _nbytes_for(where: str, shape: list[int], dtype: str, data_size: int) -> int:
    """Bytes a tensor of ``shape`` needs, refusing sizes the data section cannot hold.

    The product is built with an early exit so that a hostile shape cannot make a huge
    integer, and dimensions beside a zero stay below what NumPy can index (an empty array of
    shape (0, 10**30) would still make NumPy raise).
    """
    itemsize = BY_NAME[dtype].itemsize
    product = itemsize
    for d in shape:
        if d:
            product *= d
            if product > MAX_EMPTY_EXTENT:
                raise FormatError(f"{where} 'shape': {_clip(shape)} of {dtype} is larger than "
                                  "any array can be")
    if 0 in shape:
        return 0
    if product > data_size:
        raise FormatError(f"{where} 'shape': {_clip(shape)} of {dtype} needs {product} bytes, "
                          f"more than the data section holds ({data_size})")
    return product


def _clip(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
