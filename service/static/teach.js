// The Teach view: record takes from the server's camera feed, review them, run adapt with
// its progress, and switch the server to the adapted model. Uses app.js's helpers ($,
// getJson, apiHeaders, describe, showError, wsUrl, loadModel). API: docs/protocol.md.
"use strict";

const teach = { camera: null, poll: null, previews: new Map(), overview: null };

async function sendJson(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { ...apiHeaders(), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new Error(describe(data, res.status));
  return data;
}

const teachError = (message) => showError($("teach-error"), message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the camera preview -------------------------------------------------------------------
function watchCamera() {
  if (teach.camera) return;
  const ws = new WebSocket(wsUrl("/v1/live/camera"));
  teach.camera = ws;
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "preview") $("teach-camera").src = m.rgb;
  };
  ws.onclose = () => { if (teach.camera === ws) teach.camera = null; };
}

function unwatchCamera() {
  if (teach.camera) { teach.camera.close(); teach.camera = null; }
}

// ---- overview: takes, models, the adapt run -----------------------------------------------
async function refreshTeach() {
  let o;
  try {
    o = await getJson("/v1/teach");
  } catch (e) {
    teachError(e.message);
    return;
  }
  teach.overview = o;
  const noCamera = !o.feed;
  $("teach-record").disabled = noCamera || o.recording || (o.job && o.job.state === "running");
  if (noCamera) {
    $("teach-prompt").textContent = "This server has no camera feed: start it with --camera (a RealSense) or --camera-recording FILE to record takes.";
  } else {
    watchCamera();
  }
  renderTakes(o);
  renderModels(o);
  renderJob(o.job);
}

function renderTakes(o) {
  const known = $("teach-known");
  known.innerHTML = "";
  for (const name of o.labels) {
    const opt = document.createElement("option");
    opt.value = name;
    known.append(opt);
  }
  const counts = Object.entries(o.counts).map(([name, n]) => `${name}: ${n}`).join(", ");
  $("teach-counts").textContent = o.takes.length
    ? `${o.takes.length} takes of ${o.labels.length} gestures (${counts}).`
    : "No takes yet.";
  const list = $("teach-takes");
  list.innerHTML = "";
  for (const take of o.takes) {
    const li = document.createElement("li");
    const img = document.createElement("img");
    img.alt = `frames of take ${take.clip_id}`;
    loadPreview(take.clip_id, img);
    const text = document.createElement("span");
    text.textContent = `${take.label} · ${take.clip_id} · ${(take.frames / take.fps).toFixed(1)} s`;
    const del = document.createElement("button");
    del.type = "button";
    del.textContent = "Delete";
    del.setAttribute("aria-label", `Delete take ${take.clip_id}`);
    del.disabled = o.job && o.job.state === "running";
    del.addEventListener("click", () => deleteTake(take.clip_id));
    li.append(img, text, del);
    list.append(li);
  }
}

async function loadPreview(clipId, img) {
  if (!teach.previews.has(clipId)) {
    try {
      const res = await fetch(`/v1/teach/takes/${encodeURIComponent(clipId)}/preview`, { headers: apiHeaders() });
      if (!res.ok) return;
      teach.previews.set(clipId, URL.createObjectURL(await res.blob()));
    } catch (_) { return; }
  }
  img.src = teach.previews.get(clipId);
}

async function deleteTake(clipId) {
  teachError("");
  try {
    await sendJson("DELETE", `/v1/teach/takes/${encodeURIComponent(clipId)}`);
    teach.previews.delete(clipId);
    $("teach-prompt").textContent = `deleted ${clipId}`;
  } catch (e) {
    teachError(e.message);
  }
  refreshTeach();
}

function renderModels(o) {
  const select = $("teach-models");
  const chosen = select.value;
  select.innerHTML = "";
  for (const name of [...o.models, o.startup_model]) {
    const opt = document.createElement("option");
    opt.value = name;
    opt.textContent = name === o.startup_model ? `${name} (the start-up model)` : name;
    select.append(opt);
  }
  if ([...select.options].some((x) => x.value === chosen)) select.value = chosen;
  $("teach-serving").textContent = `Serving ${o.serving}.`;
}

