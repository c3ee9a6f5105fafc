/*
 * Personai — small progressive enhancements. Every page works without this file.
 *
 *   <button type="button" data-copy="#api-key">Copy</button>
 *       copies the text (or value) of the element matched by the selector and says "Copied".
 *   <form data-confirm="Revoke this key?"> … </form>
 *       asks for confirmation before the form is submitted (also for htmx-driven forms).
 *   <button type="button" data-print>Print</button>
 *       opens the browser's print dialog.
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
})();
