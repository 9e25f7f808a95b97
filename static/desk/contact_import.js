// Refreshes the progress of a contact import until it finishes; without JavaScript the page
// reloads itself (meta refresh in <noscript>).
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  function finished() {
    var section = box.querySelector("[data-finished]");
    return section && section.getAttribute("data-finished") === "1";
  }
  function poll() {
    if (finished()) { return; }
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) { box.innerHTML = html; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
