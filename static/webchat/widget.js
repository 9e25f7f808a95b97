/* Atendimento Digital — WebChat widget. Embed:
   <script src="https://<órgão>/static/webchat/widget.js" data-channel="ck_…" async></script>
   Vanilla JS, no dependencies. Runs inside a shadow root so the host page's CSS does not leak
   in. The visitor stays anonymous: a signed token from the tenant host, kept in localStorage
   (or a cookie when storage is blocked). Protocol: channels/providers/webchat/protocol.py. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.getAttribute("data-channel")) { return; }
  var channel = script.getAttribute("data-channel");
  var base = (script.getAttribute("data-base") || new URL(script.src).origin).replace(/\/+$/, "");
  var api = base + "/webchat/" + encodeURIComponent(channel);
  var storeKey = "atendimento-webchat:" + channel;
  var EMOJI = ["😀", "😂", "😊", "😍", "🙏", "👍", "👎", "👏", "🙂", "😢", "😡", "😮",
               "❤️", "✅", "❌", "⚠️", "📄", "📍", "🏠", "🚌", "💡", "🗑️", "🌳", "📞"];
  var config = { upload: { max_bytes: 10485760, types: [] } };
  var visitor = load();
  var source = null;
  var shown = {};
  var protocol = null;

  // --- storage -------------------------------------------------------------------------------
  function load() {
    try { return JSON.parse(window.localStorage.getItem(storeKey)) || {}; } catch (e) { /* blocked */ }
    var match = document.cookie.match(new RegExp("(?:^|; )" + cookieName() + "=([^;]*)"));
    try { return match ? JSON.parse(decodeURIComponent(match[1])) : {}; } catch (e) { return {}; }
  }
  function save() {
    var text = JSON.stringify({ token: visitor.token, visitor_id: visitor.visitor_id });
    try { window.localStorage.setItem(storeKey, text); return; } catch (e) { /* blocked */ }
    document.cookie = cookieName() + "=" + encodeURIComponent(text) +
      "; max-age=2592000; path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  }
  function cookieName() { return "atd_wc_" + channel.replace(/[^A-Za-z0-9_]/g, ""); }

  // --- DOM -----------------------------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-atendimento-webchat", channel);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.innerHTML =
    '<link rel="stylesheet" href="' + base + '/static/webchat/widget.css">' +
    '<button type="button" class="launcher" aria-expanded="false" aria-controls="wc-panel">' +
    '<span aria-hidden="true">💬</span> <span class="launcher-label">Atendimento</span></button>' +
    '<section class="panel" id="wc-panel" role="dialog" aria-modal="false" aria-labelledby="wc-title" hidden>' +
    '<header><div><strong id="wc-title" class="title">Atendimento</strong>' +
    '<p class="protocol" aria-live="polite"></p></div>' +
    '<button type="button" class="close" aria-label="Fechar o chat">×</button></header>' +
    '<ol class="messages" aria-live="polite" aria-label="Mensagens"></ol>' +
    '<p class="error" role="alert" hidden></p>' +
    '<div class="emojis" role="group" aria-label="Emojis" hidden></div>' +
    '<form class="composer">' +
    '<button type="button" class="emoji-toggle" aria-label="Inserir emoji" aria-expanded="false">😊</button>' +
    '<label class="attach" title="Anexar arquivo"><span aria-hidden="true">📎</span>' +
    '<span class="sr">Anexar arquivo</span><input type="file" class="file"></label>' +
    '<textarea class="text" rows="1" maxlength="4096" aria-label="Sua mensagem" placeholder="Escreva sua mensagem"></textarea>' +
    '<button type="submit" class="send">Enviar</button></form></section>';
  function $(selector) { return root.querySelector(selector); }
  var launcher = $(".launcher"), panel = $(".panel"), list = $(".messages");
  var textarea = $(".text"), fileInput = $(".file"), errorBox = $(".error"), emojis = $(".emojis");

  EMOJI.forEach(function (emoji) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = emoji;
    button.setAttribute("aria-label", "Inserir " + emoji);
    button.addEventListener("click", function () { insert(emoji); });
    emojis.appendChild(button);
  });
  function insert(text) {
    var start = textarea.selectionStart || textarea.value.length;
    var end = textarea.selectionEnd || textarea.value.length;
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
    textarea.focus();
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
  }
  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }
  function bubble(item) {
    if (item.id && shown[item.id]) { return shown[item.id]; }
    var li = document.createElement("li");
    li.className = "bubble " + (item.direction === "in" ? "mine" : "theirs");
    if (item.text) {
      var p = document.createElement("p");
      p.textContent = item.text;
      li.appendChild(p);
    }
    var attachment = item.attachment;
    if (attachment && attachment.url) {
      if (/^image\//.test(attachment.mime_type || "")) {
        var img = document.createElement("img");
        img.src = attachment.url;
        img.alt = attachment.filename || "Imagem";
        li.appendChild(img);
      } else {
        var a = document.createElement("a");
        a.href = attachment.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = attachment.filename || "Abrir arquivo";
        li.appendChild(a);
      }
    } else if (attachment && attachment.filename) {
      var name = document.createElement("p");
      name.className = "file-name";
      name.textContent = "📎 " + attachment.filename;
      li.appendChild(name);
    }
    var meta = document.createElement("small");
    meta.className = "meta";
    li.appendChild(meta);
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
    if (item.id) { shown[item.id] = li; }
    return li;
  }
  function setMeta(li, text) { li.querySelector(".meta").textContent = text; }
  function setProtocol(value) {
    if (!value || value === protocol) { return; }
    protocol = value;
    $(".protocol").textContent = "Protocolo: " + value;
  }

  // --- server --------------------------------------------------------------------------------
  function call(path, options) {
    options = options || {};
    options.headers = options.headers || {};
    if (visitor.token) { options.headers.Authorization = "Bearer " + visitor.token; }
    options.credentials = "omit";
    return fetch(api + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.detail || "Não foi possível falar com o atendimento.");
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }
  function session() {
    return call("/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: visitor.token || null })
    }).then(function (body) {
      visitor = { token: body.token, visitor_id: body.visitor_id };
      save();
    });
  }
  function history() {
    return call("/conversation").then(function (body) {
      setProtocol(body.protocol);
      (body.messages || []).forEach(function (message) { bubble(message); });
      return body;
    });
  }
  function connect() {
    if (source || !window.EventSource) { return; }
    source = new EventSource(api + "/events?token=" + encodeURIComponent(visitor.token));
    source.addEventListener("webchat.message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      var message = data.payload || {};
      bubble({ id: message.id, direction: "out", text: message.text, attachment: message.attachment });
      if (!protocol) { history().catch(function () {}); }
    });
    source.addEventListener("error", function () {
      if (source && source.readyState === EventSource.CLOSED) {
        // The token expired or was refused: renew it and listen again.
        source = null;
        window.setTimeout(function () { session().then(connect).catch(function () {}); }, 5000);
      }
    });
  }
  function clientId() {
    var random = window.crypto && window.crypto.getRandomValues
      ? Array.prototype.map.call(window.crypto.getRandomValues(new Uint8Array(12)),
          function (b) { return ("0" + b.toString(16)).slice(-2); }).join("")
      : String(Math.random()).slice(2) + String(Date.now());
    return "c-" + random;
  }
  function post(body, li, retried) {
    setMeta(li, "enviando…");
    return call("/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function () {
      setMeta(li, "enviada");
      if (!protocol) { waitProtocol(0); }
    }).catch(function (error) {
      if (error.status === 401 && !retried) {
        return session().then(function () { body.visitor_id = visitor.visitor_id; return post(body, li, true); });
      }
      // The same client_message_id makes a resend harmless: the server keeps one copy.
      setMeta(li, "não enviada — toque para tentar de novo");
      li.addEventListener("click", function again() {
        li.removeEventListener("click", again);
        post(body, li, false);
      });
      showError(error.message);
    });
  }
  function waitProtocol(attempt) {
    if (protocol || attempt > 6) { return; }
    window.setTimeout(function () {
      history().then(function (body) { if (!body.protocol) { waitProtocol(attempt + 1); } })
        .catch(function () { waitProtocol(attempt + 1); });
    }, 500 * Math.pow(2, attempt));
  }
  function send(text, attachment) {
    var body = { client_message_id: clientId(), channel_key: channel, visitor_id: visitor.visitor_id };
    if (text) { body.text = text; }
    if (attachment) { body.attachments = [attachment]; }
    var li = bubble({ id: body.client_message_id, direction: "in", text: text,
                      attachment: attachment ? { filename: attachment.filename } : null });
    return post(body, li, false);
  }
  function upload(file) {
    var limits = config.upload || {};
    if (limits.types && limits.types.length && limits.types.indexOf(file.type) < 0) {
      return Promise.reject(new Error("Tipo de arquivo não aceito (" + (file.type || "desconhecido") + ")."));
    }
    if (limits.max_bytes && file.size > limits.max_bytes) {
      return Promise.reject(new Error("Arquivo grande demais: o limite é " +
        Math.round(limits.max_bytes / 1048576) + " MB."));
    }
    var form = new FormData();
    form.append("file", file, file.name);
    return call("/upload", { method: "POST", body: form });
  }

  // --- wiring --------------------------------------------------------------------------------
  var started = null;
  function start() {
    if (!started) {
      started = session().then(history).then(connect).catch(function (error) {
        started = null;
        showError(error.message);
      });
    }
    return started;
  }
  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) { start(); textarea.focus(); } else { launcher.focus(); }
  }
  launcher.addEventListener("click", function () { toggle(panel.hidden); });
  $(".close").addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { toggle(false); } });
  $(".emoji-toggle").addEventListener("click", function () {
    emojis.hidden = !emojis.hidden;
    $(".emoji-toggle").setAttribute("aria-expanded", String(!emojis.hidden));
  });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $(".composer").requestSubmit(); }
  });
  $(".composer").addEventListener("submit", function (event) {
    event.preventDefault();
    showError("");
    var text = textarea.value.trim();
    var file = fileInput.files && fileInput.files[0];
    if (!text && !file) { return; }
    start().then(function () {
      if (!file) { textarea.value = ""; return send(text, null); }
      return upload(file).then(function (stored) {
        textarea.value = "";
        fileInput.value = "";
        return send(text, stored);
      });
    }).catch(function (error) { showError(error.message); });
  });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    $(".attach").classList.toggle("has-file", !!file);
    $(".attach").title = file ? file.name : "Anexar arquivo";
  });

  fetch(api + "/config", { credentials: "omit" }).then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (body) {
    if (!body) { return; }
    config = body;
    host.style.setProperty("--wc-primary", body.primary_color);
    host.style.setProperty("--wc-on-primary", body.text_color);
    $(".title").textContent = body.name;
    if (body.greeting) { bubble({ direction: "out", text: body.greeting }); }
  }).catch(function () { /* the launcher still works; errors show when it is opened */ });
  (document.body || document.documentElement).appendChild(host);
})();
