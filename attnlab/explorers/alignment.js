// The alignment explorer's script (attnlab/alignment_explorer.py): recolours the
// pre-rendered heatmap of the chosen example with the weights of the chosen model and
// checkpoint, marks the chosen decoding step and spells out its context. Runs as the
// body of a function of `root` (the explorer's element) and `data` (its JSON: steps,
// weights[score][checkpoint][example] as (target, source) rows, and labels).
/* global root, data */

var example = root.querySelector("select.ax-example");
var score = root.querySelector("select.ax-score");
var checkpoint = root.querySelector("input.ax-checkpoint");
var checkpointLabel = root.querySelector("output.ax-checkpoint-label");
var step = root.querySelector("input.ax-step");
var stepLabel = root.querySelector("output.ax-step-label");
var gold = root.querySelector("input.ax-gold-toggle");
var tip = root.querySelector(".ax-tip");

function fmt(w) { return w.toFixed(3); }

function esc(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// The context line of alignment_explorer.describe_context: the three largest terms.
function context(row, s, rows, sources) {
  var order = row.map(function (w, i) { return i; });
  order.sort(function (a, b) { return row[b] - row[a]; });
  var terms = order.slice(0, 3).map(function (i) {
    return row[i].toFixed(2) + " \u00d7 h<sub>" + (i + 1) + "</sub>("
      + esc(sources[i]) + ")";
  });
  var target = esc(rows[s].querySelector("th.ax-tgt").textContent);
  return data.labels.context + " (" + target + ") = " + terms.join(" + ")
    + (row.length > 3 ? " + \u2026" : "");
}

function recolour(view, matrix, s) {
  var rows = view.querySelectorAll("tr[data-step]");
  var sources = [];
  view.querySelectorAll("th.ax-src").forEach(function (th) {
    sources.push(th.textContent);
  });
  rows.forEach(function (row, j) {
    row.classList.toggle("ax-current", j === s);
    var target = row.querySelector("th.ax-tgt").textContent;
    row.querySelectorAll("td.ax-cell").forEach(function (cell, i) {
      var w = matrix[j][i];
      cell.style.background = "rgba(8, 69, 148, " + fmt(w) + ")";  // cell_colour
      cell.title = sources[i] + " \u2192 " + target + ": " + fmt(w);
      cell.setAttribute("data-weight", fmt(w));
    });
  });
  view.querySelector(".ax-context").innerHTML = context(matrix[s], s, rows, sources);
}

function update() {
  var e = Number(example.value);
  var matrix = data.weights[score.value][Number(checkpoint.value)][e];
  checkpointLabel.textContent = data.labels.step + " "
    + data.steps[Number(checkpoint.value)];
  root.classList.toggle("ax-show-gold", gold.checked);
  root.querySelectorAll("[data-ax-view]").forEach(function (view) {
    var shown = Number(view.getAttribute("data-ax-view")) === e;
    view.hidden = !shown;
    if (!shown) { return; }
    var rows = view.querySelectorAll("tr[data-step]");
    step.max = rows.length - 1;
    var s = Math.min(Number(step.value), rows.length - 1);
    step.value = s;
    stepLabel.textContent = (s + 1) + " / " + rows.length;
    recolour(view, matrix, s);
  });
}

root.addEventListener("mouseover", function (event) {
  var cell = event.target.closest ? event.target.closest("td.ax-cell") : null;
  if (cell) { tip.textContent = cell.title; }
});
[example, score, gold].forEach(function (c) { c.addEventListener("change", update); });
[checkpoint, step].forEach(function (c) { c.addEventListener("input", update); });
update();
