"""Numba kernels of numeru-trees, one module per computation."""
