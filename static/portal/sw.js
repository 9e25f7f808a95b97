/* Service worker of the agent console (scope /console/): makes the console installable as a
   mobile web app (6.5.64). Conversations are never cached: they are personal data and must be
   current; only the static shell is kept, and a page shown offline says so. */
"use strict";
var CACHE = "portal-shell-v1";
var SHELL = ["/static/css/app.css", "/static/css/portal.css", "/static/portal/console.js",
  "/static/portal/live.js", "/static/portal/icon-192.png"];

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
