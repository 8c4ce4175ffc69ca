// The service's web page: clip upload, live feeds, status. Plain JavaScript, no build step,
// no third-party hosts. API: docs/protocol.md.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { model: null, live: null, webcam: null, lastStatus: null };

// ---- API key and requests -----------------------------------------------------------------
const keyInput = $("api-key");
keyInput.value = localStorage.getItem("gesture-api-key") || "";
keyInput.addEventListener("change", () => {
  localStorage.setItem("gesture-api-key", keyInput.value);
  loadModel();
  loadFeeds();
});
const apiHeaders = () => (keyInput.value ? { "X-API-Key": keyInput.value } : {});
const wsUrl = (path) => {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  if (keyInput.value) url.searchParams.set("api_key", keyInput.value);
  return url.toString();
};
const describe = (body, status) =>
  body && body.detail ? `${body.detail} (${body.error || "error"}, HTTP ${status})` : `HTTP ${status}`;

async function getJson(path) {
  const res = await fetch(path, { headers: apiHeaders() });
  let body = null;
  try { body = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new Error(describe(body, res.status));
  return body;
}

function showError(el, message) {
  el.textContent = message;
  el.hidden = !message;
}

// ---- tabs ---------------------------------------------------------------------------------
const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab.id === "tab-status") refreshStatus();
  if (tab.id === "tab-live") loadFeeds();
  document.dispatchEvent(new CustomEvent("tabchange", { detail: tab.id }));
}
tabs.forEach((t, i) => {
  t.addEventListener("click", () => selectTab(t));
  t.addEventListener("keydown", (e) => {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (step) { const next = tabs[(i + step + tabs.length) % tabs.length]; next.focus(); selectTab(next); }
  });
});

// ---- readiness and model ------------------------------------------------------------------
async function pollReady() {
  const pill = $("readiness");
  try {
    const res = await fetch("/readyz");
    const ready = res.ok;
    pill.textContent = ready ? "ready" : "loading model…";
    pill.className = "pill " + (ready ? "ready" : "loading");
    if (ready && !state.model) loadModel();
  } catch (_) {
    pill.textContent = "server unreachable";
    pill.className = "pill down";
  }
}

async function loadModel() {
  try {
    state.model = (await getJson("/v1/models")).models[0];
  } catch (e) {
    state.model = null;
    $("model-info").innerHTML = "";
    addFact($("model-info"), "model", e.message);
    return;
  }
  const m = state.model;
  const info = $("model-info");
  info.innerHTML = "";
  addFact(info, "model", m.name || m.path || "");
  addFact(info, "modalities", m.modalities.join(" + "));
  addFact(info, "window", `${m.frames} frames of ${m.width}×${m.height} sampled from ${m.stream_window} (streams)`);
  addFact(info, "execution providers", (m.providers || []).join(", "));
  addFact(info, "streaming", m.incremental ? "incremental (per-frame + per-window stages)" : "full windows");
  addFact(info, "source", m.source || "");
  addFact(info, `labels (${m.labels.length})`, m.labels.join(", "));
  updateWebcamNote();
}

function addFact(dl, name, value) {
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = value;
  dl.append(dt, dd);
}

// ---- status -------------------------------------------------------------------------------
async function refreshStatus() {
  if ($("view-status").hidden) return;
  const dl = $("live-numbers");
  try {
    const s = await getJson("/v1/status");
    const now = performance.now();
    let rate = "–";
    if (state.lastStatus) {
      const dt = (now - state.lastStatus.t) / 1000;
      rate = ((s.windows_total - state.lastStatus.windows) / dt).toFixed(1);
    }
    state.lastStatus = { t: now, windows: s.windows_total };
    dl.innerHTML = "";
    addFact(dl, "ready", s.ready ? "yes" : "no");
    addFact(dl, "windows / s", rate);
    addFact(dl, "windows classified", String(s.windows_total));
    addFact(dl, "inference latency (mean per batch)", s.inference_ms_mean == null ? "–" : `${s.inference_ms_mean} ms`);
    addFact(dl, "active streams", String(s.active_streams));
    addFact(dl, "queue depth", String(s.queue_depth));
    addFact(dl, "live feeds", s.live_feeds.map((f) => `${f.name} (${f.frames} frames, ${f.events} events${f.paused ? "; paused: nobody watching" : ""})`).join(", ") || "none");
    addFact(dl, "uptime", `${Math.round(s.uptime_s)} s`);
  } catch (e) {
    dl.innerHTML = "";
    addFact(dl, "error", e.message);
  }
}

