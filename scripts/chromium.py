"""Debian's headless Chromium, as the tests, the benchmarks and the PDF build start it.

Playwright drives it (``executable_path=CHROMIUM``) and never downloads a browser.
The flags keep it from reaching for the network (updates, sync, first-run pages),
which this machine's closed network would refuse.
"""

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
