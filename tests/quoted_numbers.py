"""Numbers quoted in a chapter's prose must come from the code that ran.

A built chapter page has prose (the markdown cells), code (the cells' inputs) and
outputs (what the code printed or displayed). Every decimal number ("0.952", "96.5")
and every percentage ("41%", "41 %") in the prose must appear, formatted the same way,
in the page's outputs, or in its code where it is a setting ("lr=3e-3", "0.5"). A
number typed by hand, or one that moved when the code changed, is reported.

Mathematics (MathJax) and inline code are not prose. Integers are not checked here:
a sentence quoting one is backed by a claim check in the notebook instead.
"""

import html.parser
import re

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "svg"}
SKIP_CLASSES = {"math", "headerlink", "section-number", "cell_input", "cell_output"}

# Korean particles follow numbers directly ("0.95로"), so only ASCII counts as a word.
DECIMAL = re.compile(r"(?<![0-9A-Za-z_.§/])\d+\.\d+(?![0-9A-Za-z_]|\.\d|\s?%)")
PERCENT = re.compile(r"(?<![0-9A-Za-z_.])\d+(?:\.\d+)?\s?%")


class PageParts(html.parser.HTMLParser):
    """Split the article of a page into prose, code and output text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        # (tag, part) of open elements; part is None outside the article
        self.stack = []
        self.parts = {"prose": [], "code": [], "output": []}

    def part(self):
        return self.stack[-1][1] if self.stack else None

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        part = self.part()
        if tag == "article" or "bd-article" in classes:
            part = "prose"
        if part is not None:
            if "cell_output" in classes:
                part = "output"
            elif "cell_input" in classes:
                part = "code"
            elif part == "prose" and (tag in SKIP_TAGS or classes & SKIP_CLASSES):
                part = "skip"
        self.stack.append((tag, part))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        part = self.part()
        if part in self.parts:
            self.parts[part].append(data)


def page_parts(page_html):
    """{"prose": text, "code": text, "output": text} of one built page."""
    parser = PageParts()
    parser.feed(page_html)
    return {name: " ".join(texts) for name, texts in parser.parts.items()}


def quoted_numbers(prose):
    """The decimal numbers and percentages written in ``prose``, in order."""
    prose = re.sub(r"\s+", " ", prose)
    return DECIMAL.findall(prose) + [p.replace(" ", "") for p in PERCENT.findall(prose)]


def appears(number, text):
    """Whether ``number`` ("0.95", "41%") is written, exactly so, in ``text``."""
    if number.endswith("%"):
        pattern = re.escape(number[:-1]) + r"\s?%"
    else:
        pattern = re.escape(number)
    return re.search(r"(?<![\d.])" + pattern + r"(?![\d])", text) is not None


def unbacked_numbers(page_html, allowed=()):
    """Numbers in the prose of a page that neither its outputs nor its code contain."""
    parts = page_parts(page_html)
    backed = parts["output"] + "\n" + parts["code"]
    return [
        n
        for n in quoted_numbers(parts["prose"])
        if n not in allowed and not appears(n, backed)
    ]
