"""Stylesheet rules that no page can use are left out (_ext/unused_css.py)."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
from unused_css import purge, used_words  # noqa: E402

WORDS = {"card", "show", "bd-sidebar", "dark"}


def test_a_rule_stays_when_one_of_its_selectors_may_match():
    css = ".card .show{color:red}.toast,.card{margin:0}.toast .card{padding:0}"
    assert purge(css, WORDS) == ".card .show{color:red}.toast,.card{margin:0}"


def test_rules_without_classes_and_negations_stay():
    css = (
        ":root{--x:1}html[data-theme=dark] p{color:#fff}a:hover{color:red}"
        ".btn:not(.toast){margin:0}:is(.toast,.card) p{margin:0}"
    )
    assert purge(css, set()) == css


def test_groups_keep_what_may_match_and_go_when_empty():
    css = (
        "@media (max-width:600px){.card{margin:0}.toast{margin:0}}"
        "@media print{.toast{display:none}}"
        "@font-face{font-family:x;src:url(x.woff2)}@keyframes spin{to{opacity:0}}"
    )
    assert purge(css, WORDS) == (
        "@media (max-width:600px){.card{margin:0}}"
        "@font-face{font-family:x;src:url(x.woff2)}@keyframes spin{to{opacity:0}}"
    )


def test_words_come_from_pages_and_scripts(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "page.html").write_text('<div class="bd-sidebar">x</div>')
    (tmp_path / "_static" / "theme.js").write_text('e.classList.add("show")')
    (tmp_path / "_static" / "theme.css").write_text(".never-named{color:red}")
    words = used_words(tmp_path)
    assert {"bd-sidebar", "show"} <= words and "never-named" not in words
