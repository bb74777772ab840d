"""Classroom tools for the graded notebooks in ``assignments/``, on Otter-Grader 7.

A master notebook holds the questions, the solutions, the public tests and the hidden
tests. From it, ``generate`` makes

- the students' notebook: no solutions, no hidden tests, and the public tests written
  into one cell, so that ``grader.check("q1")`` works in Colab and in Jupyter
  without a ``tests/`` folder beside the notebook;
- the autograder bundle (Otter's zip) with every test;

and checks that the solutions get full marks.

``grade`` grades each submission of a folder without running its notebook: the
answer definitions go, with the bundle's tests, to a fresh interpreter of their own
(``attnlab.grading``), with time limits, in a temporary folder that is removed after,
and every process a submission started is stopped before the next one. Then it writes
``grades.csv``, once, at the end. From a shell (Otter comes with
``pip install "attnlab[classroom]"``)::

    python -m attnlab.classroom generate                 # every master, both editions
    python -m attnlab.classroom grade BUNDLE.zip SUBMISSIONS/ --timeout 300

The teacher's guide of the book explains the whole workflow.
"""

import argparse
import csv
import json
import os
import re
import secrets
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
        [
            sys.executable,
            "-m",
            "otter",
            "assign",
            "--no-run-tests",  # the tests need attnlab's grader: see check_solution
            str(master),
            str(out_dir),
        ],
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
    paths = {
        "student": student,
        "autograder": bundles[0],
        "solution": out_dir / "autograder" / f"{master.stem}.ipynb",
        "tests": out_dir / "autograder" / "tests",
    }
    check_solution(paths, master)
    return paths


def check_solution(paths, master):
    """Grade the students' notebook filled in with the solutions; raise unless it
    gets full marks (a master whose solution fails a test makes no bundle)."""
    with tempfile.TemporaryDirectory() as tmp:
        submission = Path(tmp) / "solution.ipynb"
        nbformat.write(solved(paths), submission)
        result = grade_submission(paths["autograder"], submission, Path(tmp) / "out")
    wanted = questions(paths["autograder"])
    if result["scores"] != wanted:
        failing = [
            f"{r['question']}/{r['test']}" for r in result["tests"] if not r["passed"]
        ]
        raise RuntimeError(
            f"{master}: the solution gets {result['scores']}, not {wanted} "
            f"({result['status']} {result['message']}; failing: {failing})"
        )


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


def bundle_tests(autograder):
    """``{file name: text}`` of every test file in an autograder bundle, read into
    memory: grading never writes them to disk."""
    with zipfile.ZipFile(autograder) as bundle:
        return {
            name: bundle.read(name).decode("utf-8")
            for name in sorted(bundle.namelist())
            if name.startswith("tests/") and name.endswith(".py")
        }


def questions(autograder):
    """``{question: points}`` from the test files inside an autograder bundle."""
    from attnlab.grading import load_test_file

    points = {}
    for source in bundle_tests(autograder).values():
        question, total, _ = load_test_file(source)
        points[question] = total
    return points


def kill_tree(pid):
    """Stop a process and everything it started (Jupyter kernels run in their own
    session, so killing the process group alone would leave them running)."""
    import psutil

    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    kill_all(parent.children(recursive=True) + [parent])


def kill_all(processes):
    """Kill the psutil ``processes`` (those already gone are skipped) and reap them."""
    import psutil

    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=10)


def adopt_orphans(adopt=True):
    """Make this process a child subreaper (Linux), or stop being one: while it is,
    a process that a submission detaches (a double fork, a new session) becomes this
    process's child when its parents exit, instead of init's, so that
    ``stop_strays`` can find it. Grading is one only while it grades a submission, so
    that it does not collect other programs' orphans the rest of its life."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, int(adopt), 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
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

    kill_all(
        [
            child
            for child in psutil.Process().children(recursive=True)
            if child.pid not in before
        ]
    )


def notebook_language(cells):
    """The language the submission's setup cell chose (``lang="ko"``), else English."""
    from attnlab.grading import cell_source

    for cell in cells:
        found = re.search(
            r"attnlab\.setup\(\s*lang\s*=\s*[\"'](ko|en)[\"']", cell_source(cell)
        )
        if found:
            return found.group(1)
    return "en"


