"""Interactive figures that work in a live notebook and on the static site.

An explorer is one Python object with two views of the same precomputed data:

- **live** (Jupyter, JupyterLab, Colab): core ipywidgets only (sliders, toggles,
  dropdowns, text boxes, an HTML pane). Colab renders core widgets but not
  third-party widget packages, so nothing else is used.
- **static** (the built site): one self-contained block of HTML with its CSS and a
  short inline script. No kernel, no CDN, no require.js. Python renders every view
  of the data as plain HTML up front; the script only shows, hides and highlights
  parts of it. With JavaScript off, the reader sees all of it as ordinary tables.
  The CSS and the scripts are files of the package, in ``attnlab/explorers/``:
  ``static_block`` reads them and inlines them into the block, so a page that shows
  an explorer loads nothing from elsewhere.

Which view appears is decided when the object is displayed: the site build sets the
environment variable ``ATTNLAB_STATIC_EXPLORERS=1`` (``scripts/build_site.sh``), so
the executed pages hold the static HTML and no widget is ever created (no dead
widget state lands on the page, and MyST-NB loads no widget JavaScript from a CDN).
Anywhere else the live widget appears. ``explorer.to_html()`` and
``explorer.widget()`` give either view on demand.

Why ``_ipython_display_`` and an environment variable, rather than one
``_repr_mimebundle_`` offering both a widget view and ``text/html``: a bundle is
computed before the front end chooses, so building it means creating the widget, and
the widget's state then lands in the executed notebook even when the site shows the
HTML; Colab's ipywidgets 7.7.1 also has no ``Widget._repr_mimebundle_`` to build on.
Deciding at display time creates exactly one of the two views. (The book's config
still ranks ``text/html`` above the widget MIME type, as a second line of defence.)

Each static script writes ``data-start-ms`` on its element when it starts and
``data-ready-ms`` when it has finished: times from the start of the page load, the
second being when the explorer became interactive.
``benchmarks/explorers.py`` reads it.

Text typed by the reader or taken from data is always escaped before it becomes
HTML; data for the script travels as JSON inside ``<script type="application/json">``.
"""

import hashlib
import html
import json
import os
from importlib import resources

from attnlab.i18n import tr

STATIC_ENV = "ATTNLAB_STATIC_EXPLORERS"

FRONT_END = "explorers"  # the CSS and JavaScript files, beside this module


def asset(name):
    """The text of a front-end file of the package, e.g. ``asset("stepper.js")``.

    The files live in ``attnlab/explorers/`` and ship with the package (package data
    in ``pyproject.toml``); each static block inlines the ones it needs.
    """
    return (
        resources.files("attnlab")
        .joinpath(FRONT_END)
        .joinpath(name)
        .read_text(encoding="utf-8")
    )


STYLE = asset("explorer.css")  # shared by every explorer, static and live


def static_mode():
    """True while the site is being built: explorers then render as static HTML."""
    return os.environ.get(STATIC_ENV) == "1"


def escape(text):
    """Text made safe to place inside HTML (tags, quotes and ampersands escaped)."""
    return html.escape(str(text), quote=True)


def json_for_script(data):
    """JSON that is safe inside a <script> element (no '</script>' can close it)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def static_block(kind, body, script, data=None, classes=""):
    """Wrap ``body`` (HTML) and ``script`` (JS) into one self-contained explorer.

    The script runs as the body of a function of ``root`` (this explorer's element)
    and ``data`` (the JSON ``data``), called by ``runExplorer`` of ``explorer.js``,
    which is inlined too. Its id comes from a hash of the content, so builds are
    reproducible. ``classes``: more classes for the element (e.g. "ax-show-gold").
    """
    payload = json_for_script(data if data is not None else {})
    digest = hashlib.sha1((kind + body + payload).encode("utf-8")).hexdigest()[:10]
    element_id = f"ax-{kind}-{digest}"
    return (
        f'<div class="{" ".join(["attn-explorer", *classes.split()])}" '
        f'id="{element_id}" data-explorer="{kind}" '
        f'data-lm-suppress-shortcuts="true">\n'
        f"<style>{STYLE}</style>\n{body}\n"
        f'<script type="application/json" class="ax-data">{payload}</script>\n'
        f"<script>(function () {{\n{asset('explorer.js')}\n"
        f'runExplorer(document.getElementById("{element_id}"),\n'
        f"function (root, data) {{\n{script}\n}});\n}})();</script>\n</div>"
    )


def sentence_menu(examples, placeholder=None, width=None, typed_width=None):
    """The live views' first controls: a menu of the example sentences (the first
    item of each example), ending with "(type your own)" (value -1), and a text box
    for a sentence of the reader's own. Returns (menu, text box)."""
    import ipywidgets as widgets

    own = tr(ko="(직접 입력)", en="(type your own)")
    menu = widgets.Dropdown(
        options=[(example[0], i) for i, example in enumerate(examples)] + [(own, -1)],
        value=0,
        description=tr(ko="예문", en="example"),
        layout=widgets.Layout(width=width),
    )
    typed = widgets.Text(
        placeholder=placeholder or "",
        continuous_update=False,
        layout=widgets.Layout(width=typed_width),
    )
    return menu, typed


KOREAN_PLACEHOLDER = {
    "ko": "예: 그 고양이가 개를 본다",
    "en": "e.g. 그 고양이가 개를 본다",
}


def type_a_sentence():
    """The note a live view shows before a sentence of the corpus is typed."""
    return (
        '<span class="ax-note">'
        + tr(
            ko="이 말뭉치의 단어로 한국어 문장을 입력하세요.",
            en="Type a Korean sentence in the words of the corpus.",
        )
        + "</span>"
    )


def reader_message(error):
    """A live view's message for bad input (a ``ReaderError``), in place of its
    figure: the widget lives on."""
    return f'<span class="ax-wrong">⚠ {escape(error)}</span>'


class Explorer:
    """Base class: subclasses implement ``to_html()`` and ``widget()``."""

    def to_html(self):
        raise NotImplementedError

    def widget(self):
        raise NotImplementedError

    def _ipython_display_(self):
        from IPython.display import HTML, display

        if static_mode():
            display(HTML(self.to_html()))
            return
        try:
            view = self.widget()
        except ImportError:  # no ipywidgets: the static view still works
            view = HTML(self.to_html())
        display(view)