// ---- clip upload --------------------------------------------------------------------------
const clipInput = $("clip-file"), rgbInput = $("rgb-file"), depthInput = $("depth-file");
const chosen = { clip: null, rgb: null, depth: null };

function describeChoice() {
  const parts = Object.entries(chosen).filter(([, f]) => f).map(([k, f]) => `${k}: ${f.name}`);
  $("chosen").textContent = parts.length ? parts.join(" · ") : "";
}
clipInput.addEventListener("change", () => { chosen.clip = clipInput.files[0] || null; describeChoice(); });
rgbInput.addEventListener("change", () => { chosen.rgb = rgbInput.files[0] || null; describeChoice(); });
depthInput.addEventListener("change", () => { chosen.depth = depthInput.files[0] || null; describeChoice(); });

function assign(file) {
  const name = file.name.toLowerCase();
  if (/\.(npz|bag|db3)$/.test(name)) chosen.clip = file;
  else if (/depth|^k_/.test(name)) chosen.depth = file;
  else chosen.rgb = file;
}
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  for (const f of e.dataTransfer.files) assign(f);
  describeChoice();
});

$("clip-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const err = $("clip-error");
  showError(err, "");
  const form = new FormData();
  if (chosen.clip) form.append("clip", chosen.clip, chosen.clip.name);
  else {
    if (chosen.rgb) form.append("rgb", chosen.rgb, chosen.rgb.name);
    if (chosen.depth) form.append("depth", chosen.depth, chosen.depth.name);
  }
  if (![...form.keys()].length) {
    showError(err, "Choose a clip (.npz, .bag, .db3) or an RGB video (with its depth video) first.");
    return;
  }
  const bar = $("upload-progress");
  bar.hidden = false;
  bar.value = 0;
  $("upload").disabled = true;
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/v1/classify?playback=true");
  for (const [k, v] of Object.entries(apiHeaders())) xhr.setRequestHeader(k, v);
  $("upload-status").textContent = "uploading…";
  xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = ev.loaded / ev.total; };
  xhr.upload.onload = () => {
    bar.removeAttribute("value"); // indeterminate while the server decodes and classifies
    $("upload-status").textContent = "uploaded; the server is decoding and classifying the clip…";
  };
  xhr.onload = () => {
    $("upload").disabled = false;
    bar.hidden = true;
    $("upload-status").textContent = "";
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status >= 400 || !body) {
      $("clip-result").hidden = true;
      showError(err, `The server refused the clip: ${describe(body, xhr.status)}`);
      return;
    }
    renderResult(body);
  };
  xhr.onerror = () => {
    $("upload").disabled = false;
    bar.hidden = true;
    $("upload-status").textContent = "";
    showError(err, "The upload failed: the server closed the connection (is the file over the size limit?).");
  };
  xhr.send(form);
});

// 13 colours told apart at a glance (after Trubetskoy's "distinct colours"); grey first, for no_gesture
const PALETTE = ["#9aa0a6", "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
  "#f032e6", "#9a6324", "#000075", "#808000", "#469990", "#ffd8b1"];
const colourOf = (id) => PALETTE[id % PALETTE.length];

const when = (frame, fps) => (fps ? `${(frame / fps).toFixed(1)} s` : `frame ${frame}`);

