#!/usr/bin/env python3
"""Benchmark the static explorers on the built site: size and time to interactive.

    python3 benchmarks/explorers.py                 # needs a built site (make site)
    python3 benchmarks/explorers.py --loads 10 --output benchmarks/EXPLORERS.md

For every explorer block on every page of `_build/site` it reports the bytes of its
embedded HTML (target ≤ 300 KB) and, over several fresh page loads in headless
Chromium, the medians of:

- **ready**: when the explorer's script had finished (`data-ready-ms`, which every
  explorer writes at the end of its script), in ms since the page started loading;
- **setup**: how long the explorer's own script ran (`data-ready-ms - data-start-ms`);
- **page load**: when the page's `load` event ended (Navigation Timing), images,
  styles and the theme's scripts included;
- **after load**: how long after the `load` event the explorer became interactive
  (0 when it was ready before). The target is ≤ 200 ms: the explorer must be usable
  within 200 ms of the page having loaded. The worst load is listed too.
"""

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import machine_info, machine_markdown  # noqa: E402  (same machine description)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from chromium import CHROMIUM, FLAGS  # noqa: E402  (Debian's, headless)

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "site"
TARGET_KB, TARGET_MS = 300, 200
BLOCK = re.compile(
    r'<div class="attn-explorer[^"]*" id="(ax-[\w-]+)".*?</script>\n</div>', re.S
)


def explorer_pages(site):
    """Pages holding an explorer, with each explorer's id and size in bytes."""
    found = {}
    for page in sorted(site.rglob("*.html")):
        blocks = [
            (m.group(1), len(m.group(0).encode("utf-8")))
            for m in BLOCK.finditer(page.read_text(encoding="utf-8"))
        ]
        if blocks:
            found[page] = blocks
    return found


def ready_times(page, ids, loads):
    """(ready, setup, page load) in ms per explorer id, over ``loads`` fresh loads."""
    from playwright.sync_api import sync_playwright

    times = {i: [] for i in ids}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(loads):
            context = browser.new_context()  # a fresh cache and page each time
            tab = context.new_page()
            tab.goto(page.resolve().as_uri())
            tab.wait_for_load_state("load")
            loaded = tab.evaluate(
                "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
            )
            for i in ids:
                ready = tab.get_attribute(f"#{i}", "data-ready-ms")
                start = tab.get_attribute(f"#{i}", "data-start-ms")
                times[i].append(
                    None
                    if ready is None
                    else (float(ready), float(ready) - float(start), float(loaded))
                )
            context.close()
        browser.close()
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--loads", type=int, default=5, help="page loads per page (default 5)"
    )
    parser.add_argument(
        "--output", metavar="FILE", help="also write the report as Markdown"
    )
    args = parser.parse_args(argv)
    if not SITE.exists():
        sys.exit("no built site: run `make site` first")
    lines = [
        "| page | explorer | KB | ready ms | setup ms | page load ms | after load ms "
        "| after load ms (worst) | status |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    failed = False
    for page, blocks in explorer_pages(SITE).items():
        times = ready_times(page, [i for i, _ in blocks], args.loads)
        for i, size in blocks:
            measured = times[i]
            kb = size / 1024
            kind = i.split("-")[1]
            if None in measured:
                failed = True
                lines.append(
                    f"| {page.relative_to(SITE)} | {kind} | {kb:.0f} "
                    "| — | — | — | — | — | FAILED: script did not finish |"
                )
                continue
            after = [max(0.0, ready - loaded) for ready, _, loaded in measured]
            ready, setup, loaded = (
                statistics.median(column) for column in zip(*measured)
            )
            ok = kb <= TARGET_KB and statistics.median(after) <= TARGET_MS
            lines.append(
                f"| {page.relative_to(SITE)} | {kind} | {kb:.0f} | {ready:.0f} | "
                f"{setup:.1f} | {loaded:.0f} | {statistics.median(after):.0f} | "
                f"{max(after):.0f} | {'ok' if ok else 'over target'} |"
            )
    report = (
        "\n".join(
            [
                "# Explorers",
                "",
                machine_markdown(machine_info()),
                "",
                f"Targets: ≤ {TARGET_KB} KB of HTML per explorer; "
                f"interactive ≤ {TARGET_MS} ms "
                f"after the page's load event. Medians of {args.loads} fresh loads; "
                "times in ms from the start of the page load.",
                "",
                *lines,
            ]
        )
        + "\n"
    )
    print(report, end="")
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
