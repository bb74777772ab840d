"""The built site: complete in both editions, links that resolve, nothing from a CDN."""

import html.parser
import re
import urllib.parse

import pytest

from conftest import ROOT, read_config

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
    folder = site / "chapters" / lang if lang == "ko" else site / "en" / "chapters" / "en"
    return sorted(folder.glob("*.html"))


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
    page = (site / "en" / "chapters" / "en" / "01_training_data.html").read_text(encoding="utf-8")
    colab = f"https://colab.research.google.com/github/{path}/blob/main/chapters/en/01_training_data.ipynb"
    assert colab in page
    assert "mybinder.org" in page
    assert "_sources/chapters/en/01_training_data.ipynb" in page  # download .ipynb


def test_chapter_pages_show_outputs_computed_during_the_build(site):
    for lang in ("ko", "en"):
        page = (chapter_pages(site, lang)[0]).read_text(encoding="utf-8")
        assert page.count('class="cell_output') >= 5, "executed outputs are missing"
        figures = re.findall(r'<img[^>]+src="[^"]*_images/[^"]+\.png"', page)
        assert len(figures) >= 3, "the figures made by the chapter's code are missing"


def test_search_and_bibliography_are_built(site):
    for base in (site, site / "en"):
        assert (base / "search.html").exists() and (base / "searchindex.js").exists()
    references = (site / "en" / "chapters" / "en" / "references.html").read_text(encoding="utf-8")
    assert "Bahdanau" in references and "neural machine translation" in references.lower()


def test_glossary_tables_list_every_term(site):
    rows = (ROOT / "assets" / "glossary.csv").read_text(encoding="utf-8").splitlines()[1:]
    for lang, folder in (("ko", site / "chapters" / "ko"), ("en", site / "en" / "chapters" / "en")):
        page = (folder / "glossary.html").read_text(encoding="utf-8")
        for row in rows:
            english, korean = row.split(",")[:2]
            assert english in page and korean in page, (lang, english)


def test_mathjax_is_served_locally(site):
    for base in (site, site / "en"):
        assert (base / "_static" / "mathjax" / "tex-chtml.js").exists()
