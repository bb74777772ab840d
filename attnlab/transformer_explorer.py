"""The Transformer explorer: every layer's and head's attention (chapter 8).

For a few example sentences, each teacher-forced on its reference, it holds the
weights of every layer and head of the Transformer's three attentions: the decoder's
cross-attention to the source (with the gold alignment outlined), the decoder's
masked self-attention, and the encoder's self-attention. The reader picks an example,
an attention, a layer and a head.

The static view renders one heatmap per example and attention, with the weights of
layer 1, head 1: what a reader sees with JavaScript off, as plain tables. Its script
(``explorers/transformer.js``) shows the chosen heatmap and recolours its cells from
the weights of every layer and head, which travel as JSON (rounded to 3 decimals).
The live view (core ipywidgets) re-renders from Python, and in a notebook the reader
can also type a sentence of their own: it is translated greedily and the weights are
those of the translation. See ``attnlab.explorer`` for how the views are chosen.
"""

import torch

from attnlab.alignment import encode_pairs
from attnlab.alignment_explorer import HEATMAP_STYLE, heatmap_table
from attnlab.explorer import (
    KOREAN_PLACEHOLDER,
    STYLE,
    Explorer,
    asset,
    escape,
    reader_message,
    sentence_menu,
    static_block,
    type_a_sentence,
)
from attnlab.i18n import ReaderError, tr
from attnlab.seq2seq import decode, encode_sentence
from attnlab.transformer import Transformer, attention_maps
from attnlab.vocab import SOS

KINDS = ("cross", "decoder", "encoder")


def kind_name(kind):
    names = {
        "cross": (
            "크로스 어텐션 (디코더 → 원문)",
            "cross-attention (decoder → source)",
        ),
        "decoder": ("디코더 셀프 어텐션 (마스크)", "decoder self-attention (masked)"),
        "encoder": ("인코더 셀프 어텐션", "encoder self-attention"),
    }
    ko, en = names[kind]
    return tr(ko=ko, en=en)


def which(layer, head):
    layer, head = layer + 1, head + 1
    return tr(ko=f"층 {layer}, 헤드 {head}", en=f"layer {layer}, head {head}")


