// ffnn playground: the page's side of the WebSocket protocol (see the issue and the
// protocol notes). Plain ES2020, no dependencies: canvas for the heat maps and the loss
// curves, inline SVG for the connections. The whole Settings object lives in the URL.

const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const FEATURE_LABELS = {
  "x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁·x₂",
  "sin(x1)": "sin x₁", "sin(x2)": "sin x₂",
};
const FEATURE_FUNCTIONS = {
  "x1": (a) => a, "x2": (a, b) => b, "x1^2": (a) => a * a, "x2^2": (a, b) => b * b,
  "x1*x2": (a, b) => a * b, "sin(x1)": (a) => Math.sin(a), "sin(x2)": (a, b) => Math.sin(b),
};
const DATASETS = ["moons", "circles", "xor", "spiral", "blobs", "regression", "upload"];
const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "identity"];
const INITS = ["lecun_normal", "standard_normal", "zeros", "glorot_uniform", "he_normal"];
const OPTIMIZERS = ["sgd", "adam", "rmsprop"];
const MAX_LAYERS = 6;
const MAX_NEURONS = 8;
const MAX_UPLOAD_BYTES = 200 * 1024;
const EXTENT = 6;

const DEFAULTS = Object.freeze({
  dataset: "moons", classes: 2, samples: 500, noise: 0.2, train_ratio: 0.5,
  features: ["x1", "x2"], hidden: [4, 4], activation: "tanh", init: "lecun_normal",
  learning_rate: 0.03, optimizer: "sgd", batch_size: 10, l2: 0, dropout: 0, seed: 0,
  epochs_per_update: 1,
});

// What each key may hold (the server checks again and has the last word).
const SPEC = {
  dataset: { kind: "enum", values: DATASETS },
  classes: { kind: "int", min: 2, max: 5 },
  samples: { kind: "int", min: 10, max: 2000 },
  noise: { kind: "num", min: 0, max: 1 },
  train_ratio: { kind: "num", min: 0.1, max: 0.9 },
  features: { kind: "features" },
  hidden: { kind: "hidden" },
  activation: { kind: "enum", values: ACTIVATIONS },
  init: { kind: "enum", values: INITS },
  learning_rate: { kind: "num", min: 1e-5, max: 10 },
  optimizer: { kind: "enum", values: OPTIMIZERS },
  batch_size: { kind: "int", min: 0, max: 2000 },
  l2: { kind: "num", min: 0, max: 10 },
  dropout: { kind: "num", min: 0, max: 0.9 },
  seed: { kind: "int", min: 0, max: 2 ** 31 - 1 },
  epochs_per_update: { kind: "int", min: 1, max: 100 },
};
const KEYS = Object.keys(SPEC);

// The notes' findings, one click each: the defaults overridden by the preset.
const PRESETS = {
  "preset-eta-too-large": { dataset: "moons", hidden: [10], activation: "tanh", optimizer: "sgd",
    learning_rate: 3.0, batch_size: 0, features: ["x1", "x2"] },
  "preset-3-neurons": { dataset: "moons", hidden: [3], activation: "tanh", optimizer: "sgd",
    learning_rate: 0.5, batch_size: 0 },
  "preset-10-neurons": { dataset: "moons", hidden: [10], activation: "tanh", optimizer: "sgd",
    learning_rate: 0.5, batch_size: 0 },
  "preset-standard-normal": { dataset: "moons", hidden: [8, 8], activation: "tanh",
    init: "standard_normal", optimizer: "sgd", learning_rate: 0.1 },
  "preset-lecun": { dataset: "moons", hidden: [8, 8], activation: "tanh",
    init: "lecun_normal", optimizer: "sgd", learning_rate: 0.1 },
  "preset-zeros": { dataset: "moons", hidden: [8, 8], activation: "tanh",
    init: "zeros", optimizer: "sgd", learning_rate: 0.1 },
};

// Colours: orange for negative / class 0, blue for positive / class 1 (as TF Playground).
const NEG = [245, 147, 34];
const POS = [8, 119, 189];
const MID = [236, 238, 240];
const CLASS_COLOURS = [[245, 147, 34], [8, 119, 189], [32, 160, 112], [139, 92, 246], [214, 39, 110]];
const BACKGROUND = [250, 250, 250];

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- state

let settings = { ...DEFAULTS, features: [...DEFAULTS.features], hidden: [...DEFAULTS.hidden] };
let lastState = null;
let lastData = null;
let socket = null;
let connected = false;
let ready = false;
let triedDefaults = false;
let reconnectDelay = 1000;
let uploadedCsv = null;
let uploadedName = "";
const pending = new Map(); // key -> {value, time}: sent, not yet confirmed by a state
const PENDING_MS = 4000;

const clone = (v) => (Array.isArray(v) ? [...v] : v);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// ---------------------------------------------------------------- settings checks

function checkValue(key, value) {
  // Returns [ok, normalised value]. Types strictly; ranges as the protocol says.
  const spec = SPEC[key];
  if (!spec) return [false, value];
  switch (spec.kind) {
    case "enum":
      return [spec.values.includes(value), value];
    case "int":
    case "num": {
      const n = typeof value === "number" ? value : Number(value);
      if (value === "" || value === null || !Number.isFinite(n)) return [false, value];
      if (spec.kind === "int" && !Number.isInteger(n)) return [false, value];
      return [n >= spec.min && n <= spec.max, n];
    }
    case "features": {
      const list = Array.isArray(value) ? value : String(value).split(",");
      const ok = list.length > 0 && list.every((f) => FEATURES.includes(f));
      return [ok, FEATURES.filter((f) => list.includes(f))];
    }
    case "hidden": {
      const list = (Array.isArray(value) ? value : String(value).split(",")).map(Number);
      // The size per layer is left to the server (the presets use 10 neurons).
      const ok = list.length >= 1 && list.length <= MAX_LAYERS &&
        list.every((n) => Number.isInteger(n) && n >= 1);
      return [ok, list];
    }
    default:
      return [false, value];
  }
}

