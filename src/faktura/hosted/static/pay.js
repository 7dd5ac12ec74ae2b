// A form is sent once: a second click or Enter while the first request runs does nothing.
// The server refuses a second charge anyway; this only spares the payer a confusing page.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.getAttribute("aria-busy") === "true") {
    event.preventDefault();
    return;
  }
  form.setAttribute("aria-busy", "true");
});
// Coming back through the browser's history shows the page as it was left: make its forms usable again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[aria-busy]").forEach(function (form) {
    form.removeAttribute("aria-busy");
  });
});