class TransformerExplorer(Explorer):
    """Attention heatmaps of a Transformer by example, attention, layer and head.

    ``examples`` are ``(source, target, alignment)`` triples (the alignment may be
    None); weights are collected with teacher forcing on the example's target.
    """

    def __init__(self, model, src_vocab, tgt_vocab, examples, max_len=45,
                 max_words=40, max_chars=300):  # fmt: skip
        if not isinstance(model, Transformer):
            raise ReaderError(
                ko="이 탐색기는 attnlab.transformer.Transformer 모델을 보여 줍니다.",
                en="This explorer shows an attnlab.transformer.Transformer model.",
            )
        if not examples:
            raise ReaderError(
                ko="예문이 하나 이상 필요합니다.", en="Give at least one example."
            )
        self.model, self.src_vocab, self.tgt_vocab = model.eval(), src_vocab, tgt_vocab
        self.examples = list(examples)
        self.max_len, self.max_words, self.max_chars = max_len, max_words, max_chars
        self.layers = len(model.decoder_layers)
        self.heads = model.decoder_layers[0].cross_attention.heads
        # weights[kind][example][layer][head]: rows of numbers, as lists
        self.weights = {kind: [] for kind in KINDS}
        self.labels = []  # per example: {kind: (columns, rows, gold)}
        for source, target, *rest in self.examples:
            alignment = list(rest[0]) if rest and rest[0] else None
            source_tokens = source.split() + ["<eos>"]
            target_tokens = target.split() + ["<eos>"]
            maps = self.maps(source, target)
            for kind in KINDS:
                self.weights[kind].append(maps[kind])
            self.labels.append(self.tokens(source_tokens, target_tokens, alignment))

    @staticmethod
    def tokens(source, target, gold=None):
        """Each attention's columns, rows and gold alignment (cross-attention only).
        The decoder's self-attention looks at its inputs: <sos>, then the target."""
        inputs = ["<sos>"] + target[:-1]
        return {
            "cross": (source, target, gold),
            "decoder": (inputs, target, None),
            "encoder": (source, source, None),
        }

    def maps(self, source, target):
        """One sentence's weights, {kind: [layer][head] -> rows}, rounded."""
        device = next(self.model.parameters()).device
        src, src_lengths, tgt_in = encode_pairs(
            [(source, target)], self.src_vocab, self.tgt_vocab, device
        )
        maps = attention_maps(self.model, src, src_lengths, tgt_in)
        return {
            kind: [
                [[[round(w, 3) for w in row] for row in head[0]] for head in layer]
                for layer in weights.tolist()  # (layers, heads, 1, rows, columns)
            ]
            for kind, weights in maps.items()
        }

    @torch.no_grad()
    def decode_typed(self, text):
        """Translate a typed sentence greedily: its source tokens, the translation's
        tokens and the weights of every attention on that translation."""
        src, src_lengths = encode_sentence(
            self.model, text, self.src_vocab, self.max_chars
        )
        words = self.src_vocab.split(text.strip())
        if len(words) > self.max_words:
            raise ReaderError(
                ko=f"문장이 너무 깁니다: {len(words)}단어입니다. "
                f"모델은 {self.max_words}단어 이하의 문장으로 훈련했습니다.",
                en=f"The sentence is too long: {len(words)} words; "
                f"the model was trained on sentences of at most {self.max_words}.",
            )
        ids = [int(t) for t, _, _ in decode(self.model, src, src_lengths, self.max_len)]
        output = [self.tgt_vocab.itos[i] for i in ids]
        tgt_in = torch.tensor([[SOS, *ids[:-1]]], device=src.device)  # (1, steps)
        maps = attention_maps(self.model, src, src_lengths, tgt_in)
        unknown = set(self.src_vocab.unknown(text))
        source = [("<unk>" if w in unknown else w) for w in words] + ["<eos>"]
        weights = {kind: [[head[0] for head in layer] for layer in m.tolist()]
                   for kind, m in maps.items()}  # fmt: skip
        return source, output, weights

    def heatmap(self, weights, labels, kind, layer, head):
        columns, rows, gold = labels[kind]
        return heatmap_table(weights[kind][layer][head], columns, rows, gold)

    # -- static view -------------------------------------------------------------

    def to_html(self):
        def menu(name, label, options):
            items = "".join(
                f'<option value="{value}">{escape(text)}</option>'
                for value, text in options
            )
            return f'<label>{label} <select class="ax-{name}">{items}</select></label>'

        controls = (
            '<div class="ax-controls">'
            + menu(
                "example",
                tr(ko="예문", en="example"),
                [(e, source) for e, (source, *_) in enumerate(self.examples)],
            )
            + menu(
                "kind",
                tr(ko="어텐션", en="attention"),
                [(k, kind_name(k)) for k in KINDS],
            )
            + menu(
                "layer",
                tr(ko="층", en="layer"),
                [(i, i + 1) for i in range(self.layers)],
            )
            + menu(
                "head",
                tr(ko="헤드", en="head"),
                [(h, h + 1) for h in range(self.heads)],
            )
            + '<label><input type="checkbox" class="ax-gold-toggle" checked> '
            + tr(ko="정답 정렬 표시", en="show gold alignment")
            + "</label></div>"
        )
        views = "".join(
            f'<div data-ax-view="{e}-{kind}"><p class="ax-note"><b>'
            f"{escape(source)}</b> → {escape(target)} · {escape(kind_name(kind))} · "
            f'<span class="ax-which">{escape(which(0, 0))}</span></p>'
            + self.heatmap(
                {k: self.weights[k][e] for k in KINDS}, self.labels[e], kind, 0, 0
            )
            + "</div>"
            for e, (source, target, *_) in enumerate(self.examples)
            for kind in KINDS
        )
        note = tr(
            ko="칸 위에 마우스를 올리면 정확한 가중치가 보입니다. "
            "빨간 테두리는 정답 정렬입니다(크로스 어텐션).",
            en="Hover over a cell to see its exact weight. "
            "Red outlines mark the gold alignment (cross-attention).",
        )
        body = (
            f"<style>{HEATMAP_STYLE}</style>"
            + controls
            + views
            + f'<p class="ax-note">{note}</p>'
        )
        heads = range(self.heads)
        data = {
            "weights": self.weights,
            "which": [[which(i, h) for h in heads] for i in range(self.layers)],
        }
        return static_block(
            "transformer", body, asset("transformer.js"), data, classes="ax-show-gold"
        )

    # -- live view ---------------------------------------------------------------

    def widget(self):
        import ipywidgets as widgets

        example, typed = sentence_menu(
            self.examples, tr(**KOREAN_PLACEHOLDER), width="32em", typed_width="24em"
        )
        kind = widgets.Dropdown(
            options=[(kind_name(k), k) for k in KINDS],
            value="cross",
            description=tr(ko="어텐션", en="attention"),
        )
        layer = widgets.Dropdown(
            options=[(str(i + 1), i) for i in range(self.layers)],
            value=0,
            description=tr(ko="층", en="layer"),
        )
        head = widgets.Dropdown(
            options=[(str(h + 1), h) for h in range(self.heads)],
            value=0,
            description=tr(ko="헤드", en="head"),
        )
        gold = widgets.Checkbox(
            value=True, description=tr(ko="정답 정렬 표시", en="show gold alignment")
        )
        message, pane = widgets.HTML(), widgets.HTML()

        def redraw(_=None):
            typed.layout.display = None if example.value == -1 else "none"
            message.value = ""
            if example.value >= 0:
                e = example.value
                weights = {k: self.weights[k][e] for k in KINDS}
                labels = self.labels[e]
            elif not typed.value:  # nothing typed yet
                message.value = type_a_sentence()
                pane.value = ""
                return
            else:
                try:
                    source, output, weights = self.decode_typed(typed.value)
                except ReaderError as error:
                    # the message replaces the heatmap; the widget lives on
                    message.value = reader_message(error)
                    pane.value = ""
                    return
                labels = self.tokens(source, output)
            shown = " ax-show-gold" if gold.value else ""
            pane.value = (
                f'<div class="attn-explorer{shown}"><p class="ax-note">'
                f"{escape(kind_name(kind.value))} · "
                f"{escape(which(layer.value, head.value))}</p>"
                + self.heatmap(weights, labels, kind.value, layer.value, head.value)
                + "</div>"
            )

        for control in (example, typed, kind, layer, head, gold):
            control.observe(redraw, names="value")
        redraw()
        style = widgets.HTML(f"<style>{STYLE}{HEATMAP_STYLE}</style>")
        return widgets.VBox(
            [
                style,
                widgets.HBox([example, typed]),
                widgets.HBox([kind, layer, head]),
                gold,
                message,
                pane,
            ]
        )
