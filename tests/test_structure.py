"""Every chapter keeps the shape the book relies on, in both editions."""

import ast
import csv
import importlib
import inspect
import re
import shlex

import pytest
from conftest import (
    EDITIONS,
    ROOT,
    TOCS,
    code_cells,
    notebooks,
    read_config,
    read_notebook,
)

import attnlab

ALL_NOTEBOOKS = [path for lang in EDITIONS for path in notebooks(lang)]
NAMES = sorted({path.name for path in ALL_NOTEBOOKS})
SETUP_CELL = """\
# Setup: in Colab, install the book's package; then seeds, device, fonts, language.
import importlib.util
import subprocess
import sys

PACKAGE = "git+{url}@v{version}"
if "google.colab" in sys.modules and importlib.util.find_spec("attnlab") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)
import attnlab

device = attnlab.setup(lang="{lang}", seed=0)"""


def ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


def test_there_are_chapters():
    assert NAMES, "no chapter notebooks found"


@pytest.mark.parametrize("name", NAMES)
def test_every_chapter_exists_in_both_editions(name):
    for lang in EDITIONS:
        assert (ROOT / "chapters" / lang / name).exists(), (
            f"{lang} edition lacks {name}"
        )


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_notebook_is_committed_without_outputs_or_widget_state(path):
    notebook = read_notebook(path)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"outputs committed in:\n{cell.source[:200]}"
            assert cell.execution_count is None, "execution count committed"
    assert "widgets" not in notebook.metadata, "saved widget state in metadata"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_notebook_opens_with_one_title_then_the_setup_cell(path):
    notebook = read_notebook(path)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    titles = [
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if re.match(r"^# ", line)
    ]
    assert len(titles) == 1, f"expected one '#' title, found {titles}"
    config = read_config(path.parent.name)
    expected = SETUP_CELL.format(
        url=config["repository"]["url"],
        version=attnlab.__version__,
        lang=path.parent.name,
    )
    assert code_cells(notebook)[0] == expected


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_code_has_no_path_hacks_or_star_imports(path):
    for source in code_cells(read_notebook(path)):
        assert "sys.path" not in source, source
        assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", source, re.M), source


@pytest.mark.parametrize("name", NAMES)
def test_code_cells_are_identical_across_editions(name):
    ko = code_cells(read_notebook(ROOT / "chapters" / "ko" / name))
    en = code_cells(read_notebook(ROOT / "chapters" / "en" / name))
    assert len(ko) == len(en), "different number of code cells"
    assert ko[0].replace('lang="ko"', 'lang="en"') == en[0], "setup cells differ"
    for i, (a, b) in enumerate(zip(ko[1:], en[1:]), start=2):
        assert a == b, f"code cell {i} differs between editions:\n{a}\n---\n{b}"


def test_configs_differ_only_in_title_author_and_language():
    ko, en = read_config("ko"), read_config("en")
    for config in (ko, en):
        config.pop("title"), config.pop("author")
    assert ko["sphinx"]["config"].pop("language") == "ko"
    assert en["sphinx"]["config"].pop("language") == "en"
    assert ko == en


def test_build_is_strict():
    config = read_config("ko")
    assert config["execute"]["execute_notebooks"] == "force"
    assert config["execute"]["raise_on_error"] is True
    assert config["execute"]["allow_errors"] is False
    assert config["execute"]["stderr_output"] in ("warn", "error", "severe")
    script = (ROOT / "scripts" / "build_site.sh").read_text()
    assert "-n -W --keep-going" in script


# What scripts/build_site.sh writes: each edition's Jupyter Book output (--path-output),
# the build logs, the site copied from both, and the training the editions share while
# the build runs. _build/assignments (the autograder
# zips of `make assignments`) and anything else under _build are not the build's.
BUILD_OUTPUTS = (
    "_build/ko",
    "_build/en",
    "_build/site",
    "_build/logs",
    "_build/training",
)


