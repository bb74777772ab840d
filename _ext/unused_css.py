"""Stylesheet rules that no page of the edition can use, left out.

The themes' stylesheets carry all of Bootstrap and of MyST-NB's output styles (about
0.35 MB a page); the book uses a small part. A rule is kept unless one of its
selectors could match: a selector can match when every class it names is a word
somewhere in the edition's pages or scripts (scripts add classes such as ``show`` or
``dropdown-menu-dark`` as they run, and name them in their text). The test is
generous on purpose: a word in the prose keeps a rule too. Selectors with ``:not()``,
``:is()``, ``:where()`` or ``:has()`` are always kept, and so is every rule that
names no class (elements, ``:root``, ``html[data-theme=dark]``), every ``@font-face``,
``@keyframes`` and ``@import``.
"""

import os
import re

import tinycss2

WORD = re.compile(r"[A-Za-z_][\w-]*")
CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
ALWAYS = re.compile(r":(?:not|is|where|has|matches|-webkit-any|-moz-any)\(")
GROUPS = ("media", "supports", "layer", "container")  # at-rules that hold rules


def used_words(outdir):
    """Every word of every page and script of the built edition."""
    words = set()
    for folder, _, files in os.walk(outdir):
        for name in files:
            if name.endswith((".html", ".js")):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    words.update(WORD.findall(f.read()))
    return words


def may_match(selector, words):
    if ALWAYS.search(selector):
        return True
    return all(name in words for name in CLASS.findall(selector))


def kept_rules(rules, words):
    """The rules (tinycss2 nodes) that may match, groups emptied of none."""
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = tinycss2.serialize(rule.prelude).split(",")
            if any(may_match(s, words) for s in selectors):
                kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in GROUPS:
            inner = tinycss2.parse_rule_list(
                rule.content or [], skip_comments=True, skip_whitespace=True
            )
            inner = kept_rules(inner, words)
            if inner:
                rule.content = inner
                kept.append(rule)
        elif rule.type != "error":
            kept.append(rule)
    return kept


def purge(css, words):
    """``css`` without the rules that cannot match (see the module's text)."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return tinycss2.serialize(kept_rules(rules, words))
