/* Team conversation page: send with fetch() and read the team's replies as Server-Sent Events.
   Each role gets its own bubble (`turn`), tokens stream in, the saved reply replaces the bubble
   (`message`) and the shared state on the side is refreshed (`context`). Without JavaScript the
   form posts to the plain endpoint and the page reloads with every reply. */
(function () {
  "use strict";

  var ready = window.PersonaiChat.ready;
  var el = window.PersonaiChat.el;
  var sseParser = window.PersonaiChat.sseParser;

  ready(function () {
    var form = document.getElementById("chat-form");
    var log = document.getElementById("chat-log");
    if (!form || !log || !window.fetch || !window.TextDecoder) return;
    var input = document.getElementById("chat-input");
    var send = document.getElementById("chat-send");
    var stop = document.getElementById("chat-stop");
    var status = document.getElementById("chat-status");
    var retryForm = document.getElementById("chat-retry");
    var streamUrl = form.getAttribute("data-stream-url");
    var messageUrl = form.getAttribute("data-message-url");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var controller = null;

    function scrollDown() { window.scrollTo(0, document.body.scrollHeight); }

    function setBusy(busy) {
      send.disabled = busy;
      stop.hidden = !busy;
      log.setAttribute("aria-busy", busy ? "true" : "false");
    }

    function showStatus(text, isError) {
      status.textContent = text || "";
      status.className = "chat-status" + (isError ? " is-error" : "");
    }

    function bubble(role, author, text) {
      var empty = document.getElementById("chat-empty");
      if (empty) empty.remove();
      var article = el("article", "chat-msg chat-msg-" + role);
      if (author) article.appendChild(el("p", "chat-msg-author", author));
      var body = el("div", "chat-msg-body");
      var p = el("p", null, text);
      body.appendChild(p);
      article.appendChild(body);
      log.appendChild(article);
      scrollDown();
      return { article: article, body: body, text: p };
    }

    function replaceWithServer(node, id) {
      return fetch(messageUrl.replace("00000000-0000-0000-0000-000000000000", id), {
        credentials: "same-origin", headers: { "HX-Request": "true" }
      }).then(function (response) {
        if (!response.ok) return;
        return response.text().then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.firstElementChild;
          if (fresh) {
            node.replaceWith(fresh);
            if (window.htmx) window.htmx.process(fresh);
          }
        });
      });
    }

    function showState(team) {
      ["goals", "decisions", "open_questions"].forEach(function (key) {
        var list = document.getElementById("team-" + key);
        if (!list || !team[key]) return;
        list.textContent = "";
        if (!team[key].length) list.appendChild(el("li", "muted", list.getAttribute("data-empty")));
        team[key].forEach(function (item) { list.appendChild(el("li", null, item)); });
      });
    }

    function run(body) {
      controller = new AbortController();
      setBusy(true);
      showStatus("");
      var current = null;
      var received = "";
      var userBubble = body.has("content") ? bubble("user", null, body.get("content")) : null;
      var handle = sseParser(function (name, data) {
        if (name === "start") {
          if (userBubble) {
            userBubble.article.id = "message-" + data.user_message.id;
            userBubble.body.innerHTML = data.user_message.html;
          }
        } else if (name === "turn") {
          received = "";
          current = bubble("assistant", data.persona, "");
          current.article.classList.add("is-streaming");
          showStatus(data.persona + " is answering…");
        } else if (name === "token" && current) {
          received += data.text;
          current.text.textContent = received;
          scrollDown();
        } else if (name === "message" && current) {
          current.article.classList.remove("is-streaming");
          replaceWithServer(current.article, data.message.id);
          current = null;
        } else if (name === "context") {
          showState(data.team);
        } else if (name === "done") {
          showStatus("");
          if (data.conversation && data.conversation.title) {
            var heading = document.getElementById("chat-heading");
            if (heading && heading.textContent !== data.conversation.title) heading.textContent = data.conversation.title;
          }
        } else if (name === "error") {
          showStatus(data.detail, true);
          if (current) {
            if (data.message) replaceWithServer(current.article, data.message.id);
            else current.article.remove();
          }
        }
      });
      return fetch(streamUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Accept": "text/event-stream" },
        signal: controller.signal
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/event-stream") === -1) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (userBubble) userBubble.article.remove();
            var wait = response.headers.get("Retry-After");
            showStatus((data.detail || "Sending failed.") + (wait ? " Try again in " + wait + " s." : ""), true);
            if (userBubble) input.value = body.get("content");
          });
        }
        if (userBubble) input.value = "";
        if (retryForm) { retryForm.remove(); retryForm = null; }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        function pump() {
          return reader.read().then(function (result) {
            if (result.done) return;
            handle(decoder.decode(result.value, { stream: true }));
            return pump();
          });
        }
        return pump();
      }).catch(function (error) {
        if (error && error.name === "AbortError") showStatus("Stopped. What arrived is saved.");
        else showStatus("The connection was lost. Reload the page to see what was saved.", true);
        if (current) current.article.classList.remove("is-streaming");
      }).then(function () {
        setBusy(false);
        controller = null;
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (controller) return;
      var text = input.value.trim();
      if (!text) { showStatus("Write a message.", true); return; }
      var body = new FormData();
      body.append("content", text);
      run(body);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });
    stop.addEventListener("click", function () { if (controller) controller.abort(); });
    if (retryForm) {
      retryForm.addEventListener("submit", function (event) {
        event.preventDefault();
        if (controller) return;
        var body = new FormData();
        body.append("retry", "1");
        run(body);
      });
    }
  });
})();
