/* Web Push for the agent console (6.5.64): the agent turns notifications on for this browser
   or phone; the service worker (/console/sw.js) subscribes with the server's VAPID key and the
   subscription is stored for the signed-in user (POST /api/push/inscricoes). The server then
   sends a push when a conversation is assigned to the agent or a citizen writes in one of
   theirs; the service worker shows it only when no console tab is visible. */
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box) { return; }
  var key = box.getAttribute("data-push-key");
  var api = box.getAttribute("data-push-api");
  var button = box.querySelector("[data-push-toggle]");
  var state = box.querySelector("[data-push-state]");
  var root = document.querySelector("[data-sw]");
  var user = (document.querySelector("[data-user]") || box).getAttribute("data-user") || "";
  var remembered = "portal-push-endpoint";
  if (!key || !root || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !window.Notification) {
    return; /* push off on the server, or a browser without Web Push: nothing to offer */
  }

  function text(name) { return box.getAttribute("data-" + name) || ""; }
  function csrf() {
    var input = box.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function sameKey(subscription) {
    var current = subscription.options && subscription.options.applicationServerKey;
    if (!current) { return true; }
    var mine = keyBytes(key);
    var theirs = new Uint8Array(current);
    if (mine.length !== theirs.length) { return false; }
    for (var i = 0; i < mine.length; i += 1) { if (mine[i] !== theirs[i]) { return false; } }
    return true;
  }
  function show(on, message) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = text(on ? "label-disable" : "label-enable");
    if (message !== undefined) { state.textContent = message; }
  }
  function call(method, body) {
    return window.fetch(api, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.ok || (method === "DELETE" && response.status === 404)) { return response; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        throw new Error(data.detail || text("text-failed"));
      });
    });
  }
  function store(subscription) {
    var body = subscription.toJSON();
    return call("POST", body).then(function () {
      window.localStorage.setItem(remembered, user + " " + body.endpoint);
    });
  }
  function registration() {
    return navigator.serviceWorker.register(root.getAttribute("data-sw"), { scope: "/console/" })
      .then(function () { return navigator.serviceWorker.ready; });
  }

  function enable() {
    return window.Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error(text("text-denied")); }
      return registration();
    }).then(function (worker) {
      return worker.pushManager.getSubscription().then(function (existing) {
        if (existing && !sameKey(existing)) {
          return existing.unsubscribe().then(function () { return null; });
        }
        return existing;
      }).then(function (existing) {
        return existing || worker.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(key)
        });
      });
    }).then(store).then(function () { show(true, text("text-on")); });
  }

  function disable() {
    return registration().then(function (worker) {
      return worker.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) { return undefined; }
      var endpoint = subscription.endpoint;
      return call("DELETE", { endpoint: endpoint }).then(function () {
        window.localStorage.removeItem(remembered);
        return subscription.unsubscribe();
      });
    }).then(function () { show(false, text("text-off")); });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    var on = button.getAttribute("aria-pressed") === "true";
    (on ? disable() : enable()).catch(function (error) {
      show(on, error && error.message ? error.message : text("text-failed"));
    }).then(function () { button.disabled = false; });
  });

  /* On every load: show the current state, and re-send a subscription the server may not have
     (another agent signed in on this phone, or the server's key changed). */
  box.hidden = false;
  if (window.Notification.permission === "denied") {
    show(false, text("text-denied"));
    return;
  }
  registration().then(function (worker) {
    return worker.pushManager.getSubscription();
  }).then(function (subscription) {
    if (!subscription || window.Notification.permission !== "granted") {
      show(false);
      return undefined;
    }
    if (!sameKey(subscription)) { return enable(); }
    show(true);
    if (window.localStorage.getItem(remembered) !== user + " " + subscription.endpoint) {
      return store(subscription);
    }
    return undefined;
  }).catch(function () { show(false); });
})();
