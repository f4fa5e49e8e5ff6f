"""``Generator``: a Philox4x32-10 stream with NumPy ``Generator`` methods that return Tensors.

The state is three integers: a 64-bit key (the seed), a 128-bit block counter, and how many
children ``spawn`` has made. Every draw reserves the next ``ceil(words / 4)`` blocks of the
counter (under a lock, so concurrent draws never overlap) and computes them on the generator's
device; words left over in the last block are dropped, so what a call returns depends only on
the state and the call's own size, never on the device, the backend or the thread count.
"""

from __future__ import annotations

import functools
import operator
import secrets
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..devices import Device, get_default_device
from ..devices import device as _device
from ..errors import DeviceError, DTypeError, ValidationError, expected
from ..tensor import Tensor
from . import ops, sampling
from .philox import MASK32, MASK64, blocks

BIT_GENERATOR = "Philox4x32-10"
SPAWN_TAG = 0x5350574E << 32  # "SPWN" in counter word 3: the blocks that derive child keys
_FLOATS = {np.dtype(np.float64): "float64", np.dtype(np.float32): "float32"}


def key_from_seed(seed: Any) -> tuple[int, int]:
    """The 64-bit Philox key for ``seed`` (None: 64 bits from the operating system)."""
    if seed is None:
        seed = secrets.randbits(64)
    elif isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise expected("seed", "None or an int in [0, 2**64)", seed)
    seed = int(seed)
    if not 0 <= seed <= MASK64:
        raise expected("seed", "None or an int in [0, 2**64)", seed)
    return seed & MASK32, seed >> 32


def as_shape(size: Any) -> tuple[int, ...]:
    """``size`` as a shape: None -> () (one value, a 0-d Tensor), n -> (n,), a tuple as is."""
    if size is None:
        return ()
    try:
        shape: tuple[int, ...] = (operator.index(size),)
    except TypeError:
        try:
            shape = tuple(operator.index(s) for s in size)
        except TypeError:
            raise expected("size", "None, an int or a tuple of ints", size) from None
    if any(s < 0 for s in shape):
        raise expected("size", "non-negative sizes", size)
    return shape


def float_dtype(dtype: Any) -> str:
    try:
        found = _FLOATS.get(np.dtype(dtype))
    except TypeError:
        found = None
    if found is None:
        raise expected("dtype", "float64 or float32", dtype, error=DTypeError)
    return found


