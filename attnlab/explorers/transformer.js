// The Transformer explorer's script (attnlab/transformer_explorer.py): shows the
// heatmap of the chosen example and attention, and recolours its cells with the
// weights of the chosen layer and head (data.weights[kind][example][layer][head]).
// Runs as the body of a function of `root` (the explorer's element) and `data`.
/* global root, data */

var menus = {};
["example", "kind", "layer", "head"].forEach(function (name) {
  menus[name] = root.querySelector("select.ax-" + name);
});
var gold = root.querySelector("input.ax-gold-toggle");

function update() {
  var key = menus.example.value + "-" + menus.kind.value;
  var view = null;
  root.querySelectorAll("[data-ax-view]").forEach(function (v) {
    var shown = v.getAttribute("data-ax-view") === key;
    v.hidden = !shown;
    if (shown) { view = v; }
  });
  var layer = Number(menus.layer.value);
  var head = Number(menus.head.value);
  var rows = data.weights[menus.kind.value][Number(menus.example.value)][layer][head];
  view.querySelectorAll("tr[data-step]").forEach(function (row, j) {
    row.querySelectorAll("td.ax-cell").forEach(function (cell, i) {
      var w = rows[j][i].toFixed(3);
      cell.style.background = "rgba(8, 69, 148, " + w + ")";
      cell.title = cell.title.replace(/[-0-9.]+$/, w);
    });
  });
  view.querySelector(".ax-which").textContent = data.which[layer][head];
  root.classList.toggle("ax-show-gold", gold.checked);
}

Object.keys(menus).forEach(function (name) {
  menus[name].addEventListener("change", update);
});
gold.addEventListener("change", update);
update();
