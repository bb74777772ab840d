"""The explorers' static views in a browser, without a site build.

Each explorer is built from a tiny model or dictionary, its ``to_html()`` is written
into a page of its own, and headless Chromium opens that page from disk. The tests
drive the controls (sliders, menus, the keyboard) and check that what the inline
script shows equals what Python computes for the same settings; that the page loads
nothing from elsewhere and logs no error; and that with JavaScript off every table
and heatmap can still be read.
"""

import copy
import fnmatch
import html
import re
import types

import pytest
import tomllib
import torch
from conftest import (
    CHROMIUM,
    FLAGS,
    ROOT,
    Visit,
    tiny_tokenizer_explorer,
    tiny_transformer_explorer,
)

from attnlab.alignment_explorer import AlignmentExplorer, describe_context
from attnlab.attention import AttentionSeq2Seq
from attnlab.beam_explorer import BeamExplorer
from attnlab.dates import make_date_splits
from attnlab.grammar import make_grammar_pairs
from attnlab.playground import DictionaryPlayground, lookup
from attnlab.seq2seq import Seq2Seq
from attnlab.stepper import DecodingStepper, decoding_steps, show_token
from attnlab.vocab import Vocab

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SHOWN = "[data-ax-view]:not([hidden])"  # the one view the script shows


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for this module (needs no site, unlike conftest's browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A function that writes explorer HTML into a page on disk and returns its path."""
    folder = tmp_path_factory.mktemp("explorer_pages")

    def write(name, block, lang=None):
        path = folder / f"{name}.html"
        html_tag = f'<html lang="{lang}">' if lang else "<html>"
        path.write_text(
            f'<!DOCTYPE html>\n{html_tag}<head><meta charset="utf-8">'
            f"<title>{name}</title></head>\n<body>\n" + block + "\n</body></html>\n",
            encoding="utf-8",
        )
        return path

    return write


def open_page(chromium, path):
    """The page at ``path``, JavaScript on; what went wrong is in ``visit.problems``.
    An explorer's script runs inline, before the load event, and marks the explorer
    ready when it is done: nothing is left to wait for after that."""
    visit = Visit(chromium, path, settle_ms=0)
    root = "div.attn-explorer"
    assert visit.page.get_attribute(root, "data-ready-ms") is not None, visit.problems
    return visit


NO_SCRIPT_PAGES = {}  # each browser's one page with JavaScript off


def open_without_javascript(chromium, path):
    """``path`` in a page with JavaScript off: one such page per browser, reused (a
    new page costs about 0.3 s); it closes with the browser."""
    if chromium not in NO_SCRIPT_PAGES:
        context = chromium.new_context(java_script_enabled=False)
        NO_SCRIPT_PAGES[chromium] = context.new_page()
    page = NO_SCRIPT_PAGES[chromium]
    page.goto(path.resolve().as_uri())
    return page


def set_value(page, selector, value):
    """Set a slider's value as a drag would, firing its ``input`` event."""
    page.eval_on_selector(
        selector,
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }",
        str(value),
    )


def alpha(colour):
    """The opacity of a computed CSS colour: 'rgba(8, 69, 148, 0.5)' -> 0.5."""
    numbers = re.findall(r"[\d.]+", colour)
    return float(numbers[3]) if len(numbers) == 4 else 1.0


