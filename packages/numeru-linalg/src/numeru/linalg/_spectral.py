"""Eigen- and singular value decompositions and what is built on them: pinv, matrix_rank,
cond."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from numeru.core import errors
from numeru.core.errors import LinAlgError
from numeru.core.tensor import Tensor

from . import _checks, _ops
from ._generic import gather_rows


def _uplo(uplo: Any) -> str:
    """``uplo`` as "L" or "U"; lower case is accepted, as NumPy's ``UPLO`` is."""
    return str(_checks.choice("uplo", uplo.upper() if isinstance(uplo, str) else uplo, ("L", "U")))


def eigh(a: Any, /, *, uplo: str = "L", check_finite: bool = True) -> _ops.EighResult:
    """``(eigenvalues, eigenvectors)`` of Hermitian matrices, eigenvalues ascending; only the
    ``uplo`` triangle ("L" or "U") is read, as in NumPy."""
    uplo = _uplo(uplo)
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    return _ops.EighResult(*_ops.run(_ops.EIGH, (a,), {"uplo": uplo}))


def eigvalsh(
    a: Any, /, *, uplo: str = "L", check_finite: bool = True, out: Tensor | None = None
) -> Tensor:
    uplo = _uplo(uplo)
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    return _ops.run(_ops.EIGVALSH, (a,), {"uplo": uplo}, out)


def svd(
    a: Any,
    /,
    *,
    full_matrices: bool = True,
    compute_uv: bool = True,
    hermitian: bool = False,
    check_finite: bool = True,
) -> Any:
    """``(U, S, Vh)`` with ``a = U @ diag(S) @ Vh``, ``S`` descending (NumPy's ``svd``).

    ``compute_uv=False`` returns ``S`` alone (``svdvals``). ``hermitian=True`` reads the lower
    triangle of square Hermitian matrices and goes through ``eigh``, as NumPy does: ``S`` is
    ``|w|`` sorted descending, ``U`` the eigenvectors in that order, and the signs of ``w``
    go into ``Vh``.
    """
    a = _checks.matrix(a, "a", finite=check_finite)
    if hermitian:
        _square_for_hermitian(a)
        xp = a.device.backend.xp
        if not compute_uv:
            w = _ops.raw(_ops.EIGVALSH, a, a.data, uplo="L")
            return _ops.wrap(xp.flip(xp.sort(xp.abs(w), axis=-1), axis=-1), a)
        w, v = _ops.raw(_ops.EIGH, a, a.data, uplo="L")
        order = xp.flip(xp.argsort(xp.abs(w), axis=-1, stable=True), axis=-1)
        w = xp.reshape(gather_rows(xp, xp.expand_dims(w, axis=-1), order), w.shape)
        u = xp.matrix_transpose(gather_rows(xp, xp.matrix_transpose(v), order))
        native = a.device.backend.native_dtype(a.dtype)
        vh = _conj_t(xp, u * xp.expand_dims(xp.astype(xp.sign(w), native), axis=-2), a.dtype)
        return _ops.SVDResult(_ops.wrap(u, a), _ops.wrap(xp.abs(w), a), _ops.wrap(vh, a))
    if not compute_uv:
        return _ops.run(_ops.SVDVALS, (a,))
    return _ops.SVDResult(*_ops.run(_ops.SVD, (a,), {"full_matrices": bool(full_matrices)}))


def _square_for_hermitian(a: Tensor) -> None:
    if a.shape[-1] != a.shape[-2]:
        raise errors.expected(
            "a",
            "square matrices when hermitian=True",
            _checks.said(f"shape {a.shape}"),
            error=errors.ShapeError,
        )


def svdvals(a: Any, /, *, check_finite: bool = True, out: Tensor | None = None) -> Tensor:
    """The singular values of each matrix, descending."""
    a = _checks.matrix(a, "a", finite=check_finite)
    return _ops.run(_ops.SVDVALS, (a,), None, out)


def _eps(dtype: np.dtype) -> float:
    return float(np.finfo(np.float32 if dtype in (np.float32, np.complex64) else np.float64).eps)


def _rtol(rtol: Any, a: Tensor) -> Any:
    if rtol is None:
        return _eps(a.dtype) * max(a.shape[-2:])
    if isinstance(rtol, numbers.Real) and not isinstance(rtol, bool):  # NumPy scalars too
        if rtol < 0:
            raise errors.expected("rtol", "a non-negative float, a Tensor or None", rtol)
        return float(rtol)
    if not isinstance(rtol, Tensor) and not isinstance(rtol, np.ndarray):
        raise errors.expected("rtol", "a non-negative float, a Tensor or None", rtol)
    # One cut-off per matrix, broadcast against the stack shape (NumPy's rtol[..., None]).
    t = _checks.tensor(rtol, "rtol")
    if t.device != a.device:
        raise errors.expected(
            "rtol",
            f"a tensor on {a.device} (a's device)",
            _checks.said(f"one on {t.device}"),
            error=errors.DeviceError,
        )
    if t.dtype.kind not in "biuf":
        raise errors.expected(
            "rtol", "a real tensor", _checks.said(f"dtype {t.dtype}"), error=errors.DTypeError
        )
    xp = a.device.backend.xp
    return xp.expand_dims(t.data, axis=-1)


