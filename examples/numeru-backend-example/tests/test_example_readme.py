"""The python example of this README runs as written and prints what the README shows
(``run_readme`` in the repository's conftest.py)."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples(run_readme):
    run_readme(README)
