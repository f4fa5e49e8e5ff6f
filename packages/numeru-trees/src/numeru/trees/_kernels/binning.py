"""Quantile bin edges and the mapping of raw feature values to uint8 bin codes.

A feature's bins are given by increasing upper edges ``cuts``: value ``x`` falls in bin
``b = #{cuts < x}``, so ``x <= cuts[b]`` exactly when ``bin(x) <= b``. Trees therefore split on
bins while fitting and on the float edge at prediction, and both agree bit for bit. The last
edge is +inf. Missing values (NaN) get the reserved code ``MISSING_BIN``; categorical features
use the category itself as the code.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

MISSING_BIN = 255  # max_bin <= 255, so codes 0..254 hold values and 255 means "missing"
MAX_BIN = 255
# Quantiles are computed on at most this many rows, taken evenly spaced (deterministic, and
# LightGBM samples 200,000 rows by default for the same reason: sorting 1e6 rows per feature
# costs more than it buys).
BIN_SAMPLE_ROWS = 200_000


def quantile_cuts(column: np.ndarray, max_bin: int) -> np.ndarray:
    """Upper bin edges (float64, last one +inf) for one feature column (NaNs ignored)."""
    if column.shape[0] > BIN_SAMPLE_ROWS:
        step = column.shape[0] / BIN_SAMPLE_ROWS
        column = column[(np.arange(BIN_SAMPLE_ROWS) * step).astype(np.int64)]
    values = column[~np.isnan(column)]
    if values.size == 0:
        return np.array([np.inf])
    distinct, counts = np.unique(values, return_counts=True)
    if distinct.size <= max_bin:
        # Every distinct value gets its own bin; edges halfway between neighbours.
        edges = distinct[:-1] / 2.0 + distinct[1:] / 2.0  # halves first: no overflow near 1e308
    else:
        cumulative = np.cumsum(counts)
        targets = cumulative[-1] * np.arange(1, max_bin) / max_bin
        positions = np.unique(np.searchsorted(cumulative, targets, side="left"))
        positions = positions[positions < distinct.size - 1]
        edges = distinct[positions] / 2.0 + distinct[positions + 1] / 2.0
    # A midpoint can round onto the upper neighbour; keep x <= edge exact for the lower one.
    return np.concatenate([np.unique(edges), [np.inf]]).astype(np.float64)


ROW_BLOCK = 4096  # rows per parallel task when binning


def padded_cuts(cuts: list[np.ndarray]) -> np.ndarray:
    """(n_features, 256) edges, each feature's cuts followed by +inf: the fixed-size table
    ``bin_numeric`` searches without a branch. Categorical features (NaN cuts) are ignored."""
    table = np.full((len(cuts), 256), np.inf)
    for f, c in enumerate(cuts):
        table[f, : c.shape[0]] = np.nan_to_num(c, nan=np.inf)
    return table


@njit(parallel=True, cache=True, nogil=True)
def bin_numeric(X, edges, is_categorical, out):  # pragma: no cover - numba
    """Write the bin code of every ``X[i, f]`` into ``out[i, f]`` (row-major uint8).

    The code of a numeric value is the number of edges below it, found by a binary search of
    fixed length over the padded 256-edge table whose steps compile to conditional moves:
    a data-dependent branch per step would be mispredicted half the time. Rows are cut into
    blocks, and each block is read and written in memory order.
    """
    n, n_features = X.shape
    for blk in prange((n + ROW_BLOCK - 1) // ROW_BLOCK):
        for i in range(blk * ROW_BLOCK, min(n, (blk + 1) * ROW_BLOCK)):
            for f in range(n_features):
                x = X[i, f]
                if np.isnan(x):
                    out[i, f] = MISSING_BIN
                elif is_categorical[f]:
                    out[i, f] = np.uint8(int(x))
                else:
                    a = 0
                    step = 128
                    while step > 0:
                        a += step * (edges[f, a + step - 1] < x)
                        step >>= 1
                    out[i, f] = np.uint8(a)
