#!/usr/bin/env python3
"""Benchmark the book: run every chapter notebook in a fresh kernel, time it and
measure the kernel's peak memory; optionally time the whole-site build.

    python3 benchmarks/run.py                      # every notebook, both editions
    python3 benchmarks/run.py --editions en        # English edition only
    python3 benchmarks/run.py --notebooks chapters/ko/01_training_data.ipynb
    python3 benchmarks/run.py --site --output bench.md --json bench.json

See benchmarks/README.md for what exactly is measured.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbclient import NotebookClient

try:
    import psutil
except ImportError:
    sys.exit("psutil is missing: pip install psutil")

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ("ko", "en")
CELL_TIMEOUT = 600  # seconds per cell
POLL_SECONDS = 0.05  # memory sampling interval
MIB = 1024 * 1024


def read_numerics(path=ROOT / "scripts" / "numerics.env"):
    """The site build's numerics (``scripts/numerics.env``, which says why): fixed
    threads and vector instructions, so that the chapters compute the same numbers on
    every run. The build script sources the same file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {key.strip(): value.strip() for key, value in pairs}


NUMERICS = read_numerics()
# Target wall seconds per chapter, keyed by the slug prefix ("01" for
# "01_training_data").
TARGETS = {
    "01": 60,
    "02": 60,
    "03": 60,
    "04": 90,
    "05": 60,
    "06": 60,
    "07": 60,
    "08": 90,
    "09": 90,
}
# A reader's run: the machine's defaults (every core, each library's fastest kernels).
READER = {}
# The whole two-edition site, nine chapters, from clean (issue 14).
SITE_BUDGET_S = 600
PLANNED_CHAPTERS = 9

# Quality figures read from a chapter's kernel after it has run (not timed): for each
# slug prefix, code that prints one JSON object of measured numbers, and each number's
# target as (comparison, value). The numbers are the chapter's own, at its own budget.
QUALITY = {
    "04": (
        """
import json
_bleu = {
    name: by_length[by_length["model"] == label[name]]["BLEU"].to_numpy()
    for name in models
}
print(json.dumps({
    "attention BLEU, longest bucket": float(_bleu["attention"][-1]),
    "plain BLEU, shortest bucket": float(_bleu["vanilla"][0]),
    "plain BLEU, longest bucket": float(_bleu["vanilla"][-1]),
    "plain BLEU lost, shortest to longest": float(
        _bleu["vanilla"][0] - _bleu["vanilla"][-1]
    ),
}))
""",
        {
            "attention BLEU, longest bucket": (">=", 95),
            "plain BLEU lost, shortest to longest": (">=", 50),
        },
    ),
    "05": (
        """
import json
print(json.dumps({f"alignment accuracy, {score}": float(value)
                  for score, value in comparison[ALIGN].items()}))
""",
        {"alignment accuracy, general": (">=", 0.9)},
    ),
    "08": (
        """
import json
_row = {kind: side_by_side.loc[MODEL_NAMES[kind]] for kind in models}
print(json.dumps({
    f"{kind} BLEU, {column}": float(_row[kind][f"BLEU {column}"] if column != "all"
                                    else _row[kind]["BLEU"])
    for kind in ("transformer", "attention") for column in ("all", "21–40")
}))
""",
        {"transformer BLEU, 21–40": (">=", 90)},
    ),
    "09": (
        """
import json
_figures = {"training pairs": float(len(train_pairs))}
for _name, _row in token_table.iterrows():
    _values = _row.to_numpy()  # vocabulary, unknown share, ..., BLEU, chrF
    _figures[f"{_name}: vocabulary"] = float(_values[0])
    _figures[f"{_name}: unknown share"] = float(_values[1])
    _figures[f"{_name}: BLEU"] = float(_values[-2])
    _figures[f"{_name}: chrF"] = float(_values[-1])
    _figures[f"{_name}: alignment accuracy"] = float(aligned[_name])
print(json.dumps(_figures))
""",
        {},
    ),
}


def find_notebooks(editions, paths=None):
    """The notebooks to run: the given paths, or each chapter of the chosen editions."""
    if paths:
        return [Path(p).resolve() for p in paths]
    found = []
    for edition in editions:
        found += sorted((ROOT / "chapters" / edition).glob("*.ipynb"))
    return found


def tree_rss(pid):
    """Resident memory in bytes of a process plus all its children (0 if it is gone)."""
    try:
        proc = psutil.Process(pid)
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass  # a child that exited between listing and sampling
    return total


