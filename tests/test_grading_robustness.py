"""One submission cannot break the class run or forge its score.

A stand-in for the grading run (``python -m attnlab.grading``; a tiny script that
reads the same input) does what a hostile submission running inside it could: write
full marks and die, write full marks without the run's key, leave a result that is
not a Python literal or not a pass or fail for each of the bundle's tests, start a
detached process that would forge grades.csv, make the report's path a folder, or
never end. Each such submission
scores 0 with status "error" (or "timeout") and a reason, while an honest one in the
same class gets its points and grades.csv holds every row. No real tests run here;
``test_grading_attacks.py`` grades real hostile notebooks.
"""

import csv
import json
import pathlib
import sys
import time

import nbformat
import psutil
import pytest

from attnlab import classroom

POINTS = {"q1": 2.0, "q2": 1.0}
CASES = [
    {
        "question": "q1",
        "test": "t1",
        "hidden": False,
        "points": 2.0,
        "description": "one",
    },
    {
        "question": "q2",
        "test": "t2",
        "hidden": True,
        "points": 1.0,
        "description": "two",
    },
]
RECORDS = [("q1", "t1", True, ""), ("q2", "t2", True, "")]

# The submission says what to do in one constant, MODE = "...", which grading keeps.
FAKE_RUN = """
import ast, os, pathlib, sys, time
payload = ast.literal_eval(sys.stdin.read())
key, records = payload["nonce"], repr({records!r})
mode = next(a for a in payload["answers"] if a.startswith("MODE"))
mode = mode.split("=", 1)[1].strip().strip("'\\"")
if mode == "honest":
    print(key + records)
elif mode == "fake_then_killed":  # full marks, then the run dies
    print(key + records, flush=True)
    os._exit(137)
elif mode == "no_key":  # full marks, but without the run's key
    print(records)
elif mode == "two_results":
    print(key + records)
    print(key + records)
elif mode == "garbage":
    print(key + "[(not a literal")
elif mode == "wrong_shape":
    print(key + repr([("q1", "t1", "yes", "")]))
elif mode == "other_tests":  # passes tests that the bundle does not have
    print(key + repr([("q1", "t1", True, ""), ("q2", "extra", True, "")]))
elif mode == "code_not_literal":
    print(key + "__import__('os').getcwd()")
elif mode.startswith("folder:"):  # makes the report's path a folder
    (pathlib.Path(mode[7:]) / "results.json").mkdir()
    print(key + records)
elif mode.startswith("daemon:"):  # a detached process that would forge grades.csv
    grades = pathlib.Path(mode[7:]) / "grades.csv"
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            (grades.parent / "daemon.pid").write_text(str(os.getpid()))
            time.sleep(1.5)
            grades.write_text("forged")
            os._exit(0)
        os._exit(0)
    while not (grades.parent / "daemon.pid").exists():
        time.sleep(0.05)
    print(key + records)
elif mode.startswith("endless:"):  # leaves a temp folder, then never ends
    import tempfile
    secret = pathlib.Path(tempfile.mkdtemp()) / "secret.txt"
    secret.write_text("secret")
    pathlib.Path(mode[8:]).write_text(str(secret))
    time.sleep(300)
"""


@pytest.fixture
def fake_run(tmp_path, monkeypatch):
    script = tmp_path / "fake_run.py"
    script.write_text(FAKE_RUN.format(records=RECORDS), encoding="utf-8")
    monkeypatch.setattr(
        classroom, "grading_command", lambda: [sys.executable, str(script)]
    )
    monkeypatch.setattr(classroom, "questions", lambda autograder: dict(POINTS))
    monkeypatch.setattr(classroom, "bundle_tests", lambda autograder: {})
    monkeypatch.setattr(classroom, "plan", lambda tests, lang: CASES)
    return tmp_path


def submit(where, **modes):
    """One notebook per ``name=mode``, whose only cell is ``MODE = "mode"``."""
    where.mkdir(exist_ok=True)
    for name, mode in modes.items():
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(f"MODE = {mode!r}")]
        nbformat.write(notebook, where / f"{name}.ipynb")
    return where