def _count(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


_Draw = TypeVar("_Draw", bound=Callable[..., Any])


def _on_device(method: _Draw) -> _Draw:
    """A draw that runs with the generator's device as its backend's current device, for
    backends whose operations follow their current device (CuPy): the transforms after the
    random op call the namespace directly."""

    @functools.wraps(method)
    def draw(self: Generator, *args: Any, **kwargs: Any) -> Any:
        device = self.device
        backend = device.backend
        if not backend.ops_use_current_device:
            return method(self, *args, **kwargs)
        with backend.use(device.index):
            return method(self, *args, **kwargs)

    return draw  # type: ignore[return-value]


class Generator:
    """Random numbers from a counter-based Philox4x32-10 stream (Salmon et al., SC'11).

    ``Generator(seed)`` with ``seed`` an int in [0, 2**64) (the Philox key) or None (fresh OS
    entropy). ``device``: where results are made; None follows the default device at each call
    (``with nm.device(...)``). The same seed and call sequence give the same bits on every
    device and backend.
    """

    def __init__(self, seed: Any = None, *, device: Any = None) -> None:
        self._key = key_from_seed(seed)
        self._counter = 0
        self._spawned = 0
        self._device: Device | None = None if device is None else _device(device)
        self._lock = threading.Lock()

    # -- state ---------------------------------------------------------------------------------
    @property
    def device(self) -> Device:
        return get_default_device() if self._device is None else self._device

    @property
    def bit_generator(self) -> str:
        return BIT_GENERATOR

    def get_state(self) -> dict[str, Any]:
        """The exact state as JSON-safe ints: key words, counter words (least significant
        first, Random123's order) and the spawn count. ``set_state`` restores it."""
        with self._lock:
            counter, spawned = self._counter, self._spawned
        return {"bit_generator": BIT_GENERATOR, "key": list(self._key),
                "counter": [(counter >> (32 * i)) & MASK32 for i in range(4)],
                "spawn_count": spawned}

    def set_state(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or state.get("bit_generator", BIT_GENERATOR) != \
                BIT_GENERATOR:
            raise expected("state", f"a dict from get_state() of a {BIT_GENERATOR} generator",
                           state)
        key = _words(state.get("key"), 2, "state['key']")
        counter = _words(state.get("counter"), 4, "state['counter']")
        spawned = state.get("spawn_count", 0)
        if isinstance(spawned, bool) or not isinstance(spawned, int) or spawned < 0:
            raise expected("state['spawn_count']", "a non-negative int", spawned)
        with self._lock:
            self._key = (key[0], key[1])
            self._counter = sum(w << (32 * i) for i, w in enumerate(counter))
            self._spawned = spawned

    state = property(get_state, set_state)

    @classmethod
    def from_state(cls, state: dict[str, Any], *, device: Any = None) -> Generator:
        gen = cls(0, device=device)
        gen.set_state(state)
        return gen

    def spawn(self, n: int) -> list[Generator]:
        """``n`` child generators with independent streams, deterministic in the parent's key
        and spawn count (spawning twice gives new children, as NumPy's ``spawn`` does).

        Child ``j``'s key is words 0-1 of the Philox block at counter ``(j, "SPWN")`` of the
        parent's key: a block the parent's own draws reach only after 2**96 blocks.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise expected("n", "a non-negative int", n)
        with self._lock:
            first, self._spawned = self._spawned, self._spawned + int(n)
        children = []
        for j in range(first, first + int(n)):
            x0, x1, _, _ = blocks(np, self._key, (j, SPAWN_TAG), 1)
            child = Generator(int(x0[0]) | (int(x1[0]) << 32), device=self._device)
            children.append(child)
        return children

    def _reserve(self, n_blocks: int) -> tuple[int, int]:
        """Take the next ``n_blocks`` blocks of the stream; returns their first counter."""
        with self._lock:
            start = self._counter
            self._counter = (start + n_blocks) & ((1 << 128) - 1)
        return start & MASK64, start >> 64

    def __repr__(self) -> str:
        state = self.get_state()
        where = "default device" if self._device is None else str(self._device)
        return (f"Generator({BIT_GENERATOR}, key={state['key']}, counter={state['counter']}, "
                f"{where})")

    # -- raw draws (used by sampling.py too) ---------------------------------------------------
    def _draw(self, op: Any, count: int, per_block: int, device: Device, **params: Any) -> Any:
        """Run ``op`` on the next ``ceil(count / per_block)`` blocks of the stream."""
        counter = self._reserve(-(-count // per_block))
        return ops.run(op, device, key=self._key, counter=counter, **params)

    def _words(self, n: int, device: Device) -> Any:
        """``n`` uint32 words of the stream as a ``uint64`` backend array."""
        xp = device.backend.xp
        words = self._draw(ops.RANDOM_BITS, n, 4, device, n_blocks=-(-n // 4))
        return xp.astype(words[:n], xp.uint64)

    def _uniform_data(self, n: int, dtype_name: str, device: Device, low: float = 0.0,
                      scale: float = 1.0) -> Any:
        per = 2 if dtype_name == "float64" else 4
        return self._draw(ops.RANDOM_UNIFORM, n, per, device, n=n, dtype_name=dtype_name,
                          low=low, scale=scale)

    def _tensor(self, data: Any, shape: tuple[int, ...], device: Device) -> Tensor:
        return Tensor(device.backend.xp.reshape(data, shape), device)

    # -- public draws -------------------------------------------------------------------------
    @_on_device
    def random_raw(self, size: Any = None) -> Tensor:
        """Raw uint32 words of the stream: block ``c`` gives words ``4c .. 4c + 3``."""
        shape = as_shape(size)
        device = self.device
        n = _count(shape)
        words = self._draw(ops.RANDOM_BITS, n, 4, device, n_blocks=-(-n // 4))
        return self._tensor(words[:n], shape, device)

    @_on_device
    def random(self, size: Any = None, dtype: Any = np.float64) -> Tensor:
        """Uniform floats in [0, 1): float64 from 53 bits, float32 from 24 bits."""
        shape, name = as_shape(size), float_dtype(dtype)
        device = self.device
        return self._tensor(self._uniform_data(_count(shape), name, device), shape, device)

    @_on_device
    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, *,
                dtype: Any = np.float64) -> Tensor:
        """``low + (high - low) * u`` with ``u`` from ``random`` (NumPy's formula).

        ``low``/``high`` may be arrays or Tensors; they broadcast to ``size`` (or give the shape
        when ``size`` is None). Like NumPy, ``low > high`` is allowed.
        """
        name = float_dtype(dtype)
        device = self.device
        params = _params(device, name, low=low, high=high)
        if params is None:
            # the bounds and the range must be finite in the output dtype (float32 overflows
            # above ~3.4e38; the array path's cast to float32 catches the bounds the same way)
            largest = float(np.finfo(name).max)
            scale = float(high) - float(low)
            if not abs(scale) <= largest:
                raise expected("high - low", f"a finite range in {name}", scale)
            for bound_name, bound in (("low", low), ("high", high)):
                if not abs(float(bound)) <= largest:
                    raise expected(bound_name, f"a finite value in {name}", bound)
            shape = as_shape(size)
            data = self._uniform_data(_count(shape), name, device, float(low), scale)
            return self._tensor(data, shape, device)
        shape = _param_shape(size, params)
        xp = device.backend.xp
        u = xp.reshape(self._uniform_data(_count(shape), name, device), shape)
        lo, hi = params["low"], params["high"]
        scale = hi - lo
        if not bool(xp.all(xp.isfinite(scale))):
            raise expected("high - low", f"finite ranges in {name}", "infinite or nan values")
        return Tensor(lo + scale * u, device)

    @_on_device
    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *,
               dtype: Any = np.float64) -> Tensor:
        """``loc + scale * z``, ``z`` standard normal by the Box-Muller transform (see README)."""
        name = float_dtype(dtype)
        device = self.device
        params = _params(device, name, loc=loc, scale=scale)
        per = 2 if name == "float64" else 4
        if params is None:
            if not float(scale) >= 0:
                raise expected("scale", "a non-negative standard deviation", scale)
            shape = as_shape(size)
            n = _count(shape)
            data = self._draw(ops.RANDOM_NORMAL, n, per, device, n=n, dtype_name=name,
                              loc=float(loc), scale=float(scale))
            return self._tensor(data, shape, device)
        xp = device.backend.xp
        # NaN is refused as in the scalar path (``not scale >= 0``), not passed on as NaN draws
        if not bool(xp.all(params["scale"] >= 0)):
            raise expected("scale", "non-negative standard deviations", "negative or nan values")
        shape = _param_shape(size, params)
        n = _count(shape)
        z = xp.reshape(self._draw(ops.RANDOM_NORMAL, n, per, device, n=n, dtype_name=name),
                       shape)
        return Tensor(params["loc"] + params["scale"] * z, device)

    def standard_normal(self, size: Any = None, dtype: Any = np.float64) -> Tensor:
        return self.normal(0.0, 1.0, size, dtype=dtype)

    @_on_device
    def bernoulli(self, p: Any, size: Any = None, *, dtype: Any = None) -> Tensor:
        """``True`` with probability ``p``: ``random() < p`` (bool, or ``dtype`` if given)."""
        device = self.device
        params = _params(device, "float64", p=p)
        if params is None:
            if not 0.0 <= float(p) <= 1.0:
                raise expected("p", "a probability in [0, 1]", p)
            shape = as_shape(size)
            p_data: Any = float(p)
        else:
            xp = device.backend.xp
            p_data = params["p"]
            if bool(xp.any(p_data < 0.0)) or bool(xp.any(p_data > 1.0)) or \
                    bool(xp.any(xp.isnan(p_data))):
                raise expected("p", "probabilities in [0, 1]", "values outside")
            shape = _param_shape(size, params)
        xp = device.backend.xp
        result = xp.reshape(self._uniform_data(_count(shape), "float64", device), shape) < p_data
        if dtype is not None:
            result = xp.astype(result, device.backend.native_dtype(_result_dtype(dtype)))
        return Tensor(result, device)

    @_on_device
    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> Tensor:
        """Uniform integers in ``[low, high)`` (``[low, high]`` with ``endpoint=True``); with
        ``high=None`` in ``[0, low)``. Unbiased: Lemire's multiply-shift with rejection for
        ranges up to 2**32, bitmask rejection on 64-bit words above (see README)."""
        return sampling.integers(self, low, high, size, dtype, endpoint)

    @_on_device
    def permutation(self, x: Any, axis: int = 0) -> Tensor:
        """A random permutation of ``range(x)`` (an int) or of ``x`` along ``axis`` (a copy)."""
        return sampling.permutation(self, x, axis)

    @_on_device
    def shuffle(self, x: Any, axis: int = 0) -> None:
        """Shuffle a Tensor, a NumPy array or a list in place along ``axis``."""
        sampling.shuffle(self, x, axis)

    @_on_device
    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None,
               axis: int = 0, shuffle: bool = True) -> Tensor:
        """Samples from ``range(a)`` (an int) or from ``a`` along ``axis``, NumPy's signature."""
        return sampling.choice(self, a, size, replace, p, axis, shuffle)


def _result_dtype(dtype: Any) -> np.dtype:
    """``bernoulli``'s ``dtype=``: any numeru dtype (bool, int, float, complex)."""
    from ..dtypes import ALL

    try:
        found = np.dtype(dtype)
    except TypeError:
        found = None
    if found is None or found not in ALL:  # (np.dtype == None compares as float64)
        raise expected("dtype", "a numeru dtype (bool, int, uint, float or complex)", dtype,
                       error=DTypeError)
    return found


def _words(value: Any, count: int, name: str) -> list[int]:
    if not isinstance(value, (list, tuple)) or len(value) != count or any(
            isinstance(w, bool) or not isinstance(w, int) or not 0 <= w <= MASK32
            for w in value):
        raise expected(name, f"a list of {count} ints in [0, 2**32)", value)
    return [int(w) for w in value]


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _params(device: Device, dtype_name: str, **values: Any) -> dict[str, Any] | None:
    """None when every parameter is a real scalar; else all of them as backend arrays."""
    if all(_is_scalar(v) for v in values.values()):
        return None
    from ..creation import asarray

    arrays = {}
    for name, value in values.items():
        if isinstance(value, Tensor) and value.device is not device:
            raise DeviceError(f"{name}: expected a tensor on {device} (the generator's device), "
                              f"got one on {value.device}")
        try:
            arrays[name] = asarray(value, dtype=dtype_name, device=device).data
        except (TypeError, ValueError) as error:
            raise expected(name, "a real number or an array of them", value) from error
    return arrays


def _param_shape(size: Any, params: dict[str, Any]) -> tuple[int, ...]:
    shapes = [tuple(a.shape) for a in params.values()]
    try:
        broadcast = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValidationError(f"parameters: shapes {' and '.join(map(str, shapes))} cannot be "
                              "broadcast together") from None
    if size is None:
        return tuple(broadcast)
    shape = as_shape(size)
    try:
        ok = np.broadcast_shapes(broadcast, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise expected("size", f"a shape the parameters (shape {broadcast}) broadcast to", size)
    return shape
