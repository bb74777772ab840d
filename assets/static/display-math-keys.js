// On a narrow screen a wide display equation scrolls sideways inside its box, and a
// region that scrolls must be reachable by keyboard (WCAG 2.1.1; axe:
// scrollable-region-focusable). Once MathJax has typeset the page (its deferred
// script has run by DOMContentLoaded), every display equation takes the focus.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var startup = window.MathJax && window.MathJax.startup;
  if (!startup || !startup.promise) return;
  startup.promise.then(function () {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      box.tabIndex = 0;
    });
  });
});
