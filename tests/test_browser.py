"""Every built page in headless Chromium: no console error, no request off the machine.

Playwright drives Debian's Chromium (/usr/bin/chromium); it never downloads a browser.
"""

import pathlib

import pytest
from conftest import SITE, Visit

pytestmark = [pytest.mark.site, pytest.mark.browser]


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
        base[lang] / "search.html",
        base[lang] / "genindex.html",
    ]
    assert len(pages) >= 6
    for path in pages:
        visit = Visit(browser, path)
        visit.page.click("a.edition-switch")
        visit.page.wait_for_load_state("load")
        landed = pathlib.Path(
            visit.page.url.removeprefix("file://").split("?")[0]
        ).resolve()
        relative = (
            path.relative_to(base[lang])
            .as_posix()
            .replace(f"chapters/{lang}/", f"chapters/{other}/")
        )
        expected = (base[other] / relative).resolve()
        assert landed == expected, f"{path.name}: landed on {landed}"
        assert visit.page.get_attribute("html", "lang") == other
        visit.page.close()


def test_figures_load_on_chapter_pages(browser, site):
    for path in [
        *(site / "chapters" / "ko").glob("0*.html"),
        *(site / "en" / "chapters" / "en").glob("0*.html"),
    ]:
        visit = Visit(browser, path)
        widths = visit.page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => i.naturalWidth)"
        )
        assert widths and min(widths) > 0, f"{path.name}: an image did not load"
        visit.page.close()
