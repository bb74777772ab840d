// The decoding stepper's script (attnlab/stepper.py): shows the table of the chosen
// example and mode, and its rows up to the chosen step. Every table is rendered by
// Python; the script only hides and highlights. Runs as the body of a function of
// `root` (the explorer's element).
/* global root */

var select = root.querySelector("select.ax-example");
var slider = root.querySelector("input.ax-step");
var label = root.querySelector("output.ax-step-label");
var radios = root.querySelectorAll('input[name="mode"]');
// Two steppers on one page must not share a radio group.
radios.forEach(function (r) { r.name = root.id + "-mode"; });

function mode() {
  var checked = root.querySelector('input[type="radio"]:checked');
  return checked ? checked.value : "teacher_forced";
}

function update() {
  var key = select.value + "-" + mode();
  var rows = [];
  root.querySelectorAll("[data-ax-view]").forEach(function (view) {
    var shown = view.getAttribute("data-ax-view") === key;
    view.hidden = !shown;
    if (shown) { rows = view.querySelectorAll("tr[data-step]"); }
  });
  slider.max = rows.length - 1;
  var step = Math.min(Number(slider.value), rows.length - 1);
  slider.value = step;
  label.textContent = (step + 1) + " / " + rows.length;
  rows.forEach(function (row, i) {
    row.hidden = i > step;
    row.classList.toggle("ax-current", i === step);
  });
}

select.addEventListener("change", update);
slider.addEventListener("input", update);
radios.forEach(function (r) { r.addEventListener("change", update); });
update();
