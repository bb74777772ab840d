// The beam explorer's script (attnlab/beam_explorer.py): shows the chosen example,
// the candidates of the chosen step and the heatmap of the chosen hypothesis. Every
// table is rendered by Python; the script only hides and shows. Runs as the body of
// a function of `root` (the explorer's element).
/* global root */

var example = root.querySelector("select.ax-example");
var slider = root.querySelector("input.ax-step");
var label = root.querySelector("output.ax-step-label");
var pick = root.querySelector("select.ax-hyp"); // absent without attention

function update() {
  var view = null;
  root.querySelectorAll("[data-ax-view]").forEach(function (v) {
    var shown = v.getAttribute("data-ax-view") === example.value;
    v.hidden = !shown;
    if (shown) { view = v; }
  });
  var steps = view.querySelectorAll("table[data-step]");
  slider.max = steps.length - 1;
  var step = Math.min(Number(slider.value), steps.length - 1);
  slider.value = step;
  label.textContent = (step + 1) + " / " + steps.length;
  steps.forEach(function (table, i) { table.hidden = i !== step; });
  view.querySelectorAll("[data-hyp]").forEach(function (heatmap) {
    heatmap.hidden = heatmap.getAttribute("data-hyp") !== pick.value;
  });  // (no heatmaps, and no menu, for a model without attention)
}

example.addEventListener("change", update);
slider.addEventListener("input", update);
if (pick) { pick.addEventListener("change", update); }
update();
