// Starts Swagger UI on the API's schema (api/pages.py docs). A static file: the CSP
// allows no inline script. Unsafe requests carry the CSRF token of the session.
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("swagger-ui");
    if (!node || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    window.SwaggerUIBundle({
      url: node.getAttribute("data-schema-url"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      requestInterceptor: function (request) {
        if (!/^(GET|HEAD|OPTIONS)$/i.test(request.method || "GET")) {
          request.headers["X-CSRFToken"] = csrfToken();
        }
        return request;
      },
    });
  });
})();
