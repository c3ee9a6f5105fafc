/*
 * Personai — small progressive enhancements. Every page works without this file.
 *
 *   <button type="button" data-copy="#api-key">Copy</button>
 *       copies the text (or value) of the element matched by the selector and says "Copied".
 *   <form data-confirm="Revoke this key?"> … </form>
 *       asks for confirmation before the form is submitted (also for htmx-driven forms).
 *   <button type="button" data-print>Print</button>
 *       opens the browser's print dialog.
 *   <button type="button" class="nav-toggle" aria-controls="site-nav" hidden>Menu</button>
 *       collapses the site navigation into a menu on small screens (CSS decides when).
 *   <p id="save-status" data-retrying="…"> and questions with hx-post (take.html)
 *       taking a questionnaire: a failed autosave says "Not saved — retrying" and is retried
 *       with backoff until it is saved.
 *   <form data-probe-url="…" data-offline-message="…" data-server-message="…">
 *       the form is posted only when the server answers a quick HEAD request there; offline
 *       the page stays (with its answers) and says so instead of a browser error page.
 *
 * No inline handlers (onclick="…") anywhere: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  var RESET_AFTER_MS = 2000;

  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region) {
      return;
    }
    // Clear first so the same message is announced again on a second click.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  function textOf(element) {
    if ("value" in element && typeof element.value === "string" && element.value !== "") {
      return element.value;
    }
    return element.textContent.trim();
  }

  function copyWithSelection(element, text) {
    // Fallback for pages not served over HTTPS, where navigator.clipboard is missing.
    var helper = document.createElement("textarea");
    helper.value = text;
    helper.setAttribute("readonly", "");
    helper.style.position = "fixed";
    helper.style.opacity = "0";
    document.body.appendChild(helper);
    helper.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(helper);
    if (!copied) {
      // Leave the text selected so the user can press Ctrl+C / Cmd+C.
      var range = document.createRange();
      range.selectNodeContents(element);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    return copied;
  }

  function showResult(button, label) {
    if (!button.dataset.copyLabel) {
      button.dataset.copyLabel = button.textContent;
    }
    button.textContent = label;
    announce(label);
    window.clearTimeout(button._personaiCopyTimer);
    button._personaiCopyTimer = window.setTimeout(function () {
      button.textContent = button.dataset.copyLabel;
    }, RESET_AFTER_MS);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    var text = textOf(target);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          showResult(button, "Copied");
        },
        function () {
          showResult(button, copyWithSelection(target, text) ? "Copied" : "Press Ctrl+C to copy");
        }
      );
    } else {
      showResult(button, copyWithSelection(target, text) ? "Copied" : "Press Ctrl+C to copy");
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) {
      window.print();
    }
  });

  // Capture phase: runs before htmx's own submit listener on the form, so a "Cancel"
  // stops both the normal submission and an hx-post.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
        return;
      }
      var question = form.getAttribute("data-confirm") || "Are you sure?";
      if (!window.confirm(question)) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true
  );

  // ------------------------------------------------------------------ site menu (small screens)

  var menuButton = document.querySelector(".nav-toggle");
  if (menuButton) {
    var header = menuButton.closest(".site-header");
    header.classList.add("has-nav-toggle");
    menuButton.hidden = false;
    var setMenu = function (open) {
      header.classList.toggle("is-open", open);
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    };
    menuButton.addEventListener("click", function () {
      setMenu(menuButton.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("is-open")) {
        setMenu(false);
        menuButton.focus();
      }
    });
  }

  // ------------------------------------------------------------------ taking: autosave that never loses an answer

  // Each question posts itself on change (htmx, see take.html). When a post fails (offline,
  // server error) the answer is still on the page: the question is remembered and posted
  // again after 1, 2, 4 … 30 s (at once when the browser comes back online) until it is saved.
  var RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var unsaved = {}; // question block id -> true
  var retryAttempt = 0;
  var retryTimer = null;

  function saveStatus() {
    return document.getElementById("save-status");
  }

  function hasUnsaved() {
    return Object.keys(unsaved).length > 0;
  }

  function showNotSaved() {
    var status = saveStatus();
    if (!status) {
      return;
    }
    var text = status.getAttribute("data-retrying") || "Not saved — retrying";
    status.innerHTML = "";
    var span = document.createElement("span");
    span.className = "save-status-error save-status-retrying";
    span.textContent = text;
    status.appendChild(span);
  }

  function retryUnsaved() {
    retryTimer = null;
    Object.keys(unsaved).forEach(function (id) {
      var block = document.getElementById(id);
      if (!block || !window.htmx) {
        delete unsaved[id]; // the question is gone (hidden by a branch rule): nothing to save
        return;
      }
      window.htmx.trigger(block, "change");
    });
  }

  function scheduleRetry() {
    if (retryTimer !== null) {
      return;
    }
    var delay = RETRY_DELAYS_MS[Math.min(retryAttempt, RETRY_DELAYS_MS.length - 1)];
    retryAttempt += 1;
    retryTimer = window.setTimeout(retryUnsaved, delay);
  }

  function isQuestion(element) {
    return element instanceof Element && element.matches(".question[hx-post]");
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var block = event.detail.elt;
    if (!isQuestion(block)) {
      return;
    }
    if (event.detail.successful === true) {
      delete unsaved[block.id];
      if (hasUnsaved()) {
        showNotSaved(); // another question is still waiting: its "Not saved" stays in view
      } else {
        retryAttempt = 0;
      }
      return;
    }
    unsaved[block.id] = true;
    showNotSaved();
    scheduleRetry();
  });

  window.addEventListener("online", function () {
    if (hasUnsaved()) {
      window.clearTimeout(retryTimer);
      retryUnsaved();
    }
  });

  window.addEventListener("beforeunload", function (event) {
    // Leaving through the form posts every answer anyway; only other ways out would lose one.
    if (hasUnsaved() && !leavingThroughForm) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // "Save and continue", "Back", "Finish later": the whole page is posted. Offline, the browser
  // would show its own error page and the answers on this page would be gone from view; so we
  // first ask the server whether it is there (a HEAD request, answered 405 at once), and if it
  // is not, stay here and say so.
  var leavingThroughForm = false;

  function showOffline(form, serverTrouble) {
    var box = form._personaiOfflineBox;
    if (!box) {
      box = document.createElement("div");
      box.className = "message message-error take-offline";
      box.setAttribute("role", "alert");
      form.parentNode.insertBefore(box, form);
      form._personaiOfflineBox = box;
    }
    box.textContent =
      form.getAttribute(serverTrouble ? "data-server-message" : "data-offline-message") ||
      "You seem to be offline. Your answers are still here; try again when you are back online.";
    box.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-probe-url")) {
      return;
    }
    if (form.dataset.probed === "1") {
      delete form.dataset.probed;
      leavingThroughForm = true;
      return; // checked: let the browser post the page
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    var proceed = function () {
      if (form._personaiOfflineBox) {
        form._personaiOfflineBox.remove();
        form._personaiOfflineBox = null;
      }
      form.dataset.probed = "1";
      if (submitter && typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter);
      } else {
        form.submit();
        leavingThroughForm = true;
      }
    };
    if (navigator.onLine === false) {
      showOffline(form, false);
      return;
    }
    var probeUrl = form.getAttribute("data-probe-url");
    if (!probeUrl || !window.fetch) {
      proceed();
      return;
    }
    window
      .fetch(probeUrl, { method: "HEAD", cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status >= 500) {
          showOffline(form, true);
        } else {
          proceed();
        }
      })
      .catch(function () {
        showOffline(form, false);
      });
  });
})();
