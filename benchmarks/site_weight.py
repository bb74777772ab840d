#!/usr/bin/env python3
"""How heavy the built site is: its size on disk and what each page loads.

    python3 benchmarks/site_weight.py                 # needs a built site (make site)
    python3 benchmarks/site_weight.py --output benchmarks/SITE_WEIGHT.md

- **Site**: the bytes of every file under `_build/site` (both editions). Target
  ≤ 25 MB (issue 19).
- **Page weight**: every page of both editions is opened from disk in headless
  Chromium; the weight is the bytes of every distinct file it requested while it
  loaded and MathJax typeset its mathematics (the HTML, styles, scripts, fonts,
  images). Target ≤ 2 MB for every page. The heaviest pages are listed.

`tests/test_browser.py` checks the site's target on every test run, and that no page
weighs more than 10 % over the page target.
"""

import argparse
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from explorers import CHROMIUM, FLAGS  # noqa: E402  (scripts/chromium.py)
from run import machine_info, machine_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "site"
MB = 1_000_000
SITE_TARGET = 25 * MB
PAGE_TARGET = 2 * MB


def site_bytes(site=SITE):
    """The bytes of every file of the site."""
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def site_pages(site=SITE):
    """Every HTML page of both editions (not the HTML templates inside _static)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def local_files(urls):
    """The paths on disk of the file:// URLs among ``urls``."""
    return {
        Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
        for url in urls
        if url.startswith("file://")
    }


def files_weight(files):
    """The bytes of these files."""
    return sum(f.stat().st_size for f in files if f.is_file())


def loaded_files(page, path):
    """Open ``path`` in ``page``; the local files it requested while loading and
    typesetting its mathematics."""
    from playwright.sync_api import Error as PlaywrightError

    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    try:  # MathJax's fonts load when it typesets
        page.evaluate("() => window.MathJax?.startup?.promise")
    except PlaywrightError:  # the page moved on (a redirect): what it loaded counts
        page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    return local_files(requested)


def page_weight(browser, path):
    """The bytes ``path`` loads from disk: every distinct file it requested."""
    page = browser.new_page()
    try:
        return files_weight(loaded_files(page, path))
    finally:
        page.close()


def measure(site=SITE):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        weights = {p: page_weight(browser, p) for p in site_pages(site)}
        browser.close()
    return site_bytes(site), weights


def report(total, weights, site=SITE):
    def mb(n):
        return f"{n / MB:.2f} MB"

    heaviest = sorted(weights.items(), key=lambda item: -item[1])
    worst = heaviest[0][1]
    lines = [
        "# Site weight",
        "",
        machine_markdown(machine_info()),
        "",
        "Measured by `benchmarks/site_weight.py` on the built site (`make site`).",
        "A page's weight: the bytes of every file it requested from disk while it"
        " loaded in headless Chromium and MathJax typeset it.",
        "",
        "| measure | value | target | |",
        "|---|---:|---:|---|",
        f"| whole site, both editions | {mb(total)} | ≤ {mb(SITE_TARGET)} | "
        f"{'ok' if total <= SITE_TARGET else 'target missed'} |",
        f"| Korean edition (site root, without en/) | "
        f"{mb(total - site_bytes(site / 'en'))} | | |",
        f"| English edition (en/) | {mb(site_bytes(site / 'en'))} | | |",
        f"| heaviest page | {mb(worst)} | ≤ {mb(PAGE_TARGET)} | "
        f"{'ok' if worst <= PAGE_TARGET else 'target missed'} |",
        f"| pages | {len(weights)} | | |",
        "",
        "The ten heaviest pages:",
        "",
        "| page | weight |",
        "|---|---:|",
    ]
    for path, weight in heaviest[:10]:
        lines.append(f"| {path.relative_to(site).as_posix()} | {mb(weight)} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="write the Markdown report here")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site")
    args = parser.parse_args()
    if not (args.site / "index.html").exists():
        sys.exit(f"No site at {args.site}: run `make site` first.")
    text = report(*measure(args.site), site=args.site)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
