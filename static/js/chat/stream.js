/* What the chat and team conversation pages share: a DOM-ready hook, a small element builder
   and a parser for a Server-Sent Events byte stream read with fetch() (EventSource cannot POST).
   Loaded before chat.js or team.js. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* Parse an SSE byte stream: calls onEvent(name, data) for each complete event. */
  function sseParser(onEvent) {
    var buffer = "";
    return function (chunk) {
      buffer += chunk.replace(/\r\n/g, "\n");
      var index;
      while ((index = buffer.indexOf("\n\n")) !== -1) {
        var block = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        var name = "message";
        var data = [];
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) name = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
        });
        if (data.length) {
          try { onEvent(name, JSON.parse(data.join("\n"))); } catch (e) { /* ignore a bad event */ }
        }
      }
    };
  }

  window.PersonaiChat = { ready: ready, el: el, sseParser: sseParser };
})();
