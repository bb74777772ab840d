"""The book's plotting style, with a font that has Korean glyphs.

matplotlib's default font (DejaVu Sans) has no Hangul, so Korean labels would be drawn
as empty boxes. We register NanumGothic: from the ``koreanize-matplotlib`` package when
it is installed (it ships the font file; its own import is not needed and breaks on
recent Pythons), otherwise from the system's fonts (Debian's ``fonts-nanum``).
"""

import glob
import importlib.util
import os

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager, ticker

KOREAN_FONT = "NanumGothic"

_SYSTEM_FONT_DIRS = (
    "/usr/share/fonts/truetype/nanum",
    "/usr/share/fonts/nanum",
    os.path.expanduser("~/.local/share/fonts"),
    "/Library/Fonts",
)


def korean_font_files():
    """Paths of NanumGothic font files found on this machine (maybe empty)."""
    folders = []
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is not None and spec.submodule_search_locations:
        folders.append(os.path.join(spec.submodule_search_locations[0], "fonts"))
    folders.extend(_SYSTEM_FONT_DIRS)
    files = []
    for folder in folders:
        files.extend(sorted(glob.glob(os.path.join(folder, "NanumGothic*.ttf"))))
    return [f for f in files if "Coding" not in os.path.basename(f)]


def register_korean_font():
    """Register NanumGothic with matplotlib; return its family name, or None."""
    files = korean_font_files()
    for path in files:
        font_manager.fontManager.addfont(path)
    return KOREAN_FONT if files else None


def use_book_style():
    """Seaborn's clean style, readable sizes, and a font with Korean glyphs."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    family = register_korean_font()
    if family is not None:
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    # NanumGothic has no U+2212 minus sign: draw the ASCII hyphen-minus instead.
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["figure.figsize"] = (6.4, 3.6)
    matplotlib.rcParams["figure.dpi"] = 100
    matplotlib.rcParams["savefig.bbox"] = "tight"
    plt.rcParams["axes.titlesize"] = "medium"


def plain_log_axis(axis):
    """Label a log-scale axis (``ax.yaxis``, say) with plain numbers, 0.1, 1, 10.

    matplotlib labels a log axis with 10 to a power, set in mathtext, and mathtext
    draws the minus of 10^-1 as U+2212 in the text font whatever
    ``axes.unicode_minus`` says; NanumGothic has no such glyph, so the Korean edition
    would show a box and print a warning."""
    axis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())
