"""Why an edition failed to build, in a few lines.

    python3 scripts/build_failure.py LOG

scripts/build_site.sh prints this last when an edition fails, so that the end of a
log (all that a CI summary shows) names the cause, not Jupyter Book's own traceback.
The causes come from two places:
- the build log's own warnings and errors (with -W every warning fails the build:
  stderr written by a cell, a broken reference), without the kernels' start-up notes;
- the traceback that Sphinx saves to a file when the build stops on an exception (a
  cell that raised, a claim check that no longer holds): the notebook and the
  exceptions named there.
"""

import re
import sys
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SAVED_TRACEBACK = re.compile(r"(/\S*sphinx-err-\S+?\.log)")
# a line that names an exception, e.g. "AssertionError: text: ..." or
# "myst_nb.core.execute.base.ExecutionError: /path/09_real_language.ipynb"
EXCEPTION = re.compile(
    r"^(?:\w+\.)*\w*(?:Error|Exception|Operation|Exit|Interrupt)\b:?"
)
KERNEL_NOTE = "[IPKernelApp]"  # each kernel's note on its transport, not a problem
MOST = 12  # lines of each kind
WIDTH = 300  # characters of each line


def plain(text):
    return ANSI.sub("", text)


def short(line):
    line = line.strip()
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"


def warnings_of(log_text):
    """The log's WARNING and ERROR lines, kernel start-up notes left out."""
    found = []
    for line in plain(log_text).splitlines():
        if KERNEL_NOTE in line:
            continue
        if "WARNING:" in line or "ERROR:" in line or line.startswith("Exception"):
            found.append(short(line))
    return found


def exceptions_in(traceback_text):
    """The lines of a saved traceback that name an exception, each once, in order,
    and the first line of a cell that raised (after nbclient's message)."""
    found, lines = [], plain(traceback_text).splitlines()
    for n, line in enumerate(lines):
        if "Traceback (most recent call last)" in line:
            continue  # IPython's header above a cell's traceback
        if EXCEPTION.match(line) and short(line) not in found:
            found.append(short(line))
        if line.endswith("while executing the following cell:"):
            source = [s for s in lines[n + 1 : n + 4] if s.strip("-").strip()]
            if source:
                found.append(short(f"the cell: {source[0]}"))
    return found


def causes(log_text):
    """Short lines that say why the build failed (empty if the log names nothing)."""
    lines = warnings_of(log_text)[:MOST]
    for path in dict.fromkeys(SAVED_TRACEBACK.findall(plain(log_text))):
        saved = Path(path)
        if saved.is_file():
            text = saved.read_text(encoding="utf-8", errors="replace")
            lines += [f"{path}:"] + [f"  {e}" for e in exceptions_in(text)[-MOST:]]
        else:
            lines.append(f"{path}: (not found)")
    return lines


def main(argv):
    if len(argv) != 2:
        raise SystemExit("usage: python3 scripts/build_failure.py LOG")
    log = Path(argv[1])
    found = causes(log.read_text(encoding="utf-8", errors="replace"))
    print(f"Why it failed ({log}):")
    print("\n".join(f"  {line}" for line in found) or "  (the log names no cause)")


if __name__ == "__main__":
    main(sys.argv)
