"""Test-session settings shared by every package's tests."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest


def _cuda_unavailable_reason() -> str | None:
    from numeru.core.plugins import registry

    backends = registry("backends")
    if "cuda" not in backends:
        return "numeru-cuda is not installed"
    return backends.get("cuda").unavailable_reason()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``cuda`` run only where a CUDA GPU is usable; elsewhere they are skipped
    with the reason (no GPU, no driver, CuPy missing)."""
    marked = [item for item in items if item.get_closest_marker("cuda")]
    if not marked:
        return
    reason = _cuda_unavailable_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"no usable CUDA device: {reason}")
    for item in marked:
        item.add_marker(skip)


# --- README examples ------------------------------------------------------------------------
#
# Every ```python block of a README runs in its package's tests (`test_<name>_readme.py`):
#
# - Blocks run in README order; each README's test says whether they share one namespace
#   (later blocks build on earlier ones) or each gets a fresh one.
# - A block that needs what CI machines lack is marked in the README by an HTML comment on
#   the line before its fence, `<!-- requires: cuda -->`. `run_readme` runs such a block only
#   in a test that names the requirement (and is marked `cuda`, so it skips without a GPU).
# - A ```text block right after a python block (only blank lines between) is the output the
#   python block prints: its stdout must equal it (trailing spaces ignored).
# - Blocks run with a temporary working directory, so the files they write are removed.

_FENCE = re.compile(r"^```(\S*)\s*$")
_REQUIRES = re.compile(r"^<!--\s*requires:\s*([\w\s,-]+?)\s*-->$")


@dataclasses.dataclass(frozen=True)
class ReadmeBlock:
    """A fenced code block of a README: its language, its code, the README line of its first
    code line, what a `<!-- requires: ... -->` comment before it names, and (python blocks)
    the text of the ```text block that shows its output."""

    path: Path
    language: str
    line: int
    code: str
    requires: frozenset[str] = frozenset()
    output: str | None = None

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}"


def _readme_blocks(path: Path) -> list[ReadmeBlock]:
    """Every fenced block of a Markdown file, in order (``` fences at the start of a line)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[tuple[str, int, int, frozenset[str]]] = []  # language, open, close, requires
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        close = i + 1
        while close < len(lines) and lines[close].rstrip() != "```":
            close += 1
        assert close < len(lines), f"{path}:{i + 1}: code fence never closed"
        before = lines[i - 1].strip() if i else ""
        marker = _REQUIRES.match(before)
        requires = frozenset(r.strip() for r in marker.group(1).split(",")) if marker else None
        found.append((match.group(1), i, close, requires or frozenset()))
        i = close + 1
    blocks = []
    for k, (language, start, close, requires) in enumerate(found):
        output = None
        if language == "python" and k + 1 < len(found):
            next_language, next_start, next_close, _ = found[k + 1]
            if next_language == "text" and not "".join(lines[close + 1:next_start]).strip():
                output = "\n".join(lines[next_start + 1:next_close])
        code = "\n".join(lines[start + 1:close]) + "\n"
        blocks.append(ReadmeBlock(path, language, start + 2, code, requires, output))
    return blocks


def _run_block(block: ReadmeBlock, namespace: dict) -> None:
    # Leading newlines put the code on its README lines: a traceback shows the README.
    code = compile("\n" * (block.line - 1) + block.code, str(block.path), "exec")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exec(code, namespace)
    if block.output is not None:
        got = [line.rstrip() for line in stdout.getvalue().rstrip("\n").splitlines()]
        want = [line.rstrip() for line in block.output.rstrip("\n").splitlines()]
        assert got == want, (f"{block}: the printed output differs from the README's\n"
                             "--- printed\n" + "\n".join(got) + "\n--- README\n"
                             + "\n".join(want))


@pytest.fixture
def readme_blocks() -> Callable[[Path], list[ReadmeBlock]]:
    """``readme_blocks(path)``: every fenced block of a Markdown file, in order."""
    return _readme_blocks


@pytest.fixture
def run_readme(tmp_path, monkeypatch) -> Callable[..., list[ReadmeBlock]]:
    """``run_readme(path, *, shared=True, requires=())`` runs a README's python blocks in
    order, in ``tmp_path`` as the working directory, and returns them. Without ``requires``
    it runs the unmarked blocks; with it, the blocks marked with some of those requirements
    and none other. ``shared``: one namespace for all blocks, else a fresh one for each."""

    def run(path: Path, *, shared: bool = True,
            requires: tuple[str, ...] = ()) -> list[ReadmeBlock]:
        monkeypatch.chdir(tmp_path)
        wanted = frozenset(requires)
        blocks = [b for b in _readme_blocks(path) if b.language == "python"
                  and b.requires <= wanted and bool(b.requires) == bool(wanted)]
        assert blocks, f"{path}: no python block to run (requires={sorted(wanted)})"
        namespace: dict = {"__name__": "__readme__"}
        for block in blocks:
            if not shared:
                namespace = {"__name__": "__readme__"}
            _run_block(block, namespace)
        return blocks

    return run
