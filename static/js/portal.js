// Every HTMX request carries the CSRF token; 422 responses (form errors) are swapped like 200s.
(function () {
  "use strict";
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = token();
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) { return; }
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: true, error: true },
      { code: "...", swap: false }
    ];
  });
})();