def text_of(fragment):
    """The text a browser shows for an HTML fragment (tags dropped, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_every_front_end_file_read_by_the_package_ships_with_it():
    """Each file that ``asset()`` reads exists and is package data in pyproject.toml."""
    package = ROOT / "attnlab"
    names = {
        name
        for module in package.glob("*.py")
        for name in re.findall(r"asset\([\"']([^\"']+)[\"']\)", module.read_text())
    }
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["attnlab"]
    assert {"explorer.css", "explorer.js", "stepper.js", "alignment.js"} <= names
    assert {"beam.js", "beam.css"} <= names
    for name in sorted(names):
        assert (package / "explorers" / name).is_file(), name
        assert any(fnmatch.fnmatch(f"explorers/{name}", p) for p in patterns), name


def test_front_end_scripts_can_sit_inside_a_script_element():
    """No script file holds what would end or confuse an inline <script> early."""
    for path in sorted((ROOT / "attnlab" / "explorers").glob("*.js")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<!--|</?script", text, re.IGNORECASE), path


# ---------------------------------------------------------------------- playground

ENTRIES = {
    "cat": ((-0.7, -0.3), 48),
    "car": ((0.7, 0.2), 150),
    "<b>bus</b>": ((0.1, 0.9), 10),
    "dog": ((-0.2, 0.6), 30),
}
KEYS = [key for key, _ in ENTRIES.values()]
VALUES = [value for _, value in ENTRIES.values()]


@pytest.fixture(scope="module")
def playground():
    return DictionaryPlayground(
        ENTRIES, query=(0.5, -0.25), temperature=0.5, unit="km/h"
    )


def playground_numbers(page):
    """What the playground shows: table cells, circles, the query mark, the answer."""
    return page.evaluate("""() => ({
        rows: [...document.querySelectorAll("tr[data-key]")].map(
            r => [...r.querySelectorAll("td")].map(c => c.textContent)),
        circles: [...document.querySelectorAll("svg circle")].map(
            c => [c.getAttribute("r"), c.getAttribute("fill")]),
        query: document.querySelector("path.ax-query").getAttribute("d"),
        answer: document.querySelector("output.ax-answer-value").textContent})""")


def close_to(shown, expected, places):
    """Numbers shown with ``places`` decimals equal ``expected`` but for rounding."""
    return all(
        abs(float(s) - e) <= 0.6 * 10**-places
        for s, e in zip(shown, expected, strict=True)
    )


def check_lookup(page, query, temperature):
    """The table and the answer equal ``playground.lookup`` for this query."""
    scores, weights, answer = lookup(query, KEYS, VALUES, temperature)
    shown = playground_numbers(page)
    assert close_to([row[3] for row in shown["rows"]], scores, 2), (query, temperature)
    assert close_to([row[4] for row in shown["rows"]], weights, 3), (query, temperature)
    assert close_to([shown["answer"]], [answer], 2), (query, temperature)
    return shown


def test_playground_recomputes_pythons_soft_lookup(chromium, pages, playground):
    visit = open_page(chromium, pages("playground", playground.to_html()))
    page = visit.page
    check_lookup(page, playground.query, playground.temperature)
    for qx, qy, temperature in [(0.3, -0.4, 1.0), (-0.9, 0.6, 0.2), (1.0, 1.0, 2.5)]:
        set_value(page, "input.ax-qx", qx)
        set_value(page, "input.ax-qy", qy)
        set_value(page, "input.ax-temp", temperature)
        check_lookup(page, (qx, qy), temperature)
        assert page.text_content("output.ax-temp-label") == f"{temperature:.2f}"
    page.focus("input.ax-qy")
    for _ in range(5):  # the keyboard moves the query by the slider's step, 0.01
        page.keyboard.press("ArrowDown")
    assert page.text_content("output.ax-qy-label") == "0.95"
    check_lookup(page, (1.0, 0.95), 2.5)
    set_value(page, "input.ax-temp", 0.02)
    page.select_option("select.ax-jump", label="<b>bus</b>")  # the query jumps to a key
    assert page.text_content("output.ax-qx-label") == "0.10"
    assert page.text_content("output.ax-qy-label") == "0.90"
    shown = check_lookup(page, (0.1, 0.9), 0.02)
    # A cold softmax on a key retrieves that key's value.
    assert float(shown["answer"]) == pytest.approx(10, abs=0.01)
    assert not visit.problems, visit.problems
    visit.page.close()


def test_playground_key_menu_walks_the_keys_with_the_arrow_keys(
    chromium, pages, playground
):
    """A keyboard user moves through the menu key by key (the script used to reset the
    menu after each choice, so every arrow press jumped back to the first key)."""
    visit = open_page(chromium, pages("playground_keys", playground.to_html()))
    page = visit.page
    page.focus("select.ax-jump")
    for n in range(1, 4):
        page.keyboard.press("ArrowDown")
        assert page.input_value("select.ax-jump") == str(n - 1)
        shown = (page.text_content("output.ax-qx-label"),
                 page.text_content("output.ax-qy-label"))  # fmt: skip
        assert shown == (f"{KEYS[n - 1][0]:.2f}", f"{KEYS[n - 1][1]:.2f}")
    set_value(page, "input.ax-qx", 0.5)  # off the key: the menu says so
    assert page.input_value("select.ax-jump") == ""
    assert not visit.problems, visit.problems
    page.close()


def test_playground_draws_what_python_draws(chromium, pages, playground):
    """After a move, plot and table equal Python's static view of the new query."""
    visit = open_page(chromium, pages("playground_moved", playground.to_html()))
    set_value(visit.page, "input.ax-qx", -0.35)
    set_value(visit.page, "input.ax-temp", 0.3)
    from_script = playground_numbers(visit.page)
    moved = DictionaryPlayground(ENTRIES, query=(-0.35, -0.25), temperature=0.3)
    page = open_without_javascript(chromium, pages("moved", moved.to_html()))
    assert from_script == playground_numbers(page)
    assert not visit.problems, visit.problems
    visit.page.close()


def test_playground_reads_as_a_table_without_javascript(chromium, pages, playground):
    page = open_without_javascript(chromium, pages("playground", playground.to_html()))
    _, weights, _ = lookup(playground.query, KEYS, VALUES, playground.temperature)
    shown = [row[4] for row in playground_numbers(page)["rows"]]
    assert shown == [f"{w:.3f}" for w in weights]
    assert page.is_visible("table") and page.is_visible("svg.ax-plot")
    assert "<b>bus</b>" in page.text_content("table")  # escaped, shown as typed