def shell_words(line):
    """One line of a shell script as words and operators, without quotes or comment."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True  # "_build/$lang" stays one word
    return list(lexer)


def removed_paths(script):
    """The paths that the ``rm`` commands of a shell script name, as written."""
    paths = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shell_words(line)
        commands = [i for i, word in enumerate(words) if word.split("/")[-1] == "rm"]
        for start in commands:  # rm or /bin/rm
            for word in words[start + 1 :]:
                if set(word) <= set("();<>|&"):
                    break  # an operator (; && || |) ends the command
                if not word.startswith("-"):
                    paths.append(word.rstrip("/"))
    return paths


def is_under(path, folder):
    """Whether ``path`` is ``folder`` or inside it (both as written, relative)."""
    return path == folder or path.startswith(folder + "/")


def test_site_build_removes_only_its_own_outputs():
    """`make site` keeps the teacher's autograder zips in _build/assignments.

    Every ``rm`` of the build script names one of its own output folders, literally: not
    _build as a whole, not a glob, not a variable.
    """
    removed = removed_paths((ROOT / "scripts" / "build_site.sh").read_text())
    foreign = [
        path
        for path in removed
        if not any(is_under(path, output) for output in BUILD_OUTPUTS)
    ]
    assert not foreign, f"build_site.sh removes {foreign}, not only {BUILD_OUTPUTS}"


def test_site_build_starts_from_clean_outputs():
    """Each output folder is removed before the build: no stale page survives."""
    removed = removed_paths((ROOT / "scripts" / "build_site.sh").read_text())
    kept = [
        output
        for output in BUILD_OUTPUTS
        if not any(is_under(output, path) for path in removed)
    ]
    assert not kept, f"scripts/build_site.sh does not clean {kept} before building"


def test_repository_url_lives_in_the_config_and_the_package_follows_it():
    url = read_config("ko")["repository"]["url"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'Source = "{url}"' in pyproject
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert url in readme


def toc_files(lang):
    text = TOCS[lang].read_text(encoding="utf-8")
    return re.findall(r"(?:root|file):\s*(\S+)", text)


def test_tables_of_contents_list_the_same_pages():
    ko = [f.replace("chapters/ko/", "") for f in toc_files("ko")]
    en = [f.replace("chapters/en/", "") for f in toc_files("en")]
    assert ko == en
    for lang in EDITIONS:
        for page in toc_files(lang):
            assert page.startswith(f"chapters/{lang}/")
            assert any((ROOT / f"{page}{ext}").exists() for ext in (".md", ".ipynb")), (
                page
            )
    listed = {f"{f.split('/')[-1]}.ipynb" for f in toc_files("en")}
    assert set(NAMES) <= listed, (
        "a chapter notebook is missing from the table of contents"
    )


def read_glossary():
    with open(ROOT / "assets" / "glossary.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_glossary_has_unique_terms_in_both_languages():
    rows = read_glossary()
    assert rows
    for column in ("en", "ko"):
        terms = [row[column] for row in rows]
        assert all(terms) and len(set(terms)) == len(terms), column


def chapter_number(path):
    return int(path.name.split("_")[0])


@pytest.mark.parametrize("path", notebooks("ko"), ids=ids(notebooks("ko")))
def test_korean_prose_gives_the_english_term_on_first_use(path):
    """First use of a glossary term in a Korean chapter: 한국어 용어(English term)."""
    prose = "\n".join(
        c.source for c in read_notebook(path).cells if c.cell_type == "markdown"
    )
    prose = re.sub(r"`[^`]*`|\$[^$]*\$", "", prose)  # code and maths are not prose
    prose = re.sub(r"^#+ .*$", "", prose, flags=re.M)  # nor are titles and headings
    missing = []
    for row in read_glossary():
        if int(row["chapter"]) > chapter_number(path) or row["ko"] not in prose:
            continue
        english = row["en"].split(" (")[0]
        after = prose[prose.index(row["ko"]) + len(row["ko"]) :][: len(english) + 40]
        if not re.match(r"[*_]*\s?\(" + re.escape(english), after, re.I):
            missing.append(f"{row['ko']}({english})")
    assert not missing, f"first use without the English term: {missing}"


def korean_prose(path):
    """The Korean prose of a chapter: markdown without code, maths and headings."""
    prose = "\n".join(
        c.source for c in read_notebook(path).cells if c.cell_type == "markdown"
    )
    prose = re.sub(r"`[^`]*`|\$[^$]*\$", "", prose)
    return re.sub(r"^#+ .*$", "", prose, flags=re.M)


# A term a chapter introduces: **정렬**(alignment) or **정렬(alignment)**.
INTRODUCED = re.compile(
    r"\*\*(?:\d+\.\s*)?([^*\n(]+?)\*\*\s?\(([A-Za-z][^)]*)\)"
    r"|\*\*(?:\d+\.\s*)?([^*\n(]+?)\(([A-Za-z][^)]*)\)\*\*"
)


def introductions():
    """Where each term is introduced: the first chapter that writes it in bold with its
    English in parentheses, or else the first that writes 한국어(English) at all."""
    bold, plain = {}, {}
    rows = read_glossary()
    for path in notebooks("ko"):
        prose = korean_prose(path)
        for match in INTRODUCED.finditer(prose):
            bold.setdefault(
                (match.group(1) or match.group(3)).strip(), chapter_number(path)
            )
        for row in rows:
            english = re.escape(row["en"].split(" (")[0])
            if re.search(re.escape(row["ko"]) + r"[*_]*\s?\(" + english, prose, re.I):
                plain.setdefault(row["ko"], chapter_number(path))
    return bold, {**plain, **bold}


def test_every_term_a_chapter_introduces_is_in_the_glossary():
    """A term in bold with its English in parentheses is an introduction."""
    bold, _ = introductions()
    chapters = {row["ko"] for row in read_glossary()}
    missing = sorted(
        f"{term} (ch. {ch})" for term, ch in bold.items() if term not in chapters
    )
    assert not missing, f"introduced in bold but not in assets/glossary.csv: {missing}"


def test_glossary_chapters_are_where_the_terms_are_introduced():
    _, chapter = introductions()
    wrong = [
        f"{row['ko']} ({row['en']}): glossary says {row['chapter']}, "
        f"introduced in {chapter.get(row['ko'])}"
        for row in read_glossary()
        if chapter.get(row["ko"]) != int(row["chapter"])
    ]
    assert not wrong, "\n".join(wrong)


SAVED = re.compile(r"^# Saved in attnlab/(\w+)\.py$", re.M)


def saved_cells():
    for path in ALL_NOTEBOOKS:
        for source in code_cells(read_notebook(path)):
            match = SAVED.search(source)
            if match:
                yield pytest.param(
                    path,
                    match.group(1),
                    source,
                    id=f"{ids([path])[0]}:{match.group(1)}",
                )


def definition_key(node):
    """What a top-level statement defines, as written, or None (imports, expressions).

    A function or class is keyed by its name; an assignment by its targets, so that
    ``PAD, SOS, EOS, UNK = 0, 1, 2, 3`` and ``Batch.__doc__ = "..."`` are each one key.
    """
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign):
        return " = ".join(ast.unparse(target) for target in node.targets)
    if isinstance(node, ast.AnnAssign):
        return ast.unparse(node.target)
    return None


def top_level_definitions(source):
    """The functions, classes and module-level assignments of some code, by key."""
    nodes = ast.parse(source).body
    return {definition_key(node): node for node in nodes if definition_key(node)}


def root_names(node):
    """The names a definition binds or changes: ``Batch`` in ``Batch.__doc__ = ...``."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = set()
    for target in targets:
        while isinstance(target, (ast.Attribute, ast.Subscript)):
            target = target.value  # Batch.__doc__ -> Batch, SCORES["dot"] -> SCORES
        names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def saved_differences(module, source):
    """How a 'Saved in' cell and ``attnlab/<module>.py`` differ, a line per definition.

    Every function, class and module-level assignment of the cell must be in the module,
    identical; and the module may not add to what the cell defines (a namedtuple's
    ``Batch.__doc__ = ...``, say) without the cell doing the same.
    """
    package = top_level_definitions(
        inspect.getsource(importlib.import_module(f"attnlab.{module}"))
    )
    cell = top_level_definitions(source)
    names = set().union(*(root_names(node) for node in cell.values()))
    missing = [f"attnlab.{module} lacks {key}" for key in cell if key not in package]
    differ = [
        f"{key} differs from attnlab.{module}"
        for key, node in cell.items()
        if key in package and ast.dump(package[key]) != ast.dump(node)
    ]
    added = [
        f"attnlab.{module} also sets {key}; the chapter does not"
        for key, node in package.items()
        if key not in cell and root_names(node) & names
    ]
    return missing + differ + added


