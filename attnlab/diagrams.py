"""Diagrams of the mechanisms, drawn by code so that they work in Colab too.

``draw_seq2seq`` draws an encoder–decoder unrolled in time (chapter 2) and, with
``feed``, where each decoder input comes from (chapter 3); ``draw_attention_decoder``
an attention decoder (chapter 5); ``draw_beam_step`` one step of beam search
(chapter 7).
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from attnlab.i18n import tr

ENCODER_COLOR = "#a6cee3"
DECODER_COLOR = "#fdbf6f"
CONTEXT_COLOR = "#b2df8a"
CONTEXT_EDGE = "#33a02c"


def _box(ax, x, y, text, color, width=0.8, height=0.5, fontsize=10):
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.05",
            facecolor=color,
            edgecolor="#333",
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="#333", style="-|>", curve=0.0, dashed=False):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=color,
            connectionstyle=f"arc3,rad={curve}",
            linestyle="--" if dashed else "-",
            linewidth=1.2,
        )
    )


def _finish(ax, xlim, ylim, title):
    """Equal scales, no axes, an optional title: the frame of every diagram."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def draw_seq2seq(source, target, outputs=None, feed=None, ax=None, title=None):
    """Draw an unrolled encoder–decoder.

    The context vector starts the decoder and, as in ``Decoder``, enters every one of
    its steps (the green line). ``source`` and ``target`` are lists of tokens.
    ``outputs`` are the decoder's predictions (default: the target). ``feed`` is
    None (plain diagram), ``"reference"`` (teacher forcing: inputs come from the
    reference) or ``"own"`` (free running: each input is the previous output).
    """
    outputs = list(target) + ["<eos>"] if outputs is None else list(outputs)
    inputs = ["<sos>"] + (list(target) if feed != "own" else outputs[:-1])
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 * (len(source) + len(inputs)) + 1.5, 3.2))
    n = len(source)
    for i, token in enumerate(source):
        _box(ax, i, 0, "GRU", ENCODER_COLOR)
        ax.text(i, -0.9, token, ha="center", va="center", fontsize=11)
        _arrow(ax, (i, -0.7), (i, -0.27))
        if i > 0:
            _arrow(ax, (i - 0.58, 0), (i - 0.42, 0))
    context_x = n + 0.2
    _box(
        ax,
        context_x,
        0,
        tr(ko="컨텍스트\n벡터", en="context\nvector"),
        CONTEXT_COLOR,
        width=0.9,
        height=0.7,
        fontsize=8,
    )
    _arrow(ax, (n - 0.58, 0), (context_x - 0.47, 0))
    # the context reaches every step
    bus_y, last_x = -0.52, n + 1.5 + len(inputs) - 1 - 0.3
    ax.plot(
        [context_x, context_x, last_x],
        [-0.37, bus_y, bus_y],
        color=CONTEXT_EDGE,
        linewidth=1.2,
    )
    for j, (token, out) in enumerate(zip(inputs, outputs)):
        x = n + 1.5 + j
        _box(ax, x, 0, "GRU", DECODER_COLOR)
        ax.text(
            x,
            -0.9,
            token,
            ha="center",
            va="center",
            fontsize=11,
            color="#1f77b4" if feed == "reference" and j > 0 else "black",
        )
        _arrow(ax, (x, -0.7), (x, -0.27))
        _arrow(ax, (x - 0.3, bus_y), (x - 0.3, -0.27), color=CONTEXT_EDGE)
        ax.text(
            x,
            0.9,
            out,
            ha="center",
            va="center",
            fontsize=11,
            color="#c62828"
            if out not in (list(target) + ["<eos>"])[j : j + 1]
            else "black",
        )
        _arrow(ax, (x, 0.27), (x, 0.7))
        _arrow(ax, (x - 1 + (0.58 if j else 0.47), 0), (x - 0.42, 0))
        if feed == "own" and j + 1 < len(outputs):
            _arrow(
                ax,
                (x + 0.15, 0.95),
                (x + 0.72, -0.85),
                color="#d62728",
                curve=-0.3,
                dashed=True,
            )
    ax.text(
        (n - 1) / 2,
        0.75,
        tr(ko="인코더", en="encoder"),
        ha="center",
        fontsize=11,
        weight="bold",
    )
    ax.text(
        n + 1.5 + (len(inputs) - 1) / 2,
        1.45,
        tr(ko="디코더", en="decoder"),
        ha="center",
        fontsize=11,
        weight="bold",
    )
    return _finish(ax, (-0.7, n + 1.5 + len(inputs) - 0.3), (-1.3, 1.7), title)


