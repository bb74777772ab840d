#!/usr/bin/env python3
"""Benchmark the graded assignments: generating them, and grading one submission.

    python3 benchmarks/assignments.py              # both editions, 3 gradings each
    python3 benchmarks/assignments.py --editions en --repeats 5 --output OUT.md

For every master in `assignments/<edition>/` it reports

- **generate**: seconds for `attnlab.classroom.generate` (Otter's `otter assign`, which
  also runs every test against the solutions, plus writing the students' notebook);
- **grade**: the median and the largest of `--repeats` gradings of the solution with
  `attnlab.classroom.grade_submission` (one `otter run`: unzip the bundle, start a
  kernel, run the whole notebook, run every test), with its score.

Grading a class takes about (number of submissions) × grade, one after the other.
Target: a grading under 60 s, so that a class of 40 grades within an hour on a laptop.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import machine_info, machine_markdown  # noqa: E402  (same machine description)

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60


def measure(master, repeats):
    from attnlab import classroom

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = classroom.generate(master, Path(tmp) / "out")
        generate_s = time.perf_counter() - start
        submission = Path(tmp) / "submission.ipynb"
        nbformat.write(classroom.solved(paths), submission)
        possible = sum(classroom.questions(paths["autograder"]).values())
        seconds, scores = [], []
        for i in range(repeats):
            start = time.perf_counter()
            result = classroom.grade_submission(
                paths["autograder"], submission, Path(tmp) / f"graded{i}"
            )
            seconds.append(time.perf_counter() - start)
            scores.append(sum(result["scores"].values()))
    return {
        "assignment": f"{master.parent.name}/{master.stem}",
        "generate_s": generate_s,
        "grade_median_s": statistics.median(seconds),
        "grade_max_s": max(seconds),
        "score": f"{min(scores):g}/{possible:g}",
    }


def report(machine, rows, repeats):
    lines = [
        "# Graded assignments: generation and grading time",
        "",
        "Measured by `benchmarks/assignments.py` (see its docstring for what each "
        f"column times), {repeats} gradings of the solution per assignment.",
        "",
        machine_markdown(machine),
        "",
        f"| assignment | generate (s) | grade, median (s) | grade, max (s) | score "
        f"| grade ≤ {TARGET_S} s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ok = "yes" if r["grade_max_s"] <= TARGET_S else "**no**"
        lines.append(
            f"| {r['assignment']} | {r['generate_s']:.1f} | {r['grade_median_s']:.1f} "
            f"| {r['grade_max_s']:.1f} | {r['score']} | {ok} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--editions", nargs="+", default=["ko", "en"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", help="also write the report to this Markdown file")
    args = parser.parse_args()
    machine = machine_info()
    rows = []
    for lang in args.editions:
        for master in sorted((ROOT / "assignments" / lang).glob("*.ipynb")):
            print(f"measuring {lang}/{master.stem} ...", file=sys.stderr, flush=True)
            rows.append(measure(master, args.repeats))
    text = report(machine, rows, args.repeats)
    print(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
