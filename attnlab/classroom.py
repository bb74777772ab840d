"""Classroom tools for the graded notebooks in ``assignments/``, on Otter-Grader 7.

A master notebook holds the questions, the solutions, the public tests and the hidden
tests. From it, ``generate`` makes

- the students' notebook: no solutions, no hidden tests, and the public tests written
  into one cell, so that ``grader.check("q1")`` works in Colab and in Jupyter
  without a ``tests/`` folder beside the notebook;
- the autograder bundle (a zip, also the format Gradescope takes) with every test.

``grade`` runs each submission in a folder through ``otter run`` with a time limit,
so that one infinite loop cannot stall the whole class, and writes ``grades.csv``.
From a shell (Otter comes with ``pip install "attnlab[classroom]"``)::

    python -m attnlab.classroom generate                 # every master, both editions
    python -m attnlab.classroom grade BUNDLE.zip SUBMISSIONS/ --timeout 300

The teacher's guide of the book explains the whole workflow.
"""

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

# where the students' notebook writes its public tests
PUBLIC_TESTS_DIR = "public_tests"
GRADER_LINE = f'grader = otter.Notebook(tests_dir="{PUBLIC_TESTS_DIR}")'
PUBLIC_TESTS_TITLE = (
    "#@title Public tests (written next to this notebook; no need to edit)"
)


def find_masters(root="assignments"):
    """The master notebooks ``root/<lang>/<name>.ipynb``, by language, then name."""
    return sorted(Path(root).glob("[a-z][a-z]/*.ipynb"))


def run_otter_assign(master, out_dir):
    """Run ``otter assign`` on ``master``; raise with Otter's own output if it fails."""
    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "otter", "assign", str(master), str(out_dir)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"otter assign failed on {master}:\n{done.stdout}{done.stderr}"
        )