function readURL() {
  const params = new URLSearchParams(location.search);
  const out = {};
  const bad = [];
  for (const key of KEYS) {
    if (!params.has(key)) continue;
    const [ok, value] = checkValue(key, params.get(key));
    if (ok) out[key] = value;
    else bad.push(key);
  }
  for (const key of params.keys()) if (!SPEC[key]) bad.push(key);
  return { values: out, bad };
}

function writeURL() {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const v = settings[key];
    params.set(key, Array.isArray(v) ? v.join(",") : String(v));
  }
  const url = `${location.pathname}?${params.toString()}`;
  if (url !== location.pathname + location.search) history.replaceState(null, "", url);
}

// ---------------------------------------------------------------- the socket

function parseMessage(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    // Python's json writes NaN / Infinity for a diverged loss; read them as null.
    return JSON.parse(text.replace(/\bNaN\b|-?\bInfinity\b/g, "null"));
  }
}

function send(message) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    showError("Not connected to the ffnn server (reconnecting…)");
    return false;
  }
  socket.send(JSON.stringify(message));
  return true;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  setConnection("connecting…", "connecting");
  let ws;
  try {
    ws = new WebSocket(`${scheme}//${location.host}/ws`);
  } catch (err) {
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.onopen = () => {
    connected = true;
    reconnectDelay = 1000;
    setConnection("connected", "ok");
    pending.clear();
    sendInitialSettings();
  };
  ws.onmessage = (event) => {
    let message;
    try {
      message = parseMessage(event.data);
    } catch (err) {
      showError("Unreadable message from the server");
      return;
    }
    handleMessage(message);
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    connected = false;
    socket = null;
    document.body.classList.remove("playing");
    if (event.code === 1001) {
      // the server closed an idle session: reconnect when the user comes back
      setConnection("session closed after inactivity — click anywhere to reconnect", "down");
      document.addEventListener("click", () => connect(), { once: true });
      return;
    }
    if (event.code === 1013) reconnectDelay = 5000; // server full: wait longer
    setConnection("disconnected — reconnecting…", "down");
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  const delay = reconnectDelay;
  reconnectDelay = Math.min(reconnectDelay * 1.5, 10000);
  setTimeout(connect, delay);
}

function sendInitialSettings() {
  // A new connection is a new session: it gets the page's whole Settings.
  const whole = {};
  for (const key of KEYS) whole[key] = clone(settings[key]);
  if (whole.dataset === "upload") {
    if (uploadedCsv === null) {
      whole.dataset = DEFAULTS.dataset;
      settings.dataset = DEFAULTS.dataset;
      showError("The uploaded CSV is not part of the link: upload it again");
    } else {
      whole.dataset = DEFAULTS.dataset;
      send({ type: "settings", settings: whole });
      send({ type: "upload", csv: uploadedCsv });
      return;
    }
  }
  send({ type: "settings", settings: whole });
}

function handleMessage(message) {
  switch (message && message.type) {
    case "state": onState(message); break;
    case "data": onData(message); break;
    case "model": onModel(message); break;
    case "error": onError(message); break;
    default: break;
  }
}

// ---------------------------------------------------------------- changing settings

function changeSettings(partial) {
  const server = lastState ? lastState.settings || {} : {};
  const now = performance.now();
  const toSend = {};
  for (const [key, value] of Object.entries(partial)) {
    settings[key] = clone(value);
    toSend[key] = clone(value);
    if (!same(server[key], value)) pending.set(key, { value: clone(value), time: now });
    else pending.delete(key);
  }
  writeURL();
  syncControls();
  renderStructure();
  send({ type: "settings", settings: toSend });
}

function adoptServerSettings(server) {
  if (!server) return false;
  const now = performance.now();
  let changed = false;
  for (const key of KEYS) {
    if (!(key in server)) continue;
    const p = pending.get(key);
    if (p) {
      if (same(server[key], p.value)) pending.delete(key);
      else if (now - p.time < PENDING_MS) continue; // ours is still on its way
      else pending.delete(key);
    }
    if (!same(settings[key], server[key])) {
      settings[key] = clone(server[key]);
      changed = true;
    }
  }
  return changed;
}

// ---------------------------------------------------------------- messages

function onState(state) {
  lastState = state;
  if (adoptServerSettings(state.settings)) {
    syncControls();
    writeURL();
  }
  scheduleDraw();
}

function onData(data) {
  lastData = data;
  scheduleDraw();
}

function onError(message) {
  showError(message.message || "Error");
  // The session kept its previous settings: so does the page.
  if (pending.size) {
    pending.clear();
    if (lastState && lastState.settings) {
      adoptServerSettings(lastState.settings);
      forceSync = true;
      syncControls();
      forceSync = false;
      renderStructure();
      writeURL();
    }
  }
  if (!ready && !lastState && !triedDefaults && connected) {
    // The link's settings were refused before anything was drawn: start from the defaults.
    triedDefaults = true;
    settings = { ...DEFAULTS, features: [...DEFAULTS.features], hidden: [...DEFAULTS.hidden] };
    syncControls();
    writeURL();
    send({ type: "settings", settings: { ...settings } });
  }
}

function onModel(message) {
  const button = $("export");
  button.disabled = false;
  button.classList.remove("busy");
  try {
    const bytes = base64ToBytes(message.base64 || "");
    const blob = new Blob([bytes], { type: "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = message.filename || "playground.npz";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    showError(`Could not save the model: ${err.message}`);
  }
}

// ---------------------------------------------------------------- errors and status

let errorTimer = null;
function showError(text) {
  $("error-text").textContent = text;
  $("error").hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(hideError, 6000);
}
function hideError() {
  clearTimeout(errorTimer);
  $("error").hidden = true;
}
function setConnection(text, kind) {
  const el = $("connection");
  el.textContent = text;
  el.dataset.state = kind;
}

// ---------------------------------------------------------------- controls

function formatNumber(v) {
  return String(Math.round(v * 1e6) / 1e6);
}

function ensureOption(select, value, label) {
  const v = String(value);
  if (![...select.options].some((o) => o.value === v)) {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = label || v;
    select.appendChild(o);
  }
}

let forceSync = false; // set while reverting the controls after a refusal
function setControl(el, value) {
  if (!el) return;
  const typing = el === document.activeElement && (el.type === "number" || el.type === "text");
  if (typing && !forceSync) return;
  if (el.tagName === "SELECT") ensureOption(el, value);
  const v = String(value);
  if (el.value !== v) el.value = v;
}

function syncControls() {
  setControl($("dataset"), settings.dataset);
  setControl($("classes"), settings.classes);
  $("classes").disabled = settings.dataset !== "blobs";
  setControl($("samples"), settings.samples);
  setControl($("noise"), settings.noise);
  setControl($("train-ratio"), settings.train_ratio);
  // an uploaded file has its own points: samples and noise do not apply to it
  for (const id of ["samples", "noise"]) $(id).disabled = settings.dataset === "upload";
  setControl($("activation"), settings.activation);
  setControl($("init"), settings.init);
  setControl($("learning-rate"), settings.learning_rate);
  setControl($("optimizer"), settings.optimizer);
  ensureOption($("batch-size"), settings.batch_size, settings.batch_size === 0 ? "full" : undefined);
  setControl($("batch-size"), settings.batch_size);
  setControl($("l2"), settings.l2);
  setControl($("dropout"), settings.dropout);
  setControl($("seed"), settings.seed);
  ensureOption($("speed"), settings.epochs_per_update, `${settings.epochs_per_update} epochs`);
  setControl($("speed"), settings.epochs_per_update);
  for (const box of document.querySelectorAll("input[data-feature]")) {
    box.checked = settings.features.includes(box.dataset.feature);
  }
  $("samples-value").textContent = settings.samples;
  $("noise-value").textContent = formatNumber(settings.noise);
  $("train-ratio-value").textContent = `${Math.round(settings.train_ratio * 100)}%`;
  $("dropout-value").textContent = formatNumber(settings.dropout);
  const n = settings.hidden.length;
  $("hidden-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  $("hidden-add").disabled = n >= MAX_LAYERS;
  $("hidden-remove").disabled = n <= 1;
  for (let l = 0; l < n; l++) {
    const plus = $(`layer-${l + 1}-plus`);
    const minus = $(`layer-${l + 1}-minus`);
    if (plus) plus.disabled = settings.hidden[l] >= MAX_NEURONS;
    if (minus) minus.disabled = settings.hidden[l] <= 1;
  }
}

function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

function bindSelect(id, key, parse = (v) => v) {
  $(id).addEventListener("change", (event) => {
    changeSettings({ [key]: parse(event.target.value) });
  });
}

// A number typed or slid: sent after a pause (in range only), or at once on "change"
// (out of range too, so that the server's refusal shows).
function bindNumber(id, key, onInput) {
  const el = $(id);
  const commit = (final) => {
    const raw = el.value.trim();
    const n = Number(raw);
    if (raw === "" || !Number.isFinite(n)) {
      if (final) {
        showError(`${key}: "${raw}" is not a number`);
        setControl(el, settings[key]);
      }
      return;
    }
    if (same(n, settings[key]) && !pending.has(key)) return;
    const [ok] = checkValue(key, n);
    if (!ok && !final) {
      lateCommit(true);
      return;
    }
    lateCommit.cancel();
    changeSettings({ [key]: n });
  };
  const soonCommit = debounce(() => commit(false), 400);
  const lateCommit = debounce(() => commit(true), 1500);
  el.addEventListener("input", () => {
    if (onInput) onInput(el.value);
    lateCommit.cancel();
    soonCommit();
  });
  el.addEventListener("change", () => {
    soonCommit.cancel();
    lateCommit.cancel();
    commit(true);
  });
  el.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      soonCommit.cancel();
      commit(true);
    }
  });
}

function featuresFromBoxes() {
  const chosen = [];
  for (const box of document.querySelectorAll("input[data-feature]")) {
    if (box.checked) chosen.push(box.dataset.feature);
  }
  return FEATURES.filter((f) => chosen.includes(f));
}

async function uploadFile(file) {
  if (!file) return;
  if (file.size > MAX_UPLOAD_BYTES) {
    showError(`${file.name} is ${Math.round(file.size / 1024)} KB: at most 200 KB of CSV`);
    return;
  }
  const text = await file.text();
  uploadedCsv = text;
  uploadedName = file.name;
  try { sessionStorage.setItem("ffnn-upload", JSON.stringify({ name: file.name, csv: text })); } catch (err) { /* full */ }
  $("upload-name").textContent = `Uploaded: ${file.name}`;
  if (send({ type: "upload", csv: text })) {
    settings.dataset = "upload";
    pending.set("dataset", { value: "upload", time: performance.now() });
    syncControls();
    writeURL();
  }
}

function bindControls() {
  $("dataset").addEventListener("change", (event) => {
    const value = event.target.value;
    if (value === "upload") {
      setControl(event.target, settings.dataset); // until a file is read
      if (uploadedCsv !== null) {
        if (send({ type: "upload", csv: uploadedCsv })) {
          settings.dataset = "upload";
          pending.set("dataset", { value: "upload", time: performance.now() });
          syncControls();
          writeURL();
        }
      } else {
        $("upload").click();
      }
      return;
    }
    changeSettings({ dataset: value });
  });
  bindSelect("classes", "classes", Number);
  bindSelect("activation", "activation");
  bindSelect("init", "init");
  bindSelect("optimizer", "optimizer");
  bindSelect("batch-size", "batch_size", Number);
  bindSelect("speed", "epochs_per_update", Number);
  bindNumber("samples", "samples", (v) => { $("samples-value").textContent = v; });
  bindNumber("noise", "noise", (v) => { $("noise-value").textContent = formatNumber(Number(v)); });
  bindNumber("train-ratio", "train_ratio", (v) => {
    $("train-ratio-value").textContent = `${Math.round(Number(v) * 100)}%`;
  });
  bindNumber("dropout", "dropout", (v) => { $("dropout-value").textContent = formatNumber(Number(v)); });
  bindNumber("learning-rate", "learning_rate");
  bindNumber("l2", "l2");
  bindNumber("seed", "seed");

  for (const box of document.querySelectorAll("input[data-feature]")) {
    box.addEventListener("change", () => {
      const features = featuresFromBoxes();
      if (features.length === 0) {
        box.checked = true;
        showError("Keep at least one input feature");
        return;
      }
      changeSettings({ features });
    });
  }

  $("hidden-add").addEventListener("click", () => {
    if (settings.hidden.length >= MAX_LAYERS) return;
    const last = settings.hidden[settings.hidden.length - 1] || 4;
    changeSettings({ hidden: [...settings.hidden, Math.min(last, MAX_NEURONS)] });
  });
  $("hidden-remove").addEventListener("click", () => {
    if (settings.hidden.length <= 1) return;
    changeSettings({ hidden: settings.hidden.slice(0, -1) });
  });
  $("neurons").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-layer-change]");
    if (!button) return;
    const l = Number(button.dataset.layer) - 1;
    const delta = Number(button.dataset.layerChange);
    const hidden = [...settings.hidden];
    const n = hidden[l] + delta;
    if (n < 1 || (delta > 0 && n > MAX_NEURONS)) return; // a preset's 10 may shrink
    hidden[l] = n;
    changeSettings({ hidden });
  });

  $("play").addEventListener("click", () => send({ type: "play" }));
  $("pause").addEventListener("click", () => send({ type: "pause" }));
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("regenerate").addEventListener("click", () => send({ type: "regenerate" }));
  $("export").addEventListener("click", () => {
    if (send({ type: "export" })) {
      $("export").classList.add("busy");
    }
  });
  $("upload").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    await uploadFile(file);
    event.target.value = "";
  });

  for (const [id, preset] of Object.entries(PRESETS)) {
    $(id).addEventListener("click", () => {
      const whole = { ...DEFAULTS, ...preset };
      whole.features = [...whole.features];
      whole.hidden = [...whole.hidden];
      changeSettings(whole);
      send({ type: "reset" });
    });
  }

  $("copy-command").addEventListener("click", () => copyText($("command").textContent, $("copy-command")));
  $("copy-python").addEventListener("click", () => copyText($("python").textContent, $("copy-python")));
  $("copy-link").addEventListener("click", () => copyText(location.href, $("copy-link")));
  $("error-close").addEventListener("click", hideError);
  $("show-test").addEventListener("change", () => scheduleDraw());

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea, button, pre") || event.ctrlKey || event.metaKey) return;
    if (event.key === " ") {
      event.preventDefault();
      send({ type: lastState && lastState.playing ? "pause" : "play" });
    }
  });
  window.addEventListener("resize", () => { layoutConnections(); scheduleDraw(); });
}

