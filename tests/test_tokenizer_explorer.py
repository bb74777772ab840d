"""The tokeniser explorer of chapter 9 (attnlab.tokenizer_explorer) in Python: every
tokeniser's tokens and count, unknown tokens marked, the translation's heatmap, typed
sentences and bad input in the live view."""

import re

import pytest
from conftest import tiny_tokenizer_explorer

from attnlab import ReaderError, set_language
from attnlab.tokenizer_explorer import TokenizerExplorer


@pytest.fixture(scope="module")
def explorer():
    return tiny_tokenizer_explorer()


def test_each_view_lists_every_tokenisers_tokens_with_their_count(explorer):
    html = explorer.to_html()
    assert 'data-explorer="tokenizer"' in html
    views = re.findall(r'<div data-ax-view="(\d+)">(.*?)</div>', html, re.S)
    assert [int(e) for e, _ in views] == [0, 1, 2]
    for (_, view), text in zip(views, explorer.examples, strict=True):
        rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td>', view)
        assert [name for name, _ in rows] == list(explorer.vocabs)
        for name, count in rows:
            assert int(count) == len(explorer.vocabs[name].split(text))


def test_unknown_tokens_are_marked_by_more_than_colour(explorer):
    text = "우주선 조종사가 화성에서 돌아왔다."  # words the 500 sentences lack
    view = explorer.view(text)
    unknown = explorer.vocabs["words"].unknown(text)
    assert unknown
    marked = re.findall(
        r'<span class="ax-chip ax-unk" title="[^"]+">([^<]+)⁇</span>', view
    )
    assert marked and set(marked) == set(unknown)


def test_the_translation_comes_with_its_heatmap(explorer):
    text = explorer.examples[0]
    translation, source, output, weights = explorer.translate(text)
    assert len(weights) == len(output) <= 6 and all(
        len(row) == len(source) for row in weights
    )
    assert all(abs(sum(row) - 1) < 0.01 for row in weights)
    view = explorer.views[0]
    assert view.count('<tr data-step="') == len(output)
    assert f"<b>{translation}</b>" in view or not translation


def test_typed_sentences_and_bad_input_in_the_live_view(explorer):
    set_language("ko")
    try:
        box = explorer.widget()
        menu, typed = box.children[1].children
        message, pane = box.children[2], box.children[3]
        menu.value = -1
        typed.value = "오늘 날씨가 좋아요."
        assert "ax-chip" in pane.value and not message.value
        typed.value = "   "
        assert "빈 문장입니다" in message.value and not pane.value
        typed.value = "가" * 201
        assert "201자" in message.value
    finally:
        set_language("en")


def test_bad_arguments_get_messages(explorer):
    with pytest.raises(ReaderError, match="at least one tokeniser"):
        TokenizerExplorer({}, ["가"])
    with pytest.raises(ReaderError, match="give model_vocab"):
        TokenizerExplorer(explorer.vocabs, ["가"], model=explorer.model)
    with pytest.raises(ReaderError, match="at least one example"):
        TokenizerExplorer(explorer.vocabs, [])
