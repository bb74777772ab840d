"""Assertions for the assignments' tests, with messages in the reader's language.

The tests of the graded notebooks in ``assignments/`` are written with these, so that
a student whose function is unfinished, renamed, or lost to a cell that failed reads
what to do next instead of a bare ``TypeError``. Each helper raises ``CheckFailed``,
an ``AssertionError``, which ``grader.check`` and the grader report as a failed test
case together with the message. The language is the one chosen by the notebook's
setup cell.
"""

import math

import torch

from attnlab.i18n import tr


class CheckFailed(AssertionError):
    """A check of an assignment's test failed; its message is the test author's."""


def check(condition, ko, en):
    """Fail with the message in the reader's language unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(tr(ko=ko, en=en))


def is_function(fn, name):
    """``fn`` is the student's function ``name``, defined and callable."""
    check(
        callable(fn),
        ko=f"`{name}` 함수가 없습니다. 그 함수를 정의하는 셀을 실행했는지, "
        "셀에 문법 오류가 없는지, 함수 이름을 바꾸지 않았는지 확인하세요.",
        en=f"There is no function `{name}`. Check that you ran the cell that defines "
        f"it, that the cell has no syntax error, and that you kept its name.",
    )


def answered(value, name):
    """The student's function returned something (not ``None`` or ``...``)."""
    check(
        value is not None and value is not Ellipsis,
        ko=f"`{name}`이(가) 아무것도 돌려주지 않았습니다. `...` 자리를 코드로 채우고 "
        f"결과를 return 하세요.",
        en=f"`{name}` returned nothing. Replace the `...` with your code and return "
        f"the result.",
    )


def is_tensor(value, name):
    """``value`` is a tensor."""
    answered(value, name)
    check(
        isinstance(value, torch.Tensor),
        ko=f"`{name}`은(는) 텐서여야 하는데 {type(value).__name__}입니다.",
        en=f"`{name}` should be a tensor, but it is a {type(value).__name__}.",
    )


def has_shape(tensor, shape, name):
    """``tensor`` is a tensor of exactly ``shape``."""
    is_tensor(tensor, name)
    check(
        tuple(tensor.shape) == tuple(shape),
        ko=f"`{name}`의 모양은 {tuple(shape)}이어야 하는데 "
        f"{tuple(tensor.shape)}입니다.",
        en=f"`{name}` should have shape {tuple(shape)}, but it has "
        f"{tuple(tensor.shape)}.",
    )


def is_close(actual, expected, name, atol=1e-5):
    """``actual`` equals ``expected`` (tensors or numbers) up to ``atol``."""
    if isinstance(expected, torch.Tensor):
        has_shape(actual, expected.shape, name)
        gap = (actual.detach().float().cpu() - expected.detach().float().cpu()).abs()
        worst = gap.nan_to_num(nan=math.inf).max().item() if gap.numel() else 0.0
    else:
        answered(actual, name)
        check(
            isinstance(actual, (int, float))
            or (isinstance(actual, torch.Tensor) and actual.numel() == 1),
            ko=f"`{name}`은(는) 숫자여야 하는데 {type(actual).__name__}입니다.",
            en=f"`{name}` should be a number, but it is a {type(actual).__name__}.",
        )
        worst = abs(float(actual) - float(expected))
        worst = math.inf if math.isnan(worst) else worst
    check(
        worst <= atol,
        ko=f"`{name}`의 값이 기대한 값과 다릅니다 (가장 큰 차이 {worst:.3g}).",
        en=f"`{name}` differs from the expected value (largest difference "
        f"{worst:.3g}).",
    )
