"""Sentences about results stay true: claim checks in notebooks, numbers on the site.

Two mechanisms keep the prose honest when the numbers move:

- **Claim checks.** Every sentence about a measured result is backed by a code cell
  tagged ``remove-cell`` that starts with ``# Check for the text (hidden on the site):``
  and asserts the claim. The strict build executes it, so a claim that stops holding
  fails the build; the site does not show it, a Colab reader can read it.
- **Quoted numbers.** Every decimal number or percentage in a chapter's prose must
  appear, formatted the same way, in that chapter's executed outputs (or its code, for
  settings). See ``quoted_numbers.py``.

Both are shown failing on a deliberately wrong sentence in ``fixtures/``.
"""

import pathlib

import nbformat
import pytest
from conftest import EDITIONS, edition_folder, notebooks, read_notebook
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from quoted_numbers import page_parts, quoted_numbers, unbacked_numbers

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
CHECK_HEADER = "# Check for the text (hidden on the site):"
ALL_NOTEBOOKS = notebooks("ko") + notebooks("en")

# Numbers a chapter quotes that are not results of its code: published figures, cited.
# chapter slug -> {number: where it comes from}
CITED = {}


def ids(paths):
    return [f"{p.parent.name}/{p.stem}" for p in paths]


def check_cells(path):
    return [
        c
        for c in read_notebook(path).cells
        if "remove-cell" in c.metadata.get("tags", [])
    ]


# --- claim checks -------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_every_chapter_backs_its_claims_with_hidden_checks(path):
    """Each chapter has claim checks, and each hidden cell is one, in the house form."""
    cells = check_cells(path)
    assert cells, "no claim check (a remove-cell code cell) in this chapter"
    for cell in cells:
        assert cell.cell_type == "code", "only code cells are hidden"
        assert cell.source.startswith(CHECK_HEADER), (
            f"a hidden cell must start with {CHECK_HEADER!r}: {cell.source[:80]!r}"
        )
        claim = cell.source.splitlines()[0][len(CHECK_HEADER) :].strip()
        assert len(claim) > 10, "the first line names the claim it checks"
        assert "assert " in cell.source, "a claim check asserts its claim"
        assert "print(" not in cell.source, "a hidden cell's output is never seen"


def run_notebook(notebook):
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()


def test_a_claim_check_fails_the_run_when_its_sentence_is_wrong():
    """The fixture's sentence says ratio 1.0 wins; its own numbers say otherwise."""
    notebook = nbformat.read(FIXTURES / "wrong_claim.ipynb", as_version=4)
    with pytest.raises(CellExecutionError, match="the text says ratio 1.0 wins"):
        run_notebook(notebook)


def test_the_same_claim_check_passes_when_the_numbers_agree_with_the_sentence():
    notebook = nbformat.read(FIXTURES / "wrong_claim.ipynb", as_version=4)
    notebook.cells[1].source = notebook.cells[1].source.replace(
        "{1.0: 0.564, 0.0: 0.990}", "{1.0: 0.990, 0.0: 0.564}"
    )
    run_notebook(notebook)


# --- quoted numbers -------------------------------------------------------------------


def fixture_page():
    return (FIXTURES / "quoted_numbers_page.html").read_text(encoding="utf-8")


def test_prose_code_and_outputs_are_told_apart():
    parts = page_parts(fixture_page())
    assert "0.952" in parts["prose"] and "exact match 0.952" in parts["output"]
    assert "ratios = [1.0, 0.5, 0.0]" in parts["code"].replace("\n", " ")
    assert "0.75" not in parts["prose"], "maths is not prose"
    assert "sidebar" not in parts["prose"], "the sidebar is not the chapter's prose"


def test_quoted_numbers_finds_decimals_and_percentages_only():
    text = (
        "Exact match 0.952로, 41 % of dates, 3.5% more, 200 steps, torch 2.13.0, §3.3."
    )
    assert quoted_numbers(text) == ["0.952", "41%", "3.5%"]


def test_a_number_typed_by_hand_or_stale_is_reported():
    """The fixture quotes 0.952 and 41% (printed), 0.564 and 0.953 (printed nowhere)."""
    assert unbacked_numbers(fixture_page()) == ["0.564", "0.953"]


def test_a_cited_number_can_be_allowed_by_name():
    assert unbacked_numbers(fixture_page(), allowed={"0.564", "0.953"}) == []


def chapter_pages(site):
    return [
        (lang, page)
        for lang in EDITIONS
        for page in sorted(edition_folder(site, lang).glob("[0-9][0-9]_*.html"))
    ]


@pytest.mark.site
def test_every_number_quoted_in_a_chapter_comes_from_its_outputs(site):
    problems = []
    for lang, page in chapter_pages(site):
        allowed = CITED.get(page.stem, {})
        missing = unbacked_numbers(page.read_text(encoding="utf-8"), allowed)
        if missing:
            problems.append(f"{lang}/{page.stem}: {missing}")
    assert chapter_pages(site), "no chapter pages found"
    assert not problems, "numbers in the prose that no output prints:\n" + "\n".join(
        problems
    )


@pytest.mark.site
def test_claim_checks_are_hidden_on_the_site(site):
    for lang, page in chapter_pages(site):
        assert CHECK_HEADER not in page.read_text(encoding="utf-8"), (
            f"{lang}/{page.stem}"
        )