function renderResult(body) {
  $("clip-result").hidden = false;
  // A clip with events is a sequence of gestures: the events are the answer. The clip-level
  // label is for a clip of one gesture.
  $("clip-label").textContent = body.events.length
    ? `${body.events.length} gesture${body.events.length > 1 ? "s" : ""}: ${body.events.map((e) => e.label).join(", ")}`
    : `${body.label} (${(body.top[0].probability * 100).toFixed(0)} %)`;
  $("clip-top-title").textContent = body.events.length ? "Whole clip as one gesture (for single-gesture clips)" : "Top labels";
  const seconds = body.fps ? ` (${(body.frames / body.fps).toFixed(1)} s at ${body.fps} fps)` : "";
  const warnings = (body.warnings || []).map((w) => ` · warning: ${w}`).join("");
  $("clip-meta").textContent = `${body.frames} frames${seconds} · model ${body.model}${warnings}`;
  const top = $("clip-top");
  top.innerHTML = "";
  for (const row of body.top) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = row.label;
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.style.width = `${(row.probability * 100).toFixed(1)}%`;
    bar.append(fill);
    const pct = document.createElement("span");
    pct.textContent = `${(row.probability * 100).toFixed(1)} %`;
    li.append(name, bar, pct);
    top.append(li);
  }
  drawTimeline(body);
  const events = $("clip-events");
  events.innerHTML = "";
  for (const ev of body.events) {
    const li = document.createElement("li");
    li.textContent = `${ev.label} — ${when(ev.start_frame, body.fps)} to ${when(ev.end_frame, body.fps)} (confidence ${ev.confidence.toFixed(2)})`;
    events.append(li);
  }
  if (!body.events.length) events.innerHTML = "<li>none</li>";
  startPlayer(body);
}

// ---- the uploaded clip, played back with its label now and the FRP guidance ---------------
const player = { body: null, index: 0, timer: null };

function startPlayer(body) {
  clearInterval(player.timer);
  player.timer = null;
  const pb = body.playback;
  $("player").hidden = !(pb && pb.frames.length);
  if ($("player").hidden) return;
  player.body = body;
  player.index = 0;
  const rate = pb.fps || 10;
  $("player-note").textContent = `${pb.frames.length} frames${pb.step > 1 ? ` (every ${pb.step}th)` : ""} at ${rate.toFixed(1)} per second`
    + (pb.fps ? ", the clip's own pace" : " (the clip does not say its frame rate)")
    + ". The guidance is the motion map the network's spatial part is steered by (rank pooling of the last frames), not an explanation of its answer.";
  showFrame();
  player.timer = setInterval(() => { player.index = (player.index + 1) % pb.frames.length; showFrame(); }, 1000 / Math.min(30, rate));
  $("player-play").textContent = "Pause";
}

function labelAt(body, frame) {
  // the newest window that ends at or before `frame` (what a stream would show then)
  let best = null;
  for (const win of body.timeline) if (win.end_frame <= frame) best = win; else break;
  return best ? best.top[0] : null;
}

function showFrame() {
  const body = player.body, pb = body.playback;
  const f = pb.frames[player.index];
  $("player-frame").src = $("player-frp").checked ? f.guidance : f.image;
  const ev = body.events.find((e) => e.start_frame <= f.frame && f.frame <= e.end_frame);
  const now = ev ? { label: ev.label, probability: ev.confidence } : labelAt(body, f.frame);
  $("player-label").textContent = now
    ? `${ev ? "gesture: " : ""}${now.label} (${(now.probability * 100).toFixed(0)} %)`
    : body.timeline.length ? "collecting the first window…" : `${body.label} (the whole clip)`;
  $("player-label").style.color = ev ? colourOf(ev.label_id) : "";
  $("player-time").textContent = when(f.frame, body.fps);
  const items = $("clip-events").children;
  body.events.forEach((e, i) => { if (items[i]) items[i].classList.toggle("active", e === ev); });
  drawTimeline(body, f.frame);
}

$("player-play").addEventListener("click", () => {
  if (!player.body) return;
  if (player.timer) { clearInterval(player.timer); player.timer = null; $("player-play").textContent = "Play"; return; }
  const pb = player.body.playback;
  player.timer = setInterval(() => { player.index = (player.index + 1) % pb.frames.length; showFrame(); }, 1000 / Math.min(30, pb.fps || 10));
  $("player-play").textContent = "Pause";
});
$("player-frp").addEventListener("change", () => { if (player.body) showFrame(); });

