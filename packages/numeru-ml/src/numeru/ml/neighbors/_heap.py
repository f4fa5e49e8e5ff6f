"""Fixed-size max-heaps of (distance, index) pairs for k-nearest-neighbour search (Numba).

Pairs compare lexicographically, so among equal distances the lower index wins: the k
neighbours found are exactly the k smallest (distance, index) pairs, whatever the search
order (brute force or KD-tree) and whatever the number of threads.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def _greater(d1, i1, d2, i2):
    return d1 > d2 or (d1 == d2 and i1 > i2)


@njit(cache=True, inline="always")
def heap_push(dist, ind, d, i):
    """Offer (d, i) to the max-heap held in dist/ind (root at 0); keeps the k smallest."""
    k = dist.shape[0]
    if not _greater(dist[0], ind[0], d, i):
        return
    dist[0] = d
    ind[0] = i
    pos = 0
    while True:
        left = 2 * pos + 1
        right = left + 1
        if left >= k:
            break
        child = left
        if right < k and _greater(dist[right], ind[right], dist[left], ind[left]):
            child = right
        if _greater(dist[child], ind[child], d, i):
            dist[pos] = dist[child]
            ind[pos] = ind[child]
            pos = child
        else:
            break
    dist[pos] = d
    ind[pos] = i


@njit(cache=True, inline="always")
def heap_sort(dist, ind):
    """Sort the heap's pairs ascending in place (heapsort on the max-heap)."""
    k = dist.shape[0]
    for end in range(k - 1, 0, -1):
        d = dist[end]
        i = ind[end]
        dist[end] = dist[0]
        ind[end] = ind[0]
        pos = 0
        while True:
            left = 2 * pos + 1
            right = left + 1
            if left >= end:
                break
            child = left
            if right < end and _greater(dist[right], ind[right], dist[left], ind[left]):
                child = right
            if _greater(dist[child], ind[child], d, i):
                dist[pos] = dist[child]
                ind[pos] = ind[child]
                pos = child
            else:
                break
        dist[pos] = d
        ind[pos] = i
