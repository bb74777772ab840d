"""Sphinx extension for the two editions of the book.

- ``edition-switch``: a link in every page's header to the *same page* in the other
  edition. The Korean edition is published at the site root and the English one under
  ``en/``; pages are named ``chapters/<lang>/<slug>`` in both, so the counterpart of a
  page is found by swapping the language folder.
- ``glossary-table``: the bilingual glossary (``assets/glossary.csv``) as a table whose
  first column is the edition's language.
- MathJax is served from the site itself (files of the ``sphinx-mathjax-offline``
  package), so pages load nothing from a CDN: only the files the pages can load
  (``MATHJAX_FILES``), once, in the Korean edition at the site's root; the English
  edition, published under ``en/``, loads that copy.
- Lighter pages: ``templates/layout.html`` drops the Font Awesome script and loads the
  search index on the search page only; the icon fonts keep the icons shown, and the
  stylesheets the rules the pages can use (``unused_css.py``).
- Text in the other edition's language carries its own ``lang``
  (``language_parts.py``).
- Interface strings in Korean: ``_ext/locale/ko`` holds the strings the themes have no
  Korean for ("Back to top", "Repository", ...). They are compiled at build time and
  added behind the themes' own catalogs, so they only fill gaps.
"""

import csv
import glob
import importlib.util
import os
import re
import shutil

from docutils import nodes
from docutils.parsers.rst import Directive
from language_parts import mark_parts
from sphinx.util.fileutil import copy_asset
from unused_css import purge, used_words

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GLOSSARY = os.path.join(ROOT, "assets", "glossary.csv")

SEARCH_TEXT = {"ko": "이 책에서 검색...", "en": "Search this book..."}

# MyST-NB's labels of folded code cells, in the edition's language. MyST-NB fills in
# {type} in English ("source", "outputs" or "content"); ``tidy_folds`` puts the Korean
# words in.
CODE_PROMPTS = {
    "ko": ("코드 셀 {type} 보기", "코드 셀 {type} 숨기기"),
    "en": ("Show code cell {type}", "Hide code cell {type}"),
}
FOLDED_KO = {
    "source": "코드 셀의 코드",
    "outputs": "코드 셀의 출력",
    "content": "코드 셀",
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


def drop_unused_assets(app, pagename, templatename, context, doctree):
    """Remove files a page would load for nothing.

    - sphinx-thebe's: the book runs code in Colab, Binder or Jupyter. Jupyter Book
      always loads sphinx-thebe, which declares ``THEBE_JS_URL`` twice on every page
      (a JavaScript error) and points at a CDN.
    - sphinx-design's stylesheet and tab script (62 kB) on pages that use none of its
      components (no ``sd-`` class in the page).
    """
    uses_design = "sd-" in context.get("body", "")

    def wanted(asset):
        body = getattr(asset, "attributes", {}).get("body", "")
        text = f"{getattr(asset, 'filename', '')} {body}".lower()
        if "thebe" in text:
            return False
        return uses_design or not ("sphinx-design" in text or "design-tabs" in text)

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if wanted(asset)]


def add_search_note(app, pagename, templatename, context, doctree):
    """On the search page only: titles without excerpts when opened from disk, and a
    note on serving the site (``assets/static/search-from-disk.js``)."""
    if pagename == "search":
        app.add_js_file("search-from-disk.js")


def tidy_folds(app, pagename, templatename, context, doctree):
    """Folded code cells: the summary's visible text names it (MyST-NB also gives it
    the label "Toggle hidden content", which screen readers would say instead, in
    English, on Korean pages too), and Korean pages say in Korean what is folded."""
    body = context.get("body")
    if not body:
        return
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    if app.config.language == "ko":
        for kind, words in FOLDED_KO.items():
            for verb in ("보기", "숨기기"):
                body = body.replace(f"코드 셀 {kind} {verb}", f"{words} {verb}")
    context["body"] = body