@pytest.mark.parametrize("path,module,source", list(saved_cells()))
def test_code_saved_in_the_package_is_the_code_the_chapter_teaches(
    path, module, source
):
    assert top_level_definitions(source), "a cell marked 'Saved in' defines nothing"
    differences = saved_differences(module, source)
    assert not differences, "\n".join(differences)


def test_the_package_declares_every_third_party_module_it_imports():
    """Colab installs attnlab with pip: a missing dependency breaks a chapter there.

    ``attnlab.classroom`` (the assignments' tools) may also use the ``classroom`` extra,
    which chapters never install, so nothing else may import it.
    """
    import sys

    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    module_of = {"otter-grader": "otter"}  # distributions whose module has another name

    def names(requirements):
        names = {
            re.split(r"[<>=!~ ;\[]", d)[0].lower().replace("_", "-")
            for d in requirements
        }
        return {module_of.get(name, name) for name in names}

    declared = names(project["dependencies"])
    extras = {"classroom.py": names(project["optional-dependencies"]["classroom"])}
    # installed first / part of every notebook
    provided = {"torch", "IPython", "attnlab"}
    missing, third_party = set(), set()
    for path in (ROOT / "attnlab").glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module)
        if path.name != "classroom.py":
            assert "attnlab.classroom" not in imported, (
                f"{path.name} imports attnlab.classroom"
            )
        modules = {m.split(".")[0] for m in imported}
        modules = {
            m for m in modules if m not in sys.stdlib_module_names and m not in provided
        }
        third_party |= modules
        allowed = declared | extras.get(path.name, set())
        missing |= {m for m in modules if m.lower().replace("_", "-") not in allowed}
    assert third_party, "expected some third-party imports"
    assert not missing, (
        f"imported by attnlab but not in pyproject dependencies: {missing}"
    )


