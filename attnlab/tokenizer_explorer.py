"""The tokeniser explorer: one Korean sentence cut four ways, and its translation's
attention (chapter 9).

For each example sentence it shows, side by side, the tokens of every tokeniser
(``attnlab.tokenizers``) with their number, marking the tokens a vocabulary has never
seen (``⁇`` and a dashed outline, not colour alone); and, given a model, the
greedy translation with its attention heatmap over the tokens the model reads.

The static view renders every example as plain tables, which is what a reader sees
with JavaScript off; its script (``explorers/tokenizer.js``) shows one example at a
time, chosen from a menu. The live view (core ipywidgets) re-renders from Python, and
in a notebook the reader can also type a sentence of their own. See
``attnlab.explorer`` for how the views are chosen.
"""

import torch

from attnlab.alignment import attention_weights
from attnlab.alignment_explorer import HEATMAP_STYLE, heatmap_table
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
from attnlab.seq2seq import decode
from attnlab.vocab import SOS

UNKNOWN_MARK = "⁇"  # after a token the vocabulary lacks; not "?", which text has


class TokenizerExplorer(Explorer):
    """Tokenisations of Korean sentences side by side, and a model's translation.

    ``vocabs``: {name: ``TokenVocab``}, one per tokeniser, built on the training
    sentences (they say which tokens are unknown). ``model`` (optional) translates
    with the source vocabulary ``vocabs[model_vocab]`` and the target ``tgt_vocab``.
    """

    def __init__(self, vocabs, examples, model=None, model_vocab=None, tgt_vocab=None,
                 max_len=40, max_chars=200):  # fmt: skip
        if not vocabs:
            raise ReaderError(
                ko="토크나이저의 어휘가 하나 이상 필요합니다.",
                en="Give the vocabulary of at least one tokeniser.",
            )
        if model is not None and (model_vocab not in vocabs or tgt_vocab is None):
            raise ReaderError(
                ko="모델을 보여 주려면 model_vocab(vocabs의 이름)과 tgt_vocab이 "
                "필요합니다.",
                en="To show a model, give model_vocab (a name in vocabs) and "
                "tgt_vocab.",
            )
        if not examples:
            raise ReaderError(
                ko="예문이 하나 이상 필요합니다.", en="Give at least one example."
            )
        self.vocabs, self.model = vocabs, model and model.eval()
        self.model_vocab, self.tgt_vocab = model_vocab, tgt_vocab
        self.max_len, self.max_chars = max_len, max_chars
        self.examples = [str(example) for example in examples]
        self.views = [self.view(example) for example in self.examples]

    def check(self, text):
        """Refuse what no tokeniser should be asked to cut, in the reader's language."""
        if not isinstance(text, str) or not text.strip():
            raise ReaderError(
                ko="빈 문장입니다. 한국어 문장을 입력해 보세요.",
                en="The sentence is empty: type a Korean sentence.",
            )
        if len(text) > self.max_chars:
            raise ReaderError(
                ko=f"문장이 너무 깁니다: {len(text)}자입니다. "
                f"{self.max_chars}자 이하로 입력하세요.",
                en=f"The sentence is too long: {len(text)} characters; "
                f"the limit is {self.max_chars}.",
            )

    @torch.no_grad()
    def translate(self, text):
        """The model's greedy translation of ``text``: (its text, source tokens, output
        tokens, attention weights (output, source) as lists), or None without a
        model."""
        if self.model is None:
            return None
        vocab = self.vocabs[self.model_vocab]
        device = next(self.model.parameters()).device
        src = torch.tensor([vocab.encode(text)], device=device)  # (1, src_len)
        src_lengths = torch.tensor([src.size(1)], device=device)
        ids = [int(t) for t, _, _ in decode(self.model, src, src_lengths, self.max_len)]
        tgt_in = torch.tensor([[SOS, *ids[:-1]]], device=device)  # (1, steps)
        weights = attention_weights(self.model, src, src_lengths, tgt_in)[0]
        source = [vocab.itos[i] for i in src[0].tolist()]
        output = [self.tgt_vocab.itos[i] for i in ids]
        rows = [[round(w, 3) for w in row] for row in weights.tolist()]
        return self.tgt_vocab.decode(ids), source, output, rows

    def view(self, text):
        """One sentence: every tokeniser's tokens, then the translation (HTML)."""
        self.check(text)
        unknown = tr(ko="훈련 어휘에 없는 토큰", en="not in the training vocabulary")
        rows = []
        for name, vocab in self.vocabs.items():
            tokens = vocab.split(text)
            chips = "".join(
                f'<span class="ax-chip ax-unk" title="{escape(unknown)}">'
                f"{escape(token)}{UNKNOWN_MARK}</span>"
                if token not in vocab.stoi
                else f'<span class="ax-chip">{escape(token)}</span>'
                for token in tokens
            )
            rows.append(
                f'<tr><th scope="row">{escape(name)}</th><td>{len(tokens)}</td>'
                f"<td>{chips}</td></tr>"
            )
        header = (
            f"<tr><th>{tr(ko='토크나이저', en='tokeniser')}</th>"
            f"<th>{tr(ko='토큰 수', en='count')}</th>"
            f"<th>{tr(ko='토큰', en='tokens')}</th></tr>"
        )
        html = f'<table class="ax-tokens">{header}{"".join(rows)}</table>'
        translated = self.translate(text)
        if translated is not None:
            translation, source, output, weights = translated
            html += (
                f'<p class="ax-note">{tr(ko="번역", en="translation")} '
                f"({escape(self.model_vocab)}): <b>{escape(translation)}</b></p>"
                + heatmap_table(weights, source, output)
            )
        return html + f'<p class="ax-note">{UNKNOWN_MARK} = {escape(unknown)}</p>'

    # -- static view -------------------------------------------------------------

    def to_html(self):
        options = "".join(
            f'<option value="{e}">{escape(text)}</option>'
            for e, text in enumerate(self.examples)
        )
        controls = (
            f'<div class="ax-controls"><label>{tr(ko="예문", en="example")} '
            f'<select class="ax-example">{options}</select></label></div>'
        )
        views = "".join(
            f'<div data-ax-view="{e}"><p class="ax-note"><b>{escape(text)}</b></p>'
            f"{self.views[e]}</div>"
            for e, text in enumerate(self.examples)
        )
        body = (
            f"<style>{HEATMAP_STYLE}{asset('tokenizer.css')}</style>{controls}{views}"
        )
        return static_block("tokenizer", body, asset("tokenizer.js"))

    # -- live view ---------------------------------------------------------------

    def widget(self):
        import ipywidgets as widgets

        example, typed = sentence_menu(
            [(text,) for text in self.examples],
            tr(ko="예: 내일 비가 오면 집에 있을 거예요.",
               en="e.g. 내일 비가 오면 집에 있을 거예요."),
            width="32em",
            typed_width="24em",
        )  # fmt: skip
        message, pane = widgets.HTML(), widgets.HTML()

        def redraw(_=None):
            typed.layout.display = None if example.value == -1 else "none"
            message.value = ""
            try:
                shown = (
                    self.views[example.value]
                    if example.value >= 0
                    else self.view(typed.value)
                )
            except ReaderError as error:
                # the message replaces the view; the widget lives on
                message.value = reader_message(error)
                pane.value = ""
                return
            pane.value = f'<div class="attn-explorer">{shown}</div>'

        for control in (example, typed):
            control.observe(redraw, names="value")
        redraw()
        style = widgets.HTML(
            f"<style>{STYLE}{HEATMAP_STYLE}{asset('tokenizer.css')}</style>"
        )
        return widgets.VBox([style, widgets.HBox([example, typed]), message, pane])
