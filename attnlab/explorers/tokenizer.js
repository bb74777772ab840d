// The tokeniser explorer's script (attnlab/tokenizer_explorer.py): shows the view of
// the example chosen in the menu and hides the others.
// Runs as the body of a function of `root` (the explorer's element) and `data`.
/* global root */

var menu = root.querySelector("select.ax-example");

function update() {
  root.querySelectorAll("[data-ax-view]").forEach(function (view) {
    view.hidden = view.getAttribute("data-ax-view") !== menu.value;
  });
}

menu.addEventListener("change", update);
update();
