"""Ops numeru.dl declares in numeru.core's dispatch: activations, cross-entropy,
convolution, pooling.

Each has a generic implementation over the backend namespace ``xp`` (so it runs on every
backend), may have faster kernels registered per backend, and has a gradient rule in
``numeru.dl.autograd.rules.nn_ops``.
"""