function drawTimeline(body, cursor = null) {
  const canvas = $("timeline");
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 24;
  ctx.clearRect(0, 0, w, h);
  const windows = body.timeline;
  $("timeline-note").textContent = windows.length
    ? "Each bar is one window: its height is the top label's probability, its colour the label. Shaded bands: the frames of each detected gesture event."
    : "The clip is no longer than one streaming window, so it has no timeline.";
  ctx.strokeStyle = "#d9dde3";
  ctx.beginPath(); ctx.moveTo(pad, h - pad); ctx.lineTo(w - 4, h - pad); ctx.stroke();
  ctx.fillStyle = "#5b6470";
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillText("1.0", 0, pad - 6 + 10);
  ctx.fillText(body.fps ? `${(body.frames / body.fps).toFixed(1)} s` : `frame ${body.frames}`, w - 80, h - 6);
  ctx.fillText("0", pad, h - 6);
  const legend = $("timeline-legend");
  const newLegend = cursor === null; // the player redraws the canvas only, not the legend
  if (newLegend) legend.innerHTML = "";
  if (!windows.length) return;
  const seen = new Map();
  const step = (w - pad - 4) / Math.max(1, body.frames);
  for (const win of windows) {
    const best = win.top[0];
    const x = pad + win.end_frame * step;
    const barH = (h - 2 * pad) * best.probability;
    ctx.fillStyle = colourOf(best.label_id);
    ctx.fillRect(x - Math.max(2, step * 2), h - pad - barH, Math.max(3, step * 3), barH);
    seen.set(best.label, best.label_id);
  }
  for (const ev of body.events) {
    ctx.fillStyle = "rgba(31,111,235,.12)";
    ctx.fillRect(pad + ev.start_frame * step, pad - 8, (ev.end_frame - ev.start_frame) * step, h - 2 * pad + 8);
  }
  if (cursor !== null) {
    ctx.strokeStyle = "#1b1f24";
    ctx.beginPath(); ctx.moveTo(pad + cursor * step, pad - 8); ctx.lineTo(pad + cursor * step, h - pad); ctx.stroke();
  }
  for (const [label, id] of newLegend ? seen : []) {
    const li = document.createElement("li");
    const swatch = document.createElement("i");
    swatch.style.background = colourOf(id);
    li.append(swatch, label);
    legend.append(li);
  }
}

// ---- live feeds ---------------------------------------------------------------------------
async function loadFeeds() {
  const select = $("feed-select");
  const note = $("live-note");
  try {
    const { feeds } = await getJson("/v1/live");
    select.innerHTML = "";
    for (const f of feeds) {
      const o = document.createElement("option");
      o.value = f.name;
      o.textContent = `${f.name} — ${f.description}`;
      select.append(o);
    }
    $("feed-connect").disabled = !feeds.length;
    if (!feeds.length) note.textContent = "This server runs no live feed. Start it with --demo-stream (generated gestures) or --camera (a RealSense camera).";
    else if (!state.live) note.textContent = "";
  } catch (e) {
    showError($("live-error"), e.message);
  }
  updateWebcamNote();
}

function logEvent(text) {
  const log = $("live-events");
  const li = document.createElement("li");
  li.textContent = text;
  for (const old of log.querySelectorAll("li.active")) old.classList.remove("active");
  li.classList.add("active"); // flashes as it fires
  log.append(li);
  while (log.children.length > 200) log.firstChild.remove();
  log.scrollTop = log.scrollHeight;
}

function setCurrent(top) {
  const best = top[0];
  $("live-label").textContent = best.label;
  $("live-confidence").value = best.probability;
  $("live-prob").textContent = `${(best.probability * 100).toFixed(0)} %`;
}

