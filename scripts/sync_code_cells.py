#!/usr/bin/env python3
"""Copy one edition's code cells into the other: keeping them identical is a command.

    python3 scripts/sync_code_cells.py                 # English code → Korean notebooks
    python3 scripts/sync_code_cells.py --from ko       # Korean code → English notebooks
    python3 scripts/sync_code_cells.py --check         # only report cells that differ
    python3 scripts/sync_code_cells.py 05_attention    # only these chapters

Code cells are matched by position (the n-th code cell of one edition is the n-th of
the other); markdown cells, outputs and cell ids stay as they are. The setup cell keeps
its own edition's ``lang="..."``, the one line in which the editions' code differs.
When the two editions do not have the same number of code cells, nothing is written
for that chapter and the script says so: insert the new cell in both first.
"""

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ("en", "ko")


def with_language(source, lang):
    """The setup cell's source with its ``lang=`` set to ``lang``."""
    for other in EDITIONS:
        source = source.replace(f'lang="{other}"', f'lang="{lang}"')
    return source


def sync(name, source_lang, target_lang, write, root=ROOT):
    """Copy the code cells of chapter ``name``; return (messages, whether it could)."""
    paths = {lang: root / "chapters" / lang / f"{name}.ipynb" for lang in EDITIONS}
    books = {lang: nbformat.read(path, as_version=4) for lang, path in paths.items()}
    cells = {
        lang: [c for c in nb.cells if c.cell_type == "code"]
        for lang, nb in books.items()
    }
    if len(cells[source_lang]) != len(cells[target_lang]):
        return [
            f"{name}: {len(cells[source_lang])} code cells in {source_lang}, "
            f"{len(cells[target_lang])} in {target_lang}; nothing copied"
        ], False
    changed = []
    for number, (source, target) in enumerate(
        zip(cells[source_lang], cells[target_lang]), 1
    ):
        wanted = (
            with_language(source.source, target_lang) if number == 1 else source.source
        )
        if target.source != wanted:
            changed.append(f"{name}: code cell {number} differs")
            target.source = wanted
            tags = source.metadata.get("tags")
            if tags:
                target.metadata["tags"] = list(tags)
            else:
                target.metadata.pop("tags", None)
    if changed and write:
        nbformat.write(books[target_lang], paths[target_lang])
    return changed, True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter slugs, e.g. 05_attention")
    parser.add_argument("--from", dest="source", choices=EDITIONS, default="en")
    parser.add_argument(
        "--check", action="store_true", help="report only; write nothing"
    )
    args = parser.parse_args(argv)
    target = "ko" if args.source == "en" else "en"
    names = args.chapters or sorted(
        p.stem for p in (ROOT / "chapters" / "en").glob("*.ipynb")
    )
    messages, failed = [], False
    for name in names:
        found, could = sync(name, args.source, target, write=not args.check)
        messages += found
        failed = failed or not could
    for message in messages:
        print(message)
    verb = "differ" if args.check else "copied"
    print(f"{len(messages)} code cells {verb}" if messages else "code cells identical")
    return 1 if failed or (args.check and messages) else 0


if __name__ == "__main__":
    sys.exit(main())