async function copyText(text, button) {
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      ok = true;
    }
  } catch (err) { /* fall back */ }
  if (!ok) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    area.remove();
  }
  const old = button.dataset.label || button.textContent;
  button.dataset.label = old;
  button.textContent = ok ? "Copied" : "Copy failed";
  setTimeout(() => { button.textContent = old; }, 1200);
}

// ---------------------------------------------------------------- colour maps

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function diverging(s) {
  // s in [-1, 1]: orange for negative, light grey at 0, blue for positive
  const t = Math.max(-1, Math.min(1, s));
  return t < 0 ? mix(MID, NEG, -t) : mix(MID, POS, t);
}

function divergingLUT(lo, hi) {
  // byte -> colour, where byte b stands for lo + b/255 (hi - lo), centred on 0
  const lut = new Uint8ClampedArray(256 * 3);
  const scale = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let b = 0; b < 256; b++) {
    const y = lo + (b / 255) * (hi - lo);
    const c = diverging(y / scale);
    lut[b * 3] = c[0]; lut[b * 3 + 1] = c[1]; lut[b * 3 + 2] = c[2];
  }
  return lut;
}

function classLUT(k) {
  // byte = class * 256/k + confidence * (256/k - 1)
  const lut = new Uint8ClampedArray(256 * 3);
  const band = 256 / k;
  for (let b = 0; b < 256; b++) {
    const c = Math.min(k - 1, Math.floor(b / band));
    const conf = Math.max(0, Math.min(1, (b - c * band) / (band - 1)));
    const colour = mix(BACKGROUND, CLASS_COLOURS[c % CLASS_COLOURS.length], 0.12 + 0.7 * conf);
    lut[b * 3] = colour[0]; lut[b * 3 + 1] = colour[1]; lut[b * 3 + 2] = colour[2];
  }
  return lut;
}