def public_tests_cell(tests_dir):
    """A code cell that writes the public tests of ``tests_dir`` next to the notebook.

    Tagged ``otter_ignore``: the autograder skips it, so it can never overwrite the
    hidden tests. Colab shows it folded under its title, Jupyter with its input hidden.
    """
    lines = [
        PUBLIC_TESTS_TITLE,
        "# Generated from the master notebook. Otter's grader.check reads these files.",
        "import pathlib",
        "PUBLIC_TESTS = {",
    ]
    for path in sorted(Path(tests_dir).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        literal = f"r'''{text}'''" if "'''" not in text else repr(text)
        lines.append(f"    {path.name!r}: {literal},")
    lines += [
        "}",
        f'pathlib.Path("{PUBLIC_TESTS_DIR}").mkdir(exist_ok=True)',
        "for file_name, text in PUBLIC_TESTS.items():",
        f'    (pathlib.Path("{PUBLIC_TESTS_DIR}") / file_name)'
        '.write_text(text, encoding="utf-8")',
    ]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata = {
        "tags": ["otter_ignore"],
        "cellView": "form",
        "jupyter": {"source_hidden": True},
    }
    return cell


def tidy(notebook):
    """Stable ids, no outputs, no execution counts: the same master, the same file."""
    for i, cell in enumerate(notebook.cells):
        cell.id = f"cell-{i:02d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return notebook


def students_notebook(otter_student_dir, name):
    """Otter's student notebook with the public tests put in, before the grader cell."""
    notebook = nbformat.read(Path(otter_student_dir) / f"{name}.ipynb", as_version=4)
    grader_cells = [
        i for i, cell in enumerate(notebook.cells) if GRADER_LINE in cell.source
    ]
    if len(grader_cells) != 1:
        raise ValueError(
            f"{name}: expected one cell with `{GRADER_LINE}`, found {len(grader_cells)}"
        )
    notebook.cells.insert(
        grader_cells[0], public_tests_cell(Path(otter_student_dir) / "tests")
    )
    return tidy(notebook)


def generate(master, out_dir):
    """Make the students' notebook and the autograder bundle of one master notebook.

    Returns a dict of paths: ``student`` (the notebook to hand out), ``autograder``
    (the zip), ``solution`` (the notebook with solutions) and ``tests`` (all tests).
    """
    master, out_dir = Path(master), Path(out_dir)
    run_otter_assign(master, out_dir)
    notebook = students_notebook(out_dir / "student", master.stem)
    student = out_dir / f"{master.stem}.ipynb"
    nbformat.write(notebook, student)
    bundles = sorted((out_dir / "autograder").glob("*.zip"))
    if len(bundles) != 1:
        raise RuntimeError(f"expected one autograder zip in {out_dir / 'autograder'}")
    return {
        "student": student,
        "autograder": bundles[0],
        "solution": out_dir / "autograder" / f"{master.stem}.ipynb",
        "tests": out_dir / "autograder" / "tests",
    }


def tagged_cells(notebook, tag):
    """The cells of ``notebook`` carrying Otter's ``tag``, in order."""
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def solved(paths):
    """The students' notebook with each answer cell filled in from the solutions.

    ``paths`` is what ``generate`` returned. Graded, this notebook should get full
    marks: it is the submission of a student who wrote exactly the solutions.
    """
    markers = ("# BEGIN SOLUTION", "# END SOLUTION")
    solutions = tagged_cells(
        nbformat.read(paths["solution"], as_version=4), "otter_assign_solution_cell"
    )
    notebook = nbformat.read(paths["student"], as_version=4)
    answers = tagged_cells(notebook, "otter_answer_cell")
    if len(answers) != len(solutions) or not answers:
        raise ValueError(f"{len(answers)} answer cells but {len(solutions)} solutions")
    for answer, solution in zip(answers, solutions):
        answer.source = "\n".join(
            line for line in solution.source.splitlines() if line.strip() not in markers
        )
    return notebook


def generate_all(root="assignments", out="_build/assignments", publish=True):
    """Generate every master; with ``publish``, copy each students' notebook to
    ``root/student/<lang>/`` (the files the site links and Colab opens)."""
    made = {}
    for master in find_masters(root):
        lang = master.parent.name
        paths = generate(master, Path(out) / lang / master.stem)
        if publish:
            published = Path(root) / "student" / lang / f"{master.stem}.ipynb"
            published.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(paths["student"], published)
        made[(lang, master.stem)] = paths
    return made


def questions(autograder):
    """``{question: points}`` from the test files inside an autograder bundle."""
    from otter.test_files import ExceptionTestFile

    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(autograder) as bundle:
        names = sorted(
            n for n in bundle.namelist() if n.startswith("tests/") and n.endswith(".py")
        )
        points = {}
        for name in names:
            path = bundle.extract(name, tmp)
            test_file = ExceptionTestFile.from_file(path)
            points[test_file.name] = test_file.possible
    return points


def kill_tree(pid):
    """Stop a process and everything it started (Jupyter kernels run in their own
    session, so killing the process group alone would leave them running)."""
    import psutil

    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    family = parent.children(recursive=True) + [parent]
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def adopt_orphans():
    """Make this process a child subreaper (Linux): a process that a submission
    detaches (a double fork, a new session) then becomes this process's child when
    its parents exit, instead of init's, so that ``stop_strays`` can find it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):  # not Linux: nothing to adopt with
        pass


def descendants():
    """The process ids that descend from this process now."""
    import psutil

    return {child.pid for child in psutil.Process().children(recursive=True)}


def stop_strays(before):
    """Kill every descendant of this process that ``before`` does not list, and reap
    it: what a graded submission started and left running."""
    import psutil

    strays = [
        child
        for child in psutil.Process().children(recursive=True)
        if child.pid not in before
    ]
    for child in strays:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(strays, timeout=10)


def grade_submission(autograder, submission, out_dir, timeout=300):
    """Grade one notebook with ``otter run``, stopping it after ``timeout`` seconds.

    Returns ``{"status", "scores": {question: points}, "public": {question: passed},
    "message"}``. ``status`` is "graded", "timeout" (stopped; every question scores 0)
    or "error" (every question scores 0, and ``message`` says why): Otter could not
    grade it (the file is not a notebook), ``otter run`` exited with a non-zero code
    (whatever it left in ``out_dir``), or its results.json is missing, not a file or
    malformed. ``public`` tells whether a question passed its public tests,
    the ones the student saw.
    ``otter run`` exits with 0 whatever the score, so the score is read from its
    ``results.json``, and a run that exits otherwise is not trusted.
    """
    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    log_path = out_dir / "otter.log"
    command = otter_command(autograder, submission, out_dir)
    adopt_orphans()
    before = descendants()
    with (
        open(log_path, "w", encoding="utf-8") as log,
        tempfile.TemporaryDirectory() as cwd,
    ):
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, "TMPDIR": cwd},  # Otter's temp folders go, with cwd
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            return {
                "status": "timeout",
                "scores": {},
                "public": {},
                "message": f"stopped after {timeout} s (an endless loop?)",
            }
        finally:
            stop_strays(before)  # before its results are read, and before the next one
    results = out_dir / "results.json"
    problem = result_problem(process.returncode, results)
    if problem:
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip()
        return failed(" / ".join([problem, *tail.splitlines()[-3:]]))
    tests = read_tests(results)
    scores = {test["name"]: float(test["score"]) for test in tests if "score" in test}
    public_report = "".join(
        test.get("output", "") for test in tests if "score" not in test
    )
    return {
        "status": "graded",
        "scores": scores,
        "public": public_results(public_report),
        "message": "",
    }


def otter_command(autograder, submission, out_dir):
    """The command that grades one submission: ``otter run`` into ``out_dir``."""
    return [
        sys.executable,
        "-m",
        "otter",
        "run",
        "-a",
        str(Path(autograder).resolve()),
        "-o",
        str(Path(out_dir).resolve()),
        str(Path(submission).resolve()),
    ]


def failed(message):
    """The result of a submission that could not be graded: every question 0."""
    return {"status": "error", "scores": {}, "public": {}, "message": message}


def read_tests(results):
    """The test records of Otter's ``results.json``; ValueError if it is not one."""
    if not results.is_file():
        raise ValueError("results.json is missing or not a file")
    try:
        tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(
            f"results.json is malformed ({type(error).__name__})"
        ) from None
    if not isinstance(tests, list) or not all(
        isinstance(t, dict)
        and isinstance(t.get("name"), str)
        and isinstance(t.get("score", 0), (int, float))
        for t in tests
    ):
        raise ValueError("results.json is malformed (not a list of test records)")
    return tests


def result_problem(returncode, results):
    """Why a finished ``otter run`` cannot be trusted ('' if it can): a non-zero exit
    (whatever it left behind), or a results.json that is missing, not a file or
    malformed."""
    if returncode != 0:
        return f"otter run exited with {returncode}"
    try:
        read_tests(results)
    except ValueError as error:
        return str(error)
    return ""


def public_results(report):
    """``{question: passed}`` from Otter's report of the public tests.

    The report has one block per question, starting "q1 results:"; a question that
    passed reads "q1 results: All test cases passed!".
    """
    blocks = re.split(r"^(\S+) results:", report, flags=re.MULTILINE)[1:]
    return {
        name: "All test cases passed!" in body.split("\n", 1)[0]
        for name, body in zip(blocks[::2], blocks[1::2])
    }


def grade_folder(autograder, submissions, out_dir, timeout=300):
    """Grade every ``*.ipynb`` in ``submissions``; write ``out_dir/grades.csv``.

    One row per submission: its file name, status, the points of each question
    (0 where it could not be graded), the total and the points possible. Otter's
    full report for each submission is kept in ``out_dir/<submission>/``.
    """
    points = questions(autograder)
    rows = []
    for submission in sorted(Path(submissions).glob("*.ipynb")):
        try:
            result = grade_submission(
                autograder, submission, Path(out_dir) / submission.stem, timeout=timeout
            )
        except Exception as error:  # noqa: BLE001 - one submission must not stop a class
            result = failed(f"grading failed: {type(error).__name__}")
        row = {"submission": submission.name, "status": result["status"]}
        for question in points:
            row[question] = result["scores"].get(question, 0.0)
        row["total"] = sum(row[question] for question in points)
        row["possible"] = sum(points.values())
        row["message"] = result["message"]
        rows.append(row)
        score = f"{row['total']:g}/{row['possible']:g}"
        print(f"{submission.name}: {score} ({row['status']})", flush=True)
    fields = ["submission", "status", *points, "total", "possible", "message"]
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    partial = Path(out_dir) / "grades.csv.partial"
    with open(partial, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, Path(out_dir) / "grades.csv")  # written once, whole, at the end
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m attnlab.classroom", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser(
        "generate", help="students' notebooks and autograder zips"
    )
    make.add_argument(
        "--root", default="assignments", help="folder of <lang>/<name>.ipynb"
    )
    make.add_argument("--out", default="_build/assignments", help="where bundles go")
    make.add_argument(
        "--no-publish",
        action="store_true",
        help="do not update the students' notebooks in ROOT/student/",
    )
    grade = commands.add_parser("grade", help="grade a folder of submitted notebooks")
    grade.add_argument("autograder", help="the autograder zip made by `generate`")
    grade.add_argument("submissions", help="a folder of submitted .ipynb files")
    grade.add_argument(
        "--out", default="graded", help="where grades.csv and reports go"
    )
    grade.add_argument(
        "--timeout", type=int, default=300, help="seconds per submission"
    )
    args = parser.parse_args(argv)
    if args.command == "generate":
        for (lang, name), paths in generate_all(
            args.root, args.out, publish=not args.no_publish
        ).items():
            print(f"{lang}/{name}: {paths['autograder']}")
    else:
        grade_folder(args.autograder, args.submissions, args.out, timeout=args.timeout)
        print(f"Grades: {Path(args.out) / 'grades.csv'}")


if __name__ == "__main__":
    main()
