"""Shared paths and fixtures of the test suite."""

import os
import pathlib
import subprocess

import nbformat
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
EDITIONS = ("ko", "en")
CONFIGS = {"ko": ROOT / "_config.yml", "en": ROOT / "_config.en.yml"}
TOCS = {"ko": ROOT / "_toc.yml", "en": ROOT / "_toc.en.yml"}
SITE = ROOT / "_build" / "site"


def notebooks(lang):
    """The chapter notebooks of one edition, sorted by name."""
    return sorted((ROOT / "chapters" / lang).glob("*.ipynb"))


def read_notebook(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def read_config(lang):
    return yaml.safe_load(CONFIGS[lang].read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site():
    """The built site, from a clean state (built once per test session).

    Set ATTNLAB_REUSE_SITE=1 to reuse an existing _build/site while working on tests.
    """
    if os.environ.get("ATTNLAB_REUSE_SITE") == "1" and (SITE / "index.html").exists():
        return SITE
    result = subprocess.run(
        ["bash", "scripts/build_site.sh"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, f"site build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return SITE
