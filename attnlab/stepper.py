"""The decoding stepper: watch a decoder translate token by token (chapter 3).

At every step it shows what was fed into the decoder, its top-k next tokens with
their probabilities, what it predicted and what the reference says, in
teacher-forced or free-running mode. See ``attnlab.explorer`` for how the live and
the static views are made; the static view's script is ``explorers/stepper.js``.
"""

import torch

from attnlab.explorer import (
    STYLE,
    Explorer,
    asset,
    escape,
    reader_message,
    sentence_menu,
    static_block,
)
from attnlab.i18n import ReaderError, tr
from attnlab.seq2seq import decode, decode_steps, encode_sentence
from attnlab.vocab import SOS

MODES = ("teacher_forced", "free_running")


def show_token(token):
    """A token as the reader should see it: spaces become a visible '␣'."""
    return token.replace(" ", "␣")


@torch.no_grad()
def decoding_steps(
    model,
    src_vocab,
    tgt_vocab,
    source,
    reference=None,
    teacher_forced=False,
    k=5,
    max_len=30,
    max_chars=60,
):
    """Record one greedy decoding step by step.

    Each step is a dict: ``fed`` (the token fed in), ``top`` (the k most likely
    next tokens and their probabilities), ``predicted`` and ``expected`` (the
    reference token, or None). Teacher-forced decoding feeds the reference;
    free-running decoding feeds back the prediction and stops at <eos>.
    """
    src, src_lengths = encode_sentence(model, source, src_vocab, max_chars)  # checks it
    if teacher_forced and not reference:
        raise ReaderError(
            ko="교사 강요 디코딩에는 정답 번역이 필요합니다.",
            en="Teacher-forced decoding needs the reference translation.",
        )
    model.eval()
    target = tgt_vocab.encode(reference) if reference else None  # ends with <eos>
    if teacher_forced:  # every input is known: all steps in one call
        fed = [SOS] + target[:-1]
        logits, _ = decode_steps(
            model,
            torch.tensor([fed], device=src.device),
            model.encode(src, src_lengths),
        )
        scores = list(logits[0])  # one (vocab,) row per step
    else:  # the decoding loop feeds back each prediction and stops after <eos>
        picked = [
            (int(token), logits[0])
            for token, logits, _ in decode(model, src, src_lengths, max_len)
        ]
        fed = [SOS] + [token for token, _ in picked[:-1]]
        scores = [logits for _, logits in picked]
    steps = []
    for t, (token, step_scores) in enumerate(zip(fed, scores)):
        probs = torch.softmax(step_scores, dim=-1)  # (vocab,)
        top = probs.topk(min(k, probs.numel()))
        steps.append(
            {
                "fed": tgt_vocab.itos[token],
                "top": [
                    [tgt_vocab.itos[i], round(p, 4)]
                    for i, p in zip(top.indices.tolist(), top.values.tolist())
                ],
                "predicted": tgt_vocab.itos[int(top.indices[0])],
                "expected": tgt_vocab.itos[target[t]]
                if target and t < len(target)
                else None,
            }
        )
    return steps


def steps_table(steps, step=None):
    """The steps as an HTML table; with ``step``, the rows up to it, that one marked."""
    header = (
        f"<tr><th>#</th><th>{tr(ko='입력된 토큰', en='fed in')}</th>"
        f"<th>{tr(ko='다음 토큰 후보 (확률)', en='top next tokens (probability)')}</th>"
        f"<th>{tr(ko='예측', en='predicted')}</th>"
        f"<th>{tr(ko='정답', en='reference')}</th>"
        f"<th>{tr(ko='지금까지의 출력', en='output so far')}</th></tr>"
    )
    rows, output = [], ""
    for i, s in enumerate(steps):
        if step is not None and i > step:
            break
        if s["predicted"] != "<eos>":
            output += s["predicted"]
        candidates = " ".join(
            f'<span title="{p:.4f}">'
            f'<span class="ax-bar" style="width:{p * 60:.1f}px"></span>'
            f'<span class="ax-token">{escape(show_token(token))}</span> {p:.2f}</span>'
            for token, p in s["top"]
        )
        verdict = (
            ""
            if s["expected"] is None
            else ("ax-right" if s["predicted"] == s["expected"] else "ax-wrong")
        )
        current = ' class="ax-current"' if i == step else ""
        expected = "" if s["expected"] is None else escape(show_token(s["expected"]))
        rows.append(
            f'<tr data-step="{i}"{current}><td>{i + 1}</td>'
            f'<td class="ax-token">{escape(show_token(s["fed"]))}</td>'
            f"<td>{candidates}</td>"
            f'<td class="ax-token {verdict}">{escape(show_token(s["predicted"]))}</td>'
            f'<td class="ax-token">{expected}</td>'
            f'<td class="ax-token">{escape(show_token(output))}</td></tr>'
        )
    return f"<table>{header}{''.join(rows)}</table>"


def mode_name(mode):
    return {
        "teacher_forced": tr(ko="교사 강요", en="teacher-forced"),
        "free_running": tr(ko="자유 실행", en="free-running"),
    }[mode]


