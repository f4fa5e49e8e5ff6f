"""Numba kernels of numeru.linalg, imported lazily (importing Numba costs ~0.3 s)."""
