#!/usr/bin/env python3
"""Benchmark the graded assignments: generating them, and grading one submission.

    python3 benchmarks/assignments.py              # both editions, 3 gradings each
    python3 benchmarks/assignments.py --editions en --repeats 5 --output OUT.md

For every master in `assignments/<edition>/` it reports

- **generate**: seconds for `attnlab.classroom.generate` (Otter's `otter assign`, the
  students' notebook, and one grading of the solution, which must get full marks);
- **grade**: the median and the largest of `--repeats` gradings of the solution with
  `attnlab.classroom.grade_submission` (read the notebook's definitions, start a fresh
  interpreter that loads the tests and then the definitions, run every test), with
  its score.

Grading a class takes about (number of submissions) × grade, one after the other.
Targets: a grading under 60 s, so that a class of 40 grades within an hour on a
laptop; and at most 1.5 times the grading time of the grader this one replaced, which
ran the whole notebook through `otter run` (`BEFORE_S`: its medians, measured with this
script at commit 09f206f on the machine and date given there).
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
# Median seconds to grade the solution with the grader before issue 15 (`otter run` of
# the whole notebook), measured by this script at commit 09f206f on 2026-11-30, on the
# 2-core Intel Xeon of benchmarks/RESULTS.md (3 gradings each).
BEFORE_S = {
    "ko/a1_training_data": 7.3,
    "ko/a2_seq2seq": 10.3,
    "ko/a3_attention": 6.4,
    "ko/a4_query_key_value": 6.4,
    "en/a1_training_data": 7.3,
    "en/a2_seq2seq": 12.3,
    "en/a3_attention": 6.4,
    "en/a4_query_key_value": 5.3,
}
BEFORE_RATIO = 1.5


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
        f"| grade ≤ {TARGET_S} s | before (s) | ≤ {BEFORE_RATIO:g} × before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ok = "yes" if r["grade_max_s"] <= TARGET_S else "**no**"
        before = BEFORE_S.get(r["assignment"])
        if before is None:
            before_text, ratio_ok = "–", "–"
        else:
            before_text = f"{before:.1f}"
            ratio_ok = (
                "yes" if r["grade_median_s"] <= BEFORE_RATIO * before else "**no**"
            )
        lines.append(
            f"| {r['assignment']} | {r['generate_s']:.1f} | {r['grade_median_s']:.1f} "
            f"| {r['grade_max_s']:.1f} | {r['score']} | {ok} | {before_text} "
            f"| {ratio_ok} |"
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
