"""Hostile submissions, graded for real in one class with an honest one.

Each attack is what a student who wants marks without the work could hand in: the
answer functions left blank, plus code that patches Otter, turns ``attnlab.checks``
into no-ops (in ``sys.modules`` too), rewrites the grader's own functions and the
``repr`` and ``json`` its report could be made with, looks for the hidden tests in the
folders it runs in, rewrites test files, forges a result and kills itself, makes its
report's path a folder, leaves a detached process that would rewrite ``grades.csv``,
or never ends. The attacks run where grading would run them: in decorators (when the
answer is defined) and in the answer functions (when a test calls them); a top-level
statement never runs at all. Every attack scores 0, the honest notebook gets full marks,
``grades.csv`` has every row, and afterwards no process the class started is alive,
no temporary folder is left, and nothing the class wrote holds a line of a hidden
test.
"""

import csv
import os
import tempfile

import nbformat
import psutil
import pytest
from conftest import ROOT
from test_assignments import secret_lines, stripped_lines

from attnlab import classroom

NAME = "a3_attention"
ANSWERS = ["masked_softmax", "dot_score", "general_score", "additive_score"]
ANSWERS += ["context_vector"]


def blank_answers(decorator, body="return None"):
    """Every answer function of NAME, decorated with ``decorator`` and doing
    ``body``."""
    return "\n\n".join(
        f"@{decorator}\ndef {name}(*args, **kwargs):\n    {body}" for name in ANSWERS
    )


ATTACKS = {
    "patches_otter": """
import otter.test_files.exception_test as exception
exception.ExceptionTestFile.run = lambda self, env: None  # a top-level statement


def patch_otter(function):
    import otter.test_files.abstract_test as abstract
    import otter.test_files.exception_test as exception

    def run(self, env):
        self.test_case_results = []

    exception.ExceptionTestFile.run = run
    abstract.TestFile.score = property(lambda self: self.possible)
    return function
"""
    + blank_answers("patch_otter"),
    "disarms_checks": """
import sys
import types


def disarm(function=None):
    import attnlab.checks as checks

    def nothing(*args, **kwargs):
        return None

    for name in dir(checks):
        if not name.startswith("_") and callable(getattr(checks, name)):
            setattr(checks, name, nothing)
    sys.modules["attnlab.checks"] = types.SimpleNamespace(
        **{name: nothing for name in dir(checks) if not name.startswith("_")}
    )
    return function
"""
    + blank_answers("disarm", "disarm()"),
    "rigs_the_grader": """
def rig(function=None):
    import builtins
    import json

    import attnlab.grading as grading

    def full_marks(*args, **kwargs):
        return "[('q1', 'test', True, '')]"

    json.dumps = builtins.repr = full_marks
    grading.run_tests = lambda *args, **kwargs: []
    grading.question_score = lambda records: 3.0
    grading.case_points = lambda total, cases: [total] * len(cases)
    grading._public_message = lambda *args, **kwargs: ""
    return function
"""
    + blank_answers("rig", "rig()"),
    "reads_hidden_tests": """
def look(function=None):
    import os
    import pathlib
    import tempfile

    found = [open("/proc/self/cmdline").read(), repr(dict(os.environ))]
    for root in {os.getcwd(), tempfile.gettempdir()}:
        for folder, _, files in os.walk(root):
            for name in files:
                try:
                    found.append(pathlib.Path(folder, name).read_text(errors="replace"))
                except OSError:
                    pass
    with open(DUMP, "a") as dump:
        dump.write("\\n".join(found))
    if function is None:
        raise AssertionError("\\n".join(found))
    return function
"""
    + blank_answers("look", "look()"),
    "rewrites_tests": """
def rewrite(function=None):
    import os
    import tempfile

    for root in {os.getcwd(), tempfile.gettempdir()}:
        for folder, _, files in os.walk(root):
            for name in files:
                if name.endswith((".py", ".json")):
                    with open(os.path.join(folder, name), "w") as f:
                        f.write("")
        os.makedirs(os.path.join(root, "tests"), exist_ok=True)
        for question in ("q1", "q2", "q3"):
            with open(os.path.join(root, "tests", question + ".py"), "w") as f:
                f.write(f"OK_FORMAT = False\\nname = {question!r}\\npoints = 3\\n")
    return function
"""
    + blank_answers("rewrite", "rewrite()"),
    "forges_then_dies": """
def forge(function=None):
    import json
    import os
    import signal

    full = [
        {"question": q, "test": "t", "hidden": False, "points": 3.0, "passed": True,
         "message": ""}
        for q in ("q1", "q2", "q3")
    ]
    line = (json.dumps(full) + "\\n").encode()
    for fd in range(1, 20):
        try:
            os.write(fd, line)
        except OSError:
            pass
    with open("results.json", "w") as f:
        json.dump({"tests": full}, f)
    os.kill(os.getpid(), signal.SIGKILL)
"""
    + blank_answers("forge", "forge()"),
    "report_is_a_folder": """
def block(function=None):
    import os

    os.makedirs(os.path.join(REPORT, "results.json"), exist_ok=True)
    os.makedirs(os.path.join(REPORT, "feedback.txt"), exist_ok=True)
    return function
"""
    + blank_answers("block"),
    "daemon_forges_grades": """
def haunt(function):
    import os
    import time

    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            with open(PIDFILE, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(2)
            with open(GRADES, "w") as f:
                f.write("submission,total\\nhonest.ipynb,0\\n")
            os._exit(0)
        os._exit(0)
    while not os.path.exists(PIDFILE):
        time.sleep(0.05)
    return function
"""
    + blank_answers("haunt"),
    "never_ends": """
def spin(function):
    import tempfile

    tempfile.mkdtemp()
    while True:
        pass
"""
    + blank_answers("spin"),
}


