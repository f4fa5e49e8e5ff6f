"""CRC-32 of large buffers, computed in blocks on worker threads while the file is written/read.

The checksum of a tensor is the plain CRC-32 (zlib/PNG/zip polynomial) of its bytes, so any
tool can verify it (``zlib.crc32``). To keep it off the critical path, buffers are cut into
blocks whose CRCs run on a thread pool (zlib releases the GIL) while the main thread does the
I/O; the block CRCs are then joined with ``crc32_combine`` (the algorithm of zlib's
``crc32_combine``, which Python's zlib does not expose).
"""

from __future__ import annotations

import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

BLOCK = 8 * 1024 * 1024  # bytes per CRC task and per read/write call
_POLY = 0xEDB88320  # the reflected CRC-32 polynomial


def _multmodp(a: int, b: int) -> int:
    """a(x) * b(x) modulo the CRC polynomial, in zlib's reflected bit order."""
    m, product = 1 << 31, 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _powers() -> list[int]:
    table = [1 << 30]  # x^1
    for _ in range(31):
        table.append(_multmodp(table[-1], table[-1]))  # x^(2^k)
    return table


_X2N = _powers()


@lru_cache(maxsize=64)
def _shift(nbytes: int) -> int:
    """x^(8 * nbytes) modulo the polynomial: appending ``nbytes`` bytes to a CRC's input."""
    product, k, n = 1 << 31, 3, nbytes
    while n:
        if n & 1:
            product = _multmodp(_X2N[k & 31], product)
        n >>= 1
        k += 1
    return product


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of ``A + B`` from ``crc32(A)``, ``crc32(B)`` and ``len(B)``."""
    return _multmodp(_shift(length2), crc1) ^ crc2


def blocks(view: memoryview) -> list[memoryview]:
    return [view[i : i + BLOCK] for i in range(0, len(view), BLOCK)]


class BlockCrc:
    """Submit blocks as they become available; ``value`` joins them in order."""

    def __init__(self, total_bytes: int, threads: int) -> None:
        self.pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="nmr-crc") \
            if total_bytes > BLOCK and threads > 0 else None

    def add(self, piece: memoryview) -> tuple[Future[int] | int, int]:
        if self.pool is None:
            return zlib.crc32(piece), len(piece)
        return self.pool.submit(zlib.crc32, piece), len(piece)

    @staticmethod
    def value(parts: list[tuple[Future[int] | int, int]]) -> int:
        crc = 0
        for part, length in parts:
            block = part.result() if isinstance(part, Future) else part
            crc = crc32_combine(crc, block, length)
        return crc

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> BlockCrc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