EXERCISES = {"ko": ("## 연습 문제", "풀이"), "en": ("## Exercises", "Solution")}


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_chapter_ends_with_exercises_and_folded_solutions(path):
    """Every numbered exercise has a <details> solution; solution code runs in the build
    (so the build checks it) and its output stays folded (hide-cell)."""
    heading, word = EXERCISES[path.parent.name]
    cells = read_notebook(path).cells
    start = next((i for i, c in enumerate(cells) if heading in c.source), None)
    assert start is not None, f"no '{heading}' section"
    questions = cells[start].source.split(heading, 1)[1].split("<details>", 1)[0]
    exercises = re.findall(r"^(\d+)\. ", questions, re.M)
    assert len(exercises) >= 2 and exercises == [
        str(i + 1) for i in range(len(exercises))
    ]
    after = cells[start:]
    summaries = [
        n
        for c in after
        if c.cell_type == "markdown"
        for n in re.findall(rf"<details>\s*<summary>{word} (\d+)</summary>", c.source)
    ]
    assert summaries == exercises, f"solutions {summaries} for exercises {exercises}"
    code = [
        c
        for c in after
        if c.cell_type == "code" and "remove-cell" not in c.metadata.get("tags", [])
    ]  # claim checks are hidden
    assert code, "no solution code runs during the build"
    for cell in code:
        assert re.match(r"# Solution \d+", cell.source), cell.source[:60]
        assert "hide-cell" in cell.metadata.get("tags", []), cell.source[:60]


WHAT_NEXT = {"ko": "## 다음 장으로", "en": "## What next"}


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_chapter_closes_with_what_next(path):
    """After the summary, a short section points the learner to what comes next."""
    last = [c for c in read_notebook(path).cells if c.cell_type == "markdown"][-1]
    assert last.source.startswith(WHAT_NEXT[path.parent.name]), last.source[:60]


PLAIN_CITATION = re.compile(
    r"[A-Z][a-z]+(?: et al\.| (?:&|and) [A-Z][a-z]+),? \(?(?:19|20)\d\d"
)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_citations_link_to_the_bibliography(path):
    """Papers are cited with {cite:t}/{cite:p}, never typed as plain 'X et al. 2015'."""
    prose = "\n".join(
        c.source for c in read_notebook(path).cells if c.cell_type == "markdown"
    )
    prose = re.sub(r"\{cite:\w+\}`[^`]*`", "", prose)
    assert not PLAIN_CITATION.findall(prose), PLAIN_CITATION.findall(prose)
    keys = set(
        re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M)
    )
    cited = re.findall(
        r"\{cite:\w+\}`([^`]*)`", "\n".join(c.source for c in read_notebook(path).cells)
    )
    unknown = {k.strip() for group in cited for k in group.split(",")} - keys
    assert not unknown, f"cited but not in references.bib: {unknown}"


MAX_CELL_LINES = 30  # "short cells, one idea each": about 25 lines at most


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ids(ALL_NOTEBOOKS))
def test_code_cells_are_short(path):
    long = [
        (len(source.splitlines()), source.splitlines()[0])
        for source in code_cells(read_notebook(path))
        if len(source.splitlines()) > MAX_CELL_LINES
    ]
    assert not long, f"cells over {MAX_CELL_LINES} lines: {long}"
