"""Text in the other edition's language gets its own lang (_ext/language_parts.py)."""

import re
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
from language_parts import mark_parts  # noqa: E402

SPAN = re.compile(r'<span lang="(?:ko|en)">|</span>')


def unmarked(html, marked):
    """``marked`` less the spans that mark_parts added (those not in ``html``)."""
    extra = len(SPAN.findall(marked)) - len(SPAN.findall(html))
    assert extra % 2 == 0
    return SPAN.sub("", marked), SPAN.sub("", html)


def test_korean_in_english_pages_is_marked():
    html = "<p>The pair <em>어제 공부했어요.</em> means “I studied yesterday”.</p>"
    assert mark_parts(html, "en") == (
        '<p>The pair <em><span lang="ko">어제 공부했어요.</span></em> means '
        "“I studied yesterday”.</p>"
    )


def test_an_english_word_ends_a_korean_run():
    assert mark_parts("<td>어제 gym에서</td>", "en") == (
        '<td><span lang="ko">어제</span> gym<span lang="ko">에서</span></td>'
    )


def test_english_sentences_in_korean_pages_are_marked_but_not_terms():
    html = (
        "<p>교사 강요(teacher forcing)는 <em>I went to the library&#8217;s hall.</em>"
    )
    html += "</p>"
    assert mark_parts(html, "ko") == (
        "<p>교사 강요(teacher forcing)는 <em>"
        '<span lang="en">I went to the library&#8217;s hall.</span></em></p>'
    )


@pytest.mark.parametrize(
    "html",
    [
        '<script>var s = "<b>한국어</b> and more words here";</script>',
        "<style>.x::after { content: '한국어 and more words here'; }</style>",
        '<span class="math notranslate">\\(\\text{한국어 and more words}\\)</span>',
        '<div class="ax-controls"><label>예문 <select><option>한국어 문장'
        "</option><option>and more words here</option></select></label></div>",
        '<p lang="ko">한국어 <b>한국어</b> and more words here</p>',
    ],
)
def test_scripts_maths_explorer_controls_and_marked_text_are_left_alone(html):
    assert mark_parts(html, "en") == html
    assert mark_parts(html, "ko") == html


@pytest.mark.parametrize(
    "html",
    [
        '<pre>print("a few more words")</pre>',
        "<p>보기: <code>one two three</code></p>",
        '<div class="cell_input docutils"><div>x = some long code</div></div>',
    ],
)
def test_code_is_not_marked_english_in_korean_pages(html):
    assert mark_parts(html, "ko") == html


def test_an_explorers_tables_and_notes_are_marked_for_readers_without_javascript():
    html = (
        '<div class="attn-explorer"><div class="ax-controls"><label>example <select>'
        '<option>그 고양이</option></select></label></div><div data-ax-view="0">'
        '<p class="ax-note"><b>그 고양이가</b> → the cat calls</p>'
        '<table><tr><th class="ax-src"><span>고양이가</span></th></tr></table>'
        "</div></div>"
    )
    assert mark_parts(html, "en") == html.replace(
        "<b>그 고양이가</b>", '<b><span lang="ko">그 고양이가</span></b>'
    ).replace("<span>고양이가</span>", '<span><span lang="ko">고양이가</span></span>')
    assert mark_parts(html, "ko") == html.replace(
        " the cat calls", ' <span lang="en">the cat calls</span>'
    )


def test_the_text_after_a_left_alone_element_is_marked_again():
    html = '<div class="math">\\(x\\)</div><p>한국어</p>'
    assert mark_parts(html, "en").endswith('<p><span lang="ko">한국어</span></p>')


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li>하나<li>둘</ul><p>셋</p>",  # end tags left out
        "</div><p>넷 <br>다섯 <img src='a.png' alt='여섯'/></p>",  # a stray end tag
        '<table><tr><td title="a &gt; b">일곱</td></tr></table>',
        "<!-- 주석 --><p>여덟</p>",
    ],
)
def test_only_spans_are_added(html):
    marked = mark_parts(html, "en")
    assert marked != html
    stripped, original = unmarked(html, marked)
    assert stripped == original


def test_attributes_and_comments_are_never_touched():
    html = "<!-- 주석 --><p title=\"a &gt; b\">넷 <img src='a.png' alt='여섯'/></p>"
    assert mark_parts(html, "en") == (
        '<!-- 주석 --><p title="a &gt; b"><span lang="ko">넷</span> '
        "<img src='a.png' alt='여섯'/></p>"
    )


def test_other_languages_are_left_as_they_are():
    assert mark_parts("<p>한국어 and more words here</p>", "fr") == (
        "<p>한국어 and more words here</p>"
    )
