"""Run one chapter as a Colab reader would, in a fresh virtual environment.

    python3 scripts/colab_check.py [--keep VENV] [--leave-out PACKAGE]

1. Build the ``attnlab`` wheel from a copy of the sources (nothing is written into
   the repository).
2. Create a virtual environment (no system site-packages) and install into it only
   the torch pin of ``requirements.txt`` (first, as ``scripts/setup.sh`` does), the
   wheel with the dependencies that ``pyproject.toml`` declares, ``ipywidgets==7.7.1``
   (Colab's release) and what executes a notebook (``nbclient``, ``ipykernel``, at
   the pins of ``requirements.txt``). pip reads this machine's own configuration, so
   packages come from wherever ``scripts/setup.sh`` gets them.
3. Execute ``chapters/ko/06_query_key_value.ipynb`` (a widget, Korean text in plots)
   in a kernel of that environment: live widgets (``ATTNLAB_STATIC_EXPLORERS`` unset),
   a fresh home, matplotlib and fontconfig folders, no network, and no system CJK
   font. Every system folder that holds a font with Chinese, Japanese or Korean
   glyphs is covered by an empty tmpfs in a private mount namespace (``unshare``), so
   neither matplotlib nor ``attnlab`` can find it; the run checks that before it
   starts. Like Colab, the reader has only the fonts that the declared dependencies
   ship. The setup cell's Colab step (pip install from GitHub) does not run:
   ``google.colab`` is not imported, and ``attnlab`` is installed already.
4. Fail on any execution error, on anything a cell prints to stderr (a "Glyph
   missing" warning, for one), or when no live widget was displayed; print a short
   summary. The exit status is 0 only when the chapter ran clean.

``--keep VENV`` builds the environment in VENV and keeps it; when VENV already holds
one built by this script, it is reused (the wheel is reinstalled). ``--leave-out``
leaves one declared dependency out (or uninstalls it from a reused environment), to
show the check failing on a missing dependency (``tests/test_colab_like.py``).

Needs ``unshare`` from util-linux, run as root or with user namespaces, when a CJK
font is installed on the system.
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "chapters" / "ko" / "06_query_key_value.ipynb"
KERNEL = "attnlab-colab"
COLAB_WIDGETS = "ipywidgets==7.7.1"
RUNNERS = ("nbclient", "ipykernel")  # installed at the pins of requirements.txt
MARKER = "attnlab-colab-check"  # a file in the environment: built by this script
CELL_TIMEOUT_S = 600
SHOWN_STDERR = 5  # stderr outputs quoted in the summary; the rest are counted
# A character of each script: Hangul, a CJK ideograph, Hiragana.
CJK_PROBES = "\uac00\u4e2d\u3042"


def say(message):
    """Print one line of progress, at once."""
    print(message, flush=True)


def requirement_pin(name):
    """The line ``name==version`` of requirements.txt."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}==\S+", text, re.MULTILINE | re.IGNORECASE)
    if match is None:
        raise SystemExit(f"requirements.txt pins no {name}")
    return match.group(0)


def declared_dependencies():
    """The ``dependencies`` of pyproject.toml, as written there."""
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["dependencies"]


def project_name(requirement):
    """The normalized project name of a requirement: ``Foo_Bar>=1`` -> ``foo-bar``."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def run(command, what, **kwargs):
    """Run a command; on failure show its output's tail and stop."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        raise SystemExit(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result


def build_wheel(folder):
    """Build the attnlab wheel from a copy of the sources; return its path."""
    source = folder / "source"
    source.mkdir()
    for path in ROOT.iterdir():  # pyproject.toml, README.md, the licences
        if path.is_file():
            shutil.copy2(path, source / path.name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "attnlab", source / "attnlab", ignore=ignore)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(folder / "wheel"),
            str(source),
        ],
        "building the wheel",
    )
    (wheel,) = (folder / "wheel").glob("attnlab-*.whl")
    return wheel


def pip(venv, *args):
    """Run the environment's pip (this machine's pip configuration applies)."""
    command = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        args[0],
        "-q",
        "--disable-pip-version-check",
    ]
    return run(command + list(args[1:]), "pip " + args[0])


def create_environment(venv, wheel, leave_out):
    """A fresh environment: torch pin, the wheel and its dependencies, the runners."""
    say(f"creating the environment {venv}")
    run([sys.executable, "-m", "venv", str(venv)], "python -m venv")
    pip(venv, "install", requirement_pin("torch"))
    runners = [COLAB_WIDGETS] + [requirement_pin(name) for name in RUNNERS]
    if leave_out is None:
        pip(venv, "install", str(wheel), *runners)
    else:
        kept = [d for d in declared_dependencies() if project_name(d) != leave_out]
        pip(venv, "install", "--no-deps", str(wheel))
        pip(venv, "install", *kept, *runners)
    (venv / MARKER).write_text("built by scripts/colab_check.py\n", encoding="utf-8")


