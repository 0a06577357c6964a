// Every HTMX request carries the CSRF token; 422 responses (form errors) are swapped like 200s, error pages into
// #flash.
(function () {
  "use strict";
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = token();
  });
  // An error page (403, 404, 423, 500…) answers an HTMX request retargeted to #flash: show all of it there, not
  // the part the form asked for with hx-select (which the error page does not have, leaving nothing to see).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status !== 422) {
      event.detail.selectOverride = "unset";
    }
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
