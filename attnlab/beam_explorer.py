"""The beam explorer: step through the beam search of one sentence (chapter 7).

At every step it shows each candidate the search considered, the hypothesis it grows
and the token it adds, with its log-probability and its fate: it goes on, it ends
with <eos> and is set aside, or it is pruned. Below, the n-best list the search
returned, and the attention heatmap of the hypothesis the reader picks (for a model
with attention). See ``attnlab.explorer`` for how the live and the static views are
made; the static view's script is ``explorers/beam.js``.
"""

import math

import torch

from attnlab.alignment import attention_weights
from attnlab.alignment_explorer import HEATMAP_STYLE, heatmap_table
from attnlab.beam import beam_search
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
from attnlab.seq2seq import encode_sentence
from attnlab.vocab import EOS, SOS

FATES = ("kept", "finished", "pruned")


def fate_name(fate):
    return {
        "kept": tr(ko="계속", en="goes on"),
        "finished": tr(ko="완료", en="finished"),
        "pruned": tr(ko="탈락", en="pruned"),
    }[fate]


@torch.no_grad()
def search_record(model, src_vocab, tgt_vocab, source, width=4, alpha=1.0,
                  max_len=30, max_chars=60):  # fmt: skip
    """The beam search of one sentence, step by step.

    Returns ``{"steps", "best"}``: ``steps`` as ``trace_steps`` gives them, and
    ``best``, the n-best list: dicts with ``tokens``, ``log_prob``, ``score`` and
    ``weights`` (the attention weights of each step, a list of rows, or None).
    """
    src, src_lengths = encode_sentence(model, source, src_vocab, max_chars)
    trace = []
    found = beam_search(model, src, src_lengths, width, max_len, alpha, trace=trace)[0]
    words = tgt_vocab.itos
    return {
        "steps": trace_steps(trace, width, words),
        "best": [with_weights(model, src, src_lengths, h, words) for h in found],
    }


def trace_steps(trace, width, words):
    """The first sentence of a ``beam_search`` trace as a list of steps, each a list
    of candidates, best first: dicts with ``prefix`` (the hypothesis grown, as
    tokens), ``token`` (the token added), ``log_prob`` and ``fate`` ("kept",
    "finished" or "pruned"). ``words``: the target vocabulary's tokens, by id."""
    open_ids, finished, steps = [[] for _ in range(width)], 0, []
    for best, beam, token, going_on in trace:
        best, beam, token = best[0].tolist(), beam[0].tolist(), token[0].tolist()
        going_on, candidates = going_on[0].tolist(), []
        for rank, (log_prob, i, v) in enumerate(zip(best, beam, token)):
            if log_prob == -math.inf:
                continue
            if v == EOS:  # set aside while the sentence has room (beam.set_aside)
                fate = "finished" if rank < width and finished < width else "pruned"
                finished += fate == "finished"
            else:
                fate = "kept" if rank in going_on else "pruned"
            candidates.append(
                {
                    "prefix": [words[t] for t in open_ids[i]],
                    "token": words[v],
                    "log_prob": round(log_prob, 4),
                    "fate": fate,
                }
            )
        open_ids = [open_ids[beam[r]] + [token[r]] for r in going_on]
        steps.append(candidates)
    return steps


def with_weights(model, src, src_lengths, hypothesis, words):
    """One found hypothesis as a dict, with its attention weights if the model has
    attention (by teacher-forcing it)."""
    tgt_in = torch.tensor([[SOS, *hypothesis.tokens[:-1]]], device=src.device)
    try:
        weights = attention_weights(model, src, src_lengths, tgt_in)[0].tolist()
    except AttributeError:  # a model without attention has no weights
        weights = None
    return {
        "tokens": [words[t] for t in hypothesis.tokens],
        "log_prob": round(hypothesis.log_prob, 4),
        "score": round(hypothesis.score, 4),
        "weights": weights,
    }


def joined(tokens, words):
    """Tokens as text: separated by spaces for a word vocabulary, not for characters."""
    return (" " if words else "").join(tokens)


def step_table(candidates, words, step):
    """One step's candidates as an HTML table (rows classed by their fate)."""
    header = (
        f"<tr><th>{tr(ko='가설', en='hypothesis')}</th>"
        f"<th>{tr(ko='더하는 토큰', en='adds')}</th>"
        f"<th>{tr(ko='로그 확률', en='log-prob')}</th>"
        f"<th>{tr(ko='결과', en='fate')}</th></tr>"
    )
    rows = "".join(
        f'<tr class="ax-{c["fate"]}"><td class="ax-token">'
        f"{escape(joined(c['prefix'], words)) or '&lt;sos&gt;'}</td>"
        f'<td class="ax-token">{escape(c["token"])}</td>'
        f"<td>{c['log_prob']:.3f}</td><td>{fate_name(c['fate'])}</td></tr>"
        for c in candidates
    )
    caption = tr(ko=f"{step + 1}단계의 후보", en=f"candidates at step {step + 1}")
    return (
        f'<table data-step="{step}"><caption>{caption}</caption>{header}{rows}</table>'
    )


def best_table(best, words, alpha):
    """The n-best list as an HTML table."""
    header = (
        f"<tr><th>#</th><th>{tr(ko='번역', en='translation')}</th>"
        f"<th>{tr(ko='로그 확률', en='log-prob')}</th>"
        f"<th>{tr(ko='점수', en='score')} (α = {alpha:g})</th></tr>"
    )
    rows = "".join(
        f'<tr><td>{r + 1}</td><td class="ax-token">'
        f"{escape(joined(h['tokens'], words))}</td>"
        f"<td>{h['log_prob']:.3f}</td><td>{h['score']:.3f}</td></tr>"
        for r, h in enumerate(best)
    )
    return f'<table class="ax-best">{header}{rows}</table>'


