"""Sessions for the whole tree: tests, isolated, lint, typecheck, demo, bench, build, fuzz.

    nox -s tests                  every package editable in one environment, every test
    nox -s isolated               each package alone with only its declared dependencies
    nox -s demo                   the end-to-end tour (`numeru demo`)
    nox -s bench -- numeru-core   one package's benchmarks (all packages without an argument)
    nox -s build                  a wheel and an sdist per package; each wheel installs alone
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = ["numeru-core", "numeru-linalg", "numeru-ml", "numeru-trees", "numeru-dl",
            "numeru-gen", "numeru-cuda", "numeru-rag"]
EXAMPLE = "examples/numeru-backend-example"
# Test references. torch is pinned and installed with pip (see _install_torch); xgboost-cpu
# avoids the 300 MB NCCL library that the plain xgboost wheel pulls in. CuPy and NVRTC work
# without a GPU: numeru-cuda's tests compile its kernels with NVRTC (numeru-cuda's test extra).
TEST_REFERENCES = ["pytest>=8", "hypothesis>=6", "scipy>=1.11", "scikit-learn>=1.4",
                   "array-api-strict>=2.0", "safetensors>=0.4", "lightgbm>=4", "xgboost-cpu>=2",
                   "onnx>=1.15", "onnxruntime>=1.17", "tqdm>=4", "cupy-cuda12x>=14,<15",
                   "nvidia-cuda-nvrtc-cu12>=12.4,<13"]
TORCH = "torch==2.13.0"
NEEDS_TORCH = {"numeru-core", "numeru-ml", "numeru-dl"}

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


def _editable(*names: str) -> list[str]:
    args: list[str] = []
    for name in names:
        args += ["-e", str(ROOT / "packages" / name)]
    return args


def _install_torch(session: nox.Session) -> None:
    """torch through pip: pip finds the CPU wheel set up on these machines; uv (which does not
    read pip's configuration) would download a CUDA build of several GB instead."""
    if session.venv_backend == "uv":
        session.install("pip")
    session.run("python", "-m", "pip", "install", "-q", TORCH)


def _test_env() -> dict[str, str]:
    # Bounds checks in every Numba kernel during tests: an out-of-bounds index fails a test
    # instead of reading stray memory. Compiled kernels are cached between runs.
    # Numba's cache key ignores NUMBA_BOUNDSCHECK, so checked builds get a cache of their own.
    return {"NUMBA_BOUNDSCHECK": "1",
            "NUMBA_CACHE_DIR": str(ROOT / ".nox" / "numba-cache-boundscheck"),
            "PYTHONHASHSEED": "0"}


@nox.session
def tests(session: nox.Session) -> None:
    """Every package installed editable in one environment; every test."""
    session.install(*_editable(*PACKAGES), "-e", str(ROOT / EXAMPLE), *TEST_REFERENCES)
    _install_torch(session)
    session.run("python", "-m", "pytest", *(session.posargs or []), env=_test_env())


@nox.session
@nox.parametrize("package", PACKAGES)
def isolated(session: nox.Session, package: str) -> None:
    """One package with only its declared dependencies: proves `pip install numeru-X` alone."""
    siblings = _declared_siblings(package)
    # The package's own `test` extra names the reference libraries its tests compare with.
    session.install(*_editable(*siblings), "-e", f"{ROOT / 'packages' / package}[test]")
    if package in NEEDS_TORCH:
        _install_torch(session)
    session.run("python", "-m", "pytest", f"packages/{package}/tests", "-p", "no:cacheprovider",
                env=_test_env())


def _declared_siblings(package: str) -> list[str]:
    """numeru-* distributions that `package` requires, transitively."""
    import tomllib

    found: list[str] = []

    def visit(name: str) -> None:
        data = tomllib.loads((ROOT / "packages" / name / "pyproject.toml").read_text())
        for requirement in data["project"]["dependencies"]:
            sibling = requirement.split(">")[0].split("=")[0].split("<")[0].strip()
            if sibling.startswith("numeru-") and sibling not in found:
                found.append(sibling)
                visit(sibling)

    visit(package)
    return found


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.5")
    session.run("ruff", "check", "packages", "examples", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install(*_editable(*PACKAGES), "mypy>=1.10")
    session.run("mypy", *[f"packages/{p}/src/numeru" for p in PACKAGES])


@nox.session
def demo(session: nox.Session) -> None:
    """The tour: every installed package shows what it does."""
    # The example backend too: the tour shows a third-party backend found by its entry point.
    session.install(*_editable(*PACKAGES), "-e", str(ROOT / EXAMPLE), "tqdm>=4")
    session.run("numeru", "info")
    session.run("numeru", "plugins", "--strict")
    session.run("numeru", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks of the named packages (all without arguments), numeru beside its anchors."""
    wanted = session.posargs or PACKAGES
    session.install(*_editable(*PACKAGES), *TEST_REFERENCES)
    _install_torch(session)
    for package in wanted:
        for script in sorted((ROOT / "packages" / package / "benchmarks").glob("bench_*.py")):
            session.run("python", str(script))


@nox.session
def fuzz(session: nox.Session) -> None:
    """The .nmr reader against 100,000 mutated, truncated and extended files."""
    session.install(*_editable("numeru-core"))
    session.run("python", "packages/numeru-core/tests/fuzz_nmr.py", "--cases",
                session.posargs[0] if session.posargs else "100000")


@nox.session
def build(session: nox.Session) -> None:
    """A wheel and an sdist per package; each wheel then installs and imports on its own."""
    session.install("build[uv]>=1")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    for package in PACKAGES:
        session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(dist),
                    f"packages/{package}")
    for package in PACKAGES:
        _check_wheel_alone(session, package, dist)


def _check_wheel_alone(session: nox.Session, package: str, dist: Path) -> None:
    """Install the wheel with its numeru siblings' wheels into a fresh venv and import it."""
    target = ROOT / ".nox" / f"wheel-{package}"
    shutil.rmtree(target, ignore_errors=True)
    session.run("python", "-m", "venv", str(target))
    python = str(target / "bin" / "python")
    wheels = [str(next(dist.glob(f"{name.replace('-', '_')}-*.whl")))
              for name in [*_declared_siblings(package), package]]
    session.run(python, "-m", "pip", "install", "-q", *wheels, external=True)
    module = "numeru." + package.removeprefix("numeru-")
    check = (f"import {module}, numeru.core.plugins as p; "
             "failed = {i.name: i.error for i in p.plugin_info() if i.error}; "
             f"assert not failed, failed; print({module}.__version__)")
    session.run(python, "-c", check,
                external=True, env={"PATH": f"{target / 'bin'}{os.pathsep}{os.environ['PATH']}"})
