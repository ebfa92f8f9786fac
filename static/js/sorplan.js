/* sorplan's own behaviour on top of server-rendered pages; every page works without it.
   A static file because the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  /* DKFDS error summary: after a failed save, move focus to the summary, whose items
     link to their fields. Also after an htmx swap (the same form comes back in place). */
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]:not([data-error-summary-seen])");
    if (summary) {
      summary.setAttribute("data-error-summary-seen", "");
      summary.focus();
    }
  }

  /* DKFDS character limit: the field has no maxlength (which cuts pasted text without a
     word); the hint counts down, and up past the limit, and the server refuses too long
     a text with the text kept. Screen readers hear the count when typing pauses. */
  var timers = new WeakMap();

  function updateLimit(input) {
    var limit = parseInt(input.getAttribute("data-character-limit"), 10);
    var hint = document.getElementById(input.id + "-limit");
    var live = document.getElementById(input.id + "-limit-live");
    if (!limit || !hint) {
      return;
    }
    var left = limit - input.value.length;
    var text = (left >= 0 ? hint.getAttribute("data-remaining") : hint.getAttribute("data-over"))
      .replace("%(count)s", String(Math.abs(left)));
    hint.textContent = text;
    hint.classList.toggle("sp-character-limit--over", left < 0);
    if (live) {
      clearTimeout(timers.get(input));
      timers.set(input, setTimeout(function () { live.textContent = text; }, 1000));
    }
  }

  function initLimits(root) {
    root.querySelectorAll("[data-character-limit]").forEach(function (input) {
      if (input.value.length) {
        updateLimit(input);
      }
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-character-limit")) {
      updateLimit(event.target);
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    initLimits(document);
    focusErrorSummary();
  });

  function ready() {
    initLimits(document);
    focusErrorSummary();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