def tidy_citations(app, pagename, templatename, context, doctree):
    """The bibliography's entries are the items of its list: Sphinx gives them the
    role doc-biblioentry, which is no list item, so the list (role="list") would own
    the links inside them (axe: aria-required-children)."""
    body = context.get("body")
    if body and 'class="citation-list"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def mark_other_language(app, pagename, templatename, context, doctree):
    """Korean in English pages and English sentences in Korean pages get their own
    ``lang`` (``_ext/language_parts.py``)."""
    if context.get("body"):
        context["body"] = mark_parts(context["body"], app.config.language)


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


# MathJax in parts (benchmarks/SITE_WEIGHT.md): the startup and core, TeX input (with
# the extensions it loads on demand), CommonHTML output and its web fonts, and hidden
# MathML for screen readers; not the right-click menu (426 kB) that the combined
# tex-chtml.js carries.
MATHJAX_FILES = [
    "startup.js",
    "core.js",
    "input/tex.js",
    "input/tex/extensions",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "output/chtml/fonts/woff-v2",
    "a11y/assistive-mml.js",
]
MATHJAX_LOAD = ["input/tex", "output/chtml", "a11y/assistive-mml"]
# Where the English edition finds the Korean edition's MathJax: its pages' _static
# folder is en/_static, and ../../_static from there is the site root's _static.
SHARED_MATHJAX = "../../_static/mathjax/startup.js"


def copy_mathjax(app, exception):
    """Copy the MathJax files the pages use (``MATHJAX_FILES``) into the site."""
    if exception is not None or app.builder.format != "html":
        return
    if app.config.mathjax_path == SHARED_MATHJAX:
        return  # the English edition: the Korean edition's copy serves it
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    source = os.path.join(spec.submodule_search_locations[0], "static", "mathjax")
    target = os.path.join(app.outdir, "_static", "mathjax")
    for name in MATHJAX_FILES:
        if os.path.isdir(os.path.join(source, name)):
            copy_asset(os.path.join(source, name), os.path.join(target, name))
        else:
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copyfile(os.path.join(source, name), os.path.join(target, name))


def prune_static(app, exception):
    """Delete the theme files that no page loads: the Font Awesome script
    (``templates/layout.html``), sphinx-thebe's files (``drop_unused_assets``), the
    source maps of the themes' minified files and the theme's message catalogs (used
    at build time, not by the pages)."""
    if exception is not None or app.builder.format != "html":
        return
    static = os.path.join(app.outdir, "_static")
    shutil.rmtree(os.path.join(static, "locales"), ignore_errors=True)
    for folder, _, files in os.walk(static):
        for name in files:
            if name.endswith(".map") or name.startswith(
                ("fontawesome.js", "sphinx-thebe")
            ):
                os.remove(os.path.join(folder, name))


FONT_AWESOME = os.path.join("_static", "vendor", "fontawesome", "webfonts")
ICON_RULE = re.compile(r'([^{}]+)\{content:"\\([0-9a-f]{4,5})"\}')
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # icons written as characters in CSS


def used_icons(outdir):
    """The code points of the Font Awesome icons the built pages can show: those of
    the ``fa-*`` classes named in the pages or in the scripts, and every icon that a
    stylesheet uses outside those classes' own rules (e.g. the admonitions')."""
    names = set()
    for folder, _, files in os.walk(outdir):
        for name in files:
            if name.endswith((".html", ".js")):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    names |= set(re.findall(r"\bfa-[a-z0-9-]+", f.read()))
    codepoints = set()
    for stylesheet in css_files(outdir):
        with open(stylesheet, encoding="utf-8") as f:
            css = f.read()
        for selectors, codepoint in ICON_RULE.findall(css):
            classes = set(re.findall(r"\.(fa-[a-z0-9-]+):", selectors))
            if not classes or classes & names:
                codepoints.add(int(codepoint, 16))
        codepoints |= {ord(c) for c in PRIVATE_USE.findall(css)}
    return codepoints