# ------------------------------------------------------------------------- stepper


@pytest.fixture(scope="module")
def dates():
    """Small date vocabularies and an untrained, tiny Seq2Seq with fixed weights."""
    train, _, test = make_date_splits(sizes=(300, 10, 10), seed=0)
    src_vocab, tgt_vocab = Vocab([s for s, _ in train]), Vocab([t for _, t in train])
    torch.manual_seed(0)
    model = Seq2Seq(len(src_vocab), len(tgt_vocab), embed_size=8, hidden_size=16).eval()
    return types.SimpleNamespace(
        model=model, src_vocab=src_vocab, tgt_vocab=tgt_vocab, examples=test[:2]
    )


@pytest.fixture(scope="module")
def stepper(dates):
    return DecodingStepper(
        dates.model, dates.src_vocab, dates.tgt_vocab, dates.examples, k=3, max_len=8
    )


def visible_rows(page):
    """The rows of the shown table that are not hidden, as lists of cell texts."""
    return page.eval_on_selector_all(
        f"{SHOWN} tr[data-step]",
        "rows => rows.filter(r => !r.hidden).map("
        "r => [...r.querySelectorAll('td')].map(c => c.textContent))",
    )


def expected_rows(steps):
    """The cells of steps_table's rows, recomputed from the steps."""
    rows, output = [], ""
    for i, s in enumerate(steps):
        output += s["predicted"] if s["predicted"] != "<eos>" else ""
        top = " ".join(f"{show_token(token)} {p:.2f}" for token, p in s["top"])
        expected = "" if s["expected"] is None else show_token(s["expected"])
        rows.append(
            [
                str(i + 1),
                show_token(s["fed"]),
                top,
                show_token(s["predicted"]),
                expected,
                show_token(output),
            ]
        )
    return rows


def test_stepper_table_after_n_steps_is_pythons_decoding(
    chromium, pages, stepper, dates
):
    visit = open_page(chromium, pages("stepper", stepper.to_html()))
    page = visit.page
    source, reference = dates.examples[0]
    forced = decoding_steps(
        dates.model,
        dates.src_vocab,
        dates.tgt_vocab,
        source,
        reference=reference,
        teacher_forced=True,
        k=3,
    )
    assert visible_rows(page) == expected_rows(forced)[:1]
    # The mode group has a name; right and wrong tokens carry a mark, not colour alone.
    assert page.get_attribute("[role=radiogroup]", "aria-label") == "decoding mode"
    marks = page.evaluate(
        "() => ['right', 'wrong'].map(k => { const c = document.createElement('td');"
        " c.className = 'ax-token ax-' + k;"
        " document.querySelector('.attn-explorer table').appendChild(c);"
        " return getComputedStyle(c, '::after').content; })"
    )
    assert marks == ['" ✓"', '" ✗"']
    page.focus("input.ax-step")
    for n in range(1, 4):  # one key press, one more decoding step
        page.keyboard.press("ArrowRight")
        assert visible_rows(page) == expected_rows(forced)[: n + 1]
        assert page.text_content("output.ax-step-label") == f"{n + 1} / {len(forced)}"
        assert page.get_attribute(f"{SHOWN} tr.ax-current", "data-step") == str(n)
    page.keyboard.press("End")
    assert visible_rows(page) == expected_rows(forced)

    page.check('input[value="free_running"]')
    free = decoding_steps(
        dates.model,
        dates.src_vocab,
        dates.tgt_vocab,
        source,
        reference=reference,
        k=3,
        max_len=8,
    )
    # The step stays where it was, as far as the new table reaches.
    assert visible_rows(page) == expected_rows(free)[: len(forced)]
    page.select_option("select.ax-example", index=1)
    source, reference = dates.examples[1]
    free = decoding_steps(
        dates.model,
        dates.src_vocab,
        dates.tgt_vocab,
        source,
        reference=reference,
        k=3,
        max_len=8,
    )
    page.keyboard.press("End")
    assert page.get_attribute(SHOWN, "data-ax-view") == "1-free_running"
    assert visible_rows(page) == expected_rows(free)
    assert not visit.problems, visit.problems
    visit.page.close()


def test_stepper_reads_as_tables_without_javascript(chromium, pages, stepper):
    page = open_without_javascript(chromium, pages("stepper", stepper.to_html()))
    views = page.eval_on_selector_all(
        "[data-ax-view]",
        "vs => vs.map(v => [v.dataset.axView, "
        "v.querySelector('table').offsetHeight > 0, "
        "v.querySelectorAll('tr[data-step]').length])",
    )
    assert views == [
        [f"{i}-{mode}", True, len(stepper.steps[(i, mode)])]
        for i in range(len(stepper.examples))
        for mode in ("teacher_forced", "free_running")
    ]


