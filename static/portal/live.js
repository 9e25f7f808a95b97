/* Live refresh of the console and the monitor.
   One EventSource on the desk's SSE endpoint (data-portal-live); each event makes htmx reload
   the fragments listening for "portal:refresh" (lists, board) and, when it concerns the open
   conversation, "portal:thread". When the stream cannot be kept open the page falls back to
   polling every 3 seconds. A "portal:message" DOM event tells console.js a citizen wrote. */
(function () {
  "use strict";
  var root = document.querySelector("[data-portal-live]");
  if (!root) { return; }
  var state = document.querySelector("[data-live-state]");
  var labels = {
    on: "Atualização automática: ativa.",
    retry: "Atualização automática: reconectando…",
    poll: "Atualização automática a cada 3 segundos."
  };
  function say(key) { if (state) { state.textContent = labels[key]; } }
  var current = root.getAttribute("data-conversation") || "";
  var pending = {};
  function fire(name) {
    if (pending[name]) { return; }
    pending[name] = window.setTimeout(function () {
      delete pending[name];
      document.body.dispatchEvent(new CustomEvent(name, { bubbles: true }));
    }, 150);
  }
  var pollTimer = null;
  function poll() {
    if (pollTimer) { return; }
    say("poll");
    pollTimer = window.setInterval(function () {
      fire("portal:refresh");
      fire("portal:chat");
      if (current) { fire("portal:thread"); }
    }, 3000);
  }
  // A live refresh must not wipe what a person is choosing (the monitor's assign selects):
  // a fragment marked data-live-hold is left alone while it has the focus or a chosen value.
  function editing(element) {
    if (element.contains(document.activeElement) && document.activeElement !== element) { return true; }
    return Array.prototype.some.call(element.querySelectorAll("select, textarea"), function (field) {
      return field.value !== "";
    });
  }
  ["htmx:beforeRequest", "htmx:beforeSwap"].forEach(function (name) {
    document.body.addEventListener(name, function (event) {
      var detail = event.detail || {};
      var verb = detail.requestConfig && detail.requestConfig.verb;
      // Only the background refresh (a GET) waits; the answer to the person's own post swaps.
      var hold = document.querySelector("[data-live-hold]");
      if (verb === "get" && hold && (detail.target === hold || detail.elt === hold) && editing(hold)) {
        if (name === "htmx:beforeSwap") { event.detail.shouldSwap = false; } else { event.preventDefault(); }
      }
    });
  });
  // Refreshes the page makes by itself (a live event, polling) are not the person's activity:
  // marked, so the inactivity logout (security.middleware) does not count them.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (!trigger || String(trigger.type).indexOf("portal:") === 0) {
      event.detail.headers["X-Background-Request"] = "1";
    }
  });
  if (!window.EventSource) { poll(); return; }
  var source = new EventSource(root.getAttribute("data-portal-live"));
  var kinds = ["conversation.created", "conversation.updated", "conversation.routing",
               "conversation.invited", "message.created", "message.status", "message.media"];
  kinds.forEach(function (kind) {
    source.addEventListener(kind, function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      var payload = event.payload || {};
      var id = payload.conversation_id !== undefined ? payload.conversation_id : payload.id;
      fire("portal:refresh");
      if (current && String(id) === current && kind.indexOf("message.") === 0) {
        fire("portal:thread");
      }
      if (kind === "message.created" && payload.direction === "in") {
        document.dispatchEvent(new CustomEvent("portal:message", { detail: payload }));
      }
    });
  });
  // The internal chat (6.5.58.10): the chat's fragments and the console's unread count listen
  // for "portal:chat"; a message to this user also rings (console.js, "portal:chat-message").
  var me = root.getAttribute("data-user") || "";
  source.addEventListener("chat.message", function (message) {
    var event;
    try { event = JSON.parse(message.data); } catch (error) { return; }
    var payload = event.payload || {};
    fire("portal:chat");
    if (me && String(payload.recipient_id) === me) {
      document.dispatchEvent(new CustomEvent("portal:chat-message", { detail: payload }));
    }
  });
  source.addEventListener("reset", function () {
    fire("portal:refresh"); fire("portal:thread"); fire("portal:chat");
  });
  source.addEventListener("open", function () {
    if (pollTimer) { window.clearInterval(pollTimer); pollTimer = null; }
    say("on");
    fire("portal:refresh");
  });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) { poll(); } else { say("retry"); }
  });
})();
