"""A chapter runs as a Colab reader gets the book: the wheel, its declared dependencies.

``scripts/colab_check.py`` builds the ``attnlab`` wheel, installs it into a fresh
virtual environment with only its declared dependencies, the torch pin and Colab's
``ipywidgets==7.7.1``, and executes chapter 6 (Korean edition) with live widgets, no
network and no system CJK font. A dependency missing from ``pyproject.toml`` or a font
that only this machine has would pass every other test and fail for the reader.

The environment is built once (about a minute) and kept for the second test, which
shows the check failing when a declared dependency is left out.
"""

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "scripts" / "colab_check.py"
# Ships the Korean font that chapter 6's plots need once no system font is visible.
LEFT_OUT = "koreanize-matplotlib"
CLEAN = "clean: no error, nothing on stderr"


def colab_check(*args):
    """Run the check; return the finished process (output captured)."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def report(result):
    """What the check printed, for an assertion message."""
    return f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def full_check(tmp_path_factory):
    """The check with every declared dependency, run once; its environment is kept."""
    venv = tmp_path_factory.mktemp("colab") / "venv"
    yield venv, colab_check("--keep", str(venv))
    shutil.rmtree(venv, ignore_errors=True)


def test_chapter_runs_clean_from_the_wheel(full_check):
    _, result = full_check
    assert result.returncode == 0 and CLEAN in result.stdout, report(result)


def test_check_fails_without_a_declared_dependency(full_check, tmp_path):
    venv, _ = full_check
    assert (venv / "bin" / "python").exists(), "the first check built no environment"
    # A copy by hard links (a second), then the check uninstalls the left-out package.
    copy = tmp_path / "venv"
    subprocess.run(["cp", "-al", str(venv), str(copy)], check=True)
    result = colab_check("--keep", str(copy), "--leave-out", LEFT_OUT)
    shutil.rmtree(copy, ignore_errors=True)
    assert result.returncode == 1 and CLEAN not in result.stdout, report(result)
    assert "missing from font" in result.stdout, report(result)
