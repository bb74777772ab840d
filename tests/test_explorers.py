"""The explorers on the built site: static, self-contained, and responsive in a browser."""

import re

import pytest

from conftest import Visit

pytestmark = [pytest.mark.site, pytest.mark.browser]

STEPPER_PAGES = {
    "ko": "chapters/ko/03_teacher_forcing.html",
    "en": "en/chapters/en/03_teacher_forcing.html",
}


@pytest.mark.parametrize("lang", STEPPER_PAGES)
def test_stepper_is_static_html_without_widgets_or_remote_code(site, lang):
    text = (site / STEPPER_PAGES[lang]).read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="attn-explorer" id="ax-stepper-.*?</script>\n</div>', text, re.S)
    assert len(blocks) == 1, "expected one decoding stepper on the page"
    assert len(blocks[0].encode("utf-8")) <= 300_000, "the stepper's HTML is too large"
    assert "widget-view+json" not in text and "widget-state" not in text
    assert "require.js" not in text and "html-manager" not in text
    assert not re.search(r'src="https?://', blocks[0])


def visible_rows(page):
    return page.eval_on_selector_all(
        "[data-ax-view]:not([hidden]) tr[data-step]",
        "rows => rows.filter(r => !r.hidden).map(r => [r.dataset.step, r.className])")


@pytest.mark.parametrize("lang", STEPPER_PAGES)
def test_stepper_steps_switches_mode_and_example(browser, site, lang):
    visit = Visit(browser, site / STEPPER_PAGES[lang])
    page = visit.page
    views = page.eval_on_selector_all("[data-ax-view]", "vs => vs.filter(v => !v.hidden).length")
    assert views == 1, "exactly one example and mode should be shown"
    assert visible_rows(page) == [["0", "ax-current"]]

    page.fill("input.ax-step", "3")
    page.dispatch_event("input.ax-step", "input")
    rows = visible_rows(page)
    assert [step for step, _ in rows] == ["0", "1", "2", "3"]
    assert rows[-1][1] == "ax-current" and all(c == "" for _, c in rows[:-1])
    assert page.text_content("output.ax-step-label").startswith("4 /")

    page.focus("input.ax-step")
    page.keyboard.press("ArrowRight")  # the slider is usable from the keyboard
    assert len(visible_rows(page)) == 5

    shown = page.get_attribute("[data-ax-view]:not([hidden])", "data-ax-view")
    page.check('input[value="free_running"]')
    assert page.get_attribute("[data-ax-view]:not([hidden])", "data-ax-view") == shown.replace(
        "teacher_forced", "free_running")

    page.select_option("select.ax-example", index=1)
    assert page.get_attribute("[data-ax-view]:not([hidden])", "data-ax-view") == "1-free_running"
    assert visual_current(page) is not None
    assert not visit.problems, visit.problems
    visit.page.close()


def visual_current(page):
    return page.query_selector("[data-ax-view]:not([hidden]) tr.ax-current")


@pytest.mark.parametrize("lang", STEPPER_PAGES)
def test_stepper_reads_as_tables_without_javascript(browser, site, lang):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((site / STEPPER_PAGES[lang]).resolve().as_uri())
    hidden = page.eval_on_selector_all("[data-ax-view]", "vs => vs.filter(v => v.hidden).length")
    tables = page.eval_on_selector_all("[data-ax-view] table", "ts => ts.filter(t => t.offsetHeight > 0).length")
    assert hidden == 0 and tables >= 2, "with JavaScript off every view should be readable"
    context.close()
