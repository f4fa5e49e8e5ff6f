"""Philox4x32-10 (Salmon, Moraes, Dror and Shaw, SC'11; the Random123 library), over any ``xp``.

Philox is a counter-based generator: block ``i`` of a stream is a pure function of a 64-bit key
and a 128-bit counter, ``philox(key, counter + i)`` -> four 32-bit words. Nothing is carried from
one block to the next, so any block can be computed independently and in any order (the Numba
kernels split blocks over threads; a GPU gives one block per thread) and the result never
depends on how the work was split.

This module holds the one generic implementation, written only with Array API functions so
that NumPy, CuPy and array-api-strict compute the same bits. 32-bit words are kept in ``uint64``
arrays: the 32x32 -> 64-bit product then fits exactly, and its high and low halves are a shift
and a mask (the Array API has no multiply-high).

Round function (Random123 ``philox4x32round``), for counter words ``x0..x3`` and key ``k0, k1``::

    hi0:lo0 = M0 * x0          hi1:lo1 = M1 * x2
    x0, x1, x2, x3 = hi1 ^ x1 ^ k0,  lo1,  hi0 ^ x3 ^ k1,  lo0

with the key bumped by the Weyl constants ``(W0, W1)`` (mod 2**32) between rounds.
"""

from __future__ import annotations

from typing import Any

MASK32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1
M0 = 0xD2511F53  # Random123 PHILOX_M4x32_0
M1 = 0xCD9E8D57  # Random123 PHILOX_M4x32_1
W0 = 0x9E3779B9  # golden ratio, Random123 PHILOX_W32_0
W1 = 0xBB67AE85  # sqrt(3) - 1, Random123 PHILOX_W32_1
ROUNDS = 10
# Random123's published known answers for Philox4x32-10 (DEShawResearch/random123,
# examples/kat_vectors, "philox4x32 10" lines): (counter words 0..3, key words 0..1,
# output words 0..3). Every implementation of these bits (NumPy, Numba, CUDA) is checked
# against them.
KNOWN_ANSWERS = (
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
)


def round_keys(key: tuple[int, int], rounds: int = ROUNDS) -> list[tuple[int, int]]:
    """The key of each round: round ``r`` uses ``key + r * (W0, W1)`` (mod 2**32)."""
    k0, k1 = key
    return [((k0 + r * W0) & MASK32, (k1 + r * W1) & MASK32) for r in range(rounds)]


def philox_rounds(xp: Any, x0: Any, x1: Any, x2: Any, x3: Any, key: tuple[int, int],
                  rounds: int = ROUNDS) -> tuple[Any, Any, Any, Any]:
    """Encrypt counter words (``uint64`` arrays holding 32-bit values) with ``key``.

    Returns the four output words, again ``uint64`` arrays holding 32-bit values.
    """
    for k0, k1 in round_keys(key, rounds):
        p0 = x0 * M0  # < 2**64: exact in uint64
        p1 = x2 * M1
        x0, x1, x2, x3 = ((p1 >> 32) ^ x1) ^ k0, p1 & MASK32, ((p0 >> 32) ^ x3) ^ k1, p0 & MASK32
    return x0, x1, x2, x3


def counter_words(xp: Any, counter: tuple[int, int], n_blocks: int) -> tuple[Any, Any, Any, Any]:
    """The counter words of blocks ``counter + 0 .. counter + n_blocks - 1``.

    ``counter`` is the 128-bit start as ``(low 64 bits, high 64 bits)``; the sum wraps mod
    2**128. Word 0 is the least significant (Random123's ``ctr.v[0]``).
    """
    c_lo, c_hi = counter
    index = xp.arange(n_blocks, dtype=xp.uint64)
    lo = index + c_lo  # wraps mod 2**64 on every Array API library
    carry = xp.astype(lo < index, xp.uint64)
    hi = carry + c_hi
    return lo & MASK32, lo >> 32, hi & MASK32, hi >> 32


def blocks(xp: Any, key: tuple[int, int], counter: tuple[int, int],
           n_blocks: int) -> tuple[Any, Any, Any, Any]:
    """Words 0..3 of ``n_blocks`` consecutive Philox4x32-10 blocks, as four ``uint64`` arrays."""
    return philox_rounds(xp, *counter_words(xp, counter, n_blocks), key)


def split_counter(counter: int) -> tuple[int, int]:
    """A 128-bit counter as ``(low 64 bits, high 64 bits)``."""
    return counter & MASK64, (counter >> 64) & MASK64
