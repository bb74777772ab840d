"""Sphinx extension for the two editions of the book.

- ``edition-switch``: a link in every page's header to the *same page* in the other
  edition. The Korean edition is published at the site root and the English one under
  ``en/``; pages are named ``chapters/<lang>/<slug>`` in both, so the counterpart of a
  page is found by swapping the language folder.
- ``glossary-table``: the bilingual glossary (``assets/glossary.csv``) as a table whose
  first column is the edition's language.
- MathJax is served from the site itself (files of the ``sphinx-mathjax-offline``
  package), so pages load nothing from a CDN.
- Interface strings in Korean: ``_ext/locale/ko`` holds the strings the themes have no
  Korean for ("Back to top", "Repository", ...). They are compiled at build time and
  added behind the themes' own catalogs, so they only fill gaps.
"""

import csv
import importlib.util
import os

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util.fileutil import copy_asset

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GLOSSARY = os.path.join(ROOT, "assets", "glossary.csv")

SEARCH_TEXT = {"ko": "이 책에서 검색...", "en": "Search this book..."}

# MyST-NB's labels of folded code cells, in the edition's language.
CODE_PROMPTS = {
    "ko": ("코드 셀 {type} 보기", "코드 셀 {type} 숨기기"),
    "en": ("Show code cell {type}", "Hide code cell {type}"),
}

SWITCH = {
    # this edition: (other edition, link text, title, path from this site's root
    #                to the other site's root)
    "ko": ("en", "English", "Read this page in English", "en/"),
    "en": ("ko", "한국어", "이 페이지를 한국어로 읽기", "../"),
}


def counterpart_url(pagename, lang):
    """Relative URL of ``pagename`` in the other edition, as seen from ``pagename``.

    Chapters swap their language folder (``chapters/ko/x`` ↔ ``chapters/en/x``); pages
    that Sphinx makes (search, index) keep their name.
    """
    other, _, _, other_root = SWITCH[lang]
    parts = pagename.split("/")
    if parts[:2] == ["chapters", lang]:
        parts[1] = other
    up = "../" * (len(parts) - 1)
    return f"{up}{other_root}{'/'.join(parts)}.html"


def add_edition_switch(app, pagename, templatename, context, doctree):
    lang = app.config.language
    if lang not in SWITCH:
        return
    other, label, title, _ = SWITCH[lang]
    context["edition_switch_url"] = counterpart_url(pagename, lang)
    context["edition_switch_lang"] = other
    context["edition_switch_label"] = label
    context["edition_switch_title"] = title


def drop_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's files: the book runs code in Colab, Binder or Jupyter.

    Jupyter Book always loads sphinx-thebe, which declares ``THEBE_JS_URL`` twice on
    every page (a JavaScript error) and points at a CDN.
    """

    def wanted(asset):
        body = getattr(asset, "attributes", {}).get("body", "")
        text = f"{getattr(asset, 'filename', '')} {body}"
        return "thebe" not in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if wanted(asset)]


def read_glossary():
    with open(GLOSSARY, encoding="utf-8") as f:
        return list(csv.DictReader(f))


class GlossaryTable(Directive):
    """A glossary table: the edition's language first, sorted in that language."""

    has_content = False

    def run(self):
        lang = self.state.document.settings.env.config.language
        first, second = ("ko", "en") if lang == "ko" else ("en", "ko")
        headers = {
            "ko": "한국어",
            "en": "English",
            "chapter": "장" if lang == "ko" else "Chapter",
        }
        rows = sorted(read_glossary(), key=lambda row: row[first].lower())
        columns = [first, second, "chapter"]
        table = nodes.table(classes=["glossary-table"])
        group = nodes.tgroup(cols=len(columns))
        table += group
        for width in (4, 4, 1):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        head += self._row([headers[c] for c in columns])
        for row in rows:
            body += self._row([row[c] for c in columns])
        return [table]

    @staticmethod
    def _row(cells):
        row = nodes.row()
        for text in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=text)
            row += entry
        return row


def copy_mathjax(app, exception):
    """Copy MathJax (from the sphinx-mathjax-offline package) into the site."""
    if exception is not None or app.builder.format != "html":
        return
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    source = os.path.join(spec.submodule_search_locations[0], "static", "mathjax")
    copy_asset(source, os.path.join(app.outdir, "_static", "mathjax"))


def configure(app, config):
    config.templates_path.append(os.path.join(HERE, "templates"))
    options = config.html_theme_options
    options["article_header_end"] = [
        "edition-switch.html",
        "article-header-buttons.html",
    ]
    options["search_bar_text"] = SEARCH_TEXT.get(config.language, SEARCH_TEXT["en"])
    show, hide = CODE_PROMPTS.get(config.language, CODE_PROMPTS["en"])
    config.nb_code_prompt_show, config.nb_code_prompt_hide = show, hide
    config.html_context["default_mode"] = "light"  # read by the theme's templates
    config.mathjax_path = "mathjax/tex-chtml.js"


def add_interface_strings(app):
    """Compile ``_ext/locale/<lang>/LC_MESSAGES/*.po``; add them as message catalogs."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = os.path.join(app.doctreedir, "attnbook-locale")
    source = os.path.join(HERE, "locale")
    for lang in os.listdir(source):
        folder = os.path.join(compiled, lang, "LC_MESSAGES")
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(os.path.join(source, lang, "LC_MESSAGES")):
            catalog, extension = os.path.splitext(name)
            if extension != ".po":
                continue
            with open(os.path.join(source, lang, "LC_MESSAGES", name), "rb") as po:
                messages = read_po(po, locale=lang)
            with open(os.path.join(folder, catalog + ".mo"), "wb") as mo:
                write_mo(mo, messages)
    for catalog in ("sphinx", "booktheme"):
        app.add_message_catalog(catalog, compiled)


def setup(app):
    add_interface_strings(app)
    app.connect("config-inited", configure)
    app.connect("html-page-context", add_edition_switch)
    app.connect("html-page-context", drop_thebe, priority=900)
    app.connect("build-finished", copy_mathjax)
    app.add_directive("glossary-table", GlossaryTable)
    app.add_css_file("book.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
