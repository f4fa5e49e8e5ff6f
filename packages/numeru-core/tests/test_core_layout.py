"""Guards on the layout of the monorepo; each one was seen breaking the namespace here."""

from __future__ import annotations

import ast
import importlib.metadata
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = sorted(p for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())
# The one direction dependencies may point (ARCHITECTURE.md); a package may declare fewer.
ALLOWED = {
    "numeru-core": set(),
    "numeru-linalg": {"numeru-core"},
    "numeru-ml": {"numeru-core", "numeru-linalg"},
    "numeru-trees": {"numeru-core"},
    "numeru-dl": {"numeru-core", "numeru-linalg", "numeru-ml"},
    "numeru-gen": {"numeru-core", "numeru-linalg", "numeru-ml", "numeru-dl"},
    "numeru-cuda": {"numeru-core"},
    "numeru-rag": {"numeru-core", "numeru-linalg", "numeru-ml", "numeru-dl"},
}


def _declared(package: Path) -> set[str]:
    data = tomllib.loads((package / "pyproject.toml").read_text())
    names = set()
    for requirement in data["project"].get("dependencies", []):
        name = requirement.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
        if name.startswith("numeru-"):
            names.add(name)
    return names


def test_the_eight_packages_exist():
    assert [p.name for p in PACKAGES] == sorted(ALLOWED)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_no_namespace_init(package):
    assert not (package / "src" / "numeru" / "__init__.py").exists(), (
        "numeru is a PEP 420 namespace: an __init__.py there breaks every other package")


def test_no_init_in_any_tests_folder():
    found = [str(p.relative_to(ROOT)) for p in ROOT.glob("*/*/tests/**/__init__.py")]
    assert found == [], "with importlib mode pytest then runs one package's tests under every name"


def test_test_file_names_are_unique_across_packages():
    names = [p.name for p in ROOT.glob("*/*/tests/**/test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_package_layout(package):
    name = package.name.removeprefix("numeru-")
    src = package / "src" / "numeru" / name
    assert (src / "py.typed").exists()
    assert (src / "_version.py").exists()
    assert (src / "plugin.py").exists()
    assert (package / "README.md").read_text().strip()
    data = tomllib.loads((package / "pyproject.toml").read_text())
    assert data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/numeru"]
    assert data["tool"]["hatch"]["version"]["path"] == f"src/numeru/{name}/_version.py"
    for requirement in data["project"]["dependencies"]:
        assert "file:" not in requirement
        if requirement.startswith("numeru-"):
            assert ">=" in requirement and "<" in requirement, requirement


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_dependencies_point_one_way(package):
    assert _declared(package) <= ALLOWED[package.name]


def _imported_siblings(package: Path) -> dict[str, str]:
    """numeru distributions imported anywhere in the package's source -> one importing file."""
    found: dict[str, str] = {}
    for path in (package / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            for module in modules:
                parts = module.split(".")
                if parts[0] == "numeru" and len(parts) > 1:
                    found.setdefault(f"numeru-{parts[1]}", str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_every_imported_sibling_is_declared(package):
    imported = _imported_siblings(package)
    undeclared = {dist: where for dist, where in imported.items()
                  if dist != package.name and dist not in _declared(package)}
    assert undeclared == {}, f"{package.name} imports siblings it does not declare: {undeclared}"


def test_every_installed_entry_point_resolves():
    from numeru.core import plugins

    entry_points = importlib.metadata.entry_points(group="numeru")
    # Every installed sibling (numeru-core is the built-in plugin) declares its entry point.
    installed = {p.name for p in PACKAGES if _installed(p.name)} - {"numeru-core"}
    assert installed <= {ep.name for ep in entry_points}
    for ep in entry_points:
        ep.load()
    failures = {i.name: i.error for i in plugins.plugin_info() if i.error}
    assert failures == {}
    loaded = {i.name for i in plugins.plugin_info()}
    assert "numeru-core" in loaded
    assert {ep.name for ep in entry_points} <= loaded


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
