// The start and the end of every explorer's script. attnlab/explorer.py inlines this
// file into each static block, then calls runExplorer with the block's element and the
// explorer's own script (playground.js, alignment.js, stepper.js) as `setUp`.
/* exported runExplorer */

// Words of the screen-reader help, in the page's language.
var AX_WORDS = {
  ko: {on: "켜짐", off: "꺼짐",
       heatmap: "히트맵: 화살표 키로 칸을 옮기면 그 칸의 가중치를 읽어 줍니다"},
  en: {on: "on", off: "off",
       heatmap: "heatmap: the arrow keys move from cell to cell and read its weight"}
};

function axWords() {
  return document.documentElement.lang === "ko" ? AX_WORDS.ko : AX_WORDS.en;
}

// The explorer's one polite live region: the one it has (a hover tip), or a new one
// that only screen readers hear.
function liveRegion(root) {
  var live = root.querySelector("[aria-live]");
  if (!live) {
    live = root.appendChild(document.createElement("div"));
    live.className = "ax-live";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
  }
  return live;
}

// What a control is called: its aria-label, its radio group's, or its label's words.
function controlName(control) {
  var group = control.closest('[role="radiogroup"]');
  if (control.type === "radio" && group) { return group.getAttribute("aria-label"); }
  if (control.getAttribute("aria-label")) { return control.getAttribute("aria-label"); }
  var label = control.closest("label");
  var words = "";
  if (label) {
    label.childNodes.forEach(function (node) {
      if (node.nodeType === 3) { words += node.textContent; }
    });
  }
  return words.trim();
}

// What the screen shows for a control: the <output> beside it, the chosen item, or
// on/off.
function controlShows(control) {
  var label = control.closest("label");
  var output = label ? label.querySelector("output") : null;
  if (output) { return output.textContent.trim(); }
  if (control.tagName === "SELECT") {
    return control.selectedIndex < 0 ? "" : control.options[control.selectedIndex].text;
  }
  if (control.type === "radio") { return label ? label.textContent.trim() : control.value; }
  if (control.type === "checkbox") {
    return control.checked ? axWords().on : axWords().off;
  }
  return control.value;
}

// Screen readers: sliders speak what the screen shows ("training step 300"), not their
// raw number, and after every change the live region says, in one short sentence,
// what changed ("decoding step: 3 / 14").
function speakChanges(root, live) {
  function sliders() {
    root.querySelectorAll('input[type="range"]').forEach(function (slider) {
      slider.setAttribute("aria-valuetext", controlShows(slider));
    });
  }
  sliders();
  ["input", "change"].forEach(function (type) {
    root.addEventListener(type, function (event) {
      var control = event.target;
      if (!control.matches("input, select")) { return; }
      sliders();  // the explorer's own handlers, on the control, have run
      live.textContent = controlName(control) + ": " + controlShows(control);
    });
  });
}

// Heatmaps by keyboard: Tab reaches each heatmap; the arrow keys move from cell to
// cell, and the live region reads the cell's title (source, target and weight).
function heatmapKeys(root, live) {
  var moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1],
               ArrowRight: [0, 1]};
  root.querySelectorAll("table.ax-heatmap").forEach(function (table) {
    var at = [0, -1];
    table.tabIndex = 0;
    table.setAttribute("aria-label", axWords().heatmap);
    table.addEventListener("keydown", function (event) {
      var move = moves[event.key];
      var rows = table.querySelectorAll("tr[data-step]");
      if (!move || rows.length === 0) { return; }
      event.preventDefault();
      at[0] = Math.max(0, Math.min(rows.length - 1, at[0] + move[0]));
      var cells = rows[at[0]].querySelectorAll("td.ax-cell");
      at[1] = Math.max(0, Math.min(cells.length - 1, at[1] + move[1]));
      table.querySelectorAll("td.ax-focus").forEach(function (cell) {
        cell.classList.remove("ax-focus");
      });
      cells[at[1]].classList.add("ax-focus");
      live.textContent = cells[at[1]].title;
    });
  });
}

// Text in the other edition's language says so (WCAG 3.1.2), as _ext/language_parts.py
// does for the rest of the page: on English pages every run of Hangul, on Korean pages
// every run of three or more English words, gets <span lang>; a menu item, which can
// hold no element, gets the lang itself. The explorer's script redraws its markup, so
// this runs again after every change. The live region is left alone: marking it would
// change it and have it spoken twice.
var HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3";
var OTHER_RUNS = {
  en: {lang: "ko", run: new RegExp("[" + HANGUL + "](?:[^\\nA-Za-z]*[" + HANGUL +
                                   "])?[.?!]?", "g")},
  ko: {lang: "en", run: /[A-Za-z][A-Za-z'\u2019-]*(?:[ ,;:\u00a0]+[A-Za-z][A-Za-z'\u2019-]*){2,}[.?!]?/g}
};

function markLanguages(root) {
  var other = OTHER_RUNS[document.documentElement.lang === "ko" ? "ko" : "en"];
  var walker = document.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
  var texts = [];
  while (walker.nextNode()) { texts.push(walker.currentNode); }
  texts.forEach(function (text) {
    var parent = text.parentNode;
    if (parent.closest("script, style, [aria-live]")) { return; }
    var marked = parent.closest("[lang]");
    if (marked && root.contains(marked)) { return; }
    var value = text.nodeValue;
    other.run.lastIndex = 0;
    if (!other.run.test(value)) { return; }
    if (parent.tagName === "OPTION" || parent.tagName === "TITLE") {
      parent.setAttribute("lang", other.lang);
      return;
    }
    var pieces = document.createDocumentFragment();
    var at = 0;
    value.replace(other.run, function (run, start) {
      if (start > at) { pieces.appendChild(document.createTextNode(value.slice(at, start))); }
      var span = pieces.appendChild(document.createElement("span"));
      span.setAttribute("lang", other.lang);
      span.textContent = run;
      at = start + run.length;
      return run;
    });
    if (at < value.length) { pieces.appendChild(document.createTextNode(value.slice(at))); }
    parent.replaceChild(pieces, text);
  });
}

function keepLanguagesMarked(root) {
  markLanguages(root);
  if (typeof MutationObserver === "undefined") { return; }
  new MutationObserver(function () { markLanguages(root); }).observe(
    root, {childList: true, subtree: true, characterData: true});
}

function runExplorer(root, setUp) {
  root.setAttribute("data-start-ms", String(Math.round(performance.now())));
  // The explorer's data travels as JSON in its element script.ax-data.
  var data = JSON.parse(root.querySelector("script.ax-data").textContent);
  root.classList.add("ax-js");
  // Keys pressed here belong to the explorer, not to JupyterLab's shortcuts.
  root.addEventListener("keydown", function (e) { e.stopPropagation(); });
  setUp(root, data);
  var live = liveRegion(root);
  speakChanges(root, live);
  heatmapKeys(root, live);
  keepLanguagesMarked(root);
  // When the explorer became interactive, in ms after the page started loading.
  root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
}
