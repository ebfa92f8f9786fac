/*
 * The session-timeout warning (DKFDS's modal with forced action): shown
 * data-warning-seconds before an idle session ends; "Bliv logget ind" posts to the
 * keep-alive address, which extends the session, and restarts the count. When the
 * time is up the page goes to the log-in page. Every htmx request also extends the
 * session on the server, so it restarts the count too.
 */
(function () {
  "use strict";

  function start() {
    var element = document.getElementById("session-timeout");
    if (!element || !window.DKFDS || !window.DKFDS.Modal) {
      return;
    }
    var idle = parseInt(element.getAttribute("data-idle-seconds"), 10);
    var warning = parseInt(element.getAttribute("data-warning-seconds"), 10);
    var loginUrl = element.getAttribute("data-login-url");
    var form = element.querySelector("form[data-session-keepalive]");
    var modal = new window.DKFDS.Modal(element);
    var warnTimer = null;
    var endTimer = null;
    var shown = false;

    function end() {
      var here = window.location.pathname + window.location.search;
      window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
    }

    function schedule() {
      window.clearTimeout(warnTimer);
      window.clearTimeout(endTimer);
      warnTimer = window.setTimeout(function () {
        shown = true;
        modal.show();
      }, Math.max(0, idle - warning) * 1000);
      endTimer = window.setTimeout(end, idle * 1000);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
        })
        .then(function (response) {
          if (!response.ok) {
            end();
            return;
          }
          if (shown) {
            shown = false;
            modal.hide();
          }
          schedule();
        })
        .catch(end);
    });

    document.body.addEventListener("htmx:afterRequest", function () {
      if (!shown) {
        schedule();
      }
    });
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
