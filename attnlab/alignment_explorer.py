"""The alignment explorer: attention heatmaps to step through (chapter 5).

For a few example sentences it shows the attention weights of every decoding step as
a heatmap (rows: target words, columns: source words). The reader picks an example
and a decoding step (its row is highlighted and the context it forms is spelled out),
switches the gold alignment on and off, slides through checkpoints saved during
training to watch the alignment appear, and switches model (scoring function or
decoder). In a live notebook they can also type a sentence of their own.

Both views share one renderer, ``heatmap_table``. The live view (core ipywidgets)
re-renders it from Python; the static view embeds every checkpoint's weights as JSON
(rounded to 3 decimals) and its script (``explorers/alignment.js``) recolours the
cells of pre-rendered tables. With JavaScript off, the static view is the final
checkpoint's heatmaps. See ``attnlab.explorer`` for how the two views are chosen.
"""

import torch

from attnlab.alignment import attention_weights, encode_pairs
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
from attnlab.runtime import copy_model
from attnlab.seq2seq import decode, encode_sentence

HEATMAP_STYLE = asset("alignment.css")  # beside STYLE, explorer.css


def cell_colour(weight):
    """The background of a heatmap cell: the same blue, as opaque as the weight."""
    return f"rgba(8, 69, 148, {weight:.3f})"


def describe_context(weights, source_tokens, target_token, top=3):
    """A step's context as its largest terms: "c (cat) = 0.91 × h2(고양이가) + …"."""
    ranked = sorted(range(len(weights)), key=lambda i: -weights[i])[:top]
    terms = " + ".join(
        f"{weights[i]:.2f} × h<sub>{i + 1}</sub>({escape(source_tokens[i])})"
        for i in ranked
    )
    more = " + …" if len(weights) > top else ""
    return (
        f'<p class="ax-context">{tr(ko="컨텍스트", en="context")} '
        f"({escape(target_token)}) = {terms}{more}</p>"
    )


def heatmap_table(weights, source_tokens, target_tokens, gold=None, step=None):
    """An HTML heatmap: one row per target token, one column per source token.

    Each cell is coloured by its weight and says it in its title; cells of the gold
    alignment (if given) carry the class ``ax-gold``; row ``step`` is marked current.
    """
    header = (
        "<tr><th></th>"
        + "".join(  # column labels at 45°, never 90°
            f'<th class="ax-src" scope="col"><span>{escape(token)}</span></th>'
            for token in source_tokens
        )
        + "</tr>"
    )
    rows = []
    for j, (token, row) in enumerate(zip(target_tokens, weights)):
        gold_i = gold[j] if gold and j < len(gold) else None
        cells = "".join(
            f'<td class="ax-cell{" ax-gold" if i == gold_i else ""}" data-i="{i}" '
            f'style="background:{cell_colour(w)}" '
            f'title="{escape(source)} → {escape(token)}: {w:.3f}"></td>'
            for i, (source, w) in enumerate(zip(source_tokens, row))
        )
        current = ' class="ax-current"' if j == step else ""
        rows.append(
            f'<tr data-step="{j}"{current}><th class="ax-tgt" scope="row">'
            f"{escape(token)}</th>{cells}</tr>"
        )
    return f'<table class="ax-heatmap">{header}{"".join(rows)}</table>'


