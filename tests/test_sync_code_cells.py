"""scripts/sync_code_cells.py: one edition's code cells copied into the other."""

import importlib.util

import nbformat
from conftest import ROOT

spec = importlib.util.spec_from_file_location(
    "sync_code_cells", ROOT / "scripts" / "sync_code_cells.py"
)
sync_code_cells = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync_code_cells)


def write_pair(root, en_code, ko_code):
    """A chapter 'x' in both editions: a markdown cell, then the given code cells."""
    for lang, code in (("en", en_code), ("ko", ko_code)):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"{lang} prose")]
        nb.cells += [nbformat.v4.new_code_cell(source) for source in code]
        (root / "chapters" / lang).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, root / "chapters" / lang / "x.ipynb")


def read(root, lang):
    return nbformat.read(root / "chapters" / lang / "x.ipynb", as_version=4)


def test_english_code_goes_into_the_korean_notebook_keeping_its_prose_and_lang(
    tmp_path,
):
    write_pair(tmp_path, ['setup(lang="en")', "x = 2"], ['setup(lang="ko")', "x = 1"])
    messages, could = sync_code_cells.sync("x", "en", "ko", write=True, root=tmp_path)
    assert could and messages == ["x: code cell 2 differs"]
    ko = read(tmp_path, "ko")
    assert [c.source for c in ko.cells] == ["ko prose", 'setup(lang="ko")', "x = 2"]
    assert sync_code_cells.sync("x", "en", "ko", write=False, root=tmp_path) == (
        [],
        True,
    )


def test_check_writes_nothing_and_unequal_counts_copy_nothing(tmp_path):
    write_pair(tmp_path, ['setup(lang="en")', "x = 2"], ['setup(lang="ko")', "x = 1"])
    messages, could = sync_code_cells.sync("x", "en", "ko", write=False, root=tmp_path)
    assert could and messages and read(tmp_path, "ko").cells[2].source == "x = 1"
    write_pair(
        tmp_path, ['setup(lang="en")', "x = 2", "y = 3"], ['setup(lang="ko")', "x = 1"]
    )
    messages, could = sync_code_cells.sync("x", "en", "ko", write=True, root=tmp_path)
    assert not could and "nothing copied" in messages[0]
    assert read(tmp_path, "ko").cells[2].source == "x = 1"


def test_the_book_s_editions_are_in_step():
    """What the structure test demands, through the script's own check."""
    assert sync_code_cells.main(["--check"]) == 0
