"""The .nmr fuzz test (fuzz_nmr.py) at test-suite size: 1,500 mutated files, memory tracked.

Every case must raise FormatError or load the original object exactly (header-aware
mutations rebuild valid headers and may load a different object); see fuzz_nmr.py. The
100,000-case run is ``python packages/numeru-core/tests/fuzz_nmr.py --cases 100000``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture
def fuzz():
    spec = importlib.util.spec_from_file_location("numeru_core_fuzz_nmr",
                                                  Path(__file__).with_name("fuzz_nmr.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    module.unregister_plugin()


def test_mutated_files_raise_format_error_or_load_exactly(fuzz, tmp_path):
    counts = fuzz.run(1500, seed=12345, check_memory=True, directory=str(tmp_path))
    assert sum(counts.values()) == 1500
    # the cases must reach every outcome, or the fuzzer is not exercising the reader
    assert counts["format_error"] > 500 and counts["loaded_equal"] > 10
    assert counts["loaded_changed"] > 10


def test_seed_files_load_exactly(fuzz, tmp_path):
    import numeru.core as nm

    fuzz.register_plugin()
    for index, (original, _) in enumerate(fuzz.seed_files(str(tmp_path))):
        for mmap in (False, True):
            assert fuzz.equal(original, nm.load(tmp_path / f"seed{index}.nmr", mmap=mmap))
