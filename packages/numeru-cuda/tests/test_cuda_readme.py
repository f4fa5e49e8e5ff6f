"""The python examples of numeru-cuda's README run as written on a GPU and print what the
README shows (``run_readme`` in the root conftest.py). Each needs a GPU, so each is marked
``<!-- requires: cuda -->`` in the README and runs here only where one is usable."""

from __future__ import annotations

from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_python_example_is_marked_cuda(readme_blocks):
    # Without the marker a block would run on the CPU-only CI machines and fail there.
    python = [b for b in readme_blocks(README) if b.language == "python"]
    assert python
    assert [str(b) for b in python if b.requires != {"cuda"}] == []


@pytest.mark.cuda
def test_readme_examples(run_readme):
    # Blocks stand alone: each starts from its own imports.
    run_readme(README, shared=False, requires=("cuda",))