# -------------------------------------------------------------- alignment explorer


@pytest.fixture(scope="module")
def alignment():
    """Two tiny attention models with two checkpoints each; three short sentences."""
    triples = make_grammar_pairs(80, seed=3, max_len=8)
    src_vocab = Vocab([k for k, _, _ in triples], words=True)
    tgt_vocab = Vocab([e for _, e, _ in triples], words=True)
    runs = {}
    for score in ["dot", "general"]:
        torch.manual_seed(0)
        model = AttentionSeq2Seq(
            len(src_vocab),
            len(tgt_vocab),
            embed_size=8,
            hidden_size=16,
            bidirectional=True,
            score=score,
        ).eval()
        first = copy.deepcopy(model.state_dict())
        with torch.no_grad():  # a second checkpoint with other weights
            for p in model.parameters():
                p.add_(0.5 * torch.randn_like(p))
        runs[score] = (model, [(0, first), (10, copy.deepcopy(model.state_dict()))])
    return AlignmentExplorer(runs, src_vocab, tgt_vocab, triples[:3])


def heatmap(page):
    """The shown heatmap's cells: (weight written by the script, colour, title)."""
    return page.eval_on_selector_all(
        f"{SHOWN} tr[data-step]",
        "rows => rows.map(r => [...r.querySelectorAll('td')]"
        ".map(c => [c.dataset.weight, c.style.background, c.title]))",
    )


def check_heatmap(page, explorer, score, checkpoint, e, step):
    """The shown heatmap and context are Python's weights for these settings."""
    weights = explorer.weights[score][checkpoint][e]
    sources, targets = explorer.source_tokens[e], explorer.target_tokens[e]
    cells = heatmap(page)
    assert [[w for w, _, _ in row] for row in cells] == [
        [f"{w:.3f}" for w in row] for row in weights
    ], (score, checkpoint, e)
    for row, expected in zip(cells, weights, strict=True):  # opacity kept to 1/255
        assert [alpha(colour) for _, colour, _ in row] == pytest.approx(
            expected, abs=0.005
        )
    assert (
        cells[step][0][2] == f"{sources[0]} → {targets[step]}: {weights[step][0]:.3f}"
    )
    assert page.get_attribute(f"{SHOWN} tr.ax-current", "data-step") == str(step)
    context = describe_context(weights[step], sources, targets[step])
    assert page.text_content(f"{SHOWN} .ax-context") == text_of(context)


def test_alignment_heatmaps_are_the_weights_python_passed(chromium, pages, alignment):
    visit = open_page(chromium, pages("alignment", alignment.to_html()))
    page = visit.page
    last = len(alignment.steps) - 1
    assert alignment.weights["general"][0] != alignment.weights["general"][last]
    for score in alignment.scores:
        page.select_option("select.ax-score", score)
        for e in range(len(alignment.examples)):
            page.select_option("select.ax-example", str(e))
            page.focus("input.ax-checkpoint")
            page.keyboard.press("End")
            set_value(page, "input.ax-step", 0)
            check_heatmap(page, alignment, score, last, e, 0)
            page.keyboard.press("Home")  # the first checkpoint, from the keyboard
            assert page.text_content("output.ax-checkpoint-label").endswith(" 0")
            page.focus("input.ax-step")
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            rows = len(alignment.target_tokens[e])
            assert page.text_content("output.ax-step-label") == f"3 / {rows}"
            check_heatmap(page, alignment, score, 0, e, 2)
    assert not visit.problems, visit.problems
    visit.page.close()


def test_alignment_gold_toggle_and_hover(chromium, pages, alignment):
    visit = open_page(chromium, pages("alignment_gold", alignment.to_html()))
    page = visit.page
    root = "div[data-explorer=alignment]"
    gold = sum(i is not None for i in alignment.gold[0] or [])
    assert page.eval_on_selector_all(f"{SHOWN} td.ax-gold", "cs => cs.length") == gold
    assert "ax-show-gold" in page.get_attribute(root, "class")
    page.focus("input.ax-gold-toggle")
    page.keyboard.press("Space")
    assert "ax-show-gold" not in page.get_attribute(root, "class")
    page.hover(f"{SHOWN} tr[data-step='1'] td.ax-cell >> nth=1")
    e, last = 0, len(alignment.steps) - 1
    w = alignment.weights[alignment.scores[0]][last][e][1][1]
    assert page.text_content(".ax-tip") == (
        f"{alignment.source_tokens[e][1]} → {alignment.target_tokens[e][1]}: {w:.3f}"
    )
    assert not visit.problems, visit.problems
    visit.page.close()


