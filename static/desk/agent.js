/* Agent page live updates: one EventSource on /ao-vivo/eventos; each element with
   data-live-refresh reloads its fragment when an event of its types (and conversation) arrives.
   Without this script the page still works: reload to see news. */
(function () {
  "use strict";
  var targets = Array.prototype.slice.call(document.querySelectorAll("[data-live-refresh]"));
  if (!targets.length || !window.EventSource) { return; }
  var state = document.querySelector("[data-live-state]");
  var labels = {
    on: "Atualização automática: ativa.",
    retry: "Atualização automática: reconectando…",
    off: "Atualização automática indisponível. Recarregue a página para ver novidades."
  };
  function say(key) { if (state) { state.textContent = labels[key]; } }

  var timers = new Map();
  function refresh(target) {
    if (timers.has(target)) { return; }
    timers.set(target, window.setTimeout(function () {
      timers.delete(target);
      fetch(target.getAttribute("data-live-refresh"), {
        credentials: "same-origin",
        // Background polling is not activity: it must not keep an idle session alive.
        headers: { "X-Background-Request": "1" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      }).then(function (html) {
        target.innerHTML = html;
      }).catch(function () { say("retry"); });
    }, 150));
  }
  function concerns(target, event) {
    var types = (target.getAttribute("data-live-types") || "").split(/\s+/);
    if (types.indexOf(event.type) < 0) { return false; }
    var wanted = target.getAttribute("data-live-conversation");
    if (!wanted) { return true; }
    var payload = event.payload || {};
    var id = payload.conversation_id !== undefined ? payload.conversation_id : payload.id;
    return String(id) === wanted;
  }

  var source = new EventSource(targets[0].getAttribute("data-live-events"));
  var kinds = ["conversation.created", "conversation.updated", "message.created",
               "message.status", "message.media"];
  kinds.forEach(function (kind) {
    source.addEventListener(kind, function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      targets.forEach(function (target) { if (concerns(target, event)) { refresh(target); } });
    });
  });
  source.addEventListener("reset", function () { targets.forEach(refresh); });
  source.addEventListener("open", function () {
    say("on");
    // Whatever happened between the page load and this connection.
    targets.forEach(refresh);
  });
  source.addEventListener("error", function () {
    say(source.readyState === EventSource.CLOSED ? "off" : "retry");
  });
})();
