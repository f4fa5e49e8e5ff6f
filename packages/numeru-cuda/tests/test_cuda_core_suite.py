"""numeru-core's Tensor test suite, run again with ``cuda`` as the default device.

The test functions of the core modules below are collected here a second time, unchanged, with
every tensor they create on the GPU: an autouse fixture makes ``cuda`` the default device, and
the modules are imported inside ``with nm.device("cuda")`` so their module-level tensors are on
the GPU too. Everything here is marked cuda (skipped without a GPU). ``CPU_ONLY`` lists the core
tests that check CPU-only facts by design, each with the reason; those are not collected here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import numeru.core as nm

pytestmark = pytest.mark.cuda

CORE_TESTS = Path(__file__).resolve().parents[2] / "numeru-core" / "tests"
MODULES = ("test_core_tensor_ops", "test_core_tensor_indexing", "test_core_tensor_methods",
           "test_core_tensor_namespace")
CPU_ONLY = {
    "test_every_dtype_round_trips_through_a_tensor": "64-byte aligned host buffers; bfloat16",
    "test_creation_functions_match_numpy_and_are_aligned": "64-byte aligned host buffers",
    "test_bfloat16_promotion_table": "CuPy has no bfloat16 arrays",
    "test_bfloat16_ops_keep_bfloat16_and_match_float32_math": "CuPy has no bfloat16 arrays",
    "test_bfloat16_crosses_dlpack_with_pytorch": "CuPy has no bfloat16 arrays",
    "test_dlpack_with_numpy_both_ways": "NumPy's DLPack reads host memory only",
    "test_dlpack_with_pytorch_both_ways": "CPU torch tensors (test_cuda_backend covers CUDA)",
    "test_mixing_devices_raises_device_error": "assumes the default device is the CPU "
                                               "(test_cuda_backend covers mixing)",
    "test_unary_ops_match_numpy": "compares exp/sin/tanh bit for bit with NumPy; CUDA's math "
                                  "library differs in the last place (tolerance version below)",
    "test_negative_steps_and_views_alias": "np.shares_memory on .numpy(), a host copy on cuda",
    "test_copy_contiguous_detach_and_requires_grad": "64-byte aligned host buffers",
    "test_tensor_subclasses_work_on_every_path_and_give_plain_tensors": "builds a Tensor from "
                                                                        "a NumPy array (CPU)",
}


def _usable() -> bool:
    return nm.registry("backends").get("cuda").unavailable_reason() is None


def _load(name: str) -> object:
    spec = importlib.util.spec_from_file_location(f"numeru_cuda_core_suite.{name}",
                                                  CORE_TESTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    scope = nm.device("cuda") if _usable() else contextlib.nullcontext()
    with scope:  # module-level tensors of the core tests are created on the GPU
        spec.loader.exec_module(module)
    return module


def _collect() -> dict[str, object]:
    if not CORE_TESTS.is_dir():
        pytest.skip(f"numeru-core's tests are not beside this package ({CORE_TESTS})",
                    allow_module_level=True)
    pytest.importorskip("hypothesis")
    pytest.importorskip("ml_dtypes")
    found: dict[str, object] = {}
    for name in MODULES:
        module = _load(name)
        for attribute, value in vars(module).items():
            if attribute.startswith("test_") and callable(value) and attribute not in CPU_ONLY:
                if attribute in found:
                    raise AssertionError(f"{attribute} is defined in two core test modules")
                found[attribute] = value
    return found


globals().update(_collect())


@pytest.fixture(autouse=True)
def _cuda_by_default():
    with nm.device("cuda"):
        yield


def test_the_suite_collects_the_core_tests_and_excludes_only_the_listed_ones():
    collected = {name for name in globals() if name.startswith("test_")}
    assert len(collected) > 30
    assert not collected & set(CPU_ONLY)
    assert nm.zeros(1).device.type == "cuda"


def test_unary_ops_match_numpy_within_a_few_units_in_the_last_place():
    a = np.random.default_rng(0).uniform(-50, 50, size=(7, 11))
    t = nm.asarray(a)
    assert t.device.type == "cuda"
    for op in ("abs", "exp", "sin", "tanh", "floor", "negative", "square", "sign"):
        np.testing.assert_allclose(getattr(nm, op)(t).numpy(), getattr(np, op)(a), rtol=2e-15,
                                   atol=0)
    np.testing.assert_allclose(nm.sqrt(nm.abs(t)).numpy(), np.sqrt(np.abs(a)), rtol=0, atol=0)