class PeakRss:
    """Samples tree_rss(pid) every POLL_SECONDS in a thread and keeps the maximum."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = tree_rss(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        while not self._stop.wait(POLL_SECONDS):
            self.peak = max(self.peak, tree_rss(self.pid))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.peak = max(self.peak, tree_rss(self.pid))
        self._stop.set()
        self._thread.join()


def error_line(exc):
    """The first line of an execution error, e.g. 'ValueError: bad shape'."""
    if getattr(exc, "ename", None):  # CellExecutionError carries the kernel's exception
        text = f"{exc.ename}: {exc.evalue}"
    else:
        text = str(exc) or type(exc).__name__
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # drop terminal colours
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def execute_cells(client, nb):
    """Run every cell in the client's (started) kernel; return the error, if any."""
    try:
        for index, cell in enumerate(nb.cells):
            client.execute_cell(
                cell, index, execution_count=client.code_cells_executed + 1
            )
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        return error_line(exc)
    return None


def measure_quality(client, prefix):
    """Run the chapter's QUALITY code in its kernel; a list of measured figures."""
    if prefix not in QUALITY:
        return []
    code, targets = QUALITY[prefix]
    cell = nbformat.v4.new_code_cell(code)
    client.nb.cells.append(cell)  # in memory only: the notebook file is not written
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1, execution_count=None)
        printed = "".join(
            o.get("text", "") for o in cell.outputs if o.output_type == "stream"
        )
        values = json.loads(printed.strip().splitlines()[-1])
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return [
            {
                "figure": "quality",
                "value": None,
                "target": None,
                "status": f"FAILED: {error_line(exc)}",
            }
        ]
    rows = []
    for name, value in values.items():
        target = targets.get(name)
        status = "—"
        if target is not None:
            comparison, bound = target
            met = value >= bound if comparison == ">=" else value <= bound
            status = "ok" if met else "target missed"
        rows.append(
            {
                "figure": name,
                "value": value,
                "target": None if target is None else f"{target[0]} {target[1]}",
                "status": status,
            }
        )
    return rows


def run_notebook(path, numerics=NUMERICS, with_quality=True):
    """Execute one notebook in a fresh kernel; return its timing, memory and quality.

    ``numerics`` are environment settings for the kernel (``NUMERICS``: the site
    build's; ``READER``: none, the machine's defaults)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT)
    # The kernel keeps matplotlib's inline backend, as in the site build: figures are
    # drawn and encoded, and that time is part of the chapter's cost.
    env = {
        k: v for k, v in os.environ.items() if k != "MPLBACKEND" and k not in NUMERICS
    }
    env.update(numerics)
    error, seconds, peak, quality = None, None, None, []
    try:
        with client.setup_kernel(cwd=str(path.parent), env=env):
            with PeakRss(client.km.provisioner.pid) as rss:
                start = time.perf_counter()  # the kernel is up and answering by now
                error = execute_cells(client, nb)
                seconds = time.perf_counter() - start
            peak = rss.peak / MIB
            if error is None and with_quality:
                quality = measure_quality(client, path.stem.split("_")[0])
    except Exception as exc:  # noqa: BLE001 - e.g. the kernel failed to start
        error = error_line(exc)
    return {
        "notebook": relative(path),
        "edition": path.parent.name,
        "seconds": seconds,
        "peak_mib": peak,
        "error": error,
        "quality": quality,
    }


def relative(path):
    """A path relative to the repository root when it lies inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def add_status(row):
    """Attach the chapter's target and a status: ok, over target or FAILED. The target
    is a reader's: it is judged on the time at the machine's defaults when measured."""
    prefix = Path(row["notebook"]).stem.split("_")[0]
    row["target_s"] = TARGETS.get(prefix)
    if row["error"]:
        row["status"] = f"FAILED: {row['error']}"
    elif (
        row["target_s"] is not None
        and row.get("reader_seconds", row["seconds"]) > row["target_s"]
    ):
        row["status"] = "over target"
    else:
        row["status"] = "ok"
    return row


def build_site():
    """Time `bash scripts/build_site.sh`; None if the script does not exist."""
    script = ROOT / "scripts" / "build_site.sh"
    if not script.exists():
        print(f"{relative(script)} is missing: site build skipped", file=sys.stderr)
        return None
    start = time.perf_counter()
    done = subprocess.run(
        ["bash", str(script)],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout[-4000:], file=sys.stderr)
    return {
        "seconds": seconds,
        "ok": done.returncode == 0,
        "returncode": done.returncode,
    }


