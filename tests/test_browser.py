"""Every built page in headless Chromium: no console error, no request off the machine.

Playwright drives Debian's Chromium (/usr/bin/chromium); it never downloads a browser.
"""

import pathlib

import pytest

from conftest import SITE

pytestmark = [pytest.mark.site, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Visit:
    """Open one page from disk and record what went wrong while it loaded."""

    def __init__(self, browser, path):
        self.problems = []
        self.page = browser.new_page()
        self.page.on("console", self.on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.route("**/*", self.on_request)
        self.page.goto(pathlib.Path(path).resolve().as_uri())
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(300)  # let deferred scripts run and report

    def on_console(self, message):
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def on_request(self, route):
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"request leaving the machine: {url}")
            route.abort()


@pytest.fixture(scope="module")
def all_pages(site):
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def test_every_page_loads_cleanly(browser, all_pages):
    problems = {}
    for path in all_pages:
        visit = Visit(browser, path)
        if visit.problems:
            problems[str(path.relative_to(SITE))] = visit.problems
        visit.page.close()
    assert len(all_pages) >= 10
    assert not problems, problems


@pytest.mark.parametrize("lang,other", [("ko", "en"), ("en", "ko")])
def test_language_switch_lands_on_the_same_page(browser, site, lang, other):
    base = {"ko": site, "en": site / "en"}
    pages = sorted((base[lang] / "chapters" / lang).glob("*.html")) + [
        base[lang] / "search.html", base[lang] / "genindex.html"]
    assert len(pages) >= 6
    for path in pages:
        visit = Visit(browser, path)
        visit.page.click("a.edition-switch")
        visit.page.wait_for_load_state("load")
        landed = pathlib.Path(visit.page.url.removeprefix("file://").split("?")[0]).resolve()
        relative = path.relative_to(base[lang]).as_posix().replace(f"chapters/{lang}/", f"chapters/{other}/")
        expected = (base[other] / relative).resolve()
        assert landed == expected, f"{path.name}: landed on {landed}"
        assert visit.page.get_attribute("html", "lang") == other
        visit.page.close()


def test_figures_load_on_chapter_pages(browser, site):
    for path in [*(site / "chapters" / "ko").glob("0*.html"), *(site / "en" / "chapters" / "en").glob("0*.html")]:
        visit = Visit(browser, path)
        widths = visit.page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        assert widths and min(widths) > 0, f"{path.name}: an image did not load"
        visit.page.close()
