"""The PDF editions (make pdf, scripts/build_pdf.py): built offline from the site
build, every chapter in order, fonts embedded (Korean glyphs included), nothing
printed beyond the page, and linked from the site and attached to releases."""

import re
import subprocess
import sys

import nbformat
import pytest
import yaml
from conftest import ROOT, edition_folder, read_config

sys.path.insert(0, str(ROOT / "scripts"))
import build_pdf  # noqa: E402

A4 = (595.92, 842.88)  # points
RIGHT_MARGIN = 16 / 25.4 * 72  # 16 mm (build_pdf.print_to_pdf), in points


@pytest.fixture(scope="module")
def pdfs(site):
    """Both PDFs, printed from the site build that the tests share."""
    done = subprocess.run(
        [sys.executable, "scripts/build_pdf.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {lang: build_pdf.pdf_path(lang) for lang in ("ko", "en")}


def pages_text(path):
    """The text of every page: a list, one string per page, whitespace collapsed."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = text.replace("\u2019", "'")  # Sphinx curls apostrophes
    return [re.sub(r"\s+", " ", page) for page in text.split("\f")]


def squash(text):
    return re.sub(r"\s+", "", text)


def chapter_titles(lang):
    """Every document's title in the edition's table of contents, in order."""
    toc = yaml.safe_load((ROOT / build_pdf.TOCS[lang]).read_text(encoding="utf-8"))
    files = [toc["root"]] + [
        chapter["file"] for part in toc["parts"] for chapter in part["chapters"]
    ]
    titles = []
    for name in files:
        path = next((ROOT / name).parent.glob((ROOT / name).name + ".*"))
        if path.suffix == ".ipynb":
            text = nbformat.read(path, as_version=4).cells[0].source
        else:
            text = path.read_text(encoding="utf-8")
        titles.append(re.search(r"^# (.+)$", text, re.M).group(1).strip())
    return titles


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_chapter_title_appears_in_order(pdfs, lang):
    pages = pages_text(pdfs[lang])
    titles = chapter_titles(lang)
    assert len(titles) >= 13, titles
    # Compared without whitespace: a long title wraps, even after a dash.
    contents = squash(pages[1])  # the title page, then the contents
    places = [contents.find(squash(title)) for title in titles[1:]]
    assert -1 not in places and places == sorted(places), list(zip(titles, places))
    body = squash(" ".join(pages[2:]))
    start = 0
    for title in titles[1:]:  # the front page's title is the title page's
        found = body.find(squash(title), start)
        assert found >= 0, f"{title!r} missing after the previous chapter"
        start = found + len(squash(title))
    assert read_config(lang)["title"] in pages[0]


def folded_openings(lang):
    """The first words of every folded thing in the edition's chapters: each
    solution's answer (markdown after ``</summary>``, up to its first markup or
    quote, 60 characters at most) and the first line of each folded (hide-cell)
    code cell."""
    openings = []
    for path in sorted((ROOT / "chapters" / lang).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if "hide-cell" in cell.metadata.get("tags", []):
                openings.append(cell.source.splitlines()[0])
            elif cell.cell_type == "markdown" and "</summary>" in cell.source:
                for fold in cell.source.split("</summary>")[1:]:
                    plain = re.match(r'[^$`*_\[(<"]*', fold.strip()).group(0)
                    if len(plain.strip()) >= 10:
                        openings.append(plain[:60])
    return openings


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_folded_solutions_and_cells_are_printed_open(pdfs, lang):
    text = squash(" ".join(pages_text(pdfs[lang])))
    openings = folded_openings(lang)
    assert len(openings) >= 40, len(openings)
    missing = [o for o in openings if squash(o) not in text]
    assert not missing, missing[:10]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_fonts_are_embedded_korean_ones_included(pdfs, lang):
    report = subprocess.run(
        ["pdffonts", str(pdfs[lang])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert report
    for line in report:
        embedded = line.split()[-5]  # name type encoding emb sub uni object id
        assert embedded == "yes", line
    assert any("Nanum" in line for line in report), "no Korean font embedded"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_page_is_wider_than_the_paper_and_nothing_runs_off_it(pdfs, lang):
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "100000", str(pdfs[lang])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) >= 100, "a book of fewer than 100 pages?"
    assert {(float(w), float(h)) for w, h in sizes} == {A4}
    # Every word ends inside the right margin: code and tables wrap, not clip.
    words = subprocess.run(
        ["pdftotext", "-bbox", str(pdfs[lang]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    limit = A4[0] - RIGHT_MARGIN + 2  # 2 points of rounding
    beyond = [
        (float(x), word)
        for x, word in re.findall(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"'
            r' yMax="[\d.]+">([^<]*)</word>',
            words,
        )  # fmt: skip
        if float(x) > limit
    ]
    assert not beyond, beyond[:20]


def test_the_site_links_both_pdfs_of_the_latest_release():
    url = read_config("en")["repository"]["url"]
    for lang in ("ko", "en"):
        page = (ROOT / "chapters" / lang / "index.md").read_text(encoding="utf-8")
        for edition in ("ko", "en"):
            name = build_pdf.pdf_path(edition).name
            assert f"{url}/releases/latest/download/{name}" in page, (lang, name)


def test_the_release_carries_the_pdfs():
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    assert "make site pdf assignments" in workflow
    assert "_build/pdf/*.pdf" in workflow
    assert build_pdf.OUT == ROOT / "_build" / "pdf"


def test_the_intro_page_on_the_site_shows_the_pdf_links(site):
    for lang in ("ko", "en"):
        page = (edition_folder(site, lang) / "index.html").read_text(encoding="utf-8")
        assert page.count("/releases/latest/download/seq2seq-attention-") == 2