class AlignmentExplorer(Explorer):
    """Attention heatmaps of example sentences, by decoding step, checkpoint and score.

    ``runs`` maps a model name ("dot", …, "bahdanau") to ``(model, checkpoints)``: the
    trained model and a list of ``(training_step, state_dict)`` saved along the way.
    ``examples`` are ``(source, target, alignment)`` triples (alignment may be None).
    Weights are collected with teacher forcing on the example's target.
    """

    def __init__(
        self,
        runs,
        src_vocab,
        tgt_vocab,
        examples,
        max_len=45,
        max_words=40,
        max_chars=300,
    ):
        if not runs or not examples:
            raise ReaderError(
                ko="모델과 예문이 하나 이상 필요합니다.",
                en="Give at least one model and one example.",
            )
        self.runs, self.src_vocab, self.tgt_vocab = runs, src_vocab, tgt_vocab
        self.examples = list(examples)
        self.max_len, self.max_words, self.max_chars = max_len, max_words, max_chars
        self.scores = list(runs)
        self.steps = [step for step, _ in runs[self.scores[0]][1]]
        if any(
            [step for step, _ in checkpoints] != self.steps
            for _, checkpoints in runs.values()
        ):
            raise ReaderError(
                ko="모든 모델의 체크포인트 단계가 같아야 합니다.",
                en="Every model needs checkpoints at the same training steps.",
            )
        self.source_tokens = [
            source.split() + ["<eos>"] for source, *_ in self.examples
        ]
        self.target_tokens = [
            target.split() + ["<eos>"] for _, target, *_ in self.examples
        ]
        self.gold = [
            list(example[2]) if len(example) > 2 and example[2] else None
            for example in self.examples
        ]
        # weights[score][checkpoint][example]: (target tokens, source tokens) as lists
        self.weights = {
            score: [
                self._example_weights(self.at_checkpoint(score, c))
                for c in range(len(self.steps))
            ]
            for score in self.scores
        }

    def at_checkpoint(self, score, index):
        """A copy of the ``score`` model with the weights of checkpoint ``index``."""
        model, checkpoints = self.runs[score]
        snapshot = copy_model(model)
        snapshot.load_state_dict(checkpoints[index][1])
        return snapshot.eval()

    def _example_weights(self, model):
        device = next(model.parameters()).device
        src, src_lengths, tgt_in = encode_pairs(
            self.examples, self.src_vocab, self.tgt_vocab, device
        )
        # (examples, tgt_len, src_len)
        weights = attention_weights(model, src, src_lengths, tgt_in)
        return [
            [[round(w, 3) for w in row[: len(source)]] for row in matrix[: len(target)]]
            for matrix, source, target in zip(
                weights.tolist(), self.source_tokens, self.target_tokens
            )
        ]

    @torch.no_grad()
    def decode_typed(self, text, score, checkpoint):
        """Decode a typed sentence greedily: (source tokens, output tokens, weights)."""
        model = self.at_checkpoint(score, checkpoint)
        src, src_lengths = encode_sentence(model, text, self.src_vocab, self.max_chars)
        words = self.src_vocab.split(text.strip())
        if len(words) > self.max_words:
            raise ReaderError(
                ko=f"문장이 너무 깁니다: {len(words)}단어입니다. "
                f"모델은 {self.max_words}단어 이하의 문장으로 훈련했습니다.",
                en=f"The sentence is too long: {len(words)} words; "
                f"the model was trained on sentences of at most {self.max_words}.",
            )
        output, rows = [], []
        for token, _, state in decode(model, src, src_lengths, max_len=self.max_len):
            rows.append([round(w, 3) for w in state.weights[0].tolist()])
            output.append(self.tgt_vocab.itos[int(token)])
        unknown = set(self.src_vocab.unknown(text))
        source = [("<unk>" if word in unknown else word) for word in words] + ["<eos>"]
        return source, output, rows

    def score_name(self, score):
        return {
            "dot": tr(ko="내적(dot)", en="dot"),
            "general": tr(ko="일반(general)", en="general"),
            "additive": tr(ko="덧셈(additive)", en="additive"),
            "bahdanau": tr(ko="바다나우", en="Bahdanau"),
        }.get(score, score)

    # -- static view -------------------------------------------------------------

    def to_html(self):
        last, first = len(self.steps) - 1, self.scores[0]
        options = "".join(
            f'<option value="{i}">{escape(source)}</option>'
            for i, (source, *_) in enumerate(self.examples)
        )
        scores = "".join(
            f'<option value="{s}">{escape(self.score_name(s))}</option>'
            for s in self.scores
        )
        longest = max(len(t) for t in self.target_tokens)
        checkpoint = tr(ko="체크포인트", en="checkpoint")
        decoding_step = tr(ko="디코딩 단계", en="decoding step")
        training_step = tr(ko="훈련 단계", en="training step")
        controls = (
            '<div class="ax-controls">'
            f"<label>{tr(ko='예문', en='example')} "
            f'<select class="ax-example">{options}</select></label>'
            f"<label>{tr(ko='모델', en='model')} "
            f'<select class="ax-score">{scores}</select></label>'
            f'<label>{checkpoint} <input type="range" class="ax-checkpoint" '
            f'min="0" max="{last}" value="{last}" aria-label="{checkpoint}"> '
            f'<output class="ax-checkpoint-label">{training_step} '
            f"{self.steps[last]}</output></label>"
            f'<label>{decoding_step} <input type="range" class="ax-step" '
            f'min="0" max="{longest - 1}" value="0" aria-label="{decoding_step}"> '
            f'<output class="ax-step-label">1</output></label>'
            f'<label><input type="checkbox" class="ax-gold-toggle" checked> '
            f"{tr(ko='정답 정렬 표시', en='show gold alignment')}</label></div>"
        )
        views = "".join(
            f'<div data-ax-view="{e}"><p class="ax-note"><b>{escape(source)}</b> → '
            f"{escape(target)}</p>"
            + heatmap_table(
                self.weights[first][last][e],
                self.source_tokens[e],
                self.target_tokens[e],
                self.gold[e],
            )
            + describe_context(
                self.weights[first][last][e][0],
                self.source_tokens[e],
                self.target_tokens[e][0],
            )
            + "</div>"
            for e, (source, target, *_) in enumerate(self.examples)
        )
        tip = '<div class="ax-tip" role="status" aria-live="polite"></div>'
        note = tr(
            ko="칸 위에 마우스를 올리면 정확한 가중치가 보입니다. "
            "빨간 테두리는 정답 정렬입니다.",
            en="Hover over a cell to see its exact weight. "
            "Red outlines mark the gold alignment.",
        )
        body = (
            f"<style>{HEATMAP_STYLE}</style>"
            + controls
            + views
            + tip
            + f'<p class="ax-note">{note}</p>'
        )
        data = {
            "steps": self.steps,
            "weights": self.weights,
            "labels": {
                "step": tr(ko="훈련 단계", en="training step"),
                "context": tr(ko="컨텍스트", en="context"),
            },
        }
        return static_block(
            "alignment", body, asset("alignment.js"), data, classes="ax-show-gold"
        )

    # -- live view ---------------------------------------------------------------

    def widget(self):
        import ipywidgets as widgets

        example, typed = sentence_menu(
            self.examples, tr(**KOREAN_PLACEHOLDER), width="32em", typed_width="24em"
        )
        score = widgets.ToggleButtons(
            options=[(self.score_name(s), s) for s in self.scores], value=self.scores[0]
        )
        checkpoint = widgets.SelectionSlider(
            options=[(str(step), i) for i, step in enumerate(self.steps)],
            value=len(self.steps) - 1,
            description=tr(ko="훈련 단계", en="training step"),
        )
        step = widgets.IntSlider(
            value=0, min=0, max=0, description=tr(ko="디코딩 단계", en="decoding step")
        )
        gold = widgets.Checkbox(
            value=True, description=tr(ko="정답 정렬 표시", en="show gold alignment")
        )
        message = widgets.HTML()
        pane = widgets.HTML()

        def redraw(_=None):
            typed.layout.display = None if example.value == -1 else "none"
            message.value = ""
            try:
                if example.value >= 0:
                    e = example.value
                    weights = self.weights[score.value][checkpoint.value][e]
                    source, target, gold_row = (
                        self.source_tokens[e],
                        self.target_tokens[e],
                        self.gold[e],
                    )
                elif not typed.value:  # nothing typed yet
                    message.value = type_a_sentence()
                    pane.value = ""
                    return
                else:
                    source, target, weights = self.decode_typed(
                        typed.value, score.value, checkpoint.value
                    )
                    gold_row = None
                    if "<unk>" in source:
                        message.value = (
                            '<span class="ax-note">'
                            + tr(
                                ko="모르는 단어는 <unk>로 읽습니다.",
                                en="Unknown words are read as <unk>.",
                            ).replace("<unk>", "&lt;unk&gt;")
                            + "</span>"
                        )
            except ReaderError as error:
                # the message replaces the heatmap; the widget lives on
                message.value = reader_message(error)
                pane.value = ""
                return
            step.max = len(target) - 1
            j = min(step.value, step.max)
            shown = " ax-show-gold" if gold.value else ""
            pane.value = (
                f'<div class="attn-explorer{shown}">'
                + heatmap_table(weights, source, target, gold_row, step=j)
                + describe_context(weights[j], source, target[j])
                + "</div>"
            )

        for control in (example, typed, score, checkpoint, step, gold):
            control.observe(redraw, names="value")
        redraw()
        style = widgets.HTML(f"<style>{STYLE}{HEATMAP_STYLE}</style>")
        return widgets.VBox(
            [
                style,
                widgets.HBox([example, typed]),
                score,
                widgets.HBox([checkpoint, step]),
                gold,
                message,
                pane,
            ]
        )
