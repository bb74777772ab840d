// The search page opened from disk (file://): the browser does not let it read the
// other pages, so Sphinx's excerpts of the results fail, each with a CORS error. There
// the results show titles only, and a note says how to serve the site for excerpts.
// Loaded on the search page only (_ext/attnbook.py).
(function () {
  "use strict";
  if (window.location.protocol !== "file:") return;
  DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
  const korean = document.documentElement.lang === "ko";
  const page = korean ? "search.html" : "en/search.html";
  const command = "python -m http.server -d _build/site";
  const parts = korean
    ? ["디스크에서 연 검색 페이지는 다른 페이지를 읽을 수 없어서 결과의 제목만 보여 줍니다. " +
       "발췌문까지 보려면 저장소에서 ", command, ` 명령을 실행한 뒤 http://localhost:8000/${page} 을(를) 여세요.`]
    : ["Opened from disk, this page cannot read the other pages, so the results show " +
       "titles only. For excerpts, run ", command, ` in the repository and open http://localhost:8000/${page}.`];
  document.addEventListener("DOMContentLoaded", () => {
    const note = document.createElement("p");
    note.className = "search-from-disk";
    note.append(parts[0]);
    note.appendChild(document.createElement("code")).textContent = parts[1];
    note.append(parts[2]);
    const results = document.getElementById("search-results");
    const where = results || document.querySelector("main") || document.body;
    where.parentNode.insertBefore(note, where);
  });
})();
