"""attnlab: the code that the chapters of *Sequence to Sequence and Attention* build.

Each chapter writes its classes and functions out in the open, then saves them here so
that later chapters can import them in one line. Every docstring names the chapter that
teaches the object.
"""

__version__ = "0.1.0"

from attnlab.i18n import ReaderError, get_language, set_language, tr
from attnlab.runtime import copy_model, pick_device, set_seed, setup

__all__ = [
    "ReaderError",
    "__version__",
    "copy_model",
    "get_language",
    "pick_device",
    "set_language",
    "set_seed",
    "setup",
    "tr",
]
