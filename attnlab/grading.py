"""Running the tests of an assignment on a submission, in a process of their own.

``attnlab.classroom.grade`` never runs a submitted notebook. It takes from it only
what the tests need, the *answer definitions* (imports, functions, classes and
constants), and starts a fresh interpreter (``python -m attnlab.grading``) that

1. reads the test files and a one-time key from its standard input (the tests are
   never written to disk);
2. imports every module the tests use, and makes the tests see those modules through
   references taken now, with a private copy of ``attnlab.checks`` that no
   submission can reach by name, so that a submission that rewrites
   ``attnlab.checks`` or ``sys.modules`` changes nothing the tests use;
3. only then runs the submission's definitions, and calls every test, each with a
   time limit;
4. writes one line, the key followed by a pass or fail (and, for a public test, the
   message of ``attnlab.checks``) for each test, to a channel that the submission's
   own prints never reach.

The grader that started it (``attnlab.classroom.grade_submission``) trusts nothing
else from this process: it reads the tests, their points and their descriptions
itself, from the bundle, and checks that the report names exactly those tests.

A failed hidden test reports only its name and the description its author wrote in
its docstring, never its source or a text that the submission could choose.

Scoring (the rule ``grade`` applies to every question): each public test earns its
own points; the hidden tests of a question earn their points together, only when all
of them pass. The master sets the points of each test (``points:`` in a test's
``# BEGIN TEST CONFIG`` block); tests without points share what is left of the
question's points.
"""

import ast
import builtins
import importlib
import importlib.util
import os
import secrets
import signal
import subprocess
import sys
import traceback
import types

# Imports of these packages are dropped from a submission: the notebook's own checker
# (``grader.check``) is not needed to grade, and importing it takes a second.
NOT_FOR_GRADING = ("otter",)
# The longest message of a failed public test kept in the results.
MESSAGE_LIMIT = 300
# Taken when this module is imported, before any submission runs: what the report is
# made with cannot be swapped by the submission's code (it runs in this process).
_repr, _str, _type = repr, str, type


class test_case:  # noqa: N801 - the name Otter's test files import
    """Otter's ``test_case`` decorator, as the tests of a bundle use it, read here
    without Otter: a test function with its points, visibility and messages."""

    def __init__(
        self,
        name=None,
        points=None,
        hidden=False,
        success_message=None,
        failure_message=None,
    ):
        self.name = name
        self.points = points
        self.hidden = hidden  # the messages are not used: hidden tests have docstrings

    def __call__(self, function):
        self.function = function
        self.name = self.name or function.__name__
        return self

    def describe(self, lang):
        """The author's description of this test, from its docstring: the paragraph
        starting ``en:`` or ``ko:`` in ``lang``, else the whole docstring."""
        doc = (self.function.__doc__ or "").strip()
        texts, current = {}, None
        for line in doc.splitlines():
            line = line.strip()
            if line[:3] in ("en:", "ko:"):
                current = line[:2]
                texts[current] = line[3:].strip()
            elif current and line:
                texts[current] += " " + line
        return texts.get(lang, doc)


def load_test_file(source, importer=None):
    """Run the text of one test file; return ``(question, points, test cases)``.

    The file's ``from otter.test_files import test_case`` gets this module's
    ``test_case``. ``importer`` (see ``guarded_import``) serves the test functions'
    own imports.
    """
    shim = types.ModuleType("otter.test_files")
    shim.test_case = test_case
    importer = importer or guarded_import({}, {})
    namespace = {
        "__name__": "grading_tests",
        "__builtins__": {
            **vars(builtins),
            "__import__": lambda name, *args, **kwargs: (
                shim if name == "otter.test_files" else importer(name, *args, **kwargs)
            ),
        },
    }
    exec(compile(source, "<test file>", "exec"), namespace)
    cases = [value for value in namespace.values() if isinstance(value, test_case)]
    return namespace["name"], namespace["points"], cases


def case_points(total, cases):
    """The points of each test case: its own, or an equal share of what the cases
    with points leave of ``total`` (Otter's rule)."""
    fixed = sum(case.points for case in cases if case.points is not None)
    free = sum(case.points is None for case in cases)
    if fixed > total + 1e-9:
        raise ValueError(f"the tests' points ({fixed}) exceed the question's ({total})")
    share = (total - fixed) / free if free else 0.0
    return [share if case.points is None else case.points for case in cases]


