"""One submission cannot break the class run or forge its score (issue 15, in part).

A stand-in for ``otter run`` (a tiny script chosen by the submission's file name)
leaves behind what a hostile notebook could: full marks written before a non-zero
exit, a results.json that is a folder, or one that is not JSON. Each such submission
scores 0 with status "error" and a reason, while an honest one in the same class gets
its points and grades.csv holds every row. No real Otter run is needed.
"""

import csv
import json
import pathlib
import sys
import time

import psutil
import pytest

from attnlab import classroom

POINTS = {"q1": 2.0, "q2": 1.0}
FULL = {"tests": [{"name": "q1", "score": 2.0}, {"name": "q2", "score": 1.0}]}

FAKE_OTTER = """
import json, pathlib, sys
out = pathlib.Path(sys.argv[sys.argv.index("-o") + 1])
name = pathlib.Path(sys.argv[-1]).stem
results = out / "results.json"
full = {full!r}
if name == "honest":
    results.write_text(json.dumps(full))
elif name == "fake_then_killed":  # full marks written, then the run dies
    results.write_text(json.dumps(full))
    sys.exit(137)
elif name == "folder":
    results.mkdir()
elif name == "garbage":
    results.write_text("{{not json")
elif name == "daemon":  # a detached process that would forge grades.csv later
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            (out.parent / "daemon.pid").write_text(str(os.getpid()))
            time.sleep(1.5)
            (out.parent / "grades.csv").write_text("forged")
            os._exit(0)
        os._exit(0)
    while not (out.parent / "daemon.pid").exists():
        time.sleep(0.05)
    results.write_text(json.dumps(full))
elif name == "endless":  # unpacks the bundle into a temp folder, then never ends
    import tempfile, time
    bundle = pathlib.Path(tempfile.mkdtemp()) / "hidden_tests.py"
    bundle.write_text("secret")
    (out.parent / "bundle.path").write_text(str(bundle))
    time.sleep(300)
elif name == "wrong_shape":
    results.write_text(json.dumps({{"tests": [{{"name": "q1", "score": "2"}}]}}))
"""


@pytest.fixture
def fake_otter(tmp_path, monkeypatch):
    script = tmp_path / "fake_otter.py"
    script.write_text(FAKE_OTTER.format(full=FULL), encoding="utf-8")

    def command(autograder, submission, out_dir):
        return [sys.executable, str(script), "-o", str(out_dir), str(submission)]

    monkeypatch.setattr(classroom, "otter_command", command)
    monkeypatch.setattr(classroom, "questions", lambda autograder: dict(POINTS))
    return tmp_path


def submit(folder, *names):
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    return folder


def test_an_honest_run_is_graded(fake_otter):
    result = classroom.grade_submission(
        "bundle.zip",
        submit(fake_otter / "in", "honest") / "honest.ipynb",
        fake_otter / "out",
    )
    assert result["status"] == "graded" and result["scores"] == {"q1": 2.0, "q2": 1.0}


@pytest.mark.parametrize(
    "name, reason",
    [
        ("fake_then_killed", "exited with 137"),
        ("folder", "not a file"),
        ("garbage", "malformed"),
        ("wrong_shape", "malformed"),
    ],
)
def test_an_untrustworthy_run_scores_zero_with_a_reason(fake_otter, name, reason):
    submission = submit(fake_otter / "in", name) / f"{name}.ipynb"
    result = classroom.grade_submission("bundle.zip", submission, fake_otter / "out")
    assert result["status"] == "error" and result["scores"] == {}
    assert reason in result["message"]


def test_one_class_run_survives_every_bad_submission(fake_otter, monkeypatch):
    names = ["honest", "fake_then_killed", "folder", "garbage", "crashes_the_grader"]
    submissions = submit(fake_otter / "in", *names)
    grade = classroom.grade_submission

    def grade_or_crash(autograder, submission, out_dir, timeout=300):
        if "crashes" in str(submission):
            raise OSError("disk full")  # whatever goes wrong for one submission
        return grade(autograder, submission, out_dir, timeout=timeout)

    monkeypatch.setattr(classroom, "grade_submission", grade_or_crash)
    out = fake_otter / "grades"
    classroom.grade_folder("bundle.zip", submissions, out)
    with open(out / "grades.csv", encoding="utf-8") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert set(rows) == {f"{name}.ipynb" for name in names}
    assert rows["honest.ipynb"]["status"] == "graded"
    assert float(rows["honest.ipynb"]["total"]) == 3.0
    for name in names[1:]:
        row = rows[f"{name}.ipynb"]
        assert row["status"] == "error" and float(row["total"]) == 0, row
        assert row["message"], row
    assert not (out / "grades.csv.partial").exists()
    assert json.loads((out / "honest" / "results.json").read_text()) == FULL


def test_a_detached_process_does_not_outlive_its_grading(fake_otter):
    """A double-forked daemon in a new session is stopped before grades.csv is
    written, so it cannot rewrite it afterwards."""
    out = fake_otter / "grades"
    classroom.grade_folder("bundle.zip", submit(fake_otter / "in", "daemon"), out)
    pid = int((out / "daemon.pid").read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    time.sleep(2)  # longer than the daemon would have waited
    rows = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert [row["submission"] for row in rows] == ["daemon.ipynb"]
    assert float(rows[0]["total"]) == 3.0


def test_a_stopped_run_leaves_no_temp_folder_behind(fake_otter):
    """Otter unpacks the hidden tests into a temp folder; after a timeout it is gone."""
    submission = submit(fake_otter / "in", "endless") / "endless.ipynb"
    result = classroom.grade_submission(
        "bundle.zip", submission, fake_otter / "out", timeout=2
    )
    assert result["status"] == "timeout"
    bundle = pathlib.Path((fake_otter / "bundle.path").read_text())
    assert not bundle.exists() and not bundle.parent.exists()