function stopLive() {
  if (state.live) { state.live.close(); state.live = null; }
  if (state.webcam) { state.webcam.stop(); state.webcam = null; }
  $("feed-stop").disabled = true;
  $("feed-connect").disabled = false;
}

let feedFps = null;

// ---- the live feed's rolling timeline: the last LIVE_SECONDS, newest on the right ----------
const LIVE_SECONDS = 20;
const liveTrack = { windows: [], events: [], now: 0, drawn: false };

function resetLiveTrack() {
  liveTrack.windows = []; liveTrack.events = []; liveTrack.now = 0;
  drawLiveTimeline();
}

function trackLive(m) {
  const fps = feedFps || 30;
  if (m.type === "prediction") {
    liveTrack.now = Math.max(liveTrack.now, m.end_frame / fps);
    liveTrack.windows.push({ t: m.end_frame / fps, id: m.top[0].label_id, p: m.top[0].probability });
  } else if (m.type === "gesture") {
    liveTrack.events.push({ start: m.start_frame / fps, end: m.end_frame / fps, id: m.label_id, label: m.label });
  } else return;
  const oldest = liveTrack.now - LIVE_SECONDS;
  while (liveTrack.windows.length && liveTrack.windows[0].t < oldest) liveTrack.windows.shift();
  while (liveTrack.events.length && liveTrack.events[0].end < oldest) liveTrack.events.shift();
  if (!liveTrack.drawn) { liveTrack.drawn = true; requestAnimationFrame(() => { liveTrack.drawn = false; drawLiveTimeline(); }); }
}

function drawLiveTimeline() {
  const canvas = $("live-timeline");
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 18;
  ctx.clearRect(0, 0, w, h);
  const right = w - 4, span = right - pad;
  const x = (t) => right - ((liveTrack.now - t) / LIVE_SECONDS) * span;
  ctx.fillStyle = "#5b6470";
  ctx.font = "11px system-ui, sans-serif";
  ctx.strokeStyle = "#eef1f4";
  for (let s = Math.ceil(liveTrack.now - LIVE_SECONDS); s <= liveTrack.now; s += 1) {
    if (s < 0) continue;
    const gx = x(s);
    ctx.beginPath(); ctx.moveTo(gx, 4); ctx.lineTo(gx, h - pad); ctx.stroke();
    if (s % 5 === 0) ctx.fillText(`${s} s`, gx - 8, h - 4);
  }
  for (const ev of liveTrack.events) {
    ctx.fillStyle = colourOf(ev.id) + "33";
    ctx.fillRect(x(ev.start), 4, Math.max(2, x(ev.end) - x(ev.start)), h - pad - 4);
    ctx.fillStyle = colourOf(ev.id);
    ctx.fillText(ev.label, x(ev.start) + 2, 14);
  }
  const barW = Math.max(2, span / (LIVE_SECONDS * 8));
  for (const win of liveTrack.windows) {
    const barH = (h - pad - 20) * win.p;
    ctx.fillStyle = colourOf(win.id);
    ctx.fillRect(x(win.t) - barW, h - pad - barH, barW, barH);
  }
}
$("feed-connect").addEventListener("click", () => {
  stopLive();
  showError($("live-error"), "");
  $("live-events").innerHTML = "";
  resetLiveTrack();
  const name = $("feed-select").value;
  const ws = new WebSocket(wsUrl(`/v1/live/${encodeURIComponent(name)}`));
  state.live = ws;
  $("feed-stop").disabled = false;
  $("feed-connect").disabled = true;
  $("live-note").textContent = `watching ${name}…`;
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "hello") {
      feedFps = m.fps || null;
      if (m.sequence) $("live-sequence").textContent = `The demo performs, in a loop: ${m.sequence.join(", ")}`;
      if (!m.windows) $("live-label").textContent = "collecting the first window…";
    }
    else if (m.type === "preview") { $("preview-rgb").src = m.rgb; $("preview-depth").src = m.depth; }
    else if (m.type === "prediction") { setCurrent(m.top); trackLive(m); }
    else if (m.type === "gesture") { logEvent(`${m.label} at ${when(m.fired_at_frame, feedFps)} (confidence ${m.confidence.toFixed(2)})`); trackLive(m); }
    else if (m.type === "error") showError($("live-error"), `${m.detail} (${m.error})`);
    else if (m.type === "model") { logEvent(`the server switched models: labels ${m.labels.join(", ")}`); loadModel(); }
    else if (m.type === "status" && !m.running) $("live-note").textContent = `feed ${m.name} stopped${m.error ? ": " + m.error : ""}`;
  };
  ws.onclose = () => {
    if (state.live === ws) { $("live-note").textContent = "disconnected"; stopLive(); }
  };
});
$("feed-stop").addEventListener("click", () => { stopLive(); $("live-note").textContent = "stopped"; });