def test_alignment_reads_as_heatmaps_without_javascript(chromium, pages, alignment):
    page = open_without_javascript(chromium, pages("alignment", alignment.to_html()))
    tables = page.eval_on_selector_all(
        "[data-ax-view] table.ax-heatmap",
        "ts => ts.filter(t => t.offsetHeight > 0).length",
    )
    assert tables == len(alignment.examples)
    last = len(alignment.steps) - 1
    for e, weights in enumerate(alignment.weights[alignment.scores[0]][last]):
        colours = page.eval_on_selector_all(
            f"[data-ax-view='{e}'] tr[data-step]",
            "rows => rows.map(r => "
            "[...r.querySelectorAll('td')].map(c => c.style.background))",
        )
        for row, expected in zip(colours, weights, strict=True):
            assert [alpha(c) for c in row] == pytest.approx(expected, abs=0.005)


# ------------------------------------------------------------------- beam explorer


@pytest.fixture(scope="module")
def beams(dates):
    """A beam explorer on an untrained attention model of the dates."""
    torch.manual_seed(0)
    model = AttentionSeq2Seq(len(dates.src_vocab), len(dates.tgt_vocab), 8, 16).eval()
    return BeamExplorer(
        model, dates.src_vocab, dates.tgt_vocab, dates.examples, width=3, max_len=8
    )


def shown_step(page):
    """The rows of the one step table the script shows: [hypothesis, token, fate]."""
    return page.eval_on_selector_all(
        f"{SHOWN} table[data-step]:not([hidden]) tr[class]",
        "rows => rows.map(r => [...r.querySelectorAll('td')]"
        ".filter((c, i) => i !== 2).map(c => c.textContent))",
    )


def expected_step(explorer, example, step):
    fates = {"kept": "goes on", "finished": "finished", "pruned": "pruned"}
    return [
        ["".join(c["prefix"]) or "<sos>", c["token"], fates[c["fate"]]]
        for c in explorer.records[example]["steps"][step]
    ]


def test_beam_explorer_steps_through_pythons_search(chromium, pages, beams):
    visit = open_page(chromium, pages("beam", beams.to_html()))
    page = visit.page
    record = beams.records[0]
    assert shown_step(page) == expected_step(beams, 0, 0)
    page.focus("input.ax-step")
    for n in range(1, 3):  # one key press, one more step of the search
        page.keyboard.press("ArrowRight")
        assert shown_step(page) == expected_step(beams, 0, n)
        label = f"{n + 1} / {len(record['steps'])}"
        assert page.text_content("output.ax-step-label") == label
    page.keyboard.press("End")
    assert shown_step(page) == expected_step(beams, 0, len(record["steps"]) - 1)
    page.select_option("select.ax-example", index=1)
    steps = len(beams.records[1]["steps"])
    assert page.get_attribute(SHOWN, "data-ax-view") == "1"
    assert shown_step(page) == expected_step(
        beams, 1, min(steps, len(record["steps"])) - 1
    )
    assert not visit.problems, visit.problems
    page.close()


def test_beam_explorer_shows_the_heatmap_of_the_chosen_hypothesis(
    chromium, pages, beams
):
    visit = open_page(chromium, pages("beam", beams.to_html()))
    page = visit.page
    for r in range(3):
        page.select_option("select.ax-hyp", str(r))
        shown = page.eval_on_selector_all(
            f"{SHOWN} [data-hyp]:not([hidden])", "hs => hs.map(h => h.dataset.hyp)"
        )
        assert shown == [str(r)]
        titles = page.eval_on_selector_all(
            f"{SHOWN} [data-hyp]:not([hidden]) td.ax-cell",
            "cells => cells.map(c => Number(c.title.split(': ').pop()))",
        )
        weights = beams.records[0]["best"][r]["weights"]
        assert titles == pytest.approx([w for row in weights for w in row], abs=1e-3)
    assert not visit.problems, visit.problems
    page.close()


def test_beam_explorer_reads_as_tables_without_javascript(chromium, pages, beams):
    page = open_without_javascript(chromium, pages("beam", beams.to_html()))
    tables = page.eval_on_selector_all(
        "table[data-step]", "ts => ts.filter(t => t.offsetHeight > 0).length"
    )
    heatmaps = page.eval_on_selector_all(
        "[data-hyp]", "hs => hs.filter(h => h.offsetHeight > 0).length"
    )
    assert tables == sum(len(record["steps"]) for record in beams.records)
    assert heatmaps == 3 * len(beams.records)


# ------------------------------------------------------------ Transformer explorer


@pytest.fixture(scope="module")
def transformer():
    """An untrained two-layer, four-head Transformer; three short sentences."""
    return tiny_transformer_explorer()


def shown_weights(page):
    """The opacity of every cell of the heatmap the script shows, row by row."""
    return page.eval_on_selector_all(
        f"{SHOWN} tr[data-step]",
        "rows => rows.map(r => [...r.querySelectorAll('td')]"
        ".map(c => c.style.background))",
    )