def question_score(results):
    """A question's score from its test results (dicts with ``points``, ``hidden``,
    ``passed``): public tests count one by one, hidden tests all together."""
    public = sum(r["points"] for r in results if not r["hidden"] and r["passed"])
    hidden = [r for r in results if r["hidden"]]
    if all(r["passed"] for r in hidden):
        public += sum(r["points"] for r in hidden)
    return round(public, 6)


# ---------------------------------------------------------------- the submission


def _is_constant(node):
    """``NAME = <a literal>``: safe to keep, it runs no code."""
    if not (
        isinstance(node, ast.Assign)
        and all(isinstance(target, ast.Name) for target in node.targets)
    ):
        return False
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _imports_only_otter(node):
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        names = [node.module or ""]
    else:
        return False
    return all(name.split(".")[0] in NOT_FOR_GRADING for name in names)


def _python_source(source):
    """A cell's source as Python: IPython's ``%magic`` and ``!shell`` lines become
    calls (which grading then leaves out, like every other top-level statement)."""
    try:
        ast.parse(source)
        return source
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)


def cell_source(cell):
    """A notebook cell's source as one string (nbformat stores it as a string or as a
    list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def answer_definitions(cells):
    """What grading runs of a submission: from every code cell (``cells`` are
    notebook cells) except those tagged ``otter_ignore``, in order, the imports, the
    ``def`` and ``class`` statements, and the assignments of literal constants.
    Everything else (training loops, prints, plots, calls) is left out. A cell with a
    syntax error gives nothing, as it defines nothing when run."""
    kept = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)
    chunks = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        if "otter_ignore" in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell_source(cell)
        try:
            tree = ast.parse(_python_source(source))
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        for node in tree.body:
            if (
                isinstance(node, (*kept, ast.ClassDef)) or _is_constant(node)
            ) and not _imports_only_otter(node):
                chunks.append(ast.unparse(node))
    return chunks


def define(chunks, env):
    """Run the answer definitions in ``env``, each on its own: one that fails (an
    import that does not exist, a decorator that raises) defines nothing, as a
    failed cell would, and the others still count."""
    for chunk in chunks:
        try:
            exec(compile(chunk, "<answer>", "exec"), env)
        except BaseException:  # noqa: BLE001 - the submission's error, not grading's
            traceback.print_exc()


# ---------------------------------------------------------------- the tests' imports


def guarded_import(modules, private):
    """An ``__import__`` for the tests: modules in ``private`` (private copies) and
    ``modules`` (taken before the submission ran) come from there, whatever the
    submission did to ``sys.modules`` since; other imports go the usual way."""
    usual = builtins.__import__

    def _import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name in private or name in modules):
            if fromlist:
                return private.get(name) or modules[name]
            top = name.partition(".")[0]
            if top in modules:
                return modules[top]
        return usual(name, globals, locals, fromlist, level)

    return _import


def modules_used(sources):
    """The absolute module names that the test files import."""
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(names - {"otter.test_files"})


def private_copy(name):
    """A fresh copy of module ``name``, run from its source file and registered
    nowhere, so that nothing outside can find it by name."""
    origin = importlib.util.find_spec(name).origin
    module = types.ModuleType(name)
    module.__file__ = origin
    with open(origin, encoding="utf-8") as f:
        exec(compile(f.read(), origin, "exec"), module.__dict__)
    return module


def fresh_process_caller(chunks, lang, limit):
    """``in_fresh_process(name, *args, hash_seed=0)``: call the submission's function
    ``name`` in a new interpreter, with Python's string hashing seeded by
    ``hash_seed``, and return its result. Arguments and result travel as Python
    literals (numbers, strings, tuples, lists, dicts, sets). Tests use it to check
    that a function gives the same result in two separate runs."""
    from attnlab.i18n import tr

    run, token_hex, literal = subprocess.run, secrets.token_hex, ast.literal_eval

    def in_fresh_process(name, *args, hash_seed=0):
        nonce = token_hex(16)
        payload = {"nonce": nonce, "answers": chunks, "lang": lang, "call": name}
        payload["args"] = _repr(args)
        done = run(
            [sys.executable, "-m", "attnlab.grading", "--call"],
            input=_repr(payload),
            capture_output=True,
            text=True,
            timeout=limit,
            env={**os.environ, "PYTHONHASHSEED": _str(hash_seed)},
        )
        line = next(
            (x for x in done.stdout.splitlines() if x.startswith(nonce)),
            nonce + _repr(("error", "")),
        )
        kind, value = literal(line[len(nonce) :])
        if kind != "value":
            raise AssertionError(
                tr(
                    ko=f"`{name}`을(를) 새 프로세스에서 실행하지 못했습니다.",
                    en=f"`{name}` could not be run in a fresh process.",
                )
            )
        return literal(value)

    return in_fresh_process


# ---------------------------------------------------------------- running the tests


class TestTimeout(BaseException):
    """A test ran past its time limit."""


def _stop_test(signum, frame):
    raise TestTimeout


def _public_message(error, checks, limit):
    """What a failed public test says: the message of the private ``attnlab.checks``
    (the same one ``grader.check`` shows in the notebook), else only the kind of
    error if it is one of Python's own."""
    from attnlab.i18n import tr

    if isinstance(error, TestTimeout):
        return tr(
            ko=f"{limit:g}초 안에 끝나지 않았습니다 (끝없는 반복?).",
            en=f"did not finish within {limit:g} s (an endless loop?).",
        )
    if isinstance(error, checks.CheckFailed):
        return str(error.args[0] if error.args else "")[:MESSAGE_LIMIT]
    kind = type(error)
    if getattr(builtins, kind.__name__, None) is kind:
        return tr(
            ko=f"{kind.__name__} 오류가 났습니다.", en=f"it raised {kind.__name__}."
        )
    return tr(ko="오류가 났습니다.", en="it raised an error.")


