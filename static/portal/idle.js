/* Automatic logout after the tenant's configured inactivity (6.5.58.17, 6.5.56).
   Live updates and background refreshes never count as activity (live.js marks them with
   X-Background-Request); only the person's keys, clicks, touches and scrolling do. While they
   act, the server is told at most once a minute (a plain GET the middleware counts); once they
   have been idle for the configured minutes the hidden form signs them out. A warning is shown
   one minute before. */
(function () {
  "use strict";
  var form = document.querySelector("[data-idle-form]");
  if (!form) { return; }
  var minutes = parseInt(form.getAttribute("data-idle-minutes"), 10);
  if (!(minutes > 0)) { return; }
  var limit = minutes * 60 * 1000;
  var ping = form.getAttribute("data-idle-ping");
  var warning = document.querySelector("[data-idle-warning]");
  var PING_EVERY = 60 * 1000;
  var lastActivity = Date.now();
  var lastPing = Date.now();
  var done = false;

  function activity() {
    if (done) { return; }
    lastActivity = Date.now();
    if (warning) { warning.hidden = true; }
    if (lastActivity - lastPing >= PING_EVERY) {
      lastPing = lastActivity;
      window.fetch(ping, { credentials: "same-origin", cache: "no-store" }).catch(function () {});
    }
  }
  ["keydown", "pointerdown", "wheel", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, activity, { capture: true, passive: true });
  });

  window.setInterval(function () {
    if (done) { return; }
    var idle = Date.now() - lastActivity;
    if (idle >= limit) {
      done = true;
      form.submit();
    } else if (warning && limit > 2 * 60 * 1000 && idle >= limit - 60 * 1000) {
      warning.hidden = false;
    }
  }, 1000);
})();
