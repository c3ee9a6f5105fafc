/* Chat page: send with fetch() and read the reply as Server-Sent Events (EventSource cannot
   POST), render tokens as they arrive, Stop with an AbortController. Without JavaScript the form
   posts to the plain endpoint and the page reloads with the whole reply. */
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

    function scrollDown() { log.scrollTop = log.scrollHeight; window.scrollTo(0, document.body.scrollHeight); }
    scrollDown();

    function setBusy(busy) {
      send.disabled = busy;
      stop.hidden = !busy;
      log.setAttribute("aria-busy", busy ? "true" : "false");
    }

    function showStatus(text, isError) {
      status.textContent = text || "";
      status.className = "chat-status" + (isError ? " is-error" : "");
    }

    function bubble(role, text) {
      var empty = document.getElementById("chat-empty");
      if (empty) empty.remove();
      var article = el("article", "chat-msg chat-msg-" + role);
      var body = el("div", "chat-msg-body");
      var p = el("p", null, text);
      body.appendChild(p);
      article.appendChild(body);
      log.appendChild(article);
      scrollDown();
      return { article: article, body: body, text: p };
    }

    /* Replace a streamed bubble by the server-rendered message (safe HTML, feedback forms). */
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

    function run(body) {
      controller = new AbortController();
      setBusy(true);
      showStatus("");
      var reply = null;
      var received = "";
      var finished = false;
      var userBubble = body.has("content") ? bubble("user", body.get("content")) : null;
      var handle = sseParser(function (name, data) {
        if (name === "start") {
          if (userBubble) {
            userBubble.article.id = "message-" + data.user_message.id;
            userBubble.body.innerHTML = data.user_message.html;
          }
          reply = bubble("assistant", "");
          reply.article.classList.add("is-streaming");
        } else if (name === "token") {
          received += data.text;
          reply.text.textContent = received;
          scrollDown();
        } else if (name === "done" || name === "error") {
          finished = true;
          if (name === "error") showStatus(data.detail, true);
          if (data.conversation && data.conversation.title) {
            var heading = document.getElementById("chat-heading");
            if (heading && heading.textContent !== data.conversation.title) {
              document.title = document.title.replace(heading.textContent, data.conversation.title);
              heading.textContent = data.conversation.title;
            }
          }
          if (data.message) replaceWithServer(reply.article, data.message.id);
          else if (reply) reply.article.remove();
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
            if (userBubble) userBubble.article.remove();  // not saved: keep it in the box
            var wait = response.headers.get("Retry-After");
            showStatus((data.detail || "Sending failed.") + (wait ? " Try again in " + wait + " s." : ""), true);
            if (userBubble) input.value = body.get("content");
          });
        }
        if (userBubble) input.value = "";
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
        else showStatus("The connection broke. Your message is saved; reload to see the reply or retry.", true);
      }).then(function () {
        setBusy(false);
        if (reply && !finished) {
          reply.article.classList.add("is-incomplete");
          reply.article.classList.remove("is-streaming");
        }
        controller = null;
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (controller) return;
      if (!input.value.trim()) { showStatus("Write a message first.", true); return; }
      var body = new FormData();
      body.append("content", input.value);
      if (retryForm) retryForm.remove();
      run(body);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : send.click();
      }
    });

    stop.addEventListener("click", function () { if (controller) controller.abort(); });

    if (retryForm) {
      retryForm.addEventListener("submit", function (event) {
        event.preventDefault();
        if (controller) return;
        var body = new FormData();
        body.append("retry", "1");
        retryForm.remove();
        var lastIncomplete = log.querySelector(".chat-msg-assistant.is-incomplete:last-of-type");
        if (lastIncomplete) lastIncomplete.remove();
        run(body);
      });
    }
  });
})();