def run_tests(plan, env, limit, checks):
    """Call every test of ``plan`` (question, name, hidden, function) with the
    submission's names from ``env``; return ``(question, name, passed, message)`` for
    each. Only a failed public test has a message: the grader writes the hidden ones.
    """
    signal.signal(signal.SIGALRM, _stop_test)
    records = []
    for question, name, hidden, function, wanted in plan:
        error = None
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            function(**{arg: env.get(arg) for arg in wanted})
        except BaseException as caught:  # noqa: BLE001 - any failure fails the test
            error = caught
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        message = ""
        if error is not None and not hidden:
            message = _public_message(error, checks, limit)
        records.append((question, name, error is None, _plain(message)))
    return records


def _plain(text):
    """``text`` if it is a plain string, else nothing."""
    return text if _type(text) is _str else ""


def grade(payload, report):
    """Grade one submission (the child's whole work; see the module docstring)."""
    import inspect

    from attnlab.i18n import set_language

    sources = payload["tests"]
    for name in modules_used(sources):
        importlib.import_module(name)
    modules = dict(sys.modules)  # the modules as they are before the submission runs
    checks = private_copy("attnlab.checks")
    caller = types.ModuleType("attnlab.grading")
    caller.in_fresh_process = fresh_process_caller(
        payload["answers"], payload["lang"], payload["test_timeout"]
    )
    importer = guarded_import(
        modules, {"attnlab.checks": checks, "attnlab.grading": caller}
    )
    plan = [
        (
            question,
            case.name,
            bool(case.hidden),
            case.function,
            tuple(inspect.signature(case.function).parameters),
        )
        for source in sources
        for question, _, cases in [load_test_file(source, importer)]
        for case in cases
    ]
    set_language(payload["lang"])
    env = {"__name__": "__main__", "__builtins__": builtins}
    define(payload["answers"], env)  # the submission's code runs from here on
    report(run_tests(plan, env, payload["test_timeout"], checks))


def call(payload, report):
    """Call one function of the submission (for ``in_fresh_process``)."""
    from attnlab.i18n import set_language

    set_language(payload["lang"])
    env = {"__name__": "__main__", "__builtins__": builtins}
    define(payload["answers"], env)
    function = env.get(payload["call"])
    try:
        value = _repr(function(*ast.literal_eval(payload["args"])))
        ast.literal_eval(value)  # a literal, or it cannot travel back
    except BaseException:  # noqa: BLE001 - reported, not raised
        report(("error", ""))
    else:
        report(("value", value))


def main(argv=None):
    """``python -m attnlab.grading [--call]``: the payload, a Python literal (a dict),
    comes on standard input."""
    argv = sys.argv[1:] if argv is None else argv
    payload = ast.literal_eval(sys.stdin.read())
    sys.stdin.close()
    nonce = payload.pop("nonce")
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints go to the log

    def report(value):  # a Python literal, made with the repr taken at import
        channel.write(nonce + _repr(value) + "\n")
        channel.flush()

    (call if "--call" in argv else grade)(payload, report)
    channel.close()


if __name__ == "__main__":
    main()
