#!/usr/bin/env python3
"""Benchmark the static explorers on the built site: size and time to interactive.

    python3 benchmarks/explorers.py                 # needs a built site (make site)
    python3 benchmarks/explorers.py --loads 10 --output benchmarks/EXPLORERS.md

For every explorer block on every page of `_build/site` it reports the bytes of its
embedded HTML (target ≤ 300 KB) and, over several fresh page loads in headless
Chromium, when its script had finished setting it up: the `data-ready-ms` attribute
each explorer writes at the end of its script, in milliseconds since the page started
loading (`performance.now()`; target ≤ 200 ms). The median and the worst load are listed.
"""
import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import machine_info, machine_markdown  # noqa: E402  (same machine description)

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "site"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
TARGET_KB, TARGET_MS = 300, 200
BLOCK = re.compile(r'<div class="attn-explorer[^"]*" id="(ax-[\w-]+)".*?</script>\n</div>', re.S)


def explorer_pages(site):
    """Pages holding at least one explorer, with each explorer's id and size in bytes."""
    found = {}
    for page in sorted(site.rglob("*.html")):
        blocks = [(m.group(1), len(m.group(0).encode("utf-8")))
                  for m in BLOCK.finditer(page.read_text(encoding="utf-8"))]
        if blocks:
            found[page] = blocks
    return found


def ready_times(page, ids, loads):
    """data-ready-ms of each explorer id over ``loads`` fresh loads of ``page``."""
    from playwright.sync_api import sync_playwright

    times = {i: [] for i in ids}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(loads):
            context = browser.new_context()  # a fresh cache and page each time
            tab = context.new_page()
            tab.goto(page.resolve().as_uri())
            tab.wait_for_load_state("load")
            for i in ids:
                value = tab.get_attribute(f"#{i}", "data-ready-ms")
                times[i].append(None if value is None else float(value))
            context.close()
        browser.close()
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=5, help="page loads per page (default 5)")
    parser.add_argument("--output", metavar="FILE", help="also write the report as Markdown")
    args = parser.parse_args(argv)
    if not SITE.exists():
        sys.exit("no built site: run `make site` first")
    lines = ["| page | explorer | KB | ready ms (median) | ready ms (worst) | status |",
             "|---|---|---:|---:|---:|---|"]
    failed = False
    for page, blocks in explorer_pages(SITE).items():
        times = ready_times(page, [i for i, _ in blocks], args.loads)
        for i, size in blocks:
            measured = times[i]
            kb = size / 1024
            if None in measured:
                status, median, worst = "FAILED: script did not finish", None, None
            else:
                median, worst = statistics.median(measured), max(measured)
                ok = kb <= TARGET_KB and median <= TARGET_MS
                status = "ok" if ok else "over target"
            failed |= status.startswith("FAILED")
            kind = i.split("-")[1]
            show = (lambda v: "—" if v is None else f"{v:.0f}")
            lines.append(f"| {page.relative_to(SITE)} | {kind} | {kb:.0f} | {show(median)} | "
                         f"{show(worst)} | {status} |")
    report = "\n".join(["# Explorers", "", machine_markdown(machine_info()), "",
                        f"Targets: ≤ {TARGET_KB} KB of HTML per explorer; interactive ≤ {TARGET_MS} ms "
                        f"after the page starts loading (median of {args.loads} fresh loads).", "",
                        *lines]) + "\n"
    print(report, end="")
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
