// The start and the end of every explorer's script. attnlab/explorer.py inlines this
// file into each static block, then calls runExplorer with the block's element and the
// explorer's own script (playground.js, alignment.js, stepper.js) as `setUp`.
/* exported runExplorer */

function runExplorer(root, setUp) {
  root.setAttribute("data-start-ms", String(Math.round(performance.now())));
  // The explorer's data travels as JSON in its element script.ax-data.
  var data = JSON.parse(root.querySelector("script.ax-data").textContent);
  root.classList.add("ax-js");
  // Keys pressed here belong to the explorer, not to JupyterLab's shortcuts.
  root.addEventListener("keydown", function (e) { e.stopPropagation(); });
  setUp(root, data);
  // When the explorer became interactive, in ms after the page started loading.
  root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
}
