"""When an edition fails to build, the end of the output says why
(scripts/build_failure.py, called last by scripts/build_site.sh), and the build runs
its kernels the same way from `make site` and from the test suite."""

import os
import shutil
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from build_failure import causes  # noqa: E402

# What a Jupyter Book log and Sphinx's saved traceback look like when a cell raises.
SAVED = """# Sphinx version:   7.4.7
Traceback (most recent call last):
nbclient.exceptions.CellExecutionError: An error occurred while executing \
the following cell:
------------------
\x1b[0;32mfrom attnlab.tokenizers import Subwords\x1b[0m
------------------
\x1b[0;31mUnsupportedOperation\x1b[0m          Traceback (most recent call last)
\x1b[0;31mUnsupportedOperation\x1b[0m: fileno
The above exception was the direct cause of the following exception:
myst_nb.core.execute.base.ExecutionError: /book/chapters/ko/09_real_language.ipynb
"""
LOG = """[IPKernelApp] WARNING | Kernel is running over TCP without encryption.
/book/chapters/ko/04_bottleneck.ipynb:12: WARNING: stderr output [mystnb.stderr]
\x1b[91mException occurred:\x1b[0m
The full traceback has been saved in {saved}, if you want to report the issue \
to the developers.
RuntimeError: There was an error in building your book. Look above for the cause.
"""


def test_the_causes_name_the_notebook_the_cell_and_the_exception(tmp_path):
    saved = tmp_path / "sphinx-err-abc123.log"
    saved.write_text(SAVED, encoding="utf-8")
    found = causes(LOG.format(saved=saved))
    assert (
        "/book/chapters/ko/04_bottleneck.ipynb:12: WARNING: stderr output" in found[0]
    )
    assert f"{saved}:" in found
    told = "\n".join(found)
    assert "  UnsupportedOperation: fileno" in found
    assert "the cell: from attnlab.tokenizers import Subwords" in told
    assert "ExecutionError: /book/chapters/ko/09_real_language.ipynb" in told
    assert "IPKernelApp" not in told and "\x1b" not in told
    assert "most recent call last" not in told


def test_a_missing_saved_traceback_is_said(tmp_path):
    found = causes(LOG.format(saved=tmp_path / "sphinx-err-gone.log"))
    assert found[-1] == f"{tmp_path / 'sphinx-err-gone.log'}: (not found)"


FAKE_JUPYTER_BOOK = """#!/usr/bin/env bash
# stands in for jupyter-book: the Korean edition fails, the English one builds
echo "kernel env: PYTEST_CURRENT_TEST=${PYTEST_CURRENT_TEST-unset}"
echo "kernel env: ATTNLAB_TRAINING_CACHE=${ATTNLAB_TRAINING_CACHE-unset}"
echo "kernel env: MKL_CBWR=${MKL_CBWR-unset} OMP_NUM_THREADS=${OMP_NUM_THREADS-unset}"
mkdir -p "$ATTNLAB_TRAINING_CACHE" && touch "$ATTNLAB_TRAINING_CACHE/run.pt"
case "$*" in
  *_config.yml*)
    echo "The full traceback has been saved in $SAVED_TRACEBACK, if you want to"
    exit 1 ;;
esac
mkdir -p _build/en/_build/html
"""


def test_the_site_script_ends_with_the_causes_and_builds_outside_pytest(tmp_path):
    """build_site.sh in a copy of its folder, with a stand-in jupyter-book; the
    trained models the editions share are gone when the build ends."""
    for name in ("build_site.sh", "build_failure.py", "numerics.env"):
        (tmp_path / "scripts").mkdir(exist_ok=True)
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "jupyter-book").write_text(FAKE_JUPYTER_BOOK, encoding="utf-8")
    (bin_dir / "jupyter-book").chmod(0o755)
    saved = tmp_path / "sphinx-err-xyz.log"
    saved.write_text(SAVED, encoding="utf-8")
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    env.update(SAVED_TRACEBACK=str(saved), PYTEST_CURRENT_TEST="t.py::t (call)")
    result = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "build_site.sh")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The ko edition failed" in result.stdout
    assert "The en edition failed" not in result.stdout
    assert result.stdout.rstrip().endswith(
        "ExecutionError: /book/chapters/ko/09_real_language.ipynb"
    ), result.stdout
    log = (tmp_path / "_build" / "logs" / "ko.log").read_text(encoding="utf-8")
    assert "kernel env: PYTEST_CURRENT_TEST=unset" in log
    # the numerics of scripts/numerics.env, the file benchmarks/run.py reads too
    assert "kernel env: MKL_CBWR=COMPATIBLE OMP_NUM_THREADS=1" in log
    # the editions share their training through a folder of this build alone
    shared = tmp_path / "_build" / "training"
    assert f"kernel env: ATTNLAB_TRAINING_CACHE={shared}" in log
    assert not shared.exists()
