#!/usr/bin/env python3
"""Build the PDF editions, offline: _build/pdf/seq2seq-attention-ko.pdf and -en.pdf.

    python3 scripts/build_pdf.py          # make pdf (after make site, or it builds it)

For each edition:

1. Sphinx renders the whole book as one HTML page (the ``singlehtml`` builder) from
   the site build's environment in ``_build/<lang>``, so no notebook runs again (if
   there is no site build yet, ``scripts/build_site.sh`` runs first).
2. That page is prepared for print (``print_page``): a title page and a table of
   contents are put in front, the print stylesheet ``assets/print.css`` is linked
   (code that wraps, figures that fit the page, a chapter per new page, no
   navigation), folded solutions and cells are opened, and the explorers' scripts
   are taken out, so each explorer shows its static form (every view as a plain
   table, as with JavaScript off).
3. Debian's Chromium prints it to PDF (A4, page numbers in the footer) through
   Playwright, once MathJax has typeset the mathematics. Korean text uses the
   Nanum fonts that ``scripts/setup.sh`` installs; Chromium embeds them.

``tests/test_pdf.py`` checks the PDFs: chapter titles in order, embedded fonts, and
nothing wider than the page.
"""

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from chromium import CHROMIUM, FLAGS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from run import NUMERICS as BUILD_NUMERICS  # noqa: E402

OUT = ROOT / "_build" / "pdf"
NAME = "seq2seq-attention"
CONFIGS = {"ko": "_config.yml", "en": "_config.en.yml"}
TOCS = {"ko": "_toc.yml", "en": "_toc.en.yml"}
WORDS = {
    "ko": {"edition": "한국어판", "contents": "차례", "version": "버전"},
    "en": {"edition": "English edition", "contents": "Contents", "version": "version"},
}
# The site build's numerics (benchmarks/run.py, scripts/build_site.sh), should a
# notebook changed since the site build have to run again.
NUMERICS = {**BUILD_NUMERICS, "ATTNLAB_STATIC_EXPLORERS": "1", "PYTHONUNBUFFERED": "1"}
# An explorer's own script (attnlab/explorer.py: static_block): the code, not its
# JSON data, which is inert.
EXPLORER_SCRIPT = re.compile(
    r"<script>\(function \(\) \{.*?runExplorer\(.*?</script>", re.S
)


def pdf_path(lang):
    return OUT / f"{NAME}-{lang}.pdf"


def single_page(lang):
    """The book as one HTML page, rendered from the site build's environment."""
    folder = ROOT / "_build" / lang
    if not (folder / "_build" / ".doctrees").exists():
        print("No site build to reuse: running scripts/build_site.sh first.")
        subprocess.run(["bash", "scripts/build_site.sh"], cwd=ROOT, check=True)
    log = ROOT / "_build" / "logs" / f"pdf-{lang}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        "jupyter-book", "build", ".", "--builder", "singlehtml", "-n", "-W",
        "--keep-going", "--config", CONFIGS[lang], "--toc", TOCS[lang],
        "--path-output", f"_build/{lang}",
    ]  # fmt: skip
    with log.open("w") as out:
        done = subprocess.run(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **NUMERICS},
        )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"The {lang} single page failed to build; see {log}")
    return folder / "_build" / "singlehtml" / "chapters" / lang / "index.html"


def title_page(lang):
    """The title page and an empty table of contents (filled in by the browser)."""
    import attnlab

    config = yaml.safe_load((ROOT / CONFIGS[lang]).read_text(encoding="utf-8"))
    words = WORDS[lang]
    return (
        '<section class="pdf-title-page">'
        f'<p class="pdf-book-title">{html.escape(config["title"])}</p>'
        f'<p class="pdf-author">{html.escape(config["author"])}</p>'
        f'<p class="pdf-edition">{words["edition"]} · {words["version"]} '
        f"{attnlab.__version__}</p>"
        f'<p class="pdf-url">{html.escape(config["repository"]["url"])}</p>'
        "</section>"
        f'<nav class="pdf-contents"><p class="pdf-contents-title">{words["contents"]}'
        "</p><ul></ul></nav>"
    )


def mathjax_uri():
    """MathJax's startup file in the installed sphinx-mathjax-offline package."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    folder = Path(spec.submodule_search_locations[0]) / "static" / "mathjax"
    return (folder / "startup.js").as_uri()


def print_page(page, lang):
    """Write ``print.html`` at the single page's output root: title page, contents,
    print stylesheet, folds open, explorers without their scripts. Returns its
    path."""
    text = page.read_text(encoding="utf-8")
    text = EXPLORER_SCRIPT.sub("", text)
    # Folded solutions and cells print open: paper cannot unfold them (a closed
    # <details> hides its content whatever the stylesheet says).
    text = re.sub(r"<details(?=[\s>])", "<details open", text)
    # MathJax from the package's own files: the English site loads the Korean
    # edition's copy, which the English single page does not have.
    text = re.sub(r'src="[^"]*mathjax/startup\.js"', f'src="{mathjax_uri()}"', text)
    stylesheet = (ROOT / "assets" / "print.css").read_text(encoding="utf-8")
    text = text.replace("</head>", f"<style>{stylesheet}</style></head>", 1)
    text = re.sub(
        r'(<main[^>]*id="main-content"[^>]*>)', r"\1" + title_page(lang), text, 1
    )
    # The single page's links are written as if it stood at the output's root.
    target = page.parents[2] / "print.html"
    target.write_text(text, encoding="utf-8")
    return target


# The contents: one entry per document of the book (Sphinx's single page marks each
# with a <span id="document-...">), titled by the document's first heading.
FILL_CONTENTS = """() => {
  const list = document.querySelector(".pdf-contents ul");
  for (const mark of document.querySelectorAll('span[id^="document-"]')) {
    const section = mark.nextElementSibling;
    const heading = section && section.querySelector("h1, h2");
    if (!heading) continue;
    const link = list.appendChild(document.createElement("li")).appendChild(
      document.createElement("a"));
    link.href = "#" + mark.id;
    link.textContent = heading.textContent.replace(/#$/, "").trim();
  }
  return list.children.length;
}"""


def print_to_pdf(page, target):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        tab = browser.new_page()
        tab.goto(page.resolve().as_uri())
        tab.wait_for_load_state("load")
        tab.evaluate("() => window.MathJax?.startup?.promise")
        tab.evaluate(FILL_CONTENTS)
        tab.emulate_media(media="print")
        tab.pdf(
            path=str(target),
            format="A4",
            margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=(
                '<div style="font-size:8px;width:100%;text-align:center">'
                '<span class="pageNumber"></span></div>'
            ),
        )
        browser.close()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in ("ko", "en"):
        page = print_page(single_page(lang), lang)
        print_to_pdf(page, pdf_path(lang))
        size = pdf_path(lang).stat().st_size / 1e6
        print(f"{pdf_path(lang).relative_to(ROOT)}: {size:.1f} MB")


if __name__ == "__main__":
    main()