def pinv(
    a: Any,
    /,
    *,
    rtol: Any = None,
    hermitian: bool = False,
    check_finite: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse through the SVD: singular values at or below
    ``rtol * max(S)`` are treated as zero (``rtol=None``: ``max(M, N) * eps``, the Array API
    default). ``hermitian=True`` uses ``eigh`` instead."""
    a = _checks.matrix(a, "a", finite=check_finite)
    xp = a.device.backend.xp
    cutoff_ratio = _rtol(rtol, a)
    native = a.device.backend.native_dtype(a.dtype)
    if hermitian:
        _square_for_hermitian(a)
        w, v = _ops.raw(_ops.EIGH, a, a.data, uplo="L")
        s = xp.abs(w)
        # A = V diag(w) V^H is an SVD with U = V sign(w), S = |w|, Vh = V^H.
        u = v * xp.expand_dims(xp.astype(xp.sign(w), native), axis=-2)
        vh = _conj_t(xp, v, a.dtype)
    else:
        u, s, vh = _ops.raw(_ops.SVD, a, a.data, full_matrices=False)
    cutoff = cutoff_ratio * xp.max(s, axis=-1, keepdims=True) if s.shape[-1] else s
    keep = s > cutoff
    s_inv = xp.where(keep, 1 / xp.where(keep, s, xp.ones_like(s)), xp.zeros_like(s))
    v_scaled = _conj_t(xp, vh, a.dtype) * xp.expand_dims(xp.astype(s_inv, native), axis=-2)
    result = xp.matmul(v_scaled, _conj_t(xp, u, a.dtype))
    return _ops.deliver(_ops.wrap(result, a), out, "pinv")


def _conj_t(xp: Any, x: Any, dtype: np.dtype) -> Any:
    t = xp.matrix_transpose(x)
    return xp.conj(t) if dtype.kind == "c" else t


def matrix_rank(
    a: Any,
    /,
    *,
    rtol: Any = None,
    hermitian: bool = False,
    check_finite: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """The number of singular values above ``rtol * max(S)`` (``rtol=None``:
    ``max(M, N) * eps``), per matrix, as int64."""
    a = _checks.matrix(a, "a", finite=check_finite)
    xp = a.device.backend.xp
    if hermitian:
        _square_for_hermitian(a)
        s = xp.abs(_ops.raw(_ops.EIGVALSH, a, a.data, uplo="L"))
    else:
        s = _ops.raw(_ops.SVDVALS, a, a.data)
    cutoff = _rtol(rtol, a) * xp.max(s, axis=-1, keepdims=True) if s.shape[-1] else s
    rank = xp.sum(xp.astype(s > cutoff, xp.int64), axis=-1)
    return _ops.deliver(_ops.wrap(rank, a), out, "matrix_rank")


def cond(
    a: Any, /, p: Any = None, *, check_finite: bool = True, out: Tensor | None = None
) -> Tensor:
    """The condition number in the norm ``p`` (NumPy's ``cond``): ``None``/2/-2 from the
    singular values, ``'fro'``, ``'nuc'``, 1, -1, inf, -inf as ``norm(a, p) * norm(inv(a), p)``.
    A singular matrix gives ``inf``."""
    from ._norms import matrix_norm
    from ._solvers import inv

    a = _checks.matrix(a, "a", finite=check_finite)
    if a.shape[-1] == 0 or a.shape[-2] == 0:
        raise errors.expected(
            "a",
            "non-empty matrices (cond is not defined for empty ones)",
            _checks.said(f"shape {a.shape}"),
            error=errors.ShapeError,
        )
    xp = a.device.backend.xp
    if p is None or p in (2, -2):
        s = _ops.raw(_ops.SVDVALS, a, a.data)
        big, small = s[..., 0], s[..., -1]
        if p == -2:
            big, small = small, big
        safe = xp.where(small == 0, xp.ones_like(small), small)
        result = xp.where(small == 0, xp.full_like(big, float("inf")), big / safe)
        return _ops.deliver(_ops.wrap(result, a), out, "cond")
    if a.shape[-1] != a.shape[-2]:
        raise errors.expected(
            "a",
            f"square matrices for p={p!r}",
            _checks.said(f"shape {a.shape}"),
            error=errors.ShapeError,
        )
    norm_a = matrix_norm(a, ord=p)
    try:
        result = norm_a * matrix_norm(inv(a, check_finite=False), ord=p)
    except LinAlgError:
        result = _cond_each(a, p)
    return _ops.deliver(result, out, "cond")


def _cond_each(a: Tensor, p: Any) -> Tensor:
    """One matrix at a time, so that the singular ones of a stack give inf and the rest a value."""
    from ._norms import matrix_norm
    from ._solvers import inv

    host = np.empty(a.shape[:-2], dtype=np.float32 if _eps(a.dtype) > 1e-10 else np.float64)
    flat = host.reshape(-1)
    # Through xp (no array methods, no None indexing): any backend's arrays.
    xp = a.device.backend.xp
    stack = xp.reshape(a.data, (flat.shape[0], *a.shape[-2:]))
    for i in range(flat.shape[0]):
        one = _ops.wrap(stack[i, ...], a)
        try:
            flat[i] = float(matrix_norm(one, ord=p).item()) * float(
                matrix_norm(inv(one, check_finite=False), ord=p).item()
            )
        except LinAlgError:
            flat[i] = np.inf
    from numeru.core.creation import asarray

    return asarray(host, device=a.device)
