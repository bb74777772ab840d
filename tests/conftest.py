"""Shared paths and fixtures of the test suite."""

import os
import pathlib
import subprocess
import sys

import nbformat
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
EDITIONS = ("ko", "en")
CONFIGS = {"ko": ROOT / "_config.yml", "en": ROOT / "_config.en.yml"}
TOCS = {"ko": ROOT / "_toc.yml", "en": ROOT / "_toc.en.yml"}
SITE = ROOT / "_build" / "site"


def notebooks(lang):
    """The chapter notebooks of one edition, sorted by name."""
    return sorted((ROOT / "chapters" / lang).glob("*.ipynb"))


def read_notebook(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def read_config(lang):
    return yaml.safe_load(CONFIGS[lang].read_text(encoding="utf-8"))


# Fixtures that make a test too slow for `make check` (the fast tier), and why.
SLOW_FIXTURES = {
    "generated": "every assignment generated and its solution graded (about a minute)",
}


def pytest_collection_modifyitems(config, items):
    """Mark the tests that `make check` leaves out and `make test` runs.

    ``site``: the test uses the ``site`` fixture, directly or through another fixture
    (``browser``, a list of pages), so it waits for the whole site build.
    ``slow``: the test uses a fixture of ``SLOW_FIXTURES``. A test file that is slow as
    a whole says so itself (``pytestmark = pytest.mark.slow``).
    """
    for item in items:
        if "site" in item.fixturenames:
            item.add_marker(pytest.mark.site)
        if SLOW_FIXTURES.keys() & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Small models run fastest on one thread (two are slow on a busy 2-core CPU)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def edition_folder(site, lang):
    """An edition's pages: chapters/ko/ at the root, en/chapters/en/ in English."""
    return site / "chapters" / lang if lang == "ko" else site / "en" / "chapters" / "en"


@pytest.fixture(scope="session")
def site():
    """The built site, from a clean state (built once per test session).

    Set ATTNLAB_REUSE_SITE=1 to reuse an existing _build/site while working on tests.
    """
    if os.environ.get("ATTNLAB_REUSE_SITE") == "1" and (SITE / "index.html").exists():
        return SITE
    result = subprocess.run(
        ["bash", "scripts/build_site.sh"], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:  # the script prints the causes last: keep them last
        pytest.fail(
            f"site build failed (exit {result.returncode}):\n{result.stderr[-3000:]}\n"
            f"{result.stdout[-6000:]}",
            pytrace=False,
        )
    return SITE


# Headless Chromium from Debian, driven by Playwright (scripts/chromium.py).
sys.path.insert(0, str(ROOT / "scripts"))
from chromium import CHROMIUM, FLAGS  # noqa: E402


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Visit:
    """Open one page from disk and record what went wrong while it loaded, and every
    URL it requested (``requested``). ``browser`` may also be one of its contexts.
    After the load event it waits ``settle_ms`` for deferred scripts to run and
    report."""

    def __init__(self, browser, path, settle_ms=300):
        self.problems, self.requested = [], []
        self.page = browser.new_page()
        self.page.on("console", self.on_console)
        self.page.on(
            "pageerror", lambda error: self.problems.append(f"page error: {error}")
        )
        self.page.on(
            "requestfailed", lambda r: self.problems.append(f"failed: {r.url}")
        )
        self.page.route("**/*", self.on_request)
        self.page.goto(pathlib.Path(path).resolve().as_uri())
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(settle_ms)

    def on_console(self, message):
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def on_request(self, route):
        url = route.request.url
        self.requested.append(url)
        if url.startswith(("file://", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"request leaving the machine: {url}")
            route.abort()


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """Every master generated once: {(lang, name): paths} (see classroom.generate)."""
    from attnlab import classroom

    out = tmp_path_factory.mktemp("generated")
    return classroom.generate_all(root=ROOT / "assignments", out=out, publish=False)


def copy_attention(ours, theirs):
    """Copy an ``attnlab.qkv.MultiHeadAttention``'s weights into an
    ``nn.MultiheadAttention``, so that the two compute the same."""
    import torch

    projections = (ours.to_query, ours.to_key, ours.to_value)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([p.weight for p in projections]))
        theirs.in_proj_bias.copy_(torch.cat([p.bias for p in projections]))
        theirs.out_proj.weight.copy_(ours.to_output.weight)
        theirs.out_proj.bias.copy_(ours.to_output.bias)


def tiny_transformer_explorer():
    """A Transformer explorer on an untrained two-layer, four-head Transformer and
    three short grammar sentences (the explorer's tests, in Python and in Chromium)."""
    import torch

    from attnlab.grammar import make_grammar_pairs
    from attnlab.transformer import Transformer
    from attnlab.transformer_explorer import TransformerExplorer
    from attnlab.vocab import Vocab

    triples = make_grammar_pairs(80, seed=3, max_len=8)
    src_vocab = Vocab([k for k, _, _ in triples], words=True)
    tgt_vocab = Vocab([e for _, e, _ in triples], words=True)
    torch.manual_seed(0)
    model = Transformer(len(src_vocab), len(tgt_vocab), 16, heads=4, ff_size=32)
    return TransformerExplorer(model, src_vocab, tgt_vocab, triples[:3], max_len=12)


def tiny_tokenizer_explorer():
    """A tokeniser explorer of three tokenisers built on 500 sentences of the book's
    corpus, with an untrained, tiny attention model reading subwords, and three test
    sentences (the explorer's tests, in Python and in Chromium)."""
    import torch

    from attnlab.attention import AttentionSeq2Seq
    from attnlab.corpus import book_pairs
    from attnlab.tokenizer_explorer import TokenizerExplorer
    from attnlab.tokenizers import Characters, Subwords, TokenVocab, Words

    train = book_pairs("train")[:500]
    korean = [k for k, _ in train]
    vocabs = {
        "characters": TokenVocab(korean, Characters()),
        "words": TokenVocab(korean, Words()),
        "subwords": TokenVocab(korean, Subwords(korean, vocab_size=1000)),
    }
    tgt_vocab = TokenVocab([e for _, e in train], Words())
    torch.manual_seed(0)
    model = AttentionSeq2Seq(len(vocabs["subwords"]), len(tgt_vocab), 8, 16)
    examples = [k for k, _ in book_pairs("test")[:3]]
    return TokenizerExplorer(vocabs, examples, model, "subwords", tgt_vocab, max_len=6)
