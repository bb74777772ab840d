"""The dictionary playground: a soft lookup to play with (chapter 6).

A small dictionary whose keys are points in the plane and whose values are numbers.
The reader moves a query and changes the temperature; the playground shows each
key's score (dot product with the query, divided by the temperature), its weight
after the softmax, and the value retrieved: the weighted sum of the values.

The live view (core ipywidgets) recomputes in Python; the static view carries the
dictionary as JSON and its script (``explorers/playground.js``) recomputes the same
formulas in the browser, so it works offline on the site. With JavaScript off it
shows the starting query. See ``attnlab.explorer`` for how the view is chosen.
"""

import torch

from attnlab.explorer import STYLE, Explorer, asset, escape, static_block
from attnlab.i18n import ReaderError, tr
from attnlab.qkv import soft_lookup

PLAYGROUND_STYLE = asset("playground.css")  # beside STYLE, explorer.css
SIZE, SCALE = 260, 100  # the plot is SIZE pixels wide; one unit is SCALE pixels


def lookup(query, keys, values, temperature):
    """Scores, weights and retrieved value of ``qkv.soft_lookup``, as Python numbers.

    The static view's script computes the same in the browser (a browser test
    compares the two).
    """
    if temperature <= 0:
        raise ReaderError(
            ko="온도는 0보다 커야 합니다.", en="The temperature must be above 0."
        )
    query, keys, values = (
        torch.tensor(x, dtype=torch.float) for x in (query, keys, values)
    )
    answer, weights = soft_lookup(query, keys, values, temperature=temperature)
    return (keys @ query / temperature).tolist(), weights.tolist(), answer.item()


def point(x, y):
    """Plot coordinates of (x, y): the origin in the middle, y up."""
    return SIZE / 2 + SCALE * x, SIZE / 2 - SCALE * y


def render(names, keys, values, query, temperature, unit=""):
    """The SVG plot, the table and the answer for one query, as HTML."""
    scores, weights, answer = lookup(query, keys, values, temperature)
    dots = []
    for name, (x, y), w in zip(names, keys, weights):
        px, py = point(x, y)
        dots.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{4 + 14 * w:.1f}" '
            f'fill="rgba(8, 69, 148, {0.15 + 0.85 * w:.3f})"/>'
            f'<text x="{px + 8:.1f}" y="{py - 8:.1f}" font-size="12">'
            f"{escape(name)}</text>"
        )
    qx, qy = point(*query)
    svg = (
        f'<svg class="ax-plot" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" '
        f'role="img" aria-label="{tr(ko="키와 쿼리", en="keys and the query")}">'
        f'<line x1="0" y1="{SIZE / 2}" x2="{SIZE}" y2="{SIZE / 2}" stroke="#ccc"/>'
        f'<line x1="{SIZE / 2}" y1="0" x2="{SIZE / 2}" y2="{SIZE}" stroke="#ccc"/>'
        + "".join(dots)
        + f'<path class="ax-query" '
        f'd="M{qx - 7:.1f},{qy:.1f}h14M{qx:.1f},{qy - 7:.1f}v14" '
        f'stroke="#d62728" stroke-width="3"/></svg>'
    )
    rows = "".join(
        f'<tr data-key="{i}"><td>{escape(name)}</td>'
        f'<td class="ax-num">{k[0]:.2f}, {k[1]:.2f}</td>'
        f'<td class="ax-num">{value:g}</td><td class="ax-num">{s:.2f}</td>'
        f'<td class="ax-num">{w:.3f}</td></tr>'
        for i, (name, k, value, s, w) in enumerate(
            zip(names, keys, values, scores, weights)
        )
    )
    table = (
        f"<table><tr><th>{tr(ko='키 이름', en='key')}</th>"
        f"<th>{tr(ko='키 벡터', en='key vector')}</th>"
        f"<th>{tr(ko='값', en='value')}</th><th>{tr(ko='점수', en='score')}</th>"
        f"<th>{tr(ko='가중치', en='weight')}</th></tr>{rows}</table>"
    )
    answer_line = (
        f'<p class="ax-answer">{tr(ko="찾아낸 값", en="retrieved value")} = '
        f'<output class="ax-answer-value">{answer:.2f}</output> {escape(unit)}</p>'
    )
    return (
        '<div style="display:flex;gap:1.2rem;flex-wrap:wrap">'
        f"{svg}<div>{table}{answer_line}</div></div>"
    )


