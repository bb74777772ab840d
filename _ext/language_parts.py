"""Text in the other edition's language, marked with ``lang`` (WCAG 2.1, 3.1.2).

A screen reader reads a page in the language of ``<html lang>``; Korean inside the
English edition (example sentences, outputs, the code's Korean strings) and English
sentences inside the Korean edition need their own ``lang``, or they are read with the
wrong voice. ``mark_parts(html, lang)`` wraps them in ``<span lang="…">``:

- on English pages, every run of Hangul (with the spaces, digits and punctuation
  between its syllables);
- on Korean pages, every run of three or more English words. Shorter runs are terms,
  names and abbreviations (``교사 강요(teacher forcing)``, BLEU), which WCAG leaves
  unmarked; so is code.

Only the text between tags changes, outside comments. Left alone: scripts and styles,
mathematics (MathJax reads its TeX from the text), elements that already say their
language, the explorers' controls (hidden until their script runs, which marks them
itself: attnlab/explorers/explorer.js, ``markLanguages``) and, on Korean pages, code.
An explorer's tables and notes are marked here, so they say their language with
JavaScript off too; its script leaves text inside a ``lang`` element alone.
"""

import re

HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
# Hangul, then anything but a tag's start, a newline or Latin letters, up to the
# last Hangul syllable of the run, with a closing punctuation mark if there is one.
KOREAN_RUN = re.compile(rf"[{HANGUL}](?:[^<>\nA-Za-z]*[{HANGUL}])?[.?!]?")
WORD = r"[A-Za-z](?:[A-Za-z'’-]|&#?\w+;)*"
ENGLISH_RUN = re.compile(rf"{WORD}(?:(?:[ ,;:]|&nbsp;)+{WORD}){{2,}}[.?!]?")
RUNS = {"en": (KOREAN_RUN, "ko"), "ko": (ENGLISH_RUN, "en")}

TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][\w:-]*)([^>]*)>", re.DOTALL)
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "param", "source", "track", "wbr",
}  # fmt: skip
RAW = {"script", "style", "textarea"}  # their text is no prose
CLASS = re.compile(r"""\bclass\s*=\s*["']([^"']*)["']""")
LEFT_ALONE = {"math", "ax-controls"}  # classes whose text is not touched
CODE = {"cell_input", "highlight", "literal-block"}  # on Korean pages


def leaves_alone(name, attributes, lang):
    """Whether the text inside this element stays as it is."""
    if name in RAW or re.search(r"\blang\s*=", attributes):
        return True
    found = CLASS.search(attributes)
    classes = set(found.group(1).split()) if found else set()
    if lang == "ko" and (name in ("code", "pre") or classes & CODE):
        return True
    return bool(classes & LEFT_ALONE)


def mark_parts(html, lang):
    """``html`` with the runs of the other language wrapped (see the module's text)."""
    if lang not in RUNS:
        return html
    pattern, other = RUNS[lang]

    def mark(text):
        return pattern.sub(rf'<span lang="{other}">\g<0></span>', text)

    out, stack, position = [], [], 0  # stack: (tag name, leaves its text alone)
    for tag in TAG.finditer(html):
        if tag.start() < position:  # inside a script or style, already copied
            continue
        text = html[position : tag.start()]
        out += [text if any(alone for _, alone in stack) else mark(text), tag[0]]
        position = tag.end()
        if tag[2] is None:  # a comment
            continue
        closing, name, attributes = tag[1], tag[2].lower(), tag[3]
        if closing:
            if any(open_name == name for open_name, _ in stack):
                while stack.pop()[0] != name:  # and whatever was left open inside
                    pass
        elif name not in VOID and not attributes.rstrip().endswith("/"):
            stack.append((name, leaves_alone(name, attributes, lang)))
        if name in RAW and not closing:  # its text may hold "<": copy it to its end
            end = html.find(f"</{name}", position)
            end = len(html) if end < 0 else end
            out.append(html[position:end])
            position = end
    text = html[position:]
    out.append(text if any(alone for _, alone in stack) else mark(text))
    return "".join(out)