def describe(source, reference, mode):
    """One line above a table: the sentence, its reference, and the mode."""
    fed = {
        "teacher_forced": tr(
            ko="매 단계에 정답의 이전 토큰을 넣습니다",
            en="each step is fed the reference's previous token",
        ),
        "free_running": tr(
            ko="매 단계에 모델 자신의 이전 예측을 넣습니다",
            en="each step is fed the model's own previous prediction",
        ),
    }[mode]
    reference = escape(reference) if reference else "—"
    return (
        f'<p class="ax-note"><b>{escape(source)}</b> → {reference} · '
        f"{mode_name(mode)}: {fed}.</p>"
    )


class DecodingStepper(Explorer):
    """Step through the greedy decoding of example sentences (chapter 3).

    ``examples`` is a list of ``(source, reference)`` pairs. In a notebook the reader
    can also type a sentence of their own (decoded free-running: there is no
    reference to force).
    """

    def __init__(self, model, src_vocab, tgt_vocab, examples, k=5, max_len=30):
        if not examples:
            raise ReaderError(
                ko="예문이 하나 이상 필요합니다.", en="Give at least one example."
            )
        self.model, self.src_vocab, self.tgt_vocab = model, src_vocab, tgt_vocab
        self.examples, self.k, self.max_len = list(examples), k, max_len
        self.steps = {
            (i, mode): self.decode(source, reference, mode)
            for i, (source, reference) in enumerate(self.examples)
            for mode in MODES
        }

    def decode(self, source, reference, mode):
        return decoding_steps(
            self.model,
            self.src_vocab,
            self.tgt_vocab,
            source,
            reference=reference,
            teacher_forced=mode == "teacher_forced",
            k=self.k,
            max_len=self.max_len,
        )

    def to_html(self):
        options = "".join(
            f'<option value="{i}">{escape(source)}</option>'
            for i, (source, _) in enumerate(self.examples)
        )
        radios = "".join(
            f'<label><input type="radio" name="mode" value="{mode}"'
            f"{' checked' if mode == MODES[0] else ''}> {mode_name(mode)}</label>"
            for mode in MODES
        )
        longest = max(len(steps) for steps in self.steps.values())
        controls = (
            f'<div class="ax-controls">'
            f"<label>{tr(ko='예문', en='example')} "
            f'<select class="ax-example">{options}</select></label>'
            '<span role="radiogroup" aria-label="'
            f'{tr(ko="디코딩 방식", en="decoding mode")}">{radios}</span>'
            f"<label>{tr(ko='단계', en='step')} "
            '<input type="range" class="ax-step" '
            f'min="0" max="{longest - 1}" value="0"> '
            '<output class="ax-step-label">1</output></label></div>'
        )
        views = "".join(
            f'<div data-ax-view="{i}-{mode}">{describe(source, reference, mode)}'
            f"{steps_table(self.steps[(i, mode)])}</div>"
            for i, (source, reference) in enumerate(self.examples)
            for mode in MODES
        )
        return static_block("stepper", controls + views, asset("stepper.js"))

    def widget(self):
        import ipywidgets as widgets

        example, typed = sentence_menu(
            self.examples,
            tr(ko="예: 2026년 11월 24일", en="e.g. 2026년 11월 24일"),
            typed_width="16em",
        )
        mode = widgets.ToggleButtons(
            options=[(mode_name(m), m) for m in MODES], value=MODES[0]
        )
        step = widgets.IntSlider(
            value=0, min=0, max=0, description=tr(ko="단계", en="step")
        )
        message = widgets.HTML()
        pane = widgets.HTML()
        shown = {"header": "", "steps": []}

        def redraw(_=None):
            table = steps_table(shown["steps"], step.value) if shown["steps"] else ""
            pane.value = f'<div class="attn-explorer">{shown["header"]}{table}</div>'

        def recompute(_=None):
            typed.layout.display = None if example.value == -1 else "none"
            source, reference = (
                self.examples[example.value]
                if example.value >= 0
                else (typed.value, None)
            )
            chosen = mode.value if reference else "free_running"
            message.value = (
                ""
                if chosen == mode.value
                else '<span class="ax-note">'
                + tr(
                    ko="직접 입력한 문장에는 정답이 없어 자유 실행으로 디코딩합니다.",
                    en="A typed sentence has no reference, "
                    "so it is decoded free-running.",
                )
                + "</span>"
            )
            try:
                shown["steps"] = (
                    self.steps[(example.value, chosen)]
                    if example.value >= 0
                    else self.decode(source, None, chosen)
                )
                shown["header"] = describe(source, reference, chosen)
            except ReaderError as error:
                # the message replaces the table; the widget lives on
                shown["steps"], shown["header"] = [], ""
                message.value = reader_message(error)
            step.max = max(len(shown["steps"]) - 1, 0)
            redraw()

        for control in (example, typed, mode):
            control.observe(recompute, names="value")
        step.observe(redraw, names="value")
        recompute()
        style = widgets.HTML(f"<style>{STYLE}</style>")
        return widgets.VBox(
            [style, widgets.HBox([example, typed]), mode, step, message, pane]
        )
