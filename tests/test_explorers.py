"""The explorers on the built site: static, self-contained, responsive in a browser."""

import json
import re

import pytest
from conftest import Visit

pytestmark = [pytest.mark.site, pytest.mark.browser]

STEPPER_PAGES = {
    "ko": "chapters/ko/03_teacher_forcing.html",
    "en": "en/chapters/en/03_teacher_forcing.html",
}


ALIGNMENT_PAGES = {
    "ko": "chapters/ko/05_attention.html",
    "en": "en/chapters/en/05_attention.html",
}
PLAYGROUND_PAGES = {
    "ko": "chapters/ko/06_query_key_value.html",
    "en": "en/chapters/en/06_query_key_value.html",
}
BEAM_PAGES = {
    "ko": "chapters/ko/07_beam_search.html",
    "en": "en/chapters/en/07_beam_search.html",
}
TRANSFORMER_PAGES = {
    "ko": "chapters/ko/08_transformer.html",
    "en": "en/chapters/en/08_transformer.html",
}
TOKENIZER_PAGES = {
    "ko": "chapters/ko/09_real_language.html",
    "en": "en/chapters/en/09_real_language.html",
}
EXPLORERS = [
    (kind, lang, pages[lang])
    for kind, pages in (
        ("stepper", STEPPER_PAGES),
        ("alignment", ALIGNMENT_PAGES),
        ("playground", PLAYGROUND_PAGES),
        ("beam", BEAM_PAGES),
        ("transformer", TRANSFORMER_PAGES),
        ("tokenizer", TOKENIZER_PAGES),
    )
    for lang in pages
]


@pytest.mark.parametrize("kind,lang,path", EXPLORERS)
def test_explorer_is_static_html_without_widgets_or_remote_code(site, kind, lang, path):
    text = (site / path).read_text(encoding="utf-8")
    blocks = re.findall(
        rf'<div class="attn-explorer[^"]*" id="ax-{kind}-.*?</script>\n</div>',
        text,
        re.S,
    )
    assert len(blocks) == 1, f"expected one {kind} explorer on the page"
    assert len(blocks[0].encode("utf-8")) <= 300_000, "the explorer's HTML is too large"
    assert "widget-view+json" not in text and "widget-state" not in text
    assert "require.js" not in text and "html-manager" not in text
    assert not re.search(r'src="https?://', blocks[0])