def draw_attention_decoder(source, target, ax=None, title=None):
    """Draw an attention decoder (chapter 5): every encoder state reaches every step.

    ``source`` and ``target`` are lists of tokens. The encoder's states (bottom) all
    flow into the attention step (middle) of every decoder step (top); the decoder
    starts from the encoder's last state, as in chapter 2.
    """
    outputs, inputs = list(target) + ["<eos>"], ["<sos>"] + list(target)
    encoder_x = [1.3 * i for i in range(len(source))]
    decoder_x = [encoder_x[-1] + 1.9 + 1.3 * j for j in range(len(outputs))]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.8 * (decoder_x[-1] + 2.7), 4.6))
    for i, (x, token) in enumerate(zip(encoder_x, source)):
        _box(ax, x, 0, "GRU", ENCODER_COLOR)
        ax.text(x, -0.8, token, ha="center", va="center", fontsize=11)
        _arrow(ax, (x, -0.62), (x, -0.27))
        if i > 0:
            _arrow(ax, (x - 1.3 + 0.42, 0), (x - 0.42, 0))
        # h_i goes to the attention step of every decoder step
        for target_x in decoder_x:
            ax.plot(
                [x, target_x + 0.2],
                [0.3, 1.45],
                color="#1f78b4",
                alpha=0.35,
                linewidth=0.9,
            )
    for j, x in enumerate(decoder_x):
        ax.add_patch(
            plt.Circle((x + 0.2, 1.65), 0.22, facecolor=CONTEXT_COLOR, edgecolor="#333")
        )
        ax.text(
            x + 0.2, 1.65, "a", ha="center", va="center", fontsize=10, style="italic"
        )
        _arrow(ax, (x + 0.2, 1.87), (x + 0.2, 2.93))
        ax.text(x + 0.27, 2.4, f"$c_{j + 1}$", ha="left", va="center", fontsize=9)
        _box(ax, x, 3.2, "GRU", DECODER_COLOR)
        ax.text(
            x - 0.25,
            2.45,
            inputs[j],
            ha="center",
            va="center",
            fontsize=9,
            color="#555",
        )
        _arrow(ax, (x - 0.25, 2.6), (x - 0.25, 2.93))
        ax.text(x, 4.1, outputs[j], ha="center", va="center", fontsize=11)
        _arrow(ax, (x, 3.47), (x, 3.9))
        if j > 0:
            _arrow(ax, (x - 1.3 + 0.42, 3.2), (x - 0.42, 3.2))
    _arrow(
        ax,
        (encoder_x[-1] + 0.3, 0.27),
        (decoder_x[0] - 0.42, 3.3),
        curve=-0.25,
        dashed=True,
    )
    ax.text(
        encoder_x[-1] + 0.1,
        2.3,
        tr(ko="첫 상태", en="initial\nstate"),
        ha="right",
        va="center",
        fontsize=9,
        color="#333",
    )
    ax.text(
        encoder_x[-1] / 2,
        -1.35,
        tr(ko="인코더: 모든 상태 $h_i$를 남김", en="encoder: keeps every state $h_i$"),
        ha="center",
        fontsize=10,
        weight="bold",
    )
    ax.text(
        decoder_x[-1] + 0.6,
        1.65,
        tr(ko="어텐션", en="attention"),
        ha="left",
        va="center",
        fontsize=10,
        weight="bold",
    )
    ax.text(
        (decoder_x[0] + decoder_x[-1]) / 2,
        4.65,
        tr(ko="디코더", en="decoder"),
        ha="center",
        fontsize=11,
        weight="bold",
    )
    return _finish(ax, (-0.7, decoder_x[-1] + 2.0), (-1.6, 4.9), title)


