/* Service worker of the agent console (scope /console/): makes the console installable as a
   mobile web app (6.5.64). Conversations are never cached: they are personal data and must be
   current; only the static shell is kept, and a page shown offline says so. */
"use strict";
var CACHE = "portal-shell-v2";
var SHELL = ["/static/css/app.css", "/static/css/portal.css", "/static/portal/console.js",
  "/static/portal/live.js", "/static/portal/push.js", "/static/portal/audio.js",
  "/static/portal/phone.css", "/static/portal/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL).catch(function () { return undefined; });
  }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return new Response(
        "<!doctype html><html lang=\"pt-BR\"><meta charset=\"utf-8\"><title>Sem conexão</title>" +
        "<p>Sem conexão com a internet. O console volta assim que a conexão voltar.</p></html>",
        { headers: { "Content-Type": "text/html; charset=utf-8" } });
    }));
  }
});

/* Web Push (push/services.py): the server sends a notification when a conversation is assigned
   to the agent or a citizen writes in one of theirs. A visible console already shows that live,
   so the notification is shown only when no console window is visible. The payload carries the
   title and body in the agent's language, the conversation's address and a tag (one
   notification per conversation, replaced by the newest). */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      var watching = windows.some(function (client) {
        return client.visibilityState === "visible" &&
          new URL(client.url).pathname.indexOf("/console/") === 0;
      });
      if (watching) { return undefined; }
      return self.registration.showNotification(data.title || "Console de atendimento", {
        body: data.body || "",
        tag: data.tag || "portal",
        renotify: true,
        icon: "/static/portal/icon-192.png",
        badge: "/static/portal/icon-192.png",
        data: { url: data.url || "/console/" }
      });
    }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var path = (event.notification.data && event.notification.data.url) || "/console/";
  var target = new URL(path, self.location.origin);
  if (target.origin !== self.location.origin) { target = new URL("/console/", self.location.origin); }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      var open = windows.filter(function (client) {
        return new URL(client.url).pathname.indexOf("/console/") === 0;
      });
      if (open.length && "navigate" in open[0]) {
        return open[0].navigate(target.href).then(function (client) {
          return (client || open[0]).focus();
        });
      }
      return self.clients.openWindow(target.href);
    }));
});
