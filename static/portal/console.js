/* Console helpers: emoji picker (6.5.58.6), canned replies (6.5.58.4), attachment preview
   (6.5.58.9), sound and browser notification for a citizen's message, the service worker
   that makes the console installable (6.5.64). Everything works by delegation, so fragments
   swapped in by htmx need no re-binding. */
(function () {
  "use strict";
  var EMOJI = ["😀", "😊", "🙂", "😉", "😃", "😅", "🙏", "👍", "👋", "👏", "🤝", "💪",
    "✅", "❌", "⚠️", "ℹ️", "📌", "📎", "📄", "📅", "⏰", "📞", "📍", "🏥",
    "🚌", "🏫", "💧", "💡", "🗑️", "🌳", "❤️", "🎉", "😢", "😟", "🤔", "👀"];
  var NAMES = ["sorriso", "feliz", "sorriso leve", "piscadela", "alegre", "alívio", "por favor",
    "positivo", "aceno", "aplausos", "acordo", "força", "concluído", "negativo", "atenção",
    "informação", "fixado", "anexo", "documento", "calendário", "relógio", "telefone", "local",
    "hospital", "ônibus", "escola", "água", "luz", "lixo", "árvore", "coração", "festa",
    "triste", "preocupado", "pensando", "olhos"];

  function composer(element) { return element.closest("[data-composer]"); }
  function textarea(form) { return form ? form.querySelector("[data-reply]") : null; }

  function insert(form, text) {
    var field = textarea(form);
    if (!field) { return; }
    var start = field.selectionStart || field.value.length;
    var end = field.selectionEnd || field.value.length;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.selectionStart = field.selectionEnd = start + text.length;
  }

  function toggle(button, panel) {
    var open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = panel.querySelector("button, input");
      if (first) { first.focus(); }
    }
  }

  function fillEmoji(panel) {
    if (panel.childElementCount) { return; }
    EMOJI.forEach(function (emoji, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "emoji";
      button.textContent = emoji;
      button.setAttribute("data-emoji", emoji);
      button.setAttribute("aria-label", NAMES[index] || emoji);
      panel.appendChild(button);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) { return; }
    var form = composer(target);
    if (target.hasAttribute("data-emoji-toggle")) {
      var panel = form.querySelector("[data-emoji-panel]");
      fillEmoji(panel);
      toggle(target, panel);
    } else if (target.hasAttribute("data-emoji")) {
      insert(form, target.getAttribute("data-emoji"));
    } else if (target.hasAttribute("data-replies-toggle")) {
      toggle(target, form.querySelector("[data-replies-panel]"));
    } else if (target.hasAttribute("data-reply-text")) {
      insert(form, target.getAttribute("data-reply-text"));
      var replies = form.querySelector("[data-replies-panel]");
      replies.hidden = true;
      form.querySelector("[data-replies-toggle]").setAttribute("aria-expanded", "false");
    } else if (target.hasAttribute("data-notify-enable") && window.Notification) {
      window.Notification.requestPermission().then(function () { target.hidden = true; });
    }
  });

  // Escape closes an open picker and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var panel = event.target.closest("[data-emoji-panel], [data-replies-panel]");
    if (!panel) { return; }
    panel.hidden = true;
    var form = composer(panel);
    var selector = panel.hasAttribute("data-emoji-panel") ? "[data-emoji-toggle]" : "[data-replies-toggle]";
    var button = form.querySelector(selector);
    button.setAttribute("aria-expanded", "false");
    button.focus();
  });

  // Enter sends, Shift+Enter breaks the line.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || !event.target.hasAttribute("data-reply")) { return; }
    event.preventDefault();
    var form = composer(event.target);
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-attachment")) { return; }
    var preview = composer(input).querySelector("[data-attachment-preview]");
    preview.textContent = "";
    var file = input.files && input.files[0];
    if (!file) { return; }
    if (file.type.indexOf("image/") === 0) {
      var image = document.createElement("img");
      image.className = "media-preview";
      image.alt = file.name;
      image.src = URL.createObjectURL(file);
      preview.appendChild(image);
    }
    var label = document.createElement("p");
    label.textContent = "Anexo: " + file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
    preview.appendChild(label);
  });

  // After a message is sent the pane is swapped: keep the focus in the composer.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "conversation-pane") {
      var field = event.detail.target.querySelector("[data-reply]");
      if (field) { field.focus(); }
      var thread = document.getElementById("thread");
      if (thread) { thread.scrollTop = thread.scrollHeight; }
    }
    if (event.detail.target && event.detail.target.id === "thread") {
      event.detail.target.scrollTop = event.detail.target.scrollHeight;
    }
  });
  var thread = document.getElementById("thread");
  if (thread) { thread.scrollTop = thread.scrollHeight; }

  // A short beep (Web Audio: no sound file to fetch) and a notification when hidden.
  var audio = null;
  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.08;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.18);
    } catch (error) { /* the browser refused audio before a user gesture */ }
  }
  function attention(title, text, tag) {
    beep();
    if (window.Notification && window.Notification.permission === "granted" && document.hidden) {
      new window.Notification(title, { body: (text || "").slice(0, 120), tag: tag });
    }
  }
  document.addEventListener("portal:message", function (event) {
    attention("Nova mensagem de cidadão", event.detail && event.detail.text, "portal-message");
  });
  // A colleague wrote on the internal chat (6.5.58.10).
  document.addEventListener("portal:chat-message", function (event) {
    var detail = event.detail || {};
    attention("Chat interno: " + (detail.sender_name || ""), detail.text, "portal-chat");
  });
  var notify = document.querySelector("[data-notify-enable]");
  if (notify && window.Notification && window.Notification.permission === "default") {
    notify.hidden = false;
  }

  var root = document.querySelector("[data-sw]");
  if (root && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw"), { scope: "/console/" })
      .catch(function () { /* not installable here (plain HTTP off localhost) */ });
  }
})();