function base64ToBytes(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function paintBytes(canvas, bytes, lut, size) {
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(size, size);
  const px = image.data;
  const n = Math.min(bytes.length, size * size);
  for (let i = 0; i < n; i++) {
    const b = bytes[i] * 3;
    px[i * 4] = lut[b]; px[i * 4 + 1] = lut[b + 1]; px[i * 4 + 2] = lut[b + 2]; px[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

function featureBytes(feature, size = 64) {
  const f = FEATURE_FUNCTIONS[feature];
  const values = new Float64Array(size * size);
  let m = 0;
  for (let r = 0; r < size; r++) {
    const x2 = EXTENT - (2 * EXTENT * r) / (size - 1);
    for (let c = 0; c < size; c++) {
      const x1 = -EXTENT + (2 * EXTENT * c) / (size - 1);
      const v = f(x1, x2);
      values[r * size + c] = v;
      m = Math.max(m, Math.abs(v));
    }
  }
  const bytes = new Uint8Array(size * size);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round(((values[i] / m) + 1) * 127.5);
  return bytes;
}

const FEATURE_LUT = divergingLUT(-1, 1);
const featureCache = new Map();
function paintFeature(canvas, feature) {
  if (!featureCache.has(feature)) featureCache.set(feature, featureBytes(feature));
  paintBytes(canvas, featureCache.get(feature), FEATURE_LUT, 64);
}

// ---------------------------------------------------------------- the network view

let structureKey = "";
let nodeColumns = []; // per column: array of node elements (inputs, hidden layers..., outputs)
let edgePaths = [];   // per Dense layer: [i][j] -> SVG path

function outputUnits() {
  if (lastState && Array.isArray(lastState.weights) && lastState.weights.length) {
    const w = lastState.weights[lastState.weights.length - 1];
    if (Array.isArray(w) && Array.isArray(w[0])) return w[0].length;
  }
  if (lastData) return lastData.kind === "regression" ? 1 : Math.max(2, lastData.classes || 2);
  return settings.dataset === "regression" ? 1 : 2;
}

function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.appendChild(c);
  return e;
}

function renderStructure() {
  const nOut = outputUnits();
  const regression = lastData ? lastData.kind === "regression" : settings.dataset === "regression";
  const key = JSON.stringify([settings.features, settings.hidden, nOut, regression]);
  if (key === structureKey) return;
  structureKey = key;

  const inputs = $("inputs");
  inputs.replaceChildren(el("div", { class: "column-head", text: "Input" }));
  const inputNodes = [];
  for (const f of settings.features) {
    const canvas = el("canvas", { class: "feature-map", width: 64, height: 64, "data-feature": f, "aria-hidden": "true" });
    paintFeature(canvas, f);
    const node = el("div", { class: "node input-node", title: `input feature ${f}` }, [canvas, el("span", { class: "node-label", text: FEATURE_LABELS[f] || f })]);
    inputs.appendChild(node);
    inputNodes.push(node);
  }
  inputs.appendChild(el("div", { class: "column-foot" }));

  const neurons = $("neurons");
  neurons.replaceChildren();
  const hiddenNodes = [];
  settings.hidden.forEach((count, l) => {
    const layer = l + 1;
    const head = el("div", { class: "column-head" }, [
      el("button", { type: "button", class: "round small", id: `layer-${layer}-minus`, "data-layer": layer, "data-layer-change": "-1", "aria-label": `Remove a neuron from hidden layer ${layer}`, text: "−" }),
      el("span", { class: "count", text: `${count}` }),
      el("button", { type: "button", class: "round small", id: `layer-${layer}-plus`, "data-layer": layer, "data-layer-change": "1", "aria-label": `Add a neuron to hidden layer ${layer}`, text: "+" }),
    ]);
    const column = el("div", { class: "net-column hidden-column", role: "group", "data-layer": layer, "aria-label": `Hidden layer ${layer}: ${count} neurons` }, [head]);
    const nodes = [];
    for (let j = 0; j < count; j++) {
      const canvas = el("canvas", { class: "neuron", width: 64, height: 64, "data-layer": layer, "data-index": j });
      const node = el("div", { class: "node", "data-layer": layer, "data-index": j }, [canvas, el("span", { class: "badge" })]);
      node.title = `Hidden layer ${layer}, neuron ${j + 1}`;
      column.appendChild(node);
      nodes.push(node);
    }
    column.appendChild(el("div", { class: "column-foot grad-norm", id: `grad-norm-${layer}`, title: `‖∂L/∂W‖ of the weights into hidden layer ${layer}`, text: "‖∇W‖ –" }));
    neurons.appendChild(column);
    hiddenNodes.push(nodes);
  });

  const outputs = $("outputs");
  outputs.replaceChildren(el("div", { class: "column-head", text: "Output" }));
  const outputNodes = [];
  for (let j = 0; j < nOut; j++) {
    const colour = regression ? POS : CLASS_COLOURS[j % CLASS_COLOURS.length];
    const dot = el("div", { class: "output-dot" });
    dot.style.background = `rgb(${colour.join(",")})`;
    const label = regression ? "ŷ" : `class ${j}`;
    const node = el("div", { class: "node output-node", title: regression ? "the prediction" : `the score of class ${j}` }, [dot, el("span", { class: "node-label", text: label })]);
    outputs.appendChild(node);
    outputNodes.push(node);
  }
  outputs.appendChild(el("div", { class: "column-foot grad-norm", id: `grad-norm-${settings.hidden.length + 1}`, title: "‖∂L/∂W‖ of the output layer's weights", text: "‖∇W‖ –" }));

  nodeColumns = [inputNodes, ...hiddenNodes, outputNodes];
  buildEdges();
  syncControls();
  requestAnimationFrame(layoutConnections);
}

const SVG_NS = "http://www.w3.org/2000/svg";
function buildEdges() {
  const svg = $("connections");
  svg.replaceChildren();
  edgePaths = [];
  for (let d = 0; d + 1 < nodeColumns.length; d++) {
    const group = document.createElementNS(SVG_NS, "g");
    group.setAttribute("data-layer", d + 1);
    const rows = [];
    for (let i = 0; i < nodeColumns[d].length; i++) {
      const row = [];
      for (let j = 0; j < nodeColumns[d + 1].length; j++) {
        const path = document.createElementNS(SVG_NS, "path");
        path.setAttribute("class", "edge");
        const title = document.createElementNS(SVG_NS, "title");
        path.appendChild(title);
        group.appendChild(path);
        row.push(path);
      }
      rows.push(row);
    }
    svg.appendChild(group);
    edgePaths.push(rows);
  }
}

function layoutConnections() {
  const net = $("network");
  const box = net.getBoundingClientRect();
  const svg = $("connections");
  svg.setAttribute("width", box.width);
  svg.setAttribute("height", box.height);
  svg.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
  const anchor = (node) => {
    const target = node.querySelector("canvas, .output-dot") || node;
    const r = target.getBoundingClientRect();
    return { left: r.left - box.left, right: r.right - box.left, y: r.top - box.top + r.height / 2 };
  };
  for (let d = 0; d < edgePaths.length; d++) {
    const from = nodeColumns[d].map(anchor);
    const to = nodeColumns[d + 1].map(anchor);
    for (let i = 0; i < from.length; i++) {
      for (let j = 0; j < to.length; j++) {
        const a = from[i];
        const b = to[j];
        const mx = (a.right + b.left) / 2;
        edgePaths[d][i][j].setAttribute("d", `M${a.right},${a.y} C${mx},${a.y} ${mx},${b.y} ${b.left},${b.y}`);
      }
    }
  }
}

function drawEdges(weights) {
  if (!Array.isArray(weights) || weights.length !== edgePaths.length) return;
  let maxAbs = 1e-12;
  for (const W of weights) for (const row of W) for (const w of row) if (Number.isFinite(w)) maxAbs = Math.max(maxAbs, Math.abs(w));
  for (let d = 0; d < edgePaths.length; d++) {
    const W = weights[d];
    const rows = edgePaths[d];
    if (!Array.isArray(W) || W.length !== rows.length) continue;
    for (let i = 0; i < rows.length; i++) {
      if (!Array.isArray(W[i]) || W[i].length !== rows[i].length) continue;
      for (let j = 0; j < rows[i].length; j++) {
        const w = W[i][j];
        const path = rows[i][j];
        const finite = Number.isFinite(w);
        const m = finite ? Math.abs(w) / maxAbs : 0;
        const colour = !finite ? "#d00" : w >= 0 ? `rgb(${POS.join(",")})` : `rgb(${NEG.join(",")})`;
        path.setAttribute("stroke", colour);
        path.setAttribute("stroke-width", (0.4 + 5 * m).toFixed(2));
        path.setAttribute("stroke-opacity", (0.25 + 0.7 * m).toFixed(2));
        path.firstChild.textContent = `w = ${finite ? w.toPrecision(4) : String(w)} (unit ${i + 1} → ${j + 1}, layer ${d + 1})`;
      }
    }
  }
}

function drawNeurons(state) {
  const maps = state.neurons;
  if (!Array.isArray(maps) || maps.length !== settings.hidden.length) return;
  const diag = state.diagnostics || {};
  const saturated = diag.saturated || [];
  const dead = diag.dead || [];
  const activation = settings.activation;
  for (let l = 0; l < maps.length; l++) {
    const nodes = nodeColumns[l + 1];
    if (!nodes || !Array.isArray(maps[l]) || maps[l].length !== nodes.length) continue;
    for (let j = 0; j < nodes.length; j++) {
      const entry = maps[l][j];
      if (!Array.isArray(entry)) continue;
      const [b64, lo, hi] = entry;
      const canvas = nodes[j].querySelector("canvas.neuron");
      paintBytes(canvas, base64ToBytes(b64), divergingLUT(Number(lo) || 0, Number(hi) || 0), 64);
      const sat = saturated[l] ? Number(saturated[l][j]) || 0 : 0;
      const isDead = dead[l] ? dead[l][j] === true : false;
      const node = nodes[j];
      node.classList.toggle("saturated", sat > 0.5 && !isDead);
      node.classList.toggle("dead", isDead);
      node.style.setProperty("--sat", sat.toFixed(2));
      node.querySelector(".badge").textContent = isDead ? "dead" : sat > 0.5 ? "sat" : "";
      node.title = [
        `Hidden layer ${l + 1}, neuron ${j + 1} (${activation})`,
        `activation range [${fmt(lo, 3)}, ${fmt(hi, 3)}]`,
        `saturated on ${(sat * 100).toFixed(1)}% of the training rows`,
        `dead: ${isDead ? "yes (outputs 0 on every training row)" : "no"}`,
      ].join("\n");
      node.dataset.saturated = sat.toFixed(3);
      node.dataset.dead = String(isDead);
    }
  }
  const norms = diag.grad_norms || [];
  for (let d = 0; d < norms.length; d++) {
    const foot = $(`grad-norm-${d + 1}`);
    if (foot) foot.textContent = `‖∇W‖ ${fmtSci(norms[d])}`;
  }
}

// ---------------------------------------------------------------- output and chart

const gridCanvas = document.createElement("canvas");

function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w: canvas.clientWidth, h: canvas.clientHeight };
}

function drawOutput(state) {
  const canvas = $("output");
  const { ctx, w, h } = fitCanvas(canvas);
  const regression = lastData ? lastData.kind === "regression" : settings.dataset === "regression";
  const k = lastData && lastData.classes ? lastData.classes : 2;
  const range = state && Array.isArray(state.output_range) ? state.output_range : [-1, 1];
  ctx.clearRect(0, 0, w, h);
  if (state && state.output) {
    const size = (state.grid && state.grid.size) || 64;
    const lut = regression ? divergingLUT(Number(range[0]) || 0, Number(range[1]) || 0) : classLUT(k);
    paintBytes(gridCanvas, base64ToBytes(state.output), lut, size);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(gridCanvas, 0, 0, w, h);
  }
  if (!lastData) return;
  const extent = state && state.grid && Array.isArray(state.grid.extent) ? state.grid.extent : [-EXTENT, EXTENT];
  const [lo, hi] = extent;
  const sx = (x) => ((x - lo) / (hi - lo)) * w;
  const sy = (y) => ((hi - y) / (hi - lo)) * h;
  const scale = Math.max(Math.abs(range[0]), Math.abs(range[1])) || 1;
  const colourOf = (y) => (regression ? diverging(y / scale) : CLASS_COLOURS[Math.round(y) % CLASS_COLOURS.length]);
  const r = Math.max(2.5, Math.min(4, w / 110));
  for (const [x1, x2, y] of lastData.train || []) {
    const c = colourOf(y);
    ctx.beginPath();
    ctx.arc(sx(x1), sy(x2), r, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${c.map(Math.round).join(",")})`;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
  }
  if ($("show-test").checked) {
    for (const [x1, x2, y] of lastData.test || []) {
      const c = colourOf(y);
      ctx.beginPath();
      ctx.arc(sx(x1), sy(x2), r, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(255,255,255,0.6)";
      ctx.fill();
      ctx.lineWidth = 1.6;
      ctx.strokeStyle = `rgb(${c.map(Math.round).join(",")})`;
      ctx.stroke();
    }
  }
  // axes ticks at -6, 0, 6
  ctx.fillStyle = "rgba(0,0,0,0.45)";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(String(lo), 3, h - 4);
  ctx.fillText(String(hi), w - 12, h - 4);
}

function drawLegend() {
  const legend = $("output-legend");
  if (!lastData) { legend.replaceChildren(); return; }
  if (lastData.kind === "regression") {
    const range = lastState && lastState.output_range ? lastState.output_range : ["?", "?"];
    legend.textContent = `ŷ from ${fmt(range[0], 2)} (orange) to ${fmt(range[1], 2)} (blue)`;
    return;
  }
  const items = [];
  for (let c = 0; c < (lastData.classes || 2); c++) {
    const sw = el("span", { class: "swatch" });
    sw.style.background = `rgb(${CLASS_COLOURS[c % CLASS_COLOURS.length].join(",")})`;
    items.push(sw, document.createTextNode(` ${c} `));
  }
  legend.replaceChildren(...items);
}

function drawLossChart(state) {
  const canvas = $("loss-chart");
  const { ctx, w, h } = fitCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  const hist = (state && state.loss_history) || { epochs: [], train: [], test: [] };
  const epochs = hist.epochs || [];
  const spikes = (state && state.spikes) || [];
  canvas.dataset.points = String(epochs.length);
  canvas.dataset.spikes = String(spikes.length);
  const pad = { l: 40, r: 8, t: 8, b: 18 };
  ctx.strokeStyle = "#ccc";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t); ctx.lineTo(pad.l, h - pad.b); ctx.lineTo(w - pad.r, h - pad.b);
  ctx.stroke();
  if (epochs.length === 0) {
    ctx.fillStyle = "#999";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText("press play or step", pad.l + 10, h / 2);
    return;
  }
  const values = [...(hist.train || []), ...(hist.test || [])].filter((v) => Number.isFinite(v));
  const ymax = values.length ? Math.max(...values) * 1.05 || 1 : 1;
  const positive = values.filter((v) => v > 0);
  const ymin = positive.length ? Math.min(...positive) / 1.05 : ymax / 10;
  // a diverging run's losses span decades: then the y axis is logarithmic
  const logScale = ymax / ymin > 100;
  canvas.dataset.scale = logScale ? "log" : "linear";
  const x0 = epochs[0];
  const x1 = epochs[epochs.length - 1];
  const X = (e) => pad.l + (x1 === x0 ? 0.5 : (e - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const frac = (v) => (logScale
    ? (Math.log(Math.max(v, ymin)) - Math.log(ymin)) / (Math.log(ymax) - Math.log(ymin))
    : Math.min(v, ymax) / ymax);
  const Y = (v) => h - pad.b - frac(v) * (h - pad.t - pad.b);
  const line = (series, colour, dash) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.6;
    ctx.setLineDash(dash);
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < epochs.length; i++) {
      const v = series[i];
      if (!Number.isFinite(v)) { started = false; continue; }
      if (!started) { ctx.moveTo(X(epochs[i]), Y(v)); started = true; } else ctx.lineTo(X(epochs[i]), Y(v));
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (epochs.length === 1 && Number.isFinite(series[0])) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      ctx.arc(X(epochs[0]), Y(series[0]), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  };
  line(hist.test || [], "#9aa5b1", [4, 3]);
  line(hist.train || [], "#1f2933", []);
  // spikes: small red triangles on the train curve
  const index = new Map(epochs.map((e, i) => [e, i]));
  ctx.fillStyle = "#e02424";
  for (const e of spikes) {
    const i = index.get(e);
    if (i === undefined) continue;
    const v = (hist.train || [])[i];
    const x = X(e);
    const y = Number.isFinite(v) ? Y(v) : pad.t;
    ctx.beginPath();
    if (y - 15 >= 0) { // pointing down at the point, above it
      ctx.moveTo(x, y - 4); ctx.lineTo(x - 4, y - 11); ctx.lineTo(x + 4, y - 11);
    } else { // no room above: pointing up, below it
      ctx.moveTo(x, y + 4); ctx.lineTo(x - 4, y + 11); ctx.lineTo(x + 4, y + 11);
    }
    ctx.closePath();
    ctx.fill();
  }
  ctx.fillStyle = "#52606d";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(fmtSci(ymax), 2, pad.t + 8);
  ctx.fillText(logScale ? fmtSci(ymin) : "0", 2, h - pad.b);
  if (logScale) ctx.fillText("log", 2, (pad.t + h - pad.b) / 2);
  ctx.fillText(String(x0), pad.l, h - 4);
  const last = `epoch ${x1}`;
  ctx.fillText(last, w - pad.r - ctx.measureText(last).width, h - 4);
  $("spike-count").textContent = spikes.length ? `${spikes.length} spike${spikes.length === 1 ? "" : "s"}` : "";
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "NaN";
  const n = Number(v);
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "-∞";
  return n.toFixed(digits);
}

function fmtSci(v) {
  const n = Number(v);
  if (v === null || !Number.isFinite(n)) return "NaN";
  if (n === 0) return "0";
  return Math.abs(n) >= 0.01 && Math.abs(n) < 1000 ? n.toPrecision(3) : n.toExponential(2);
}

// ---------------------------------------------------------------- drawing

let drawQueued = false;
function scheduleDraw() {
  if (drawQueued) return;
  drawQueued = true;
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    drawQueued = false;
    draw();
  };
  requestAnimationFrame(run);
  setTimeout(run, 100); // hidden tabs get no animation frames
}

function draw() {
  renderStructure();
  drawLegend();
  drawOutput(lastState);
  drawLossChart(lastState);
  const state = lastState;
  if (!state) return;
  drawNeurons(state);
  drawEdges(state.weights);
  $("epoch").textContent = String(state.epoch ?? 0);
  $("train-loss").textContent = fmt(state.train_loss);
  $("test-loss").textContent = fmt(state.test_loss);
  const regression = lastData ? lastData.kind === "regression" : settings.dataset === "regression";
  $("score-name-train").textContent = regression ? "Train R²" : "Train accuracy";
  $("score-name-test").textContent = regression ? "Test R²" : "Test accuracy";
  $("train-score").textContent = fmt(state.train_score, 3);
  $("test-score").textContent = fmt(state.test_score, 3);
  if ($("command").textContent !== (state.command || "")) $("command").textContent = state.command || "";
  if ($("python").textContent !== (state.python || "")) $("python").textContent = state.python || "";
  const playing = state.playing === true;
  document.body.classList.toggle("playing", playing);
  $("play").setAttribute("aria-pressed", String(playing));
  $("pause").setAttribute("aria-pressed", String(!playing));
  if (!ready) {
    ready = true;
    document.body.dataset.ready = "true";
  }
}

// ---------------------------------------------------------------- start

function paintFeatureThumbs() {
  for (const canvas of document.querySelectorAll("canvas.feature-thumb")) paintFeature(canvas, canvas.dataset.feature);
}

function start() {
  const { values, bad } = readURL();
  Object.assign(settings, values);
  if (bad.length) showError(`Ignored invalid link values: ${bad.join(", ")}`);
  try {
    const saved = JSON.parse(sessionStorage.getItem("ffnn-upload") || "null");
    if (saved && typeof saved.csv === "string") {
      uploadedCsv = saved.csv;
      uploadedName = saved.name || "";
      $("upload-name").textContent = `Uploaded: ${uploadedName}`;
    }
  } catch (err) { /* no storage */ }
  paintFeatureThumbs();
  bindControls();
  syncControls();
  writeURL();
  renderStructure();
  drawOutput(null);
  drawLossChart(null);
  if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => layoutConnections()).observe($("network"));
  connect();
}

window.ffnnPlayground = {
  get settings() { return settings; },
  get lastState() { return lastState; },
  get lastData() { return lastData; },
  get connected() { return connected; },
  get pending() { return Object.fromEntries(pending); },
  send,
  presets: PRESETS,
  defaults: DEFAULTS,
};

start();
