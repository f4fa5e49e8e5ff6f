"""Fuzz the .nmr reader: mutated, truncated and extended files must raise FormatError or load.

Run ``python packages/numeru-core/tests/fuzz_nmr.py --cases 100000`` (``nox -s fuzz``); the
test suite runs 1,000 cases through ``test_core_nmr_fuzz.py``.

Every case starts from a valid file and applies one mutation:

- raw byte mutations (flip bits, overwrite bytes, insert, delete, truncate, extend). The header
  and every tensor carry a CRC-32 and padding must be zero, so a load that succeeds must
  return exactly the original object, except for loads with
  ``mmap=True`` and checksums off (the default there), where changed data bytes load as they
  are;
- header-aware mutations: the JSON header is parsed, one value somewhere in it is replaced
  (a shape, an offset, a dtype, a tag, a size, a random JSON value), and the file is rebuilt
  with a correct header checksum, so the reader's validation itself is exercised. These files
  are structurally valid, so a load that succeeds may return a different object; it must
  still never raise anything but FormatError (or PluginError for an unknown model name, the
  documented answer to a valid file naming a model that is not installed).

A case fails on any other exception, on a load that takes over ``--timeout`` seconds, and
(with ``--check-memory``) on a peak allocation out of proportion to the file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import struct
import sys
import tempfile
import time
import tracemalloc
import zlib
from typing import Any

import ml_dtypes
import numpy as np

import numeru.core as nm
from numeru.core import plugins
from numeru.core.errors import FormatError, PluginError
from numeru.core.estimator import BaseEstimator, RegressorMixin
from numeru.core.hookspecs import hookimpl
from numeru.core.nmr._layout import PREFIX

PLUGIN_NAME = "nmr-fuzz"


class FuzzRegressor(RegressorMixin, BaseEstimator):
    """A small registered model whose fitted state mixes arrays, Tensors and JSON values."""

    def __init__(self, alpha: float = 1.0, mode: str = "fast", layers: tuple = (3, 2)) -> None:
        self.alpha = alpha
        self.mode = mode
        self.layers = layers


class _FuzzPlugin:
    @hookimpl
    def register_models(self, register: Any) -> None:
        register("nmr_fuzz_regressor", FuzzRegressor)


def register_plugin() -> None:
    if not any(info.name == PLUGIN_NAME for info in plugins.plugin_info()):
        plugins.register(_FuzzPlugin(), PLUGIN_NAME)


def unregister_plugin() -> None:
    plugins.unregister(PLUGIN_NAME)


def seed_objects() -> list[Any]:
    """Valid objects covering every encoding the format has."""
    rng = np.random.default_rng(0)
    model = FuzzRegressor(alpha=0.5, layers=(4,))
    model.coef_ = rng.standard_normal((3, 2))
    model.intercept_ = nm.asarray(rng.standard_normal(2).astype(np.float32))
    model.classes_ = np.array(["a", "bb"])
    model.n_features_in_ = 3
    model.fit_device_ = "cpu"
    model.history_ = {"loss": [1.0, float("nan")], 3: (np.int16(7), 2 + 1j)}
    return [
        {"w": rng.standard_normal((4, 5)).astype(np.float32), "b": np.arange(3, dtype=">i8")},
        [np.zeros((0, 3)), np.array(2.5), np.array([True, False]),
         np.array([1, 2], dtype=ml_dtypes.bfloat16), np.array([1 + 2j], dtype=np.complex64)],
        model,
        {"t": nm.asarray([[1, 2], [3, 4]], dtype=nm.uint8), "nested": {"$k": [b"xy", None]},
         "dtypes": [np.float32, np.dtype("bool"), float]},
        nm.asarray(rng.standard_normal(40)),
    ]


def equal(a: Any, b: Any) -> bool:
    """Deep equality that treats NaN as equal to NaN and compares array bytes."""
    if type(a) is not type(b):
        return False
    if isinstance(a, nm.Tensor):
        return equal(a.numpy(), b.numpy())
    if isinstance(a, np.ndarray):
        # Big-endian arrays come back little-endian: compare values in native byte order.
        a, b = (x.astype(x.dtype.newbyteorder("=")) for x in (a, b))
        return a.dtype == b.dtype and a.shape == b.shape and (
            a.tobytes() == b.tobytes() if a.dtype.kind != "U" else bool(np.all(a == b)))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, BaseEstimator):
        return equal(a._nmr_state(), b._nmr_state())
    return bool(a == b)


def seed_files(directory: str) -> list[tuple[Any, bytes]]:
    result = []
    for i, obj in enumerate(seed_objects()):
        path = os.path.join(directory, f"seed{i}.nmr")
        nm.save(obj, path, metadata={"seed": str(i)})
        with open(path, "rb") as file:
            result.append((obj, file.read()))
    return result


# -- mutations ----------------------------------------------------------------------------------
def _raw_mutation(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    choice = rng.randrange(7)
    if choice == 0:  # flip a few bits
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(buf))
            buf[position] ^= 1 << rng.randrange(8)
    elif choice == 1:  # overwrite a run of bytes
        position = rng.randrange(len(buf))
        for k in range(position, min(len(buf), position + rng.randint(1, 16))):
            buf[k] = rng.randrange(256)
    elif choice == 2:  # truncate
        del buf[rng.randrange(len(buf)):]
    elif choice == 3:  # extend
        buf += bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    elif choice == 4:  # insert
        position = rng.randrange(len(buf) + 1)
        buf[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif choice == 5:  # delete a range
        position = rng.randrange(len(buf))
        del buf[position : position + rng.randint(1, 64)]
    else:  # a hostile header length or version in the prefix
        field = rng.choice([(8, "<I"), (16, "<Q"), (12, "<I")])
        value = rng.choice([0, 1, 2, 2**31, 2**32 - 1, 2**63, len(buf), len(buf) * 1000,
                            rng.randrange(2**32)])
        value &= (1 << (8 * struct.calcsize(field[1]))) - 1
        struct.pack_into(field[1], buf, field[0], value)
    return bytes(buf)


_HOSTILE_VALUES = [None, True, -1, 0, 1, 63, 64, 2**31, 2**63, 10**30, -(2**63), 1.5, "", "x",
                   "float32", "bfloat16", "$tensor", [], [0], [2**40, 2**40], [-1], [0, 10**30],
                   {}, {"$tensor": 0}, {"$tensor": 99}, {"$object": {}}, {"$bogus": 1},
                   {"$strings": {"shape": [10**9], "values": []}}, {"$scalar": ["int8", 1000]},
                   {"$dict": [[[1], 2]]}, {"$float": "NaN"}, {"$bytes": "!!"},
                   {"$object": {"kind": "models", "name": "nmr_fuzz_regressor", "state": 5}},
                   [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]


def _nested(kind: str, depth: int) -> Any:
    """A value nested ``depth`` levels deep (the reader must refuse it, not overflow)."""
    node: Any = 1
    for _ in range(depth):
        if kind == "list":
            node = [node]
        elif kind == "dict":
            node = {"k": node}
        elif kind == "$dict":
            node = {"$dict": [["k", node]]}
        else:
            node = {kind: [node]}
    return node


_HOSTILE_VALUES += [{"$strings": {"shape": [0, 10**30], "values": []}},
                    {"$complex": [10**400, 0]}, {"$scalar": ["float64", 10**400]},
                    {"$strings": {"shape": [2001], "values": ["x" * 2000] + [""] * 2000}},
                    _nested("$tuple", 150), _nested("$dict", 120), _nested("list", 400),
                    _nested("dict", 400), _nested("$complex", 200)]


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _header_mutation(rng: random.Random, data: bytes) -> bytes:
    _, version, _, length = PREFIX.unpack(data[: PREFIX.size])
    header = json.loads(data[PREFIX.size : PREFIX.size + length])
    target = rng.choice(_paths(header)[1:])
    parent = header
    for key in target[:-1]:
        parent = parent[key]
    old = parent[target[-1]]
    if isinstance(old, int) and not isinstance(old, bool) and rng.random() < 0.5:
        new: Any = old + rng.choice([-64, -1, 1, 64, 4096, 2**32])
    else:
        new = rng.choice(_HOSTILE_VALUES)
    parent[target[-1]] = new
    body = json.dumps(header, separators=(",", ":")).encode()
    body += b" " * (-(PREFIX.size + len(body)) % 64)
    rest = data[PREFIX.size + length :]
    if rng.random() < 0.2 and isinstance(header.get("data_size"), int):
        rest = rest[: max(0, header["data_size"])]
    return PREFIX.pack(data[:8], version, zlib.crc32(body), len(body)) + body + rest


# -- the loop -------------------------------------------------------------------------------------
class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def run(cases: int, seed: int = 0, *, timeout: float = 10.0, check_memory: bool = False,
        directory: str | None = None, log: Any = None) -> dict[str, int]:
    """Run ``cases`` fuzz cases; return counts; raise AssertionError on the first failure."""
    register_plugin()
    rng = random.Random(seed)
    scratch = tempfile.mkdtemp(prefix="nmr-fuzz-", dir=directory or (
        "/dev/shm" if os.path.isdir("/dev/shm") else None))
    seeds = seed_files(scratch)
    counts = {"loaded_equal": 0, "loaded_changed": 0, "format_error": 0, "unknown_model": 0}
    path = os.path.join(scratch, "case.nmr")
    use_alarm = hasattr(signal, "SIGALRM")
    previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
    run_started = time.perf_counter()
    try:
        for case in range(cases):
            original, data = seeds[rng.randrange(len(seeds))]
            header_aware = rng.random() < 0.35
            mutated = (_header_mutation if header_aware else _raw_mutation)(rng, data)
            with open(path, "wb") as file:
                file.write(mutated)
            use_mmap = rng.random() < 0.3
            verify = not use_mmap or rng.random() < 0.5  # mmap skips checksums by default
            describe = f"case {case} (seed {seed}, {'header' if header_aware else 'raw'} " \
                       f"mutation, mmap={use_mmap}, verify={verify})"
            if check_memory:
                tracemalloc.start()
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                loaded = nm.load(path, mmap=use_mmap, verify=verify)
            except FormatError:
                counts["format_error"] += 1
                continue
            except PluginError as exc:
                if not (header_aware and str(exc).startswith("unknown model")):
                    raise AssertionError(f"{describe}: PluginError {exc}") from exc
                counts["unknown_model"] += 1
                continue
            except _Timeout:
                raise AssertionError(f"{describe}: load took over {timeout} s") from None
            except Exception as exc:
                raise AssertionError(f"{describe}: {type(exc).__name__}: {exc}") from exc
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                if check_memory:
                    _, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
                    # Buffers are bounded by the file size; parsed JSON objects by the header
                    # size times Python's per-object overhead.
                    limit = 64 * len(mutated) + (1 << 20)
                    if peak > limit:
                        raise AssertionError(f"{describe}: peak allocation {peak} bytes for a "
                                             f"{len(mutated)}-byte file")
            if equal(original, loaded):
                counts["loaded_equal"] += 1
            elif header_aware or not verify:
                counts["loaded_changed"] += 1  # a valid but different file, or unchecked mmap
            else:
                raise AssertionError(f"{describe}: a raw mutation loaded without error but "
                                     "returned different data")
            del loaded
            if log is not None and (case + 1) % 10000 == 0:
                elapsed = time.perf_counter() - run_started
                log.write(f"{case + 1} cases, {elapsed:.1f} s: {counts}\n")
    finally:
        if use_alarm:
            signal.signal(signal.SIGALRM, previous)
        for name in os.listdir(scratch):
            os.remove(os.path.join(scratch, name))
        os.rmdir(scratch)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per load")
    parser.add_argument("--check-memory", action="store_true",
                        help="track peak allocations per case (slower)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = run(args.cases, args.seed, timeout=args.timeout, check_memory=args.check_memory,
                 log=sys.stdout)
    print(f"{args.cases} cases in {time.perf_counter() - started:.1f} s, all passed: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
