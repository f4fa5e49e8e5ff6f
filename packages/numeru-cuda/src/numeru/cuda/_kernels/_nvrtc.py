"""The CUDA C sources shipped beside these modules, compiled by NVRTC once per GPU architecture
and cached on disk.

Each ``.cu`` file is the only copy of its kernels: the GPU runs it compiled by NVRTC, and the
tests compile the same text as plain C, so its arithmetic is checked on machines without a GPU.

We call NVRTC ourselves, through CuPy's binding of the library CuPy loads, rather than handing
the source to ``cupy.RawModule(code=...)``: CuPy appends ``-ftz=true`` after the caller's
options (``_compile_with_cache_cuda`` in cupy/cuda/compiler.py, CuPy 14), NVRTC lets the last
one win, and float32 subnormals flushed to zero would break the random kernels' bit identity
with the CPU. The image (a cubin for an architecture this NVRTC knows, else PTX, which the
driver compiles) is written to the cache and loaded with ``cupy.RawModule(path=...)``. CuPy is
imported only when a kernel is first needed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from numeru.core.errors import DeviceError

#: where compiled images are kept; default ``$XDG_CACHE_HOME/numeru/cuda`` (``~/.cache``)
CACHE_ENV = "NUMERU_CUDA_CACHE_DIR"
NVRTC_HINT = ("NVRTC comes with the CUDA Toolkit, or from pip: pip install "
              "'cupy-cuda12x[ctk]' (or nvidia-cuda-nvrtc-cu12 alone)")


@functools.cache
def source(file_name: str) -> str:
    """The text of ``file_name`` in this package."""
    return resources.files(__package__).joinpath(file_name).read_text(encoding="utf-8")


def _nvrtc() -> Any:
    from cupy_backends.cuda.libs import nvrtc

    return nvrtc


def nvrtc_version() -> tuple[int, int]:
    """(major, minor) of the NVRTC library CuPy loads; ``DeviceError`` when there is none."""
    try:
        return tuple(_nvrtc().getVersion())  # type: ignore[return-value]
    except Exception as exc:  # the library is missing: CuPy raises a plain RuntimeError
        raise DeviceError(f"cuda kernels: NVRTC could not be loaded ({exc}); "
                          f"{NVRTC_HINT}") from None


def target(capability: str) -> tuple[str, str]:
    """NVRTC's architecture option and the image kind for a device of compute ``capability``
    (``"90"`` for sm_90): a cubin when this NVRTC knows the architecture, else PTX for the
    newest architecture it knows below it, which the driver compiles for the device."""
    supported = tuple(int(arch) for arch in _nvrtc().getSupportedArchs())
    wanted = int(capability)
    if wanted in supported:
        return f"-arch=sm_{wanted}", "cubin"
    below = [arch for arch in supported if arch < wanted]
    if not below:
        raise DeviceError(f"cuda kernels: expected a GPU architecture NVRTC "
                          f"{'.'.join(map(str, nvrtc_version()))} supports "
                          f"(sm_{supported[0]} or newer), got sm_{wanted}")
    return f"-arch=compute_{max(below)}", "ptx"


def compile_source(file_name: str, options: tuple[str, ...], arch: str) -> tuple[bytes, str]:
    """(image, NVRTC's log) of ``file_name`` compiled with ``options`` and the architecture
    option ``arch`` (``-arch=sm_90`` gives a cubin, ``-arch=compute_90`` PTX)."""
    nvrtc = _nvrtc()
    nvrtc_version()  # a missing library is reported with the install hint
    program = nvrtc.createProgram(source(file_name), file_name, (), ())
    try:
        try:
            nvrtc.compileProgram(program, [*options, arch])
        except nvrtc.NVRTCError as exc:
            raise DeviceError(f"cuda kernels: NVRTC failed to compile {file_name} with "
                              f"{' '.join((*options, arch))}: {exc}\n"
                              f"{nvrtc.getProgramLog(program)}") from None
        image = nvrtc.getCUBIN(program) if arch.startswith("-arch=sm_") else \
            nvrtc.getPTX(program)
        return bytes(image), nvrtc.getProgramLog(program)
    finally:
        nvrtc.destroyProgram(program)


def cache_dir() -> Path:
    """The folder of compiled images (``NUMERU_CUDA_CACHE_DIR``, else the user's cache)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "numeru" / "cuda"


_PRIVATE: list[tempfile.TemporaryDirectory[str]] = []  # removed when the process exits


def _private_dir() -> Path:
    """Where images go when the cache folder is not writable: a temporary folder of this
    process."""
    if not _PRIVATE:
        _PRIVATE.append(tempfile.TemporaryDirectory(prefix="numeru-cuda-"))
    return Path(_PRIVATE[0].name)


def _write(path: Path, image: bytes) -> None:
    """Write ``image`` to ``path`` atomically: other processes see the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(image)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def image_path(file_name: str, options: tuple[str, ...], capability: str) -> Path:
    """The cached image of ``file_name`` for compute ``capability``, compiled on first use.

    The file name holds a hash of the source, the options, the architecture and the NVRTC
    version, so an edited source or a new NVRTC compiles afresh and never reads a stale image.
    """
    arch, kind = target(capability)
    key = hashlib.sha256(repr((source(file_name), options, arch, nvrtc_version())).encode())
    name = f"{Path(file_name).stem}-{key.hexdigest()[:32]}.{kind}"
    image = None
    for folder in (cache_dir, _private_dir):  # the second only when the first is read-only
        path = folder() / name
        if path.is_file():
            return path
        if image is None:
            image = compile_source(file_name, options, arch)[0]
        try:
            _write(path, image)
            return path
        except OSError:
            continue  # a read-only cache folder: this process keeps the image in its own
    raise DeviceError(f"cuda kernels: could not write the compiled {file_name} to "
                      f"{cache_dir()} or a temporary folder")


@functools.cache
def _module(file_name: str, options: tuple[str, ...], device_id: int) -> Any:
    import cupy

    device = cupy.cuda.Device(device_id)
    return cupy.RawModule(path=str(image_path(file_name, options, device.compute_capability)))


@functools.cache
def _function(file_name: str, name: str, options: tuple[str, ...], device_id: int) -> Any:
    return _module(file_name, options, device_id).get_function(name)


def kernel(file_name: str, name: str, options: tuple[str, ...] = ()) -> Any:
    """Kernel ``name`` of ``file_name``, compiled with ``options`` for CuPy's current device
    (looked up once per device: a launch costs no module or kernel lookup)."""
    import cupy

    return _function(file_name, name, options, cupy.cuda.Device().id)