def test_an_honest_run_is_graded(fake_run):
    submission = submit(fake_run / "in", honest="honest") / "honest.ipynb"
    result = classroom.grade_submission("bundle.zip", submission, fake_run / "out")
    assert result["status"] == "graded" and result["scores"] == {"q1": 2.0, "q2": 1.0}
    assert json.loads((fake_run / "out" / "results.json").read_text())["tests"]
    assert "✓ t2 (hidden)" in (fake_run / "out" / "feedback.txt").read_text()


@pytest.mark.parametrize(
    "mode, reason",
    [
        ("fake_then_killed", "exited with 137"),
        ("no_key", "left no result"),
        ("two_results", "left no result"),
        ("garbage", "malformed"),
        ("wrong_shape", "malformed"),
        ("other_tests", "malformed"),
        ("code_not_literal", "malformed"),
    ],
)
def test_an_untrustworthy_run_scores_zero_with_a_reason(fake_run, mode, reason):
    submission = submit(fake_run / "in", x=mode) / "x.ipynb"
    result = classroom.grade_submission("bundle.zip", submission, fake_run / "out")
    assert result["status"] == "error" and result["scores"] == {}
    assert reason in result["message"]


def test_one_class_run_survives_every_bad_submission(fake_run, monkeypatch):
    out = fake_run / "grades"
    modes = {
        "honest": "honest",
        "fake_then_killed": "fake_then_killed",
        "garbage": "garbage",
        "folder": f"folder:{out / 'reports' / 'folder'}",
        "crashes_the_grader": "honest",
    }
    submissions = submit(fake_run / "in", **modes)
    (submissions / "not_a_notebook.ipynb").write_text("{", encoding="utf-8")
    grade = classroom.grade_submission

    def grade_or_crash(autograder, submission, out_dir, **limits):
        if "crashes" in str(submission):
            raise OSError("disk full")  # whatever goes wrong for one submission
        return grade(autograder, submission, out_dir, **limits)

    monkeypatch.setattr(classroom, "grade_submission", grade_or_crash)
    classroom.grade_folder("bundle.zip", submissions, out)
    with open(out / "grades.csv", encoding="utf-8") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert set(rows) == {f"{name}.ipynb" for name in [*modes, "not_a_notebook"]}
    assert rows["honest.ipynb"]["status"] == "graded"
    assert float(rows["honest.ipynb"]["total"]) == 3.0
    for name in rows.keys() - {"honest.ipynb"}:
        row = rows[name]
        assert row["status"] == "error" and float(row["total"]) == 0, row
        assert row["message"], row
    assert rows["not_a_notebook.ipynb"]["message"].startswith("not a notebook")
    assert not (out / "grades.csv.partial").exists()


def test_a_detached_process_does_not_outlive_its_grading(fake_run):
    """A double-forked daemon in a new session is stopped before grades.csv is
    written, so it cannot rewrite it afterwards."""
    out = fake_run / "grades"
    classroom.grade_folder(
        "bundle.zip", submit(fake_run / "in", d=f"daemon:{out}"), out
    )
    pid = int((out / "daemon.pid").read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    time.sleep(2)  # longer than the daemon would have waited
    rows = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert [row["submission"] for row in rows] == ["d.ipynb"]
    assert float(rows[0]["total"]) == 3.0


def test_a_stopped_run_leaves_no_temp_folder_behind(fake_run):
    """The run's temporary files live in its own folder; after a timeout it is gone."""
    told = fake_run / "secret.path"
    submission = submit(fake_run / "in", e=f"endless:{told}") / "e.ipynb"
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = classroom.grade_submission(
        "bundle.zip", submission, fake_run / "out", timeout=3
    )
    assert result["status"] == "timeout" and result["scores"] == {}
    secret = pathlib.Path(told.read_text())
    assert not secret.exists() and not secret.parent.exists()
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert not left, left


def is_subreaper():
    import ctypes

    value = ctypes.c_int()
    ctypes.CDLL(None).prctl(37, ctypes.byref(value), 0, 0, 0)  # GET_CHILD_SUBREAPER
    return bool(value.value)


def test_grading_adopts_orphans_only_while_it_grades(fake_run):
    """Outside a grading run this process is no subreaper: other programs' orphans
    (a browser's helpers, say) do not end up as its children for good."""
    submission = submit(fake_run / "in", honest="honest") / "honest.ipynb"
    classroom.grade_submission("bundle.zip", submission, fake_run / "out")
    assert not is_subreaper()
