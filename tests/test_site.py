"""The built site: complete in both editions, links that resolve, nothing from a CDN."""

import html.parser
import re
import urllib.parse

import pytest
from conftest import ROOT, edition_folder, read_config

pytestmark = pytest.mark.site


class Links(html.parser.HTMLParser):
    """Collect (tag, attribute, value) of every link and every loaded resource."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append((tag, name, value))


def links(page):
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def pages(site):
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def chapter_pages(site, lang):
    return sorted(edition_folder(site, lang).glob("*.html"))


def test_site_has_both_editions(site):
    assert (site / "index.html").exists()
    assert (site / "en" / "index.html").exists()
    assert chapter_pages(site, "ko") and chapter_pages(site, "en")


def test_every_page_exists_in_both_editions(site):
    ko = {p.name for p in chapter_pages(site, "ko")}
    en = {p.name for p in chapter_pages(site, "en")}
    assert ko == en


def test_pages_speak_their_language(site):
    for lang in ("ko", "en"):
        for page in chapter_pages(site, lang):
            assert f'<html lang="{lang}"' in page.read_text(encoding="utf-8"), page


# English interface strings of the themes -> their Korean (_ext/locale)
THEME_STRINGS = {
    "Skip to main content": "본문으로 건너뛰기",
    "Back to top": "맨 위로",
    "Open issue": "이슈 열기",
    'title="previous page"': 'title="이전 페이지"',
    "Launch on Colab": "실행: Colab",
}


def test_korean_pages_show_the_interface_in_korean(site):
    for page in edition_folder(site, "ko").glob("[0-9][0-9]_*.html"):  # notebook pages
        text = page.read_text(encoding="utf-8")
        for english, korean in THEME_STRINGS.items():
            assert english not in text and korean in text, (page.name, english)
    english_page = (edition_folder(site, "en") / "02_seq2seq.html").read_text(
        encoding="utf-8"
    )
    assert "Back to top" in english_page and "맨 위로" not in english_page


def test_internal_links_resolve(site):
    broken = []
    for page in pages(site):
        for tag, attribute, value in links(page):
            url = urllib.parse.urlsplit(value)
            if url.scheme or value.startswith(("#", "//", "mailto:")):
                continue
            target = (page.parent / urllib.parse.unquote(url.path)).resolve()
            if url.path and not target.exists():
                broken.append(f"{page.relative_to(site)}: {value}")
    assert not broken, "\n".join(broken[:20])


def test_pages_load_nothing_from_other_machines(site):
    """Scripts, styles, images and frames must come from the site itself."""
    remote = []
    for page in pages(site):
        for tag, attribute, value in links(page):
            loads = attribute == "src" or (tag == "link" and attribute == "href")
            if loads and re.match(r"^(https?:)?//", value):
                remote.append(f"{page.relative_to(site)}: <{tag} {attribute}={value}>")
    assert not remote, "\n".join(remote[:20])


def test_launch_buttons_follow_the_repository_url(site):
    url = read_config("ko")["repository"]["url"]
    path = urllib.parse.urlsplit(url).path.strip("/")
    page = (site / "en" / "chapters" / "en" / "01_training_data.html").read_text(
        encoding="utf-8"
    )
    colab = f"https://colab.research.google.com/github/{path}/blob/main/chapters/en/01_training_data.ipynb"
    assert colab in page
    assert "mybinder.org" in page
    assert "_sources/chapters/en/01_training_data.ipynb" in page  # download .ipynb


def numbered_chapters(site, lang):
    return [p for p in chapter_pages(site, lang) if re.match(r"\d\d_", p.name)]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_chapter_pages_show_outputs_computed_during_the_build(site, lang):
    assert len(numbered_chapters(site, lang)) >= 3
    for path in numbered_chapters(site, lang):
        page = path.read_text(encoding="utf-8")
        assert page.count('class="cell_output') >= 5, (
            f"{path.name}: executed outputs are missing"
        )
        figures = re.findall(r'<img[^>]+src="[^"]*_images/[^"]+\.png"', page)
        assert len(figures) >= 3, (
            f"{path.name}: the figures made by the chapter's code are missing"
        )


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_diagrams_have_alt_text_in_the_edition_language(site, lang):
    hangul = re.compile("[\uac00-\ud7a3]")
    for name in (
        "02_seq2seq.html",
        "03_teacher_forcing.html",
        "07_beam_search.html",
        "08_transformer.html",
    ):
        page = next(p for p in numbered_chapters(site, lang) if p.name == name)
        alts = re.findall(
            r'<img alt="([^"]*)"[^>]*src="[^"]*_images/',
            page.read_text(encoding="utf-8"),
        )
        described = [alt for alt in alts if "_images/" not in alt and len(alt) > 40]
        assert described, f"{name}: the diagram has no alt text"
        assert all(bool(hangul.search(alt)) == (lang == "ko") for alt in described)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_training_progress_is_one_line_on_the_page(site, lang):
    page = next(p for p in numbered_chapters(site, lang) if p.name == "02_seq2seq.html")
    text = page.read_text(encoding="utf-8")
    finished = re.findall(
        r"(?:step|단계) 400/400 · (?:loss|손실) [0-9.]+ · [0-9.]+ s", text
    )
    assert len(finished) == 1, "the finished progress line should appear once"
    assert not re.search(r"(?:step|단계) (?:20|100|200)/400 ·", text), (
        "intermediate lines left on the page"
    )


def test_the_english_edition_runs_its_chapters_last_to_first(site):
    """The editions build side by side and train each model once between them
    (attnlab/training_cache.py): the Korean kernels start at the first chapter, the
    English ones at the last (_ext/attnbook.py), so they meet in the middle."""
    order = {}
    for lang in ("ko", "en"):
        log = (ROOT / "_build" / "logs" / f"{lang}.log").read_text(encoding="utf-8")
        order[lang] = re.findall(rf"chapters/{lang}/(\d\d)_\w+\.ipynb: Executing", log)
    chapters = sorted(
        p.name[:2] for p in (ROOT / "chapters" / "en").glob("[0-9][0-9]_*.ipynb")
    )
    assert sorted(order["ko"]) == sorted(order["en"]) == chapters, order
    assert order["ko"] == sorted(order["ko"]), order
    assert order["en"] == sorted(order["en"], reverse=True), order


def test_search_and_bibliography_are_built(site):
    for base in (site, site / "en"):
        assert (base / "search.html").exists() and (base / "searchindex.js").exists()
    references = (site / "en" / "chapters" / "en" / "references.html").read_text(
        encoding="utf-8"
    )
    assert (
        "Bahdanau" in references and "neural machine translation" in references.lower()
    )


def test_glossary_tables_list_every_term(site):
    rows = (
        (ROOT / "assets" / "glossary.csv").read_text(encoding="utf-8").splitlines()[1:]
    )
    for lang, folder in (
        ("ko", site / "chapters" / "ko"),
        ("en", site / "en" / "chapters" / "en"),
    ):
        page = (folder / "glossary.html").read_text(encoding="utf-8")
        # the other language's words are marked as such (_ext/language_parts.py)
        page = re.sub(r'<span lang="(?:ko|en)">([^<]*)</span>', r"\1", page)
        for row in rows:
            english, korean = row.split(",")[:2]
            assert english in page and korean in page, (lang, english)


def test_mathjax_is_served_once_from_the_site_root(site):
    """Both editions load the Korean edition's MathJax, and only its parts (not the
    200-odd files of the whole package)."""
    mathjax = site / "_static" / "mathjax"
    assert (mathjax / "startup.js").exists() and not (
        site / "en" / "_static" / "mathjax"
    ).exists()
    assert (
        not (mathjax / "tex-chtml-full.js").exists() and not (mathjax / "sre").exists()
    )
    for lang in ("ko", "en"):
        page = edition_folder(site, lang) / "05_attention.html"
        sources = [v for tag, _, v in links(page) if tag == "script" and "mathjax" in v]
        assert len(sources) == 1, sources
        assert (page.parent / sources[0]).resolve() == (
            mathjax / "startup.js"
        ).resolve()


def test_pages_load_neither_font_awesome_script_nor_the_search_index(site):
    """The search index (and the tools that read it) load on the search page only."""
    for page in pages(site):
        scripts = [v for tag, _, v in links(page) if tag == "script"]
        assert not any("fontawesome" in v for v in scripts), page
        if page.name != "search.html":
            assert not any("searchindex" in v or "searchtools" in v for v in scripts), (
                page
            )
    for base in (site, site / "en"):
        scripts = [v for tag, _, v in links(base / "search.html") if tag == "script"]
        assert any("searchindex.js" in v for v in scripts), base


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_assignments_page_offers_the_students_notebooks(site, lang):
    """Each download link serves the committed students' notebook, byte for byte."""
    folder = edition_folder(site, lang)
    page = folder / "assignments.html"
    downloads = [
        value
        for _, name, value in links(page)
        if name == "href" and "_downloads/" in value and value.endswith(".ipynb")
    ]
    students = sorted((ROOT / "assignments" / "student" / lang).glob("*.ipynb"))
    assert len(downloads) == len(students) >= 5, downloads
    for href in downloads:
        served = (page.parent / urllib.parse.unquote(href)).resolve()
        committed = ROOT / "assignments" / "student" / lang / served.name
        assert served.read_bytes() == committed.read_bytes(), href
    assert (folder / "teachers_guide.html").exists()


