/* Voice messages from the console's composer (6.5.64.4), on a phone or a desktop.

   "Gravar áudio" records with the microphone (MediaRecorder); "Parar e enviar" uploads the
   recording as the composer's attachment to the same address the form posts to
   (/console/c/<id>/enviar), so the server applies the same limits and types as to any file
   (settings.MEDIA_MAX_BYTES / MEDIA_ALLOWED_MIME_TYPES) and the message goes through the same
   outbox. The answer (the refreshed conversation) replaces the conversation pane as htmx would.

   Format: Ogg/Opus when the browser records it (Firefox), otherwise WebM/Opus (Chromium), which
   is rewritten here into Ogg/Opus without re-encoding (the Opus packets are the same; only the
   container changes), because WhatsApp takes voice notes as audio/ogg and refuses WebM. Safari
   records audio/mp4 (AAC), which WhatsApp takes as it is. */
(function () {
  "use strict";
  var settings = document.querySelector("[data-audio-settings]");
  var template = document.querySelector("[data-audio-template]");
  if (!settings || !template) { return; }
  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return; /* no recording here: the file button still takes an audio file */
  }
  var maxBytes = parseInt(settings.getAttribute("data-max-bytes"), 10) || 0;
  var maxSeconds = parseInt(settings.getAttribute("data-max-seconds"), 10) || 300;
  var accepted = (settings.getAttribute("data-types") || "").split(" ");
  var PREFERRED = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/mp4", "audio/webm"];

  function text(name) { return settings.getAttribute("data-" + name) || ""; }
  function baseType(type) { return (type || "").split(";")[0].trim().toLowerCase(); }
  function chosenType() {
    for (var i = 0; i < PREFERRED.length; i += 1) {
      if (window.MediaRecorder.isTypeSupported(PREFERRED[i]) &&
          accepted.indexOf(baseType(PREFERRED[i])) !== -1) { return PREFERRED[i]; }
    }
    return "";
  }
  function clock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  /* --- WebM (Matroska) to Ogg, RFC 7845 ------------------------------------------------- */

  var CRC_TABLE = (function () {
    var table = new Uint32Array(256);
    for (var i = 0; i < 256; i += 1) {
      var r = i << 24;
      for (var j = 0; j < 8; j += 1) { r = (r & 0x80000000) ? ((r << 1) ^ 0x04c11db7) : (r << 1); }
      table[i] = r >>> 0;
    }
    return table;
  })();
  function crc32(bytes) {
    var crc = 0;
    for (var i = 0; i < bytes.length; i += 1) {
      crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]) & 0xff]) >>> 0;
    }
    return crc;
  }
  function vint(bytes, at, keepMarker) {
    var first = bytes[at];
    var length = 1;
    var mask = 0x80;
    while (length <= 8 && !(first & mask)) { mask >>= 1; length += 1; }
    if (length > 8 || at + length > bytes.length) { throw new Error("bad EBML"); }
    var value = keepMarker ? first : (first & (mask - 1));
    var unknown = (first & (mask - 1)) === mask - 1;
    for (var i = 1; i < length; i += 1) {
      value = value * 256 + bytes[at + i];
      if (bytes[at + i] !== 0xff) { unknown = false; }
    }
    return { value: value, length: length, unknown: unknown };
  }
  var MASTERS = {
    0x18538067: "segment", 0x1654ae6b: "tracks", 0xae: "track", 0x1f43b675: "cluster",
    0xa0: "group", 0xe1: "audio"
  };
  /* The Opus packets and the stream parameters of the first Opus track. */
  function readWebm(bytes) {
    var found = { head: null, packets: [], track: 0, channels: 1, delay: 0, opusTrack: 0 };
    var trackNumber = 0;
    var trackCodec = "";
    var at = 0;
    while (at < bytes.length) {
      var id = vint(bytes, at, true);
      var size = vint(bytes, at + id.length, false);
      var start = at + id.length + size.length;
      if (MASTERS[id.value]) { at = start; continue; }
      if (size.unknown) { throw new Error("unknown size"); }
      var end = start + size.value;
      if (end > bytes.length) { break; }
      var data = bytes.subarray(start, end);
      if (id.value === 0xd7) { trackNumber = data.reduce(function (a, b) { return a * 256 + b; }, 0); }
      else if (id.value === 0x86) {
        trackCodec = String.fromCharCode.apply(null, data);
        if (trackCodec === "A_OPUS" && !found.opusTrack) { found.opusTrack = trackNumber; }
      }
      else if (id.value === 0x63a2 && trackCodec === "A_OPUS") { found.head = data.slice(); }
      else if (id.value === 0x9f) { found.channels = data[0] || 1; }
      else if (id.value === 0x56aa) {
        found.delay = Math.round(data.reduce(function (a, b) { return a * 256 + b; }, 0) * 48000 / 1e9);
      }
      else if (id.value === 0xa3 || id.value === 0xa1) {
        var track = vint(data, 0, false);
        var flags = data[track.length + 2];
        if (flags & 0x06) { throw new Error("laced blocks"); }
        if (track.value === (found.opusTrack || trackNumber)) {
          found.packets.push(data.slice(track.length + 3));
        }
      }
      at = end;
    }
    if (!found.opusTrack || !found.packets.length) { throw new Error("no Opus track"); }
    return found;
  }
  function opusHead(found) {
    if (found.head && found.head.length >= 19 &&
        String.fromCharCode.apply(null, found.head.subarray(0, 8)) === "OpusHead") {
      return found.head;
    }
    var head = new Uint8Array(19);
    head.set([79, 112, 117, 115, 72, 101, 97, 100, 1, found.channels]);
    var view = new DataView(head.buffer);
    view.setUint16(10, found.delay || 312, true);
    view.setUint32(12, 48000, true);
    return head;
  }
  /* Samples (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716 §3.1). */
  function packetSamples(packet) {
    var toc = packet[0];
    var config = toc >> 3;
    var tenths;
    if (config < 12) { tenths = [100, 200, 400, 600][config % 4]; }
    else if (config < 16) { tenths = [100, 200][config % 2]; }
    else { tenths = [25, 50, 100, 200][config % 4]; }
    var code = toc & 3;
    var frames = code === 0 ? 1 : (code === 3 ? (packet[1] & 0x3f) : 2);
    return frames * tenths * 48 / 10;
  }
  function oggPage(packets, granule, serial, sequence, flags) {
    var lacing = [];
    var bodyLength = 0;
    packets.forEach(function (packet) {
      var left = packet.length;
      while (left >= 255) { lacing.push(255); left -= 255; }
      lacing.push(left);
      bodyLength += packet.length;
    });
    var page = new Uint8Array(27 + lacing.length + bodyLength);
    var view = new DataView(page.buffer);
    page.set([79, 103, 103, 83, 0, flags]);
    view.setUint32(6, granule % 4294967296, true);
    view.setUint32(10, Math.floor(granule / 4294967296), true);
    view.setUint32(14, serial, true);
    view.setUint32(18, sequence, true);
    page[26] = lacing.length;
    page.set(lacing, 27);
    var at = 27 + lacing.length;
    packets.forEach(function (packet) { page.set(packet, at); at += packet.length; });
    view.setUint32(22, crc32(page), true);
    return page;
  }
  function webmToOgg(buffer) {
    var found = readWebm(new Uint8Array(buffer));
    var head = opusHead(found);
    var vendor = "console-atendimento";
    var tags = new Uint8Array(8 + 4 + vendor.length + 4);
    tags.set([79, 112, 117, 115, 84, 97, 103, 115]);
    new DataView(tags.buffer).setUint32(8, vendor.length, true);
    for (var v = 0; v < vendor.length; v += 1) { tags[12 + v] = vendor.charCodeAt(v); }
    var serial = Math.floor(Math.random() * 4294967295) >>> 0;
    var pages = [oggPage([head], 0, serial, 0, 0x02), oggPage([tags], 0, serial, 1, 0)];
    var sequence = 2;
    var granule = new DataView(head.buffer, head.byteOffset).getUint16(10, true);
    var group = [];
    var segments = 0;
    var bytes = 0;
    found.packets.forEach(function (packet, index) {
      var needed = Math.floor(packet.length / 255) + 1;
      if (group.length && (segments + needed > 255 || bytes + packet.length > 4096)) {
        pages.push(oggPage(group, granule, serial, sequence, 0));
        sequence += 1;
        group = []; segments = 0; bytes = 0;
      }
      group.push(packet);
      segments += needed;
      bytes += packet.length;
      granule += packetSamples(packet);
      if (index === found.packets.length - 1) {
        pages.push(oggPage(group, granule, serial, sequence, 0x04));
      }
    });
    return new Blob(pages, { type: "audio/ogg" });
  }

  /* --- recording ------------------------------------------------------------------------ */

  var active = null;

  function pieces(recorder) {
    return {
      record: recorder.querySelector("[data-audio-record]"),
      cancel: recorder.querySelector("[data-audio-cancel]"),
      time: recorder.querySelector("[data-audio-time]"),
      status: recorder.querySelector("[data-audio-status]")
    };
  }
  function idle(recorder, message) {
    var parts = pieces(recorder);
    parts.record.setAttribute("aria-pressed", "false");
    parts.record.textContent = text("label-record");
    parts.record.disabled = false;
    parts.cancel.hidden = true;
    parts.time.hidden = true;
    if (message !== undefined) { parts.status.textContent = message; }
  }

  function upload(form, recorder, blob) {
    var type = baseType(blob.type) || "audio/webm";
    var extension = { "audio/ogg": "ogg", "audio/webm": "webm", "audio/mp4": "m4a" }[type] || "audio";
    var stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    var body = new FormData();
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    body.append("csrfmiddlewaretoken", token ? token.value : "");
    body.append("text", "");
    body.append("attachment", blob, "audio-" + stamp + "." + extension);
    var draft = form.querySelector("[data-reply]");
    var draftText = draft ? draft.value : "";
    pieces(recorder).status.textContent = text("text-sending");
    pieces(recorder).record.disabled = true;
    return window.fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": window.location.href }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      var trigger = response.headers.get("HX-Trigger");
      return response.text().then(function (html) {
        var pane = document.getElementById("conversation-pane");
        if (window.htmx && window.htmx.swap) {
          window.htmx.swap(pane, html, { swapStyle: "innerHTML" });
        } else {
          pane.innerHTML = html;
        }
        var fresh = pane.querySelector("[data-reply]");
        if (fresh && draftText && !fresh.value) { fresh.value = draftText; }
        if (trigger && window.htmx) { window.htmx.trigger(document.body, trigger); }
        attachAll();
      });
    }).catch(function () { idle(recorder, text("text-failed")); });
  }

  function finish(state) {
    state.stream.getTracks().forEach(function (track) { track.stop(); });
    window.clearInterval(state.timer);
    if (active === state) { active = null; }
    if (state.discarded) { idle(state.recorder, text("text-discarded")); return; }
    var recorded = new Blob(state.chunks, { type: state.media.mimeType || state.type });
    var converting = baseType(recorded.type) === "audio/webm"
      ? recorded.arrayBuffer().then(webmToOgg).catch(function () { return recorded; })
      : Promise.resolve(recorded);
    converting.then(function (blob) {
      if (maxBytes && blob.size > maxBytes) { idle(state.recorder, text("text-too-large")); return; }
      upload(state.form, state.recorder, blob).then(function () {
        if (state.tooLong) {
          var again = document.querySelector("[data-audio-status]");
          if (again) { again.textContent = text("text-too-long"); }
        }
      });
    });
  }

  function start(form, recorder) {
    var type = chosenType();
    var parts = pieces(recorder);
    parts.record.disabled = true;
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var media = type ? new window.MediaRecorder(stream, { mimeType: type })
        : new window.MediaRecorder(stream);
      var state = {
        form: form, recorder: recorder, stream: stream, media: media, type: type,
        chunks: [], seconds: 0, discarded: false, tooLong: false, timer: 0
      };
      active = state;
      media.addEventListener("dataavailable", function (event) {
        if (event.data && event.data.size) { state.chunks.push(event.data); }
      });
      media.addEventListener("stop", function () { finish(state); });
      media.start();
      parts.record.disabled = false;
      parts.record.setAttribute("aria-pressed", "true");
      parts.record.textContent = text("label-stop");
      parts.cancel.hidden = false;
      parts.time.hidden = false;
      parts.time.textContent = clock(0);
      parts.status.textContent = text("text-recording");
      state.timer = window.setInterval(function () {
        state.seconds += 1;
        parts.time.textContent = clock(state.seconds);
        if (state.seconds >= maxSeconds && media.state === "recording") {
          state.tooLong = true;
          media.stop();
        }
      }, 1000);
    }).catch(function (error) {
      var missing = error && (error.name === "NotFoundError" || error.name === "OverconstrainedError");
      idle(recorder, text(missing ? "text-no-microphone" : "text-denied"));
    });
  }

  function attach(form) {
    if (form.querySelector("[data-audio-recorder]")) { return; }
    var tools = form.querySelector(".composer-tools");
    if (!tools) { return; }
    var recorder = template.content.firstElementChild.cloneNode(true);
    var submit = tools.querySelector("button[type=submit]");
    tools.insertBefore(recorder, submit);
    var parts = pieces(recorder);
    parts.record.addEventListener("click", function () {
      if (active && active.recorder === recorder) {
        if (active.media.state === "recording") { active.media.stop(); }
        return;
      }
      if (active) { return; }
      start(form, recorder);
    });
    parts.cancel.addEventListener("click", function () {
      if (active && active.recorder === recorder) {
        active.discarded = true;
        active.media.stop();
        parts.record.focus();
      }
    });
  }
  function attachAll() {
    /* A recording whose conversation left the screen is discarded, never sent unseen. */
    if (active && !document.body.contains(active.recorder) && active.media.state === "recording") {
      active.discarded = true;
      active.media.stop();
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-composer]"), attach);
  }

  /* A conversation swapped in by htmx brings a new composer. */
  document.addEventListener("htmx:afterSettle", attachAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", attachAll);
  } else {
    attachAll();
  }
})();