// ---- recording ----------------------------------------------------------------------------
$("teach-record").addEventListener("click", async () => {
  teachError("");
  const label = $("teach-label").value.trim();
  if (!label) { teachError("Name the gesture first (letters, digits, _ or -)."); $("teach-label").focus(); return; }
  const seconds = Number($("teach-seconds").value);
  const countdown = Math.max(0, Math.min(10, Math.round(Number($("teach-countdown").value) || 0)));
  const button = $("teach-record");
  const prompt = $("teach-prompt");
  button.disabled = true;
  try {
    for (let n = countdown; n > 0; n--) {
      prompt.textContent = `perform ${label} in ${n}…`;
      await sleep(1000);
    }
    prompt.textContent = `perform ${label} now`;
    prompt.classList.add("go");
    const take = await sendJson("POST", "/v1/teach/takes", { label, seconds });
    prompt.textContent = `saved ${take.clip_id} (${take.frames} frames)`;
  } catch (e) {
    prompt.textContent = "";
    teachError(e.message);
  } finally {
    prompt.classList.remove("go");
    button.disabled = false;
    refreshTeach();
  }
});

// ---- adapt --------------------------------------------------------------------------------
$("teach-adapt").addEventListener("click", async () => {
  teachError("");
  try {
    renderJob(await sendJson("POST", "/v1/teach/adapt", { minutes: Number($("teach-minutes").value) }));
  } catch (e) {
    teachError(e.message);
    return;
  }
  refreshTeach();
});

$("teach-cancel").addEventListener("click", async () => {
  try { renderJob(await sendJson("DELETE", "/v1/teach/adapt")); } catch (e) { teachError(e.message); }
  refreshTeach();
});

const clock = (s) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;
const pct = (v) => (v == null ? "—" : `${Math.round(v * 100)} %`);

function renderJob(job) {
  const running = Boolean(job && job.state === "running");
  $("teach-adapt").disabled = running;
  $("teach-cancel").hidden = !running;
  const bar = $("teach-progress");
  bar.hidden = !job;
  if (!job) return;
  if (running && job.total) bar.value = job.done / job.total;
  else if (running) bar.removeAttribute("value"); // a step without a count (export): indeterminate
  else bar.value = job.state === "done" ? 1 : 0;
  const stage = $("teach-stage");
  if (running) {
    const count = job.total ? ` ${job.done}/${job.total}` : "";
    stage.textContent = `adapting ${job.model}: ${job.stage}${count} · ${clock(job.elapsed_s)} of at most ${clock(job.budget_s)}`;
  } else if (job.state === "done") {
    stage.textContent = `wrote ${job.model} in ${clock(job.elapsed_s)}. ${job.report && job.report.held_out ? "" : (job.report ? job.report.split : "")}`;
  } else {
    stage.textContent = `adapt ${job.state}: ${job.error || ""}`;
  }
  renderReport(job.state === "done" ? job.report : null);
  clearTimeout(teach.poll);
  if (running) teach.poll = setTimeout(pollJob, 1000);
}

async function pollJob() {
  let job;
  try { job = await getJson("/v1/teach/adapt"); } catch (e) { teachError(e.message); return; }
  renderJob(job);
  if (job.state !== "running") {
    await refreshTeach();
    if (job.state === "done") $("teach-models").value = job.model;
  }
}

function renderReport(report) {
  const table = $("teach-report");
  const held = report && report.held_out;
  table.hidden = !held;
  if (!held) return;
  const body = table.querySelector("tbody");
  body.innerHTML = "";
  const rows = Object.entries(held.per_class).map(([name, c]) => [name, c.takes, c.base, c.adapted]);
  rows.push(["all", held.takes, held.base_accuracy, held.adapted_accuracy]);
  for (const [name, takes, base, adapted] of rows) {
    const tr = document.createElement("tr");
    for (const v of [name, String(takes), pct(base), pct(adapted)]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    body.append(tr);
  }
}

// ---- serving ------------------------------------------------------------------------------
$("teach-use").addEventListener("click", async () => {
  teachError("");
  const name = $("teach-models").value;
  if (!name) return;
  const button = $("teach-use");
  button.disabled = true;
  $("teach-serving").textContent = `loading ${name}…`;
  try {
    const body = await sendJson("POST", "/v1/models/switch", { name });
    const m = body.models[0];
    $("teach-serving").textContent = `Serving ${m.name}: ${m.labels.join(", ")}.`;
    state.model = null;
    loadModel();
  } catch (e) {
    teachError(e.message);
    refreshTeach();
  } finally {
    button.disabled = false;
  }
});

// ---- the tab ------------------------------------------------------------------------------
document.addEventListener("tabchange", (e) => {
  if (e.detail === "tab-teach") refreshTeach();
  else unwatchCamera();
});
if (!$("view-teach").hidden) refreshTeach();
