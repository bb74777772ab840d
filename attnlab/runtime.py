"""One call that prepares a chapter: seeds, device, plotting style, language.

Called from the setup cell at the top of every chapter (all chapters).
"""

import copy
import random

import numpy as np
import torch
from torch import nn

from attnlab.i18n import ReaderError, set_language


def set_seed(seed):
    """Seed Python, NumPy and PyTorch so that a chapter gives the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device():
    """A CUDA GPU when there is one, else the CPU. Nothing requires a GPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def copy_model(model):
    """An independent copy of ``model``, ready to run on any device.

    ``copy.deepcopy`` gives every RNN weight its own block of memory, and on a GPU
    cuDNN then warns at every call that it must gather them; the copy's RNNs put their
    weights back into one block (``flatten_parameters``, which does nothing on a CPU).
    """
    copied = copy.deepcopy(model)
    for module in copied.modules():
        if isinstance(module, nn.RNNBase):
            module.flatten_parameters()
    return copied


def _show_reader_errors_briefly():
    """In IPython, print a ReaderError as one line instead of a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def show(shell, etype, value, tb, tb_offset=None):
        print(f"⚠ {value}")

    shell.set_custom_exc((ReaderError,), show)


def setup(lang, seed=0, threads=None):
    """Prepare a chapter and return the device to compute on.

    - language of labels and messages (``"ko"`` or ``"en"``);
    - seeds for Python, NumPy and PyTorch;
    - the book's plotting style, with a font that has Korean glyphs;
    - ReaderError messages shown without a traceback in notebooks;
    - in the site build only, each model trained once for both editions
      (``attnlab.training_cache``; nothing changes anywhere else).

    Safe to call more than once.
    """
    from attnlab import training_cache
    from attnlab.plotting import use_book_style

    set_language(lang)
    set_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    use_book_style()
    _show_reader_errors_briefly()
    training_cache.install()  # the site build trains each model once for both editions
    return pick_device()
