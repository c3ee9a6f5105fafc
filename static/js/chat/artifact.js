/* ERD page: draw the diagram with the vendored Mermaid. The table view stays when JavaScript is
   off or Mermaid cannot draw the diagram; when it can, the table folds away (still one click). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var target = document.getElementById("erd-diagram");
    var source = document.getElementById("erd-source");
    var table = document.getElementById("erd-table");
    if (!target || !source || !window.mermaid) return;
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
    window.mermaid.render("erd-svg", source.textContent).then(function (result) {
      target.innerHTML = result.svg;
      target.hidden = false;
      target.setAttribute("data-rendered", "true");
      if (table) table.open = false;
    }).catch(function (error) {
      target.hidden = true;
      target.setAttribute("data-rendered", "false");
      if (window.console) console.warn("ERD not drawn; showing the table view.", error);
    });
  });
})();