FATE_COLORS = {"kept": CONTEXT_COLOR, "finished": ENCODER_COLOR, "pruned": "#e0e0e0"}


def draw_beam_step(steps, step, width, ax=None, title=None):
    """Draw one step of beam search (chapter 7): the hypotheses it grows (left), the
    candidates it ranks, best first, each with its log-probability (right), and what
    becomes of each, in words as well as in colour.

    ``steps``: a search's candidates by step, as ``beam_explorer.trace_steps`` gives
    them; ``step`` counts from 0. A dashed line marks the ``width`` best candidates:
    one of them that ends with <eos> is set aside as finished, one below the line is
    pruned.
    """
    from attnlab.beam_explorer import fate_name

    candidates = steps[step]
    if step == 0:
        parents = [([], 0.0)]
    else:
        parents = [
            (c["prefix"] + [c["token"]], c["log_prob"])
            for c in steps[step - 1]
            if c["fate"] == "kept"
        ]
    rows = max(len(parents), len(candidates))
    if ax is None:
        _, ax = plt.subplots(figsize=(8.4, 0.8 * rows + 1.3))
    parent_y = [-(rows - 1) * (i + 0.5) / len(parents) for i in range(len(parents))]
    for (tokens, log_prob), y in zip(parents, parent_y):
        text = f"{' '.join(tokens) or '<sos>'}   {log_prob:.2f}"
        _box(ax, 0, y, text, DECODER_COLOR, width=1.9, height=0.5)
    for rank, c in enumerate(candidates):
        y = -rank
        text = f"{' '.join(c['prefix'] + [c['token']])}   {c['log_prob']:.2f}"
        _box(ax, 3.8, y, text, FATE_COLORS[c["fate"]], width=2.2, height=0.5)
        ax.text(5.15, y, fate_name(c["fate"]), va="center", fontsize=10)
        parent = next(i for i, (t, _) in enumerate(parents) if t == c["prefix"])
        _arrow(ax, (1.05, parent_y[parent]), (2.6, y))
    line_y = -width + 0.5
    ax.plot([2.5, 6.4], [line_y, line_y], color="#333", linestyle="--", linewidth=1)
    ax.text(
        6.4,
        line_y + 0.08,
        tr(ko=f"가장 좋은 {width}개", en=f"the {width} best"),
        ha="right",
        va="bottom",
        fontsize=9,
    )
    for x, heading in [
        (0, tr(ko="가설 (로그 확률)", en="hypotheses (log-prob)")),
        (3.8, tr(ko="후보, 좋은 것부터", en="candidates, best first")),
        (5.15, tr(ko="결과", en="fate")),
    ]:
        ax.text(
            x,
            0.75,
            heading,
            ha="left" if x > 5 else "center",
            fontsize=10,
            weight="bold",
        )
    return _finish(ax, (-1.1, 6.6), (-rows + 0.4, 1.1), title)


def _sublayer(ax, x, y, text, color):
    """A pre-norm sub-layer from height ``y`` up: a norm, the sub-layer's box, and the
    + that adds its output to its input, which the residual line carries around the
    side. Returns the height of the +."""
    _box(ax, x, y + 0.18, tr(ko="정규화", en="norm"), "#eeeeee", 1.0, 0.33, 8)
    _arrow(ax, (x, y + 0.37), (x, y + 0.58))
    _box(ax, x, y + 0.85, text, color, width=2.6, height=0.5, fontsize=9)
    plus_y = y + 1.5
    _arrow(ax, (x, y + 1.12), (x, plus_y - 0.17))
    ax.plot(
        [x, x + 1.6, x + 1.6], [y - 0.12, y - 0.12, plus_y], color="#555", linewidth=1
    )
    _arrow(ax, (x + 1.6, plus_y), (x + 0.17, plus_y), color="#555")
    ax.add_patch(plt.Circle((x, plus_y), 0.16, facecolor="white", edgecolor="#333"))
    ax.text(x, plus_y, "+", ha="center", va="center", fontsize=10)
    return plus_y