def heatmaps(best, source_tokens, only=None):
    """The heatmap of every n-best hypothesis (or of number ``only``), each in a
    ``data-hyp`` block."""
    return "".join(
        f'<div data-hyp="{r}"><p class="ax-note">#{r + 1}: '
        + tr(ko="어텐션 가중치", en="attention weights")
        + f"</p>{heatmap_table(h['weights'], source_tokens, h['tokens'])}</div>"
        for r, h in enumerate(best)
        if h["weights"] is not None and only in (None, r)
    )


class BeamExplorer(Explorer):
    """Step through the beam search of example sentences (chapter 7).

    ``examples`` is a list of ``(source, reference)`` pairs; in a notebook the reader
    can also type a sentence of their own.
    """

    def __init__(self, model, src_vocab, tgt_vocab, examples, width=4, alpha=1.0,
                 max_len=30):  # fmt: skip
        if not examples:
            raise ReaderError(
                ko="예문이 하나 이상 필요합니다.", en="Give at least one example."
            )
        self.model, self.src_vocab, self.tgt_vocab = model, src_vocab, tgt_vocab
        self.examples, self.width, self.alpha = list(examples), width, alpha
        self.max_len = max_len
        self.records = [self.search(source) for source, _ in self.examples]

    def search(self, source):
        return search_record(self.model, self.src_vocab, self.tgt_vocab, source,
                             self.width, self.alpha, self.max_len)  # fmt: skip

    def describe(self, source, reference):
        reference = escape(reference) if reference else "—"
        return (
            f'<p class="ax-note"><b>{escape(source)}</b> → {reference} · '
            + tr(ko="빔 크기", en="beam size")
            + f" {self.width}, α = {self.alpha:g}</p>"
        )

    def view(self, source, reference, record, step=None, hyp=None):
        """The HTML of one sentence: every step (or only ``step``), the n-best list,
        the heatmaps (or only that of hypothesis ``hyp``)."""
        words = self.tgt_vocab.words
        steps = "".join(
            step_table(candidates, words, t)
            for t, candidates in enumerate(record["steps"])
            if step is None or t == step
        )
        # the tokens the model read, <eos> included: one heatmap column each
        source_tokens = [
            self.src_vocab.itos[i] for i in self.src_vocab.encode(source.strip())
        ]
        return (
            self.describe(source, reference)
            + f'<div class="ax-steps">{steps}</div>'
            + best_table(record["best"], words, self.alpha)
            + heatmaps(record["best"], source_tokens, hyp)
        )

    def to_html(self):
        options = "".join(
            f'<option value="{i}">{escape(source)}</option>'
            for i, (source, _) in enumerate(self.examples)
        )
        picks = "".join(
            f'<option value="{r}">#{r + 1}</option>' for r in range(self.width)
        )
        longest = max(len(record["steps"]) for record in self.records)
        controls = (
            '<div class="ax-controls">'
            f"<label>{tr(ko='예문', en='example')} "
            f'<select class="ax-example">{options}</select></label>'
            f"<label>{tr(ko='단계', en='step')} "
            f'<input type="range" class="ax-step" min="0" max="{longest - 1}" '
            'value="0"> <output class="ax-step-label">1</output></label>'
        )
        if self.records[0]["best"][0]["weights"] is not None:  # else no heatmaps
            controls += (
                f"<label>{tr(ko='히트맵', en='heatmap')} "
                f'<select class="ax-hyp">{picks}</select></label>'
            )
        controls += "</div>"
        views = "".join(
            f'<div data-ax-view="{i}">{self.view(source, reference, record)}</div>'
            for i, ((source, reference), record) in enumerate(
                zip(self.examples, self.records)
            )
        )
        style = f"<style>{HEATMAP_STYLE}{asset('beam.css')}</style>"
        return static_block("beam", style + controls + views, asset("beam.js"))

    def widget(self):
        import ipywidgets as widgets

        example, typed = sentence_menu(self.examples)
        step = widgets.IntSlider(0, 0, 0, description=tr(ko="단계", en="step"))
        hyp = widgets.Dropdown(
            options=[(f"#{r + 1}", r) for r in range(self.width)],
            value=0,
            description=tr(ko="히트맵", en="heatmap"),
        )
        message, pane = widgets.HTML(), widgets.HTML()
        shown = {"source": "", "reference": None, "record": None}

        def redraw(_=None):
            record = shown["record"]
            html = (
                ""
                if record is None
                else self.view(
                    shown["source"], shown["reference"], record, step.value, hyp.value
                )
            )
            pane.value = f'<div class="attn-explorer">{html}</div>'

        def recompute(_=None):
            typed.layout.display = None if example.value == -1 else "none"
            chosen = example.value
            source, reference = (
                self.examples[chosen] if chosen >= 0 else (typed.value, None)
            )
            message.value = ""
            try:
                record = self.records[chosen] if chosen >= 0 else self.search(source)
            except ReaderError as error:  # the message replaces the tables
                record = None
                message.value = reader_message(error)
            shown.update(source=source, reference=reference, record=record)
            step.max = max(len(record["steps"]) - 1, 0) if record else 0
            redraw()

        for control in (example, typed):
            control.observe(recompute, names="value")
        step.observe(redraw, names="value")
        hyp.observe(redraw, names="value")
        recompute()
        style = widgets.HTML(
            f"<style>{STYLE}{HEATMAP_STYLE}{asset('beam.css')}</style>"
        )
        return widgets.VBox(
            [
                style,
                widgets.HBox([example, typed]),
                widgets.HBox([step, hyp]),
                message,
                pane,
            ]
        )