def test_transformer_explorer_shows_each_layers_and_heads_weights(
    chromium, pages, transformer
):
    visit = open_page(chromium, pages("transformer", transformer.to_html()))
    page = visit.page
    settings = [(0, "cross", 0, 0), (0, "cross", 1, 3), (2, "encoder", 1, 1)]
    settings += [(1, "decoder", 0, 2)]
    for e, kind, layer, head in settings:
        # by index: a value would also match the labels, which count from 1
        page.select_option("select.ax-example", index=e)
        page.select_option("select.ax-kind", kind)
        page.select_option("select.ax-layer", index=layer)
        page.select_option("select.ax-head", index=head)
        assert page.get_attribute(SHOWN, "data-ax-view") == f"{e}-{kind}"
        expected = transformer.weights[kind][e][layer][head]
        colours = shown_weights(page)
        for row, weights in zip(colours, expected, strict=True):
            assert [alpha(c) for c in row] == pytest.approx(weights, abs=0.005)
        which = f"layer {layer + 1}, head {head + 1}"
        assert page.text_content(f"{SHOWN} .ax-which") == which
    assert not visit.problems, visit.problems
    page.close()


def test_transformer_explorer_menus_work_from_the_keyboard(
    chromium, pages, transformer
):
    visit = open_page(chromium, pages("transformer", transformer.to_html()))
    page = visit.page
    page.focus("select.ax-head")
    page.keyboard.press("ArrowDown")  # head 2
    page.focus("select.ax-layer")
    page.keyboard.press("ArrowDown")  # layer 2
    assert page.text_content(f"{SHOWN} .ax-which") == "layer 2, head 2"
    expected = transformer.weights["cross"][0][1][1]
    assert [alpha(c) for c in shown_weights(page)[0]] == pytest.approx(
        expected[0], abs=0.005
    )
    page.focus("input.ax-gold-toggle")
    page.keyboard.press("Space")  # the gold alignment off
    root = page.get_attribute("div.attn-explorer", "class")
    assert "ax-show-gold" not in root
    assert not visit.problems, visit.problems
    page.close()


def test_transformer_explorer_reads_as_heatmaps_without_javascript(
    chromium, pages, transformer
):
    html_text = transformer.to_html()
    page = open_without_javascript(chromium, pages("transformer", html_text))
    views = page.eval_on_selector_all(
        "[data-ax-view]", "vs => vs.filter(v => v.offsetHeight > 0).length"
    )
    assert views == 3 * len(transformer.examples)
    first = page.eval_on_selector_all(
        "[data-ax-view='0-cross'] tr[data-step]",
        "rows => rows.map(r => [...r.querySelectorAll('td')]"
        ".map(c => c.style.background))",
    )
    for row, weights in zip(first, transformer.weights["cross"][0][0][0], strict=True):
        assert [alpha(c) for c in row] == pytest.approx(weights, abs=0.005)


# ------------------------------------------------------------ tokeniser explorer


@pytest.fixture(scope="module")
def tokenizer():
    return tiny_tokenizer_explorer()


def test_tokenizer_explorer_shows_the_chosen_example_only(chromium, pages, tokenizer):
    visit = open_page(chromium, pages("tokenizer", tokenizer.to_html()))
    page = visit.page
    assert page.get_attribute(SHOWN, "data-ax-view") == "0"
    page.focus("select.ax-example")
    page.keyboard.press("ArrowDown")  # the menu works from the keyboard
    assert page.get_attribute(SHOWN, "data-ax-view") == "1"
    page.select_option("select.ax-example", index=2)
    shown = page.eval_on_selector_all(SHOWN, "vs => vs.map(v => v.dataset.axView)")
    assert shown == ["2"]
    chips = page.eval_on_selector_all(
        f"{SHOWN} tr:nth-child(3) .ax-chip",  # the words row
        "cs => cs.map(c => c.classList.contains('ax-unk')"
        " ? c.textContent.slice(0, -1) : c.textContent)",  # an unknown one ends in ?
    )
    assert chips == tokenizer.examples[2].split()
    assert not visit.problems, visit.problems
    page.close()


def test_tokenizer_explorer_reads_as_tables_without_javascript(
    chromium, pages, tokenizer
):
    page = open_without_javascript(chromium, pages("tokenizer", tokenizer.to_html()))
    views = page.eval_on_selector_all(
        "[data-ax-view]", "vs => vs.filter(v => v.offsetHeight > 0).length"
    )
    assert views == len(tokenizer.examples)


# ------------------------------------------------------ every explorer, every reader


@pytest.fixture(scope="module")
def every_explorer(playground, stepper, alignment, beams, transformer, tokenizer):
    return {
        "playground": playground,
        "stepper": stepper,
        "alignment": alignment,
        "beam": beams,
        "transformer": transformer,
        "tokenizer": tokenizer,
    }


