"""Training shared by the site's two editions: each model is trained once per build.

The Korean and the English page of a chapter run the same code cells, so each call
of ``attnlab.training.train`` trains the same model on the same batches from the same
random state in both editions' kernels, and under the build's fixed numerics
(``scripts/build_site.sh``) it ends with the same weights, bit for bit. The build
therefore sets ``ATTNLAB_TRAINING_CACHE`` to a folder, and ``attnlab.setup`` then
has ``train`` keep what a training run leaves behind there: the weights and their
gradients, the history, the modules' train/eval modes and the random generators'
states. When the other edition's kernel comes to the same call, it takes all of that
from the folder instead of training again, and everything after it runs as if it had
trained. The English edition reads its chapters last to first
(``_ext/attnbook.py``), so that the two kernels meet in the middle of the book.

A call is known by everything that goes into it: its place among the kernel's calls
of ``train``, the model (its class, layers and weights), the batches, the arguments,
the code of ``scores`` and ``evaluate`` and the random generators' states. Anywhere
else (Colab, a reader's machine, the tests, a GPU) the variable is unset or the model
is not on the CPU, and ``train`` trains.
"""

import functools
import hashlib
import inspect
import os
import random
import types
from pathlib import Path

import numpy as np
import torch
from torch import nn

from attnlab import training

VARIABLE = "ATTNLAB_TRAINING_CACHE"
TRAIN = training.train  # the function the chapters teach, before any wrapping


def digest(value, h):
    """Feed ``value`` into the hash ``h``: tensors by their bytes, functions by their
    code and the values they close over, containers item by item."""
    if isinstance(value, nn.Module):
        h.update(f"module {type(value).__qualname__} {value!r}".encode())
        h.update(repr([m.training for m in value.modules()]).encode())
        digest(value.state_dict(), h)
    elif isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        h.update(f"tensor {tensor.dtype} {tuple(tensor.shape)}".encode())
        h.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, np.ndarray):
        h.update(f"array {value.dtype} {value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__qualname__} {len(value)}".encode())
        for item in value:
            digest(item, h)
    elif isinstance(value, (set, frozenset)):
        digest(sorted(value, key=repr), h)
    elif isinstance(value, dict):
        h.update(f"dict {len(value)}".encode())
        for key in sorted(value, key=repr):
            h.update(repr(key).encode())
            digest(value[key], h)
    elif isinstance(value, functools.partial):
        digest((value.func, value.args, value.keywords), h)
    elif isinstance(value, types.FunctionType):
        h.update(f"function {value.__module__} {value.__qualname__}".encode())
        digest(value.__code__, h)
        digest(value.__defaults__ or (), h)
        digest(value.__kwdefaults__ or {}, h)
        digest([cell.cell_contents for cell in value.__closure__ or ()], h)
    elif isinstance(value, types.CodeType):
        h.update(value.co_code + repr(value.co_names).encode())
        digest(value.co_consts, h)
    elif type(value).__repr__ is object.__repr__ and hasattr(value, "__dict__"):
        h.update(f"object {type(value).__qualname__}".encode())  # not its address
        digest(vars(value), h)
    else:
        h.update(f"{type(value).__qualname__} {value!r}".encode())


def random_states():
    """The states of Python's, NumPy's and PyTorch's (CPU) random generators."""
    return random.getstate(), np.random.get_state(), torch.get_rng_state()


def set_random_states(states):
    python, numpy, torch_cpu = states
    random.setstate(python)
    np.random.set_state(numpy)
    torch.set_rng_state(torch_cpu)


def call_key(number, model, batches, arguments):
    """The file name of one call of ``train``: a hash of all that goes into it."""
    h = hashlib.sha256()
    digest([number, torch.__version__, model, batches, arguments], h)
    digest(random_states(), h)
    return h.hexdigest()


def shared(folder, train=TRAIN):
    """``train``, keeping each run's results in ``folder`` and taking them from
    there when the same call has run before."""
    folder = Path(folder)
    signature = inspect.signature(TRAIN)  # the arguments, as train names them
    calls = 0

    @functools.wraps(train)
    def train_once(*args, **kwargs):
        nonlocal calls
        calls += 1
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        model, batches = arguments.pop("model"), arguments.pop("batches")
        if any(p.device.type != "cpu" for p in model.parameters()):
            return train(*args, **kwargs)
        path = folder / f"{call_key(calls, model, batches, arguments)}.pt"
        if path.exists():
            return restore(torch.load(path, weights_only=False), model, arguments)
        history = train(*args, **kwargs)
        saved = {
            "weights": model.state_dict(),
            "grads": [p.grad for p in model.parameters()],
            "modes": [m.training for m in model.modules()],
            "history": history,
            "random": random_states(),
        }
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        torch.save(saved, partial)
        partial.replace(path)  # whole or not at all, for the other kernel
        return history

    return train_once


def restore(saved, model, arguments):
    """Leave ``model`` and the random generators as the saved run left them; show the
    run's last progress line; return its history."""
    model.load_state_dict(saved["weights"])
    for parameter, grad in zip(model.parameters(), saved["grads"]):
        parameter.grad = grad
    for module, mode in zip(model.modules(), saved["modes"]):
        module.training = mode
    set_random_states(saved["random"])
    history = saved["history"]
    if arguments["show_progress"]:
        steps = arguments["steps"]
        training.Progress(steps).show(steps, history["loss"][-1], history["seconds"])
    return history


def install():
    """Share training through the folder that ``ATTNLAB_TRAINING_CACHE`` names, if it
    is set (the site build); else leave ``train`` as it is. Safe to call again."""
    folder = os.environ.get(VARIABLE)
    training.train = shared(folder) if folder else TRAIN
