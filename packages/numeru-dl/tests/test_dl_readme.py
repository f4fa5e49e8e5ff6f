"""The python examples of numeru-dl's README run as written and print what the README shows
(``run_readme`` in the root conftest.py)."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples(run_readme):
    # One namespace: the training example reuses the first block's imports and load_digits.
    run_readme(README)