def test_controls_show_only_when_the_script_can_run_them(
    chromium, pages, every_explorer
):
    for name, explorer in every_explorer.items():
        path = pages(f"controls_{name}", explorer.to_html())
        page = open_without_javascript(chromium, path)
        heights = page.eval_on_selector_all(
            ".ax-controls", "cs => cs.map(c => c.offsetHeight)"
        )
        assert heights and max(heights) == 0, (name, "controls shown without JS")
        visit = open_page(chromium, path)
        assert visit.page.eval_on_selector(".ax-controls", "c => c.offsetHeight") > 0
        visit.page.close()


def test_each_explorer_has_one_polite_live_region_that_says_what_changed(
    chromium, pages, every_explorer
):
    for name, explorer in every_explorer.items():
        visit = open_page(chromium, pages(f"live_{name}", explorer.to_html()))
        page = visit.page
        regions = page.eval_on_selector_all(
            "div.attn-explorer [aria-live]", "rs => rs.map(r => r.ariaLive)"
        )
        assert regions == ["polite"], (name, regions)
        sliders = page.eval_on_selector_all(".ax-controls input[type=range]", "s => s")
        if sliders:  # a slider moved: its name and what the screen now shows
            page.focus(".ax-controls input[type=range]")
            page.keyboard.press("End")
            page.keyboard.press("Home")  # one of the two moves it
            said = page.text_content("div.attn-explorer [aria-live]")
            shown = page.eval_on_selector(
                ".ax-controls input[type=range]",
                "s => s.closest('label').querySelector('output').textContent.trim()",
            )
            assert said.endswith(": " + shown) and len(said) > len(shown) + 2, said
        else:  # a menu changed: its name and the item chosen
            menu = ".ax-controls select"
            page.focus(menu)
            page.keyboard.press("ArrowDown")
            chosen = page.eval_on_selector(menu, "m => m.options[m.selectedIndex].text")
            said = page.text_content("div.attn-explorer [aria-live]")
            assert said.endswith(": " + chosen), (name, said)
        assert not visit.problems, (name, visit.problems)
        page.close()


def test_sliders_speak_what_the_screen_shows(chromium, pages, alignment):
    visit = open_page(chromium, pages("valuetext", alignment.to_html()))
    page = visit.page
    for slider, output in [
        ("input.ax-checkpoint", "output.ax-checkpoint-label"),
        ("input.ax-step", "output.ax-step-label"),
    ]:
        for key in ("Home", "End", "ArrowLeft"):
            page.focus(slider)
            page.keyboard.press(key)
            shown = page.text_content(output).strip()
            assert page.get_attribute(slider, "aria-valuetext") == shown, key
    assert page.get_attribute("input.ax-step", "aria-valuetext").count("/") == 1
    visit.page.close()


def test_heatmap_cells_can_be_read_from_the_keyboard(chromium, pages, alignment):
    """Tab reaches the heatmap; arrow keys walk its cells; each cell's exact weight is
    read out (the live region) and the cell is outlined."""
    visit = open_page(chromium, pages("heatmap_keys", alignment.to_html()))
    page = visit.page
    table = f"{SHOWN} table.ax-heatmap"
    assert page.get_attribute(table, "tabindex") == "0"
    page.focus(table)
    for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
        page.keyboard.press(key)
    cell = f"{SHOWN} tr[data-step='1'] td.ax-cell >> nth=1"
    assert "ax-focus" in page.get_attribute(cell, "class")
    assert page.eval_on_selector_all(f"{SHOWN} td.ax-focus", "cs => cs.length") == 1
    assert page.text_content(".ax-tip") == page.get_attribute(cell, "title")
    assert page.get_attribute(cell, "title").count(": ") == 1
    visit.page.close()


# Every control a keyboard user can reach in an explorer: visible, not disabled; a
# radio group is one stop of the Tab key. A control is known by what it is, not by
# the element (the scripts redraw a heatmap when a slider moves).
KEY_OF = """e => [e.tagName, e.type || "", e.type === "radio" ? e.name : e.className,
  e.getAttribute("aria-label") || ""].join(" ")"""