def refresh_environment(venv, wheel, leave_out):
    """Reuse an environment built by this script: reinstall the wheel."""
    say(f"reusing the environment {venv}")
    if leave_out is None:
        pip(venv, "install", str(wheel))
    else:
        pip(venv, "uninstall", "-y", leave_out)
    pip(venv, "install", "--force-reinstall", "--no-deps", str(wheel))


def prepare_environment(venv, wheel, leave_out):
    """Create or reuse the environment; install its kernel spec; check what is in it."""
    if (venv / MARKER).exists():
        refresh_environment(venv, wheel, leave_out)
    elif venv.exists() and any(venv.iterdir()):
        raise SystemExit(f"{venv} exists and was not built by this script")
    else:
        create_environment(venv, wheel, leave_out)
    python = str(venv / "bin" / "python")
    run(
        [python, "-m", "ipykernel", "install", "--prefix", str(venv), "--name", KERNEL],
        "installing the kernel spec",
    )
    versions = installed_versions(venv)
    if leave_out is not None and leave_out in versions:
        raise SystemExit(
            f"{leave_out} was to be left out but is installed "
            "(another package depends on it)"
        )
    return versions


def installed_versions(venv):
    """{project name: version} of what the environment holds."""
    command = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "list",
        "--disable-pip-version-check",
        "--format",
        "json",
    ]
    installed = json.loads(run(command, "pip list").stdout)
    return {project_name(p["name"]): p["version"] for p in installed}