def without_javascript(browser, path):
    """A browser context with JavaScript off, and a page of it showing ``path``."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.resolve().as_uri())
    return context, page


def visible_rows(page):
    return page.eval_on_selector_all(
        "[data-ax-view]:not([hidden]) tr[data-step]",
        "rows => rows.filter(r => !r.hidden).map(r => [r.dataset.step, r.className])",
    )


@pytest.mark.parametrize("lang", STEPPER_PAGES)
def test_stepper_steps_switches_mode_and_example(browser, site, lang):
    visit = Visit(browser, site / STEPPER_PAGES[lang])
    page = visit.page
    views = page.eval_on_selector_all(
        "[data-ax-view]", "vs => vs.filter(v => !v.hidden).length"
    )
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
    assert page.get_attribute(
        "[data-ax-view]:not([hidden])", "data-ax-view"
    ) == shown.replace("teacher_forced", "free_running")

    page.select_option("select.ax-example", index=1)
    assert (
        page.get_attribute("[data-ax-view]:not([hidden])", "data-ax-view")
        == "1-free_running"
    )
    assert visual_current(page) is not None
    assert not visit.problems, visit.problems
    visit.page.close()


def visual_current(page):
    return page.query_selector("[data-ax-view]:not([hidden]) tr.ax-current")


@pytest.mark.parametrize("lang", STEPPER_PAGES)
def test_stepper_reads_as_tables_without_javascript(browser, site, lang):
    context, page = without_javascript(browser, site / STEPPER_PAGES[lang])
    hidden = page.eval_on_selector_all(
        "[data-ax-view]", "vs => vs.filter(v => v.hidden).length"
    )
    tables = page.eval_on_selector_all(
        "[data-ax-view] table", "ts => ts.filter(t => t.offsetHeight > 0).length"
    )
    assert hidden == 0 and tables >= 2, (
        "with JavaScript off every view should be readable"
    )
    context.close()


# ------------------------------------------------------------- alignment explorer


def current_row(page):
    return page.get_attribute("[data-ax-view]:not([hidden]) tr.ax-current", "data-step")


def cell_colours(page):
    return page.eval_on_selector_all(
        "[data-ax-view]:not([hidden]) td.ax-cell",
        "cells => cells.map(c => c.style.background)",
    )


@pytest.mark.parametrize("lang", ALIGNMENT_PAGES)
def test_alignment_explorer_responds_to_step_checkpoint_gold_and_hover(
    browser, site, lang
):
    visit = Visit(browser, site / ALIGNMENT_PAGES[lang])
    page = visit.page
    root = "div[data-explorer=alignment]"
    assert page.get_attribute(root, "data-ready-ms") is not None, (
        "the script did not finish"
    )
    assert (
        page.eval_on_selector_all(
            "[data-ax-view]", "vs => vs.filter(v => !v.hidden).length"
        )
        == 1
    )
    assert current_row(page) == "0"
    context = page.text_content("[data-ax-view]:not([hidden]) .ax-context")

    page.fill("input.ax-step", "2")  # the step slider moves the highlighted row
    page.dispatch_event("input.ax-step", "input")
    assert current_row(page) == "2"
    assert page.text_content("output.ax-step-label").startswith("3 /")
    assert page.text_content("[data-ax-view]:not([hidden]) .ax-context") != context

    final = cell_colours(page)  # the checkpoint slider recolours the cells
    page.focus("input.ax-checkpoint")
    page.keyboard.press("Home")  # keyboard: the first checkpoint (step 0)
    assert page.eval_on_selector("input.ax-checkpoint", "e => e.value") == "0"
    assert cell_colours(page) != final
    assert page.text_content("output.ax-checkpoint-label").endswith(" 0")
    page.keyboard.press("End")
    assert cell_colours(page) == final

    # the gold overlay toggles
    assert "ax-show-gold" in page.get_attribute(root, "class")
    page.focus("input.ax-gold-toggle")
    page.keyboard.press("Space")
    assert "ax-show-gold" not in page.get_attribute(root, "class")

    page.hover("[data-ax-view]:not([hidden]) tr[data-step='1'] td.ax-cell >> nth=0")
    assert re.search(r"→ .+: [01]\.\d{3}$", page.text_content(".ax-tip")), (
        "hover shows no weight"
    )

    # another scoring function, other weights
    page.select_option("select.ax-score", index=2)
    assert cell_colours(page) != final
    page.select_option("select.ax-example", index=3)
    assert page.get_attribute("[data-ax-view]:not([hidden])", "data-ax-view") == "3"
    assert current_row(page) is not None
    assert not visit.problems, visit.problems
    page.close()


@pytest.mark.parametrize("lang", ALIGNMENT_PAGES)
def test_alignment_explorer_reads_as_heatmaps_without_javascript(browser, site, lang):
    context, page = without_javascript(browser, site / ALIGNMENT_PAGES[lang])
    tables = page.eval_on_selector_all(
        "[data-ax-view] table.ax-heatmap",
        "ts => ts.filter(t => t.offsetHeight > 0).length",
    )
    coloured = page.eval_on_selector_all(
        "td.ax-cell", "cs => cs.filter(c => c.style.background).length"
    )
    assert tables == 4 and coloured > 50, (
        "with JavaScript off the heatmaps should be readable"
    )
    context.close()


# ------------------------------------------------------------ dictionary playground


def set_slider(page, selector, value):
    page.eval_on_selector(
        selector,
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }",
        str(value),
    )


@pytest.mark.parametrize("lang", PLAYGROUND_PAGES)
def test_playground_recomputes_the_lookup_in_the_browser(browser, site, lang):
    import torch

    from attnlab.qkv import soft_lookup

    visit = Visit(browser, site / PLAYGROUND_PAGES[lang])
    page = visit.page
    data = json.loads(page.text_content("div[data-explorer=playground] script.ax-data"))
    keys, values = torch.tensor(data["keys"]), torch.tensor(data["values"])
    for qx, qy, temperature in [(0.3, -0.4, 1.0), (-0.9, 0.6, 0.2), (1.0, 1.0, 2.5)]:
        set_slider(page, "input.ax-qx", qx)
        set_slider(page, "input.ax-qy", qy)
        set_slider(page, "input.ax-temp", temperature)
        answer, weights = soft_lookup(
            torch.tensor([qx, qy]), keys, values, temperature=temperature
        )
        shown = float(page.text_content("output.ax-answer-value"))
        assert shown == pytest.approx(answer.item(), abs=0.01), (qx, qy, temperature)
        cells = page.eval_on_selector_all(
            "tr[data-key] td:nth-child(5)", "cs => cs.map(c => c.textContent)"
        )
        assert [float(c) for c in cells] == pytest.approx(weights.tolist(), abs=0.001)
    # a cold softmax on a key: the dict's answer
    set_slider(page, "input.ax-temp", 0.02)
    page.select_option("select.ax-jump", index=2)  # the second entry
    moved = [
        float(page.eval_on_selector(f"input.{c}", "e => e.value"))
        for c in ("ax-qx", "ax-qy")
    ]
    # the slider's step is 0.01
    assert moved == pytest.approx(keys[1].tolist(), abs=0.006)
    answer, _ = soft_lookup(torch.tensor(moved), keys, values, temperature=0.02)
    assert float(page.text_content("output.ax-answer-value")) == pytest.approx(
        answer.item(), abs=0.01
    )
    assert abs(answer.item() - values[1].item()) < 2.0  # nearly the dict's answer
    before = page.get_attribute("path.ax-query", "d")
    page.focus("input.ax-qx")
    page.keyboard.press("ArrowLeft")  # keyboard moves the query too
    assert page.get_attribute("path.ax-query", "d") != before
    assert not visit.problems, visit.problems
    page.close()


@pytest.mark.parametrize("lang", PLAYGROUND_PAGES)
def test_playground_reads_as_a_table_without_javascript(browser, site, lang):
    context, page = without_javascript(browser, site / PLAYGROUND_PAGES[lang])
    weights = page.eval_on_selector_all(
        "tr[data-key] td:nth-child(5)", "cs => cs.map(c => Number(c.textContent))"
    )
    assert len(weights) >= 3 and sum(weights) == pytest.approx(1, abs=0.01)
    context.close()


@pytest.mark.parametrize("lang", BEAM_PAGES)
def test_beam_explorer_steps_and_picks_a_heatmap_on_the_site(browser, site, lang):
    visit = Visit(browser, site / BEAM_PAGES[lang])
    page = visit.page
    shown = "[data-ax-view]:not([hidden])"
    tables = f"{shown} table[data-step]:not([hidden])"
    assert page.eval_on_selector_all(tables, "ts => ts.map(t => t.dataset.step)") == [
        "0"
    ]
    page.focus("input.ax-step")
    page.keyboard.press("ArrowRight")  # the slider is usable from the keyboard
    assert page.eval_on_selector_all(tables, "ts => ts.map(t => t.dataset.step)") == [
        "1"
    ]
    page.select_option("select.ax-hyp", "1")
    heatmaps = f"{shown} [data-hyp]:not([hidden])"
    assert page.eval_on_selector_all(heatmaps, "hs => hs.map(h => h.dataset.hyp)") == [
        "1"
    ]
    assert not visit.problems, visit.problems
    visit.page.close()


@pytest.mark.parametrize("lang", TRANSFORMER_PAGES)
def test_transformer_explorer_switches_attention_layer_and_head_on_the_site(
    browser, site, lang
):
    visit = Visit(browser, site / TRANSFORMER_PAGES[lang])
    page = visit.page
    shown = "[data-ax-view]:not([hidden])"
    cells = f"{shown} tr[data-step] td"
    colours = "cs => cs.map(c => c.style.background)"
    before = page.eval_on_selector_all(cells, colours)
    page.select_option("select.ax-layer", index=1)  # by index: labels count from 1
    page.select_option("select.ax-head", index=2)
    which = {"en": "layer 2, head 3", "ko": "층 2, 헤드 3"}[lang]
    assert page.text_content(f"{shown} .ax-which") == which
    assert page.eval_on_selector_all(cells, colours) != before
    page.select_option("select.ax-kind", "encoder")
    assert page.get_attribute(shown, "data-ax-view") == "0-encoder"
    assert not visit.problems, visit.problems
    visit.page.close()