CONTROLS = f"""root => {{
  const shown = e => e.offsetParent !== null && !e.disabled;
  const all = [...root.querySelectorAll(
    "input, select, button, textarea, [tabindex='0']")].filter(shown);
  return [...new Set(all.map({KEY_OF}))];
}}"""
FOCUSED = f"""() => {{
  const e = document.activeElement;
  return e && e.closest("div.attn-explorer") ? ({KEY_OF})(e) : null;
}}"""
# The accessible name of the focused control, as a screen reader would say it
NAME = """() => {
  const e = document.activeElement;
  const by = e.getAttribute("aria-labelledby");
  const named = e.getAttribute("aria-label") ||
    (by && by.split(" ").map(i => document.getElementById(i)?.textContent).join(" ")) ||
    (e.labels && e.labels[0]?.textContent) || e.closest("label")?.textContent ||
    (e.type === "radio" && e.closest("[role=radiogroup]")?.getAttribute("aria-label"))
    || (e.tagName === "BUTTON" && e.textContent) || "";
  return named.trim();
}"""
# Keys that change each kind of control, the second tried when the first changes
# nothing (a slider already at its end, a menu at its last item).
KEYS_FOR = {
    "range": ("End", "Home"),
    "select-one": ("ArrowDown", "ArrowUp"),
    "checkbox": ("Space", "Space"),
    "radio": ("ArrowRight", "ArrowLeft"),
    "submit": ("Enter", "Enter"),
    "button": ("Enter", "Enter"),
    "table": ("ArrowRight", "ArrowDown"),
}
KIND = """() => { const e = document.activeElement;
  return e.tagName === "TABLE" ? "table" : e.type || e.tagName.toLowerCase(); }"""
LIVE = "div.attn-explorer [aria-live]"


def test_every_explorer_can_be_used_with_the_keyboard_alone(
    chromium, pages, every_explorer
):
    """The walk-through of a keyboard user: Tab reaches every control of the explorer
    in turn, each has a name a screen reader says, and a key changes each one, which
    the live region then says."""
    for name, explorer in every_explorer.items():
        visit = open_page(chromium, pages(f"keyboard_{name}", explorer.to_html()))
        page = visit.page
        controls = page.eval_on_selector("div.attn-explorer", CONTROLS)
        assert controls, name
        reached = []
        for _ in range(len(controls) + 5):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is None or focused in reached:
                break
            reached.append(focused)
            assert page.evaluate(NAME), (name, focused, "has no accessible name")
            kind = page.evaluate(KIND)
            assert kind in KEYS_FOR, (name, focused, kind)
            before = (page.text_content(LIVE), page.evaluate(FOCUSED))
            for key in KEYS_FOR[kind]:
                page.keyboard.press(key)
                if page.text_content(LIVE) != before[0]:
                    break
            assert page.text_content(LIVE) != before[0], (name, focused, "not said")
            assert page.evaluate(FOCUSED) is not None, (name, focused, "focus lost")
        missing = [c for c in controls if c not in reached]
        assert not missing, (name, "not reached with Tab", missing)
        assert not visit.problems, (name, visit.problems)
        page.close()


# Runs of the other edition's language, as _ext/language_parts.py finds them: Hangul on
# English pages, three or more English words on Korean pages.
UNMARKED_RUNS = """(root, lang) => {
  const run = lang === "en" ? /[\\uac00-\\ud7a3]/
    : /[A-Za-z][A-Za-z'-]*(?:[ ,;:\\u00a0]+[A-Za-z][A-Za-z'-]*){2,}/;
  const other = lang === "en" ? "ko" : "en";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const unmarked = [];
  let marks = 0;
  while (walker.nextNode()) {
    const text = walker.currentNode, parent = text.parentElement;
    if (parent.closest("script, style, [aria-live]") || !run.test(text.nodeValue)) {
      continue;
    }
    const marked = parent.closest("[lang]");
    if (marked && marked.lang === other && root.contains(marked)) { marks += 1; }
    else { unmarked.push(text.nodeValue); }
  }
  return [marks, unmarked];
}"""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_explorer_text_in_the_other_language_says_so(
    chromium, pages, every_explorer, lang
):
    """WCAG 3.1.2 inside the explorers, whose scripts redraw their markup: after the
    script runs and after a control changes, every run of the other edition's
    language carries its lang, and the text reads as before."""
    marks = 0
    for name, explorer in every_explorer.items():
        block = explorer.to_html()
        visit = open_page(chromium, pages(f"lang_{lang}_{name}", block, lang=lang))
        page = visit.page
        root = "div.attn-explorer"
        bare = open_without_javascript(
            chromium, pages(f"lang_{lang}_{name}_bare", block, lang=lang)
        )
        # the text of the first table, with and without the script
        assert page.text_content(f"{root} table") == bare.text_content(
            f"{root} table"
        ), name
        found, unmarked = page.eval_on_selector(root, UNMARKED_RUNS, lang)
        assert not unmarked, (name, "before a change", unmarked[:5])
        marks += found
        controls = ".ax-controls input[type=range], .ax-controls select"
        is_slider = page.eval_on_selector(controls, "c => c.type === 'range'")
        page.focus(controls)
        page.keyboard.press("End" if is_slider else "ArrowDown")
        found, unmarked = page.eval_on_selector(root, UNMARKED_RUNS, lang)
        assert not unmarked, (name, "after a change", unmarked[:5])
        assert not visit.problems, (name, visit.problems)
        page.close()
    assert marks > 0, f"no run of the other language marked on the {lang} pages"
