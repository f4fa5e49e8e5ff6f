"""Shared by the tests that compile numeru-cuda's ``.cu`` sources as plain C."""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import pytest


@pytest.fixture(scope="module")
def build_c(tmp_path_factory):
    """``build_c(name, text) -> ctypes.CDLL``: ``text`` (a shim followed by a kernel source)
    compiled as C99 into a shared library, with fused multiply-add and fast math off, as NVRTC
    compiles the same source with ``--fmad=false``. Skips where no C compiler exists."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler (cc, gcc or clang) on this machine")

    def build(name: str, text: str) -> ctypes.CDLL:
        folder = tmp_path_factory.mktemp(name)
        c_file, so_file = folder / f"{name}.c", folder / f"{name}.so"
        c_file.write_text(text, encoding="utf-8")
        command = [compiler, "-std=c99", "-O2", "-ffp-contract=off", "-fno-fast-math", "-Wall",
                   "-Werror", "-Wno-unused-function", "-shared", "-fPIC", str(c_file), "-o",
                   str(so_file), "-lm"]
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr}"
        return ctypes.CDLL(str(so_file))

    return build
