// The dictionary playground's script (attnlab/playground.py): recomputes the soft
// lookup of qkv.soft_lookup for the query and temperature of the sliders, and redraws
// the table, the plot and the answer. Runs as the body of a function of `root` (the
// explorer's element) and `data` (its JSON: names, keys, values, size, scale).
/* global root, data */

var qx = root.querySelector("input.ax-qx"), qy = root.querySelector("input.ax-qy");
var temp = root.querySelector("input.ax-temp");
var half = data.size / 2;

function update() {
  var q = [Number(qx.value), Number(qy.value)], t = Number(temp.value);
  root.querySelector("output.ax-qx-label").textContent = q[0].toFixed(2);
  root.querySelector("output.ax-qy-label").textContent = q[1].toFixed(2);
  root.querySelector("output.ax-temp-label").textContent = t.toFixed(2);
  // score = key . query / temperature; weights = softmax(scores); answer = sum w * v
  var scores = data.keys.map(function (k) { return (q[0] * k[0] + q[1] * k[1]) / t; });
  var top = Math.max.apply(null, scores);
  var exps = scores.map(function (s) { return Math.exp(s - top); });
  var total = exps.reduce(function (a, b) { return a + b; }, 0);
  var weights = exps.map(function (e) { return e / total; });
  var answer = weights.reduce(function (a, w, i) { return a + w * data.values[i]; }, 0);
  root.querySelectorAll("tr[data-key]").forEach(function (row, i) {
    var cells = row.querySelectorAll("td");
    cells[3].textContent = scores[i].toFixed(2);
    cells[4].textContent = weights[i].toFixed(3);
  });
  root.querySelectorAll("svg circle").forEach(function (c, i) {
    var alpha = (0.15 + 0.85 * weights[i]).toFixed(3);
    c.setAttribute("r", (4 + 14 * weights[i]).toFixed(1));
    c.setAttribute("fill", "rgba(8, 69, 148, " + alpha + ")");
  });
  var x = half + data.scale * q[0], y = half - data.scale * q[1];  // y points up
  root.querySelector("path.ax-query").setAttribute("d",
    "M" + (x - 7).toFixed(1) + "," + y.toFixed(1) + "h14"
    + "M" + x.toFixed(1) + "," + (y - 7).toFixed(1) + "v14");
  root.querySelector("output.ax-answer-value").textContent = answer.toFixed(2);
}

var jump = root.querySelector("select.ax-jump");
// The menu keeps the key chosen, so that the arrow keys move on from it to the next
// key; moving the query off the key with a slider sets the menu back to "—".
[qx, qy].forEach(function (c) {
  c.addEventListener("input", function () { jump.value = ""; update(); });
});
temp.addEventListener("input", update);
jump.addEventListener("change", function () {
  if (jump.value === "") { return; }
  var key = data.keys[Number(jump.value)];
  qx.value = key[0];
  qy.value = key[1];
  update();
});
update();