// ---- the browser's webcam (RGB-only models) --------------------------------------------------
function updateWebcamNote() {
  const button = $("webcam");
  const m = state.model;
  const rgbOnly = m && m.modalities.length === 1 && m.modalities[0] === "rgb";
  button.disabled = !rgbOnly || !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  button.title = rgbOnly ? "Stream this browser's camera to the server" :
    "The loaded model needs depth frames, which a webcam does not have";
  if (m && !rgbOnly) {
    $("live-note").dataset.webcam = "The webcam button is off: the loaded model needs " + m.modalities.join(" and ") +
      ", and a webcam gives colour only. Use a RealSense camera (gesture stream --camera) or a live feed.";
    if (!$("live-note").textContent) $("live-note").textContent = $("live-note").dataset.webcam;
  }
}

function packFrame(index, seconds, rgb) {
  const header = new ArrayBuffer(24);
  const v = new DataView(header);
  [71, 70, 48, 49].forEach((c, i) => v.setUint8(i, c)); // "GF01"
  v.setUint32(4, index, true);
  v.setFloat64(8, seconds, true);
  v.setUint32(16, rgb.byteLength, true);
  v.setUint32(20, 0, true);
  const out = new Uint8Array(24 + rgb.byteLength);
  out.set(new Uint8Array(header), 0);
  out.set(new Uint8Array(rgb), 24);
  return out;
}

$("webcam").addEventListener("click", async () => {
  stopLive();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  } catch (e) {
    showError($("live-error"), `No webcam: ${e.message}`);
    return;
  }
  const video = $("webcam-video");
  video.srcObject = stream;
  await video.play();
  $("webcam-figure").hidden = false;
  const canvas = document.createElement("canvas");
  canvas.width = 320; canvas.height = 240;
  const ctx = canvas.getContext("2d");
  const ws = new WebSocket(wsUrl("/v1/stream"));
  ws.binaryType = "arraybuffer";
  let index = 0, timer = null;
  const started = performance.now();
  ws.onopen = () => ws.send(JSON.stringify({ type: "start", modalities: ["rgb"], width: 320, height: 240, fps: 15, rgb_encoding: "jpeg" }));
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "ready") {
      timer = setInterval(() => {
        ctx.drawImage(video, 0, 0, 320, 240);
        canvas.toBlob(async (blob) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(packFrame(index++, (performance.now() - started) / 1000, await blob.arrayBuffer()));
        }, "image/jpeg", 0.8);
      }, 1000 / 15);
    } else if (m.type === "prediction") setCurrent(m.top);
    else if (m.type === "gesture") logEvent(`${m.label} (confidence ${m.confidence.toFixed(2)})`);
    else if (m.type === "error") showError($("live-error"), `${m.detail} (${m.error})`);
  };
  ws.onclose = () => clearInterval(timer);
  state.webcam = { stop: () => { clearInterval(timer); ws.close(); stream.getTracks().forEach((t) => t.stop()); $("webcam-figure").hidden = true; } };
  $("feed-stop").disabled = false;
});

// ---- start --------------------------------------------------------------------------------
for (const view of ["live", "teach", "status"]) if (location.hash === `#${view}`) selectTab($(`tab-${view}`));
pollReady();
setInterval(pollReady, 3000);
setInterval(refreshStatus, 2000);
