"""The ``linalg`` section of ``numeru demo``."""

from __future__ import annotations

from typing import TextIO


def section(out: TextIO) -> None:
    import numpy as np

    import numeru.core as nm
    import numeru.linalg as la

    a = nm.asarray([[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]])
    b = nm.asarray([1.0, 2.0, 3.0])
    x = la.solve(a, b)
    out.write(
        f"solve(a, b) = {np.round(x.numpy(), 6).tolist()}; "
        f"residual ||a x - b|| = {float(la.vector_norm(la.matmul(a, x) - b)):.1e}\n"
    )
    p, l_, u = la.lu(a)
    out.write(
        f"lu: ||P L U - a|| = {float(la.matrix_norm(la.matmul(p, la.matmul(l_, u)) - a)):.1e}\n"
    )
    c = la.cholesky(a)
    out.write(f"cholesky: L[2] = {np.round(c.numpy()[2], 6).tolist()}\n")
    q, r = la.qr(a)
    out.write(f"qr: ||Q^T Q - I|| = {float(la.matrix_norm(la.matmul(q.mT, q) - nm.eye(3))):.1e}\n")
    out.write(
        f"det = {float(la.det(a)):.6f}, cond = {float(la.cond(a)):.4f}, "
        f"eigvalsh = {np.round(la.eigvalsh(a).numpy(), 6).tolist()}\n"
    )
    rng = np.random.default_rng(0)
    stack = nm.asarray(rng.standard_normal((10_000, 3, 3)) + 3 * np.eye(3))
    out.write(
        f"det of a stack of 10,000 3x3 matrices (Numba kernel): "
        f"mean {float(nm.mean(la.det(stack))):.4f}\n"
    )
    try:
        la.solve(nm.asarray([[1.0, 2.0], [2.0, 4.0]]), nm.asarray([1.0, 1.0]))
    except nm.errors.LinAlgError as exc:
        out.write(f"singular input: {exc}\n")