def cpu_model():
    """The CPU model name from /proc/cpuinfo, or whatever platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def torch_info():
    """Torch version, its default thread count and the GPU, if torch is installed."""
    try:
        import torch
    except ImportError:
        return {
            "torch": "not installed",
            "torch_threads": None,
            "cuda": False,
            "gpu": None,
        }
    cuda = torch.cuda.is_available()
    return {
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": cuda,
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
    }


def machine_info():
    """What the numbers were measured on."""
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        **torch_info(),
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }


def machine_markdown(m):
    """The machine as a Markdown bullet list."""
    gpu = f"yes ({m['gpu']})" if m["cuda"] else "no"
    return "\n".join(
        [
            f"- CPU: {m['cpu']}",
            f"- Logical cores: {m['logical_cores']}",
            f"- RAM: {m['ram_gib']} GiB",
            f"- Python: {m['python']}",
            f"- torch: {m['torch']} (get_num_threads() = {m['torch_threads']})",
            f"- CUDA: {gpu}",
            f"- Date: {m['date_utc']}",
        ]
    )


def fmt(value, digits=1):
    """A number for the table; a dash when there is none."""
    return "—" if value is None else f"{value:.{digits}f}"


def table_markdown(rows):
    """The results as a Markdown table."""
    lines = [
        "| notebook | edition | seconds, build numerics | seconds, defaults | "
        "peak MiB | target s | status |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        target = "—" if r["target_s"] is None else str(r["target_s"])
        status = r["status"].replace("|", "\\|")
        lines.append(
            f"| {r['notebook']} | {r['edition']} | {fmt(r['seconds'])} | "
            f"{fmt(r.get('reader_seconds'))} | {fmt(r['peak_mib'], 0)} | "
            f"{target} | {status} |"
        )
    return "\n".join(lines)


def quality_markdown(rows):
    """The chapters' measured quality figures as a Markdown table ('' if none)."""
    lines = [
        "| notebook | figure | value | target | status |",
        "|---|---|---:|---|---|",
    ]
    for r in rows:
        for q in r.get("quality", []):
            lines.append(
                f"| {r['notebook']} | {q['figure']} | {fmt(q['value'], 3)} | "
                f"{q['target'] or '—'} | {q['status']} |"
            )
    return "\n".join(lines) if len(lines) > 2 else ""


def report_markdown(machine, rows, site):
    """The whole report: machine, notebook table, quality figures and the site build."""
    parts = ["# Benchmark", "", machine_markdown(machine), "", table_markdown(rows)]
    quality = quality_markdown(rows)
    if quality:
        parts += [
            "",
            "Quality measured in the chapters' kernels, at each chapter's own "
            "training budget:",
            "",
            quality,
        ]
    if site:
        verdict = "ok" if site["ok"] else f"FAILED (exit {site['returncode']})"
        chapters = len(TARGETS)
        per_chapter = site["seconds"] / chapters
        projected = per_chapter * PLANNED_CHAPTERS
        parts += [
            "",
            f"Whole-site build (`bash scripts/build_site.sh`, both editions, "
            f"{chapters} chapters): {site['seconds']:.1f} s, {verdict}; budget "
            f"{SITE_BUDGET_S} s for {PLANNED_CHAPTERS} chapters; "
            f"{site['seconds'] / SITE_BUDGET_S:.0%} of it used, "
            f"{SITE_BUDGET_S - site['seconds']:.0f} s left for "
            f"{PLANNED_CHAPTERS - chapters} more chapters (at today's average "
            f"of {per_chapter:.0f} s per chapter they would take "
            f"{projected:.0f} s in all: "
            + ("within budget" if projected <= SITE_BUDGET_S else "over budget")
            + ").",
        ]
    return "\n".join(parts) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--editions",
        nargs="+",
        choices=EDITIONS,
        default=list(EDITIONS),
        help="editions whose chapters to run (default: ko en)",
    )
    parser.add_argument(
        "--notebooks",
        nargs="+",
        metavar="PATH",
        help="run only these notebooks (overrides --editions)",
    )
    parser.add_argument(
        "--site",
        action="store_true",
        help="also time the whole-site build (scripts/build_site.sh)",
    )
    parser.add_argument(
        "--no-reader",
        action="store_true",
        help="skip the second run of each notebook at the machine's defaults",
    )
    parser.add_argument(
        "--output", metavar="FILE", help="also write the report as Markdown"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write the raw numbers as JSON"
    )
    return parser.parse_args(argv)


def run_all(notebooks, reader=True):
    """Run the notebooks one after another, printing progress to stderr; with
    ``reader``, run each a second time at the machine's defaults, for its time only."""
    rows = []
    for path in notebooks:
        print(f"running {relative(path)} ...", file=sys.stderr, flush=True)
        row = run_notebook(path)
        if reader and not row["error"]:
            defaults = run_notebook(path, READER, with_quality=False)
            row["reader_seconds"] = defaults["seconds"]
        row = add_status(row)
        print(
            f"  {fmt(row['seconds'])} s "
            f"(defaults: {fmt(row.get('reader_seconds'))} s), "
            f"{fmt(row['peak_mib'], 0)} MiB, {row['status']}",
            file=sys.stderr,
            flush=True,
        )
        rows.append(row)
    return rows


def main(argv=None):
    args = parse_args(argv)
    machine = machine_info()  # the date is the start of the run
    notebooks = find_notebooks(editions=args.editions, paths=args.notebooks)
    if not notebooks:
        print("no notebooks found", file=sys.stderr)
    rows = run_all(notebooks, reader=not args.no_reader)
    site = build_site() if args.site else None
    report = report_markdown(machine, rows, site)
    print(report, end="")
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    if args.json:
        data = {"machine": machine, "notebooks": rows, "site": site}
        Path(args.json).write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    failed = any(r["error"] for r in rows) or (site is not None and not site["ok"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