def draw_transformer(layers=2, ax=None, title=None):
    """Draw the encoder–decoder Transformer of chapter 8, pre-norm: the encoder
    (left) and the decoder (right), each a stack of ``layers`` identical layers
    (framed), every sub-layer normalising its input and adding its output back (the
    line around it into +), and the encoder's output going to every decoder layer's
    cross-attention as keys and values."""
    enc_x, dec_x = 0.0, 5.4
    encoder = [
        tr(ko="셀프 어텐션", en="self-attention"),
        tr(ko="피드포워드", en="feed-forward"),
    ]
    decoder = [
        tr(ko="마스크 셀프 어텐션", en="masked self-attention"),
        tr(ko="크로스 어텐션", en="cross-attention"),
        tr(ko="피드포워드", en="feed-forward"),
    ]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.4, 8.4))
    tops = {}
    for x, color, names, tokens in [
        (enc_x, ENCODER_COLOR, encoder, tr(ko="원문 토큰", en="source tokens")),
        (dec_x, DECODER_COLOR, decoder,
         tr(ko="지금까지의 목표 토큰, <sos>부터", en="target so far, <sos> first")),
    ]:  # fmt: skip
        ax.text(x, 0.25, tokens, ha="center", va="center", fontsize=10)
        _arrow(ax, (x, 0.42), (x, 0.73))
        embedding = tr(ko="임베딩 + 위치", en="embedding + positions")
        _box(ax, x, 1.0, embedding, "#eeeeee", width=2.6, height=0.5, fontsize=9)
        _arrow(ax, (x, 1.27), (x, 2.0))
        y = 2.0
        for i, name in enumerate(names):
            if i:
                _arrow(ax, (x, y - 0.28), (x, y))
            if x == dec_x and i == 1:
                cross_y = y + 0.85  # the cross-attention's box
            y = _sublayer(ax, x, y, name, color) + 0.45
        top = y - 0.25
        ax.add_patch(
            FancyBboxPatch(
                (x - 1.45, 1.6),
                3.3,
                top - 1.6,
                boxstyle="round,pad=0.05",
                facecolor="none",
                edgecolor="#999",
                linestyle="--",
            )
        )
        side = -1 if x == enc_x else 1
        ax.text(x + side * 2.05, (1.6 + top) / 2, f"× {layers}", ha="center")
        _arrow(ax, (x, top - 0.28), (x, top + 0.3))
        _box(ax, x, top + 0.5, tr(ko="정규화", en="norm"), "#eeeeee", 1.0, 0.35, 8)
        tops[x] = top + 0.5
    # the encoder's output: the keys and values of every cross-attention
    bend_x = (enc_x + dec_x) / 2 + 0.3
    ax.plot(
        [enc_x, enc_x, bend_x, bend_x],
        [tops[enc_x] + 0.18, tops[enc_x] + 0.5, tops[enc_x] + 0.5, cross_y],
        color=CONTEXT_EDGE,
        linewidth=1.4,
    )
    _arrow(ax, (bend_x, cross_y), (dec_x - 1.32, cross_y), color=CONTEXT_EDGE)
    ax.text(
        bend_x - 0.1,
        cross_y + 0.4,
        tr(ko="키와 값", en="keys and\nvalues"),
        ha="right",
        va="center",
        fontsize=8,
        color=CONTEXT_EDGE,
    )
    out_y = tops[dec_x] + 0.8
    _arrow(ax, (dec_x, tops[dec_x] + 0.18), (dec_x, out_y - 0.25))
    linear = tr(ko="선형 층, 소프트맥스", en="linear, softmax")
    _box(ax, dec_x, out_y, linear, "#eeeeee", width=2.6, height=0.5, fontsize=9)
    probabilities = tr(ko="다음 토큰의 확률", en="next-token probabilities")
    ax.text(dec_x, out_y + 0.55, probabilities, ha="center", fontsize=10)
    for x, name in [
        (enc_x, tr(ko="인코더", en="encoder")),
        (dec_x, tr(ko="디코더", en="decoder")),
    ]:
        ax.text(x, -0.35, name, ha="center", fontsize=11, weight="bold")
    return _finish(ax, (-2.5, 7.9), (-0.6, out_y + 0.9), title)