class DictionaryPlayground(Explorer):
    """A soft dictionary lookup with a movable query and a temperature.

    ``entries`` maps a name to ``((x, y), value)``; keys should lie within the unit
    square around the origin so that they fit the plot.
    """

    def __init__(self, entries, query=(0.5, 0.5), temperature=1.0, unit=""):
        if not entries:
            raise ReaderError(
                ko="사전에 항목이 하나 이상 필요합니다.",
                en="The dictionary needs at least one entry.",
            )
        self.names = list(entries)
        self.keys = [tuple(float(c) for c in entries[n][0]) for n in self.names]
        self.values = [float(entries[n][1]) for n in self.names]
        self.query, self.temperature, self.unit = tuple(query), float(temperature), unit

    def to_html(self):
        def slider(cls, label, low, high, step, value):
            return (
                f'<label>{label} <input type="range" class="{cls}" '
                f'min="{low}" max="{high}" '
                f'step="{step}" value="{value}" aria-label="{label}"> '
                f'<output class="{cls}-label">{value}</output></label>'
            )

        controls = (
            '<div class="ax-controls">'
            + slider(
                "ax-qx", tr(ko="쿼리 x", en="query x"), -1.2, 1.2, 0.01, self.query[0]
            )
            + slider(
                "ax-qy", tr(ko="쿼리 y", en="query y"), -1.2, 1.2, 0.01, self.query[1]
            )
            + slider(
                "ax-temp",
                tr(ko="온도", en="temperature"),
                0.02,
                3,
                0.02,
                self.temperature,
            )
            + f"<label>{tr(ko='키로 옮기기', en='move to a key')} "
            + '<select class="ax-jump">'
            + '<option value="">—</option>'
            + "".join(
                f'<option value="{i}">{escape(name)}</option>'
                for i, name in enumerate(self.names)
            )
            + "</select></label></div>"
        )
        view = (
            '<div class="ax-view">'
            + render(
                self.names,
                self.keys,
                self.values,
                self.query,
                self.temperature,
                self.unit,
            )
            + "</div>"
        )
        data = {
            "names": self.names,
            "keys": self.keys,
            "values": self.values,
            "size": SIZE,
            "scale": SCALE,
        }
        return static_block(
            "playground",
            f"<style>{PLAYGROUND_STYLE}</style>" + controls + view,
            asset("playground.js"),
            data,
        )

    def widget(self):
        import ipywidgets as widgets

        qx = widgets.FloatSlider(
            value=self.query[0],
            min=-1.2,
            max=1.2,
            step=0.01,
            description=tr(ko="쿼리 x", en="query x"),
        )
        qy = widgets.FloatSlider(
            value=self.query[1],
            min=-1.2,
            max=1.2,
            step=0.01,
            description=tr(ko="쿼리 y", en="query y"),
        )
        temperature = widgets.FloatSlider(
            value=self.temperature,
            min=0.02,
            max=3,
            step=0.02,
            description=tr(ko="온도", en="temperature"),
        )
        jump = widgets.Dropdown(
            options=[(tr(ko="(키로 옮기기)", en="(move to a key)"), -1)]
            + [(name, i) for i, name in enumerate(self.names)],
            value=-1,
        )
        pane = widgets.HTML()

        def redraw(_=None):
            pane.value = (
                '<div class="attn-explorer">'
                + render(
                    self.names,
                    self.keys,
                    self.values,
                    (qx.value, qy.value),
                    temperature.value,
                    self.unit,
                )
                + "</div>"
            )

        def move(_=None):
            if jump.value >= 0:
                qx.value, qy.value = self.keys[jump.value]
                jump.value = -1

        for control in (qx, qy, temperature):
            control.observe(redraw, names="value")
        jump.observe(move, names="value")
        redraw()
        style = widgets.HTML(f"<style>{STYLE}{PLAYGROUND_STYLE}</style>")
        return widgets.VBox(
            [style, widgets.HBox([qx, qy]), widgets.HBox([temperature, jump]), pane]
        )