def system_cjk_fonts():
    """Font files with CJK glyphs that matplotlib finds on the system."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    found = []
    for path in font_manager.findSystemFonts():
        try:
            font = FT2Font(path)
        except (OSError, RuntimeError):
            continue
        if any(font.get_char_index(ord(c)) for c in CJK_PROBES):
            found.append(path)
    return found


def cjk_font_folders():
    """System folders that hold a font with CJK glyphs (as matplotlib finds them)."""
    return sorted(
        {str(pathlib.Path(path).resolve().parent) for path in system_cjk_fonts()}
    )


def isolated_command(inner, folders):
    """Wrap ``inner`` so that it runs with ``folders`` hidden and no network."""
    if shutil.which("unshare") is None:
        if folders:
            raise SystemExit(
                "a system CJK font is installed and unshare is missing: "
                "cannot hide the font"
            )
        return inner  # nothing to hide; the network stays reachable
    hide = "".join(f"mount -t tmpfs none '{f}' && " for f in folders)
    script = f'{hide}ip link set lo up && exec "$@"'
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    return [
        "unshare",
        *user,
        "--mount",
        "--net",
        "--",
        "sh",
        "-c",
        script,
        "sh",
        *inner,
    ]


def reader_environment(work, venv):
    """Environment variables of a reader's kernel: fresh folders, nothing inherited."""
    home = work / "home"
    for sub in ("home", "mplconfig", "cache", "config", "data", "runtime"):
        (work / sub).mkdir()
    return {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(work),
        "MPLCONFIGDIR": str(work / "mplconfig"),
        "XDG_CACHE_HOME": str(work / "cache"),
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_DATA_HOME": str(work / "data"),
        "JUPYTER_DATA_DIR": str(work / "data" / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(work / "config" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "IPYTHONDIR": str(home / ".ipython"),
    }


def execute_chapter(venv, work):
    """Execute the chapter in the environment, isolated; return the report dict."""
    shutil.copy2(NOTEBOOK, work / NOTEBOOK.name)
    report = work / "report.json"
    inner = [
        str(venv / "bin" / "python"),
        str(pathlib.Path(__file__).resolve()),
        "--inner",
        str(work / NOTEBOOK.name),
        str(report),
    ]
    command = isolated_command(inner, cjk_font_folders())
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=work,
        env=reader_environment(work, venv),
    )
    if not report.exists():
        tail = (result.stdout + result.stderr)[-4000:]
        raise SystemExit(f"the isolated run failed (exit {result.returncode}):\n{tail}")
    outcome = json.loads(report.read_text(encoding="utf-8"))
    outcome["kernel_process_stderr"] = result.stderr.strip()
    return outcome


# ---- inside the isolated run (the environment's python, its own packages only) ----


def visible_cjk_fonts():
    """CJK fonts that matplotlib or attnlab could use from outside this environment."""
    from attnlab.plotting import korean_font_files

    found = system_cjk_fonts()
    prefix = os.path.realpath(sys.prefix) + os.sep
    found += [
        p for p in korean_font_files() if not os.path.realpath(p).startswith(prefix)
    ]
    return sorted(set(found))


def kernel_problems():
    """Why the kernel spec would not run this environment's python (empty if fine)."""
    from jupyter_client.kernelspec import KernelSpecManager

    argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    if os.path.realpath(argv[0]) != os.path.realpath(sys.executable):
        return [f"kernel {KERNEL} runs {argv[0]}, not {sys.executable}"]
    return []


def stderr_outputs(notebook):
    """(cell number, text) of every stderr stream the cells wrote."""
    found = []
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                found.append((number, output["text"]))
    return found


def failed_cell(notebook):
    """'cell N: its first line' of the cell that raised, and a newline."""
    for number, cell in enumerate(notebook.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return f"cell {number}: {cell.source.strip().splitlines()[0]}\n"
    return ""


def widget_views(notebook):
    """How many live widget views the cells displayed."""
    view = "application/vnd.jupyter.widget-view+json"
    return sum(
        view in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def inner_run(path, report_path):
    """Check the isolation, execute the notebook, write the report as JSON."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    import attnlab

    report = {
        "attnlab": attnlab.__file__,
        "fonts_visible": visible_cjk_fonts(),
        "setup_problems": kernel_problems(),
        "error": None,
    }
    if "ATTNLAB_STATIC_EXPLORERS" in os.environ:
        report["setup_problems"].append("ATTNLAB_STATIC_EXPLORERS is set")
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    if not report["fonts_visible"] and not report["setup_problems"]:
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT_S,
            kernel_name=KERNEL,
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute()
        except CellExecutionError as error:
            report["error"] = failed_cell(notebook) + str(error)[-1500:]
        nbformat.write(notebook, path)
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["stderr"] = stderr_outputs(notebook)
    report["widget_views"] = widget_views(notebook)
    report_path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


# ---- the check ----


def problems_of(outcome):
    """Everything that makes the run fail, as lines of text (stderr: first lines)."""
    lines = list(outcome["setup_problems"])
    lines += [f"system CJK font visible: {p}" for p in outcome["fonts_visible"]]
    if outcome["error"]:
        error = re.sub(r"\x1b\[[0-9;]*m", "", outcome["error"])  # no terminal colours
        lines.append(f"execution error in {error}")
    for number, text in outcome["stderr"][:SHOWN_STDERR]:
        first = text.strip().splitlines()[0]
        first = re.sub(r"^\S+:\d+: ", "", first)[:300]  # a warning without its file
        lines.append(f"stderr of cell {number}: {first}")
    hidden = len(outcome["stderr"]) - SHOWN_STDERR
    if hidden > 0:
        lines.append(f"... and {hidden} more stderr output(s)")
    if not outcome["error"] and not outcome["widget_views"]:
        lines.append("no live widget was displayed")
    return lines


def summary(outcome, versions, seconds):
    """A short report of the run."""
    packages = ", ".join(
        f"{name} {versions[name]}"
        for name in (
            "torch",
            "attnlab",
            "ipywidgets",
            "matplotlib",
            "koreanize-matplotlib",
        )
        if name in versions
    )
    return "\n".join(
        [
            f"Colab-like check: {NOTEBOOK.relative_to(ROOT)}",
            f"  python {sys.version.split()[0]}; {packages}",
            f"  attnlab from {outcome['attnlab']}",
            f"  notebook {outcome['seconds']} s, whole check {seconds:.0f} s; "
            f"{outcome['widget_views']} live widget view(s); "
            f"{len(outcome['stderr'])} stderr output(s)",
        ]
    )


def check(venv, leave_out):
    """Build, install, execute; return the exit status (0: clean)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="colab-check-") as temp:
        temp = pathlib.Path(temp)
        wheel = build_wheel(temp)
        versions = prepare_environment(venv or temp / "venv", wheel, leave_out)
        say("executing the chapter, isolated")
        work = temp / "run"
        work.mkdir()
        outcome = execute_chapter(venv or temp / "venv", work)
        say(summary(outcome, versions, time.perf_counter() - start))
        problems = problems_of(outcome)
        for line in problems:
            say("  FAIL " + line)
        if problems and outcome["kernel_process_stderr"]:
            say(
                "  (the kernel process's own stderr, which a reader does not see:)\n"
                + outcome["kernel_process_stderr"][-2000:]
            )
    say("  FAILED" if problems else "  clean: no error, nothing on stderr")
    return 1 if problems else 0


def main():
    """Parse the arguments; run the check, or (``--inner``) the isolated part of it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--keep",
        type=pathlib.Path,
        metavar="VENV",
        help="build the environment here and keep it (reused if there)",
    )
    parser.add_argument(
        "--leave-out",
        metavar="PACKAGE",
        help="leave out this declared dependency (to see a failure)",
    )
    parser.add_argument("--inner", nargs=2, type=pathlib.Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner_run(*args.inner)
    leave_out = project_name(args.leave_out) if args.leave_out else None
    if leave_out and leave_out not in map(project_name, declared_dependencies()):
        parser.error(f"{args.leave_out} is not a declared dependency")
    venv = args.keep.resolve() if args.keep else None
    return check(venv, leave_out)


if __name__ == "__main__":
    sys.exit(main())