def test_folded_cells_are_named_by_their_text_in_the_edition_language(site):
    """A folded cell's summary has no English aria-label overriding its visible text
    (axe: label-content-name-mismatch), and Korean pages say what is folded in
    Korean."""
    folded = 0
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert "Toggle hidden content" not in text, page
        folded += text.count("<summary>")
        if "/en/" not in page.as_posix():
            assert not re.search(r"코드 셀 (content|source|outputs) ", text), page
    assert folded >= 20


class OtherLanguage(html.parser.HTMLParser):
    """Text of a page's article in another language than the one it is marked with:
    Hangul read as English, or three English words in a row read as Korean. Scripts,
    styles, maths and the explorers' controls (hidden without JavaScript; their script
    marks them, tests/test_explorer_pages.py) are not read; nor is code on Korean
    pages. The explorers' tables and notes are read: readers without JavaScript get
    them."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
    SKIPPED = {"math", "ax-controls"}
    CODE = {"cell_input", "highlight", "literal-block"}
    ENGLISH = re.compile(
        r"[A-Za-z]+(?:['’-][A-Za-z]+)*(?:[ ,;:]+[A-Za-z]+(?:['’-][A-Za-z]+)*){2}"
    )

    def __init__(self, page_lang):
        super().__init__()
        self.page_lang, self.stack, self.wrong = page_lang, [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        lang = attrs.get("lang") or (
            self.stack[-1][1] if self.stack else self.page_lang
        )
        inside = tag == "article" or (self.stack and self.stack[-1][2])
        skip = (self.stack and self.stack[-1][3]) or tag in ("script", "style")
        skip = skip or bool(classes & self.SKIPPED)
        if self.page_lang == "ko" and (tag in ("code", "pre") or classes & self.CODE):
            skip = True
        self.stack.append((tag, lang, inside, skip))

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, *_ in self.stack):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self.stack or not self.stack[-1][2] or self.stack[-1][3]:
            return
        lang = self.stack[-1][1]
        if re.search("[\uac00-\ud7a3]", data) and lang != "ko":
            self.wrong.append(data.strip()[:80])
        if self.page_lang == "ko" and self.ENGLISH.search(data) and lang != "en":
            self.wrong.append(self.ENGLISH.search(data)[0][:80])


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_text_in_the_other_language_says_so(site, lang):
    """WCAG 3.1.2: Korean in English pages and English sentences in Korean pages carry
    their own lang (_ext/language_parts.py), so screen readers switch voices."""
    marked = 0
    for page in chapter_pages(site, lang):
        text = page.read_text(encoding="utf-8")
        parser = OtherLanguage(lang)
        parser.feed(text)
        assert not parser.wrong, (page.name, parser.wrong[:5])
        marked += text.count(f'<span lang="{"en" if lang == "ko" else "ko"}">')
    assert marked > 100, marked  # Korean examples and outputs, English translations