def temp_entries():
    return set(os.listdir(tempfile.gettempdir()))


@pytest.fixture(scope="module")
def class_run(generated, tmp_path_factory):
    """Grade the honest notebook and every attack, as one class."""
    paths = generated["en", NAME]
    folder = tmp_path_factory.mktemp("attacks")
    submissions, out = folder / "submissions", folder / "graded"
    submissions.mkdir()
    paths_in_code = {
        "DUMP": str(folder / "dump.txt"),
        "REPORT": str(out / "reports" / "report_is_a_folder"),
        "PIDFILE": str(folder / "daemon.pid"),
        "GRADES": str(out / "grades.csv"),
    }
    constants = "\n".join(f"{key} = {value!r}" for key, value in paths_in_code.items())
    nbformat.write(classroom.solved(paths), submissions / "honest.ipynb")
    for name, attack in ATTACKS.items():
        notebook = nbformat.read(paths["student"], as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(constants + "\n" + attack))
        nbformat.write(notebook, submissions / f"{name}.ipynb")
    before, children = temp_entries(), psutil.Process().children(recursive=True)
    classroom.grade_folder(
        paths["autograder"], submissions, out, timeout=20, test_timeout=5
    )
    after = temp_entries()
    with open(out / "grades.csv", encoding="utf-8") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return {
        "rows": rows,
        "out": out,
        "folder": folder,
        "new_temp": after - before,
        "alive": [
            p
            for p in psutil.Process().children(recursive=True)
            if p.pid not in {c.pid for c in children}
        ],
        "pid": int((folder / "daemon.pid").read_text()),
    }


def test_the_honest_notebook_gets_full_marks(class_run):
    row = class_run["rows"]["honest.ipynb"]
    assert row["status"] == "graded" and float(row["total"]) == 8, row


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_scores_zero(class_run, attack):
    row = class_run["rows"][f"{attack}.ipynb"]
    assert float(row["total"]) == 0, row
    expected = {
        "forges_then_dies": "error",
        "report_is_a_folder": "error",
        "never_ends": "timeout",
    }.get(attack, "graded")
    assert row["status"] == expected, row


def test_the_class_result_is_whole_and_nothing_outlives_it(class_run):
    assert set(class_run["rows"]) == {"honest.ipynb"} | {f"{a}.ipynb" for a in ATTACKS}
    assert not class_run["alive"], class_run["alive"]
    pid = class_run["pid"]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    assert not class_run["new_temp"], class_run["new_temp"]


def test_no_hidden_test_is_read_or_reported(class_run):
    """The tests were never on disk where the submission ran, and what grading writes
    for a class (reports, feedback, logs) holds no line of a hidden test."""
    secret = secret_lines(ROOT / "assignments" / "en" / f"{NAME}.ipynb")
    dump = (class_run["folder"] / "dump.txt").read_text(errors="replace")
    assert dump and not (secret & stripped_lines(dump))
    for path in class_run["out"].rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not (secret & stripped_lines(text)), path