def subset_icon_fonts(app, exception):
    """Cut the Font Awesome web fonts (about 0.3 MB a page) down to the icons the pages
    can show (``used_icons``), and the stylesheets' icon rules (85 kB) to theirs."""
    if exception is not None or app.builder.format != "html":
        return
    from fontTools import subset

    folder = os.path.join(app.outdir, FONT_AWESOME)
    if not os.path.isdir(folder):
        return
    options = subset.Options()
    options.notdef_outline = True
    options.layout_features = []
    unicodes = used_icons(app.outdir)
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        options.flavor = "woff2" if name.endswith(".woff2") else None
        font = subset.load_font(path, options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        subset.save_font(font, path, options)
    for stylesheet in css_files(app.outdir):
        with open(stylesheet, encoding="utf-8") as f:
            css = f.read()
        kept = ICON_RULE.sub(lambda rule: keep_icon_rule(rule, unicodes), css)
        if kept != css:
            with open(stylesheet, "w", encoding="utf-8") as f:
                f.write(kept)


# The themes' big stylesheets, as the built site names them (MyST-NB's with a digest).
THEME_STYLESHEETS = (
    "styles/pydata-sphinx-theme.css",
    "styles/sphinx-book-theme.css",
    "mystnb.*.css",
)


def theme_stylesheets(outdir):
    static = os.path.join(outdir, "_static")
    for pattern in THEME_STYLESHEETS:
        yield from sorted(glob.glob(os.path.join(static, pattern)))


def drop_unused_css(app, exception):
    """Leave out the rules of the themes' stylesheets that no page of the edition can
    use (``unused_css.py``): most of Bootstrap's and MyST-NB's."""
    if exception is not None or app.builder.format != "html":
        return
    words = used_words(app.outdir)
    for stylesheet in theme_stylesheets(app.outdir):
        with open(stylesheet, encoding="utf-8") as f:
            css = f.read()
        kept = purge(css, words)
        if len(kept) < len(css):
            with open(stylesheet, "w", encoding="utf-8") as f:
                f.write(kept)


ICON_SELECTOR = re.compile(r"^\s*\.fa-[a-z0-9-]+:(?:before|after)\s*$")


def keep_icon_rule(rule, unicodes):
    """An icon rule (``ICON_RULE``) as it was, or nothing if it only names icon
    classes and draws an icon the pages do not show."""
    selectors, codepoint = rule.group(1), int(rule.group(2), 16)
    only_icons = all(ICON_SELECTOR.match(s) for s in selectors.split(","))
    return "" if only_icons and codepoint not in unicodes else rule.group(0)


def css_files(outdir):
    for folder, _, files in os.walk(os.path.join(outdir, "_static")):
        for name in files:
            if name.endswith(".css"):
                yield os.path.join(folder, name)


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
    options["search_as_you_type"] = False  # templates/layout.html relies on it
    own = "mathjax/startup.js"
    config.mathjax_path = own if config.language == "ko" else SHARED_MATHJAX
    mathjax = dict(config.mathjax3_config or {})
    mathjax["loader"] = {"load": MATHJAX_LOAD}
    config.mathjax3_config = mathjax


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


def read_english_backwards(app, env, docnames):
    """The English edition runs its chapters last to first.

    The two editions build side by side, and in the site build each model is trained
    once for both (attnlab/training_cache.py): the Korean kernels work from the first
    chapter on, the English ones from the last back, so that each chapter's training
    is mostly done by whichever edition gets there first.
    """
    if app.config.language == "en":
        docnames.reverse()


def setup(app):
    add_interface_strings(app)
    app.connect("env-before-read-docs", read_english_backwards)
    app.connect("config-inited", configure)
    app.connect("html-page-context", add_edition_switch)
    app.connect("html-page-context", drop_unused_assets, priority=900)
    app.connect("html-page-context", add_search_note)
    app.connect("html-page-context", tidy_folds)
    app.connect("html-page-context", tidy_citations)
    app.connect("html-page-context", mark_other_language)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", prune_static)
    app.connect("build-finished", subset_icon_fonts)
    app.connect("build-finished", drop_unused_css)  # after the icons: it reads the CSS
    app.add_directive("glossary-table", GlossaryTable)
    app.add_css_file("book.css")
    app.add_js_file("display-math-keys.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
