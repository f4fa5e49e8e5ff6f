"""The python examples of numeru-linalg's README run as written and print what the README
shows (``run_readme`` in the root conftest.py)."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples(run_readme):
    # One block; shared namespace (the default) for any block added after it.
    run_readme(README)