def read_cells(submission):
    """The cells of a submitted notebook; ValueError if it is not one."""
    try:
        notebook = json.loads(Path(submission).read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise ValueError("not a notebook (.ipynb) that can be read") from None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ValueError("not a notebook (.ipynb) that can be read")
    return cells


def grading_command():
    """The command that grades one submission: a fresh interpreter that reads what
    to grade from its standard input (``attnlab.grading``)."""
    return [sys.executable, "-m", "attnlab.grading"]


def grade_submission(autograder, submission, out_dir, timeout=300, test_timeout=30):
    """Grade one notebook; write ``results.json``, ``feedback.txt`` and
    ``grading.log`` into ``out_dir``.

    The notebook is not run. Its answer definitions (imports, functions, classes and
    constants) and the bundle's tests go to a fresh interpreter (``attnlab.grading``),
    which loads the tests first and the definitions after, in an empty temporary
    folder of its own. Each test may take ``test_timeout`` seconds (past that it
    fails), the whole run ``timeout`` seconds (past that every question scores 0,
    status "timeout"). Every process the run started is stopped before this returns.

    Returns ``{"status", "scores": {question: points}, "public": {question: passed},
    "message", "tests": [records]}``. ``status`` is "graded", "timeout" or "error"
    (every question 0, and ``message`` says why: the file is not a notebook, or the
    run ended without a trustworthy result). ``public`` tells whether a question
    passed its public tests, the ones the student saw.
    """
    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    try:
        cells = read_cells(submission)
    except ValueError as error:
        return write_results(out_dir, failed(str(error)))
    from attnlab.grading import answer_definitions

    nonce = secrets.token_hex(16)
    lang = notebook_language(cells)
    tests = list(bundle_tests(autograder).values())
    payload = {
        "nonce": nonce,
        "tests": tests,
        "answers": answer_definitions(cells),
        "lang": lang,
        "test_timeout": test_timeout,
    }
    adopt_orphans()
    before = descendants()
    with (
        open(out_dir / "grading.log", "w", encoding="utf-8") as log,
        tempfile.TemporaryFile() as channel,
        tempfile.TemporaryDirectory() as cwd,
    ):
        process = subprocess.Popen(
            grading_command(),
            stdin=subprocess.PIPE,
            stdout=channel,
            stderr=log,
            cwd=cwd,
            env={**os.environ, **GRADING_ENV, "TMPDIR": cwd},
            start_new_session=True,
        )
        try:
            process.stdin.write(repr(payload).encode("utf-8"))
            process.stdin.close()
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            return write_results(
                out_dir,
                {
                    **failed(f"stopped after {timeout} s (an endless loop?)"),
                    "status": "timeout",
                },
            )
        except OSError:  # the run closed its input early: it died at once
            process.wait(timeout=timeout)
        finally:
            stop_strays(before)  # before its results are read, and before the next one
            adopt_orphans(False)
        channel.seek(0)
        records = read_records(
            channel.read(), nonce, process.returncode, plan(tests, lang)
        )
    if isinstance(records, str):
        return write_results(out_dir, failed(records))
    return write_results(out_dir, scored(records), lang=lang)


def plan(tests, lang):
    """What the grader knows of each test case, from the bundle's test files: its
    question, name, visibility, points and its author's description in ``lang``."""
    from attnlab.grading import case_points, load_test_file

    cases = []
    for source in tests:
        question, total, file_cases = load_test_file(source)
        for case, points in zip(file_cases, case_points(total, file_cases)):
            cases.append(
                {
                    "question": question,
                    "test": case.name,
                    "hidden": bool(case.hidden),
                    "points": float(points),
                    "description": case.describe(lang),
                }
            )
    return cases


def scored(records):
    """The result of a graded submission from its test records."""
    from attnlab.grading import question_score

    by_question = {}
    for record in records:
        by_question.setdefault(record["question"], []).append(record)
    return {
        "status": "graded",
        "scores": {q: question_score(rs) for q, rs in by_question.items()},
        "public": {
            q: all(r["passed"] for r in rs if not r["hidden"])
            for q, rs in by_question.items()
        },
        "message": "",
        "tests": records,
    }


# One thread per run: the tests' models are tiny, and grading is then the same on
# every machine.
GRADING_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def failed(message):
    """The result of a submission that could not be graded: every question 0."""
    return {
        "status": "error",
        "scores": {},
        "public": {},
        "message": message,
        "tests": [],
    }


def read_records(output, nonce, returncode, cases):
    """The test records of a grading run: ``cases`` (see ``plan``) with whether each
    passed and a message. Or a string saying why the run's report cannot be trusted:
    a non-zero exit, not exactly one line starting with this run's key, or a line that
    does not give pass or fail for exactly the tests of ``cases``, in order.

    Only pass or fail, and the message of a failed public test, come from the run; a
    failed hidden test says its description, written by its author.
    """
    import ast

    from attnlab.grading import MESSAGE_LIMIT

    if returncode != 0:
        return f"the grading run exited with {returncode}"
    lines = [
        line[len(nonce) :]
        for line in output.decode("utf-8", errors="replace").splitlines()
        if line.startswith(nonce)
    ]
    if len(lines) != 1:
        return "the grading run left no result"
    try:
        reported = ast.literal_eval(lines[0])
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return "the grading run left a malformed result"
    if not (
        isinstance(reported, list)
        and len(reported) == len(cases)
        and all(
            isinstance(r, tuple)
            and len(r) == 4
            and (r[0], r[1]) == (case["question"], case["test"])
            and isinstance(r[2], bool)
            and isinstance(r[3], str)
            for r, case in zip(reported, cases)
        )
    ):
        return "the grading run left a malformed result"
    records = []
    for (_, _, passed, message), case in zip(reported, cases):
        record = {k: v for k, v in case.items() if k != "description"}
        if passed:
            message = ""
        elif case["hidden"] or not message:
            message = case["description"]
        records.append({**record, "passed": passed, "message": message[:MESSAGE_LIMIT]})
    return records


def write_results(out_dir, result, lang="en"):
    """Save ``result`` as ``results.json`` (for the teacher) and ``feedback.txt``
    (for the student: each test's name, pass or fail, and its message); return it."""
    (out_dir / "results.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (out_dir / "feedback.txt").write_text(feedback(result, lang), encoding="utf-8")
    return result


def feedback(result, lang="en"):
    """The student's report of one graded submission."""

    def with_language(**texts):
        return texts[lang]

    lines = []
    if result["status"] != "graded":
        lines.append(
            with_language(
                ko=f"채점하지 못했습니다 ({result['status']}): {result['message']}",
                en=f"Not graded ({result['status']}): {result['message']}",
            )
        )
    possible = {}
    for record in result["tests"]:
        possible[record["question"]] = (
            possible.get(record["question"], 0) + record["points"]
        )
    for question, score in result["scores"].items():
        lines.append(f"{question}: {score:g} / {possible.get(question, 0):g}")
        for record in result["tests"]:
            if record["question"] != question:
                continue
            mark = "✓" if record["passed"] else "✗"
            hidden = with_language(ko=" (숨긴 테스트)", en=" (hidden)")
            hidden = hidden if record["hidden"] else ""
            text = f"  {mark} {record['test']}{hidden}"
            if record["message"]:
                text += f": {record['message']}"
            lines.append(text)
    if result["scores"]:
        total = sum(result["scores"].values())
        lines.append(
            with_language(ko="합계", en="Total")
            + f": {total:g} / {sum(possible.values()):g}"
        )
    return "\n".join(lines) + "\n"


def grade_folder(autograder, submissions, out_dir, timeout=300, test_timeout=30):
    """Grade every ``*.ipynb`` in ``submissions``; write ``out_dir/grades.csv``.

    One row per submission: its file name, status, the points of each question
    (0 where it could not be graded), the total, the points possible and a message.
    Each submission's report (``results.json``, ``feedback.txt``, ``grading.log``)
    is kept in ``out_dir/reports/<submission>/``.
    """
    points = questions(autograder)
    rows = []
    for submission in sorted(Path(submissions).glob("*.ipynb")):
        try:
            result = grade_submission(
                autograder,
                submission,
                Path(out_dir) / "reports" / submission.stem,
                timeout=timeout,
                test_timeout=test_timeout,
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
    grade.add_argument("--test-timeout", type=int, default=30, help="seconds per test")
    args = parser.parse_args(argv)
    if args.command == "generate":
        for (lang, name), paths in generate_all(
            args.root, args.out, publish=not args.no_publish
        ).items():
            print(f"{lang}/{name}: {paths['autograder']}")
    else:
        grade_folder(
            args.autograder,
            args.submissions,
            args.out,
            timeout=args.timeout,
            test_timeout=args.test_timeout,
        )
        print(f"Grades: {Path(args.out) / 'grades.csv'}")


if __name__ == "__main__":
    main()
