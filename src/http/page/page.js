// kokorod's page: speak with any voice or mix, compare two voices, watch /metrics.
// Plain script, no dependencies: every request goes to the origin that served it.
'use strict';

const RATE = 24000; // Hz of the PCM kokorod streams (s16le, mono)
const POLL_MS = 2000;
const CHART_POINTS = 40;

const EXAMPLES = {
  'en-US': 'The quick brown fox jumps over the lazy dog. Kokoro answers in well under a second.',
  'en-GB': 'Would you care for a cup of tea while the kettle boils?',
  'es': 'Hola, ¿qué tal? Hoy hace un día estupendo para pasear por el parque.',
  'fr-FR': 'Bonjour ! Aujourd’hui, il fait beau et le café est prêt.',
  'hi': 'नमस्ते! आज मौसम बहुत अच्छा है।',
  'it': 'Buongiorno! Oggi il tempo è bellissimo.',
  'ja': 'こんにちは。今日はいい天気ですね。',
  'pt-BR': 'Olá! Hoje o dia está lindo para um passeio.',
  'zh': '你好！今天天气很好，我们去公园散步吧。',
};

const $ = (id) => document.getElementById(id);

const state = {
  apiKey: null, // typed by the user; never stored beyond this page's memory
  voices: [],
  defaultVoice: null,
  audio: null, // AudioContext, made on the first press (browsers want a gesture)
  nextTime: 0, // when the next scheduled chunk starts, in the context's time
  sources: new Set(),
  abort: null,
  download: null, // object URL of the last audio
  takes: { a: null, b: null }, // Compare's audio, for replay
  metrics: null, // the previous poll's totals
  chart: [],
};

class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  if (state.apiKey) h.Authorization = 'Bearer ' + state.apiKey;
  return h;
}

async function failure(resp) {
  let code = 'http_' + resp.status;
  let message = resp.statusText || 'request failed';
  try {
    const body = await resp.json();
    code = body.error.code || code;
    message = body.error.message || message;
  } catch (_) { /* not JSON: keep the status */ }
  if (resp.status === 401) showKeyPanel(message);
  return new ApiFailure(resp.status, code, message);
}

// ---- voices -------------------------------------------------------------------

const languageNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' });
  } catch (_) {
    return null;
  }
})();

function languageName(tag) {
  try {
    const name = languageNames && languageNames.of(tag);
    if (name && name !== tag) return name + ' (' + tag + ')';
  } catch (_) { /* an unusual tag: show it as it is */ }
  return tag;
}

function describe(v) {
  const bits = [v.gender, v.grade ? 'grade ' + v.grade : null].filter(Boolean);
  return bits.length ? v.name + ' — ' + bits.join(', ') : v.name;
}

// Fills a <select> with the voices grouped by language.
function fillVoiceSelect(select, chosen) {
  select.replaceChildren();
  const groups = new Map();
  for (const v of state.voices) {
    const tag = v.language || 'other';
    if (!groups.has(tag)) groups.set(tag, []);
    groups.get(tag).push(v);
  }
  for (const [tag, list] of groups) {
    const group = document.createElement('optgroup');
    group.label = languageName(tag);
    for (const v of list) group.append(new Option(describe(v), v.name));
    select.append(group);
  }
  if (chosen && state.voices.some((v) => v.name === chosen)) select.value = chosen;
}

async function loadVoices() {
  const resp = await fetch('/v1/audio/voices', { headers: headers(false) });
  if (!resp.ok) throw await failure(resp);
  const body = await resp.json();
  state.voices = body.voices || [];
  const first = state.defaultVoice || (state.voices[0] && state.voices[0].name);
  fillVoiceSelect($('voice'), first);
  fillVoiceSelect($('voice-a'), first);
  const other = state.voices.find((v) => v.name !== first && v.language === voiceLanguage(first));
  fillVoiceSelect($('voice-b'), other ? other.name : first);
  $('voice').dataset.count = String(state.voices.length);
  $('voice-spec').value = $('voice').value;
  fillExamples();
  for (const row of document.querySelectorAll('.mix-row select')) fillVoiceSelect(row, row.dataset.voice);
}

function voiceLanguage(name) {
  const v = state.voices.find((x) => x.name === name);
  return v ? v.language : null;
}

function fillExamples() {
  const select = $('example');
  select.replaceChildren(new Option('Pick an example sentence…', ''));
  const present = new Set(state.voices.map((v) => v.language));
  for (const [tag, text] of Object.entries(EXAMPLES)) {
    if (present.has(tag)) select.append(new Option(languageName(tag) + ': ' + text.slice(0, 40) + '…', tag));
  }
}

// ---- the API key ------------------------------------------------------------------

function showKeyPanel(message) {
  $('key-panel').hidden = false;
  $('key-error').textContent = state.apiKey ? message : '';
  if (!state.apiKey) $('api-key').focus();
}

async function useKey(event) {
  event.preventDefault();
  state.apiKey = $('api-key').value.trim();
  $('api-key').value = '';
  try {
    await loadVoices();
    $('key-panel').hidden = true;
    $('key-error').textContent = '';
    $('text').focus();
  } catch (e) {
    $('key-error').textContent = e.message;
  }
}

// ---- audio --------------------------------------------------------------------------

function audioContext() {
  if (!state.audio) state.audio = new AudioContext();
  if (state.audio.state === 'suspended') state.audio.resume();
  return state.audio;
}

// Plays `buffer` right after what is already scheduled; `onEnded` when it has played.
function schedule(buffer, onEnded) {
  const ctx = audioContext();
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(ctx.destination);
  const at = Math.max(ctx.currentTime + 0.05, state.nextTime);
  source.start(at);
  state.nextTime = at + buffer.duration;
  state.sources.add(source);
  source.onended = () => {
    state.sources.delete(source);
    if (onEnded) onEnded();
  };
}

function pcmBuffer(samples) {
  const buffer = audioContext().createBuffer(1, samples.length, RATE);
  buffer.copyToChannel(samples, 0);
  return buffer;
}

function stopAudio() {
  if (state.abort) state.abort.abort();
  state.abort = null;
  for (const s of state.sources) {
    s.onended = null;
    try { s.stop(); } catch (_) { /* not started yet */ }
  }
  state.sources.clear();
  state.nextTime = 0;
  if (state.media) {
    state.media.onended = null;
    state.media.pause();
    state.media = null;
  }
}

// MP3 can play while it streams through Media Source Extensions, where the browser has them.
function mseFor(format) {
  return format === 'mp3' && window.MediaSource && MediaSource.isTypeSupported('audio/mpeg');
}

// Feeds MP3 chunks to an <audio> element through a MediaSource; playback starts with
// the first chunk.
async function mediaStream() {
  const media = new Audio();
  const source = new MediaSource();
  media.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
  const buffer = source.addSourceBuffer('audio/mpeg');
  state.media = media;
  let playing = false;
  return {
    media,
    async append(chunk) {
      await new Promise((resolve, reject) => {
        buffer.addEventListener('updateend', resolve, { once: true });
        buffer.addEventListener('error', () => reject(new Error('the browser cannot play this MP3 stream')), { once: true });
        buffer.appendBuffer(chunk);
      });
      if (!playing) {
        playing = true;
        media.play().catch(() => { /* stopped before it started */ });
      }
    },
    end() {
      source.endOfStream();
      return media.duration;
    },
  };
}

// Little-endian s16 bytes → samples in [-1, 1); an odd byte waits for the next chunk.
function decodePcm(bytes, carry) {
  let data = bytes;
  if (carry) {
    data = new Uint8Array(carry.length + bytes.length);
    data.set(carry);
    data.set(bytes, carry.length);
  }
  const n = data.length >> 1;
  const view = new DataView(data.buffer, data.byteOffset, n * 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true) / 32768;
  return { samples: out, carry: data.length & 1 ? data.slice(-1) : null };
}

function wavBlob(parts, total) {
  const header = new DataView(new ArrayBuffer(44));
  const text = (at, s) => { for (let i = 0; i < s.length; i++) header.setUint8(at + i, s.charCodeAt(i)); };
  text(0, 'RIFF'); header.setUint32(4, 36 + total * 2, true); text(8, 'WAVEfmt ');
  header.setUint32(16, 16, true); header.setUint16(20, 1, true); header.setUint16(22, 1, true);
  header.setUint32(24, RATE, true); header.setUint32(28, RATE * 2, true);
  header.setUint16(32, 2, true); header.setUint16(34, 16, true);
  text(36, 'data'); header.setUint32(40, total * 2, true);
  const body = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) body[at++] = Math.max(-32768, Math.min(32767, Math.round(p[i] * 32768)));
  }
  return new Blob([header, body], { type: 'audio/wav' });
}

const MIME = { mp3: 'audio/mpeg', opus: 'audio/ogg', wav: 'audio/wav', flac: 'audio/flac', pcm: 'audio/wav' };

// One request: plays as it arrives (PCM) or once decoded (other formats). `report`
// receives the figures as they become known. Resolves to what replays the audio.
async function speak({ text, voice, speed, format }, report) {
  const ctx = audioContext();
  const abort = new AbortController();
  state.abort = abort;
  const started = performance.now();
  const resp = await fetch('/v1/audio/speech', {
    method: 'POST',
    headers: headers(true),
    body: JSON.stringify({ model: 'kokoro', input: text, voice, speed, response_format: format, stream: true }),
    signal: abort.signal,
  });
  if (!resp.ok) throw await failure(resp);
  const reader = resp.body.getReader();
  const mse = mseFor(format) ? await mediaStream() : null;
  report({ playback: mse ? 'media-source' : format === 'pcm' ? 'web-audio' : 'decoded' });
  const parts = [];
  let carry = null;
  let samples = 0;
  let firstMs = null;
  let pending = 0;
  let finished = false;
  const ended = () => {
    pending -= 1;
    if (finished && pending === 0) report({ ended: true });
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value || value.length === 0) continue;
    if (firstMs === null) {
      firstMs = performance.now() - started;
      report({ firstMs });
    }
    if (mse) {
      parts.push(value);
      await mse.append(value);
    } else if (format === 'pcm') {
      const decoded = decodePcm(value, carry);
      carry = decoded.carry;
      if (decoded.samples.length === 0) continue;
      parts.push(decoded.samples);
      samples += decoded.samples.length;
      pending += 1;
      schedule(pcmBuffer(decoded.samples), ended);
    } else {
      parts.push(value);
    }
  }
  const totalMs = performance.now() - started;
  let duration;
  let blob;
  let replay;
  if (mse) {
    blob = new Blob(parts, { type: MIME[format] });
    duration = mse.end();
    const media = mse.media;
    if (!media.ended) {
      pending += 1;
      media.onended = ended;
    }
    replay = () => {
      state.media = media;
      media.currentTime = 0;
      media.play();
    };
  } else if (format === 'pcm') {
    duration = samples / RATE;
    blob = wavBlob(parts, samples);
    replay = () => { for (const p of parts) schedule(pcmBuffer(p)); };
  } else {
    blob = new Blob(parts, { type: MIME[format] });
    const buffer = await ctx.decodeAudioData(await blob.arrayBuffer());
    duration = buffer.duration;
    pending += 1;
    schedule(buffer, ended);
    replay = () => schedule(buffer);
  }
  finished = true;
  if (state.abort === abort) state.abort = null;
  report({ firstMs, duration, rtf: duration > 0 ? totalMs / 1000 / duration : null, done: true });
  if (pending === 0) report({ ended: true });
  return { replay, blob, format };
}

// Shows a request's figures in `el` and in its data attributes (read by the browser test).
// `firstAudioMs` is from the press to the first bytes of audio: heard then for PCM, which
// plays as it streams; other formats play once received and decoded.
function reporter(el, label, format) {
  const first = format === 'pcm' || mseFor(format) ? 'first audio ' : 'first bytes ';
  el.dataset.state = 'speaking';
  el.dataset.ended = 'false';
  for (const k of ['firstAudioMs', 'durationS', 'rtf', 'errorCode', 'playback']) delete el.dataset[k];
  el.textContent = label + ': waiting for the first audio…';
  const figures = {};
  return (update) => {
    Object.assign(figures, update);
    if (update.firstMs !== undefined && update.firstMs !== null) el.dataset.firstAudioMs = update.firstMs.toFixed(0);
    if (update.done) {
      el.dataset.durationS = figures.duration.toFixed(3);
      if (figures.rtf !== null) el.dataset.rtf = figures.rtf.toFixed(3);
      el.dataset.state = 'done';
    }
    if (update.ended) el.dataset.ended = 'true';
    if (update.playback) el.dataset.playback = update.playback;
    const bits = [label];
    if (figures.firstMs !== undefined && figures.firstMs !== null) bits.push(first + figures.firstMs.toFixed(0) + ' ms');
    if (figures.duration !== undefined) bits.push(figures.duration.toFixed(2) + ' s of audio');
    if (figures.rtf !== undefined && figures.rtf !== null) bits.push('RTF ' + figures.rtf.toFixed(2));
    el.textContent = bits.join(' · ');
  };
}

function showError(el, e) {
  el.dataset.state = 'error';
  el.dataset.errorCode = e.code || 'network';
  el.textContent = (e.status ? e.status + ' ' : '') + (e.code ? e.code + ': ' : '') + e.message;
}

function request(voice) {
  const speed = Number($('speed').value) || 1;
  return { text: $('text').value, voice, speed, format: $('format').value };
}

async function onSpeak(event) {
  event.preventDefault();
  stopAudio();
  audioContext();
  const voice = $('voice-spec').value.trim() || $('voice').value;
  const el = $('result');
  el.dataset.voice = voice;
  $('speak').disabled = true;
  try {
    const req = request(voice);
    const take = await speak(req, reporter(el, voice, req.format));
    setDownload(take);
  } catch (e) {
    if (e.name !== 'AbortError') showError(el, e);
    else el.dataset.state = 'stopped';
  } finally {
    $('speak').disabled = false;
  }
}

function setDownload(take) {
  if (state.download) URL.revokeObjectURL(state.download);
  state.download = URL.createObjectURL(take.blob);
  const a = $('download');
  a.href = state.download;
  a.download = 'kokorod.' + (take.format === 'pcm' ? 'wav' : take.format === 'opus' ? 'ogg' : take.format);
  a.hidden = false;
}

async function onCompare(event) {
  event.preventDefault();
  stopAudio();
  audioContext();
  $('compare').disabled = true;
  for (const side of ['a', 'b']) {
    const voice = $('voice-' + side).value;
    const el = $('result-' + side);
    $('replay-' + side).disabled = true;
    try {
      // PCM: A starts at once, B is queued to follow it.
      const take = await speak({ ...request(voice), format: 'pcm' }, reporter(el, voice, 'pcm'));
      state.takes[side] = take;
      $('replay-' + side).disabled = false;
    } catch (e) {
      if (e.name !== 'AbortError') showError(el, e);
    }
  }
  $('compare').disabled = false;
}

function replay(side) {
  const take = state.takes[side];
  if (!take) return;
  stopAudio();
  take.replay();
}

// ---- the mix -----------------------------------------------------------------------

function addMixRow(voice, weight) {
  const rows = $('mix-rows');
  const n = rows.children.length + 1;
  const row = document.createElement('div');
  row.className = 'mix-row';
  const voiceId = 'mix-voice-' + n;
  const weightId = 'mix-weight-' + n;
  row.innerHTML =
    '<div class="field"><label></label><select></select></div>' +
    '<div class="field"><label></label><input type="number" min="0" max="100" step="0.1"></div>' +
    '<button type="button">Remove</button>';
  const [vLabel, wLabel] = row.querySelectorAll('label');
  const select = row.querySelector('select');
  const input = row.querySelector('input');
  vLabel.textContent = 'Voice ' + n;
  vLabel.htmlFor = voiceId;
  select.id = voiceId;
  wLabel.textContent = 'Weight';
  wLabel.htmlFor = weightId;
  input.id = weightId;
  input.value = String(weight);
  select.dataset.voice = voice;
  fillVoiceSelect(select, voice);
  const remove = row.querySelector('button');
  remove.setAttribute('aria-label', 'Remove voice ' + n + ' from the mix');
  remove.addEventListener('click', () => { row.remove(); updateMix(); });
  select.addEventListener('change', () => { select.dataset.voice = select.value; updateMix(); });
  input.addEventListener('input', updateMix);
  rows.append(row);
  updateMix();
}

function updateMix() {
  const parts = [];
  for (const row of document.querySelectorAll('.mix-row')) {
    const voice = row.querySelector('select').value;
    const weight = Number(row.querySelector('input').value);
    if (voice && weight > 0) parts.push(voice + '(' + weight + ')');
  }
  if (parts.length) $('voice-spec').value = parts.length === 1 ? parts[0].replace(/\(.*\)$/, '') : parts.join('+');
}

function onMixToggle() {
  if ($('mix').open && $('mix-rows').children.length === 0) {
    const first = $('voice').value;
    const other = state.voices.find((v) => v.name !== first);
    addMixRow(first, 2);
    if (other) addMixRow(other.name, 1);
  }
  if (!$('mix').open) $('voice-spec').value = $('voice').value;
  else updateMix();
}

// ---- health and metrics ----------------------------------------------------------------

function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([A-Za-z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) samples.push({ name: m[1], labels: m[2] || '', value: Number(m[3]) });
  }
  const sum = (name, test) => samples
    .filter((s) => s.name === name && (!test || test(s.labels)))
    .reduce((a, s) => a + s.value, 0);
  return {
    // Monitoring (this page's own polls among them) is left out.
    requests: sum('kokorod_requests_total', (l) => !/endpoint="(health|metrics)"/.test(l)),
    speech: sum('kokorod_requests_total', (l) => /endpoint="(speech|synthesize|synthesize-stream)"/.test(l)),
    errors: sum('kokorod_errors_total'),
    queue: sum('kokorod_queue_depth'),
    hits: sum('kokorod_cache_hits_total'),
    misses: sum('kokorod_cache_misses_total'),
    audio: sum('kokorod_audio_seconds_total'),
    firstSum: sum('kokorod_time_to_first_audio_seconds_sum'),
    firstCount: sum('kokorod_time_to_first_audio_seconds_count'),
  };
}

function seconds(s) {
  if (s < 120) return s.toFixed(1) + ' s';
  if (s < 7200) return (s / 60).toFixed(1) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

function showMetrics(m) {
  const panel = $('metrics');
  $('m-requests').textContent = String(m.requests);
  $('m-speech').textContent = String(m.speech);
  $('m-errors').textContent = String(m.errors);
  $('m-queue').textContent = String(m.queue);
  const lookups = m.hits + m.misses;
  $('m-cache').textContent = lookups ? (100 * m.hits / lookups).toFixed(0) + ' %' : '–';
  $('m-audio').textContent = seconds(m.audio);
  panel.dataset.requests = String(m.requests);
  panel.dataset.speechRequests = String(m.speech);
  panel.dataset.errors = String(m.errors);
  panel.dataset.queueDepth = String(m.queue);
  const prev = state.metrics;
  if (prev && m.firstCount > prev.firstCount) {
    state.chart.push(1000 * (m.firstSum - prev.firstSum) / (m.firstCount - prev.firstCount));
  } else if (!prev && m.firstCount > 0) {
    state.chart.push(1000 * m.firstSum / m.firstCount);
  }
  state.chart = state.chart.slice(-CHART_POINTS);
  state.metrics = m;
  panel.dataset.polls = String(Number(panel.dataset.polls || 0) + 1);
  drawChart();
}

function drawChart() {
  const canvas = $('chart');
  const points = state.chart;
  canvas.dataset.points = String(points.length);
  const scale = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 640;
  const height = canvas.clientHeight || 160;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const g = canvas.getContext('2d');
  g.scale(scale, scale);
  g.clearRect(0, 0, width, height);
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#57606a';
  if (points.length === 0) {
    g.fillText('No speech requests yet', 10, height / 2);
    $('chart-caption').textContent = 'First-audio time of recent requests: none yet.';
    return;
  }
  const top = Math.max(...points) * 1.2 || 1;
  const left = 44;
  const plot = { x: left, y: 10, w: width - left - 10, h: height - 30 };
  g.strokeStyle = '#d0d7de';
  g.beginPath();
  g.moveTo(plot.x, plot.y);
  g.lineTo(plot.x, plot.y + plot.h);
  g.lineTo(plot.x + plot.w, plot.y + plot.h);
  g.stroke();
  g.fillText(top.toFixed(0) + ' ms', 2, plot.y + 10);
  g.fillText('0', 30, plot.y + plot.h);
  const step = plot.w / Math.max(CHART_POINTS - 1, 1);
  const xy = (v, i) => [plot.x + i * step, plot.y + plot.h - (v / top) * plot.h];
  g.strokeStyle = '#1f4e79';
  g.fillStyle = '#1f4e79';
  g.lineWidth = 2;
  g.beginPath();
  points.forEach((v, i) => {
    const [x, y] = xy(v, i);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  points.forEach((v, i) => {
    const [x, y] = xy(v, i);
    g.beginPath();
    g.arc(x, y, 3, 0, 2 * Math.PI);
    g.fill();
  });
  const sorted = [...points].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const last = points[points.length - 1];
  const text = 'First-audio time of recent requests (mean per poll, every client): last ' +
    last.toFixed(0) + ' ms, median ' + median.toFixed(0) + ' ms over ' + points.length + ' polls.';
  $('chart-caption').textContent = text;
  canvas.setAttribute('aria-label', text);
}

async function poll() {
  try {
    const [health, metrics] = await Promise.all([fetch('/health'), fetch('/metrics')]);
    const h = await health.json();
    state.defaultVoice = state.defaultVoice || h.default_voice;
    const el = $('health');
    el.dataset.ready = String(Boolean(h.ready));
    el.textContent = (h.ready ? 'Ready' : 'Not ready: ' + h.reason) + ' · kokorod ' + h.version +
      ' · ' + h.voices + ' voices · default ' + h.default_voice + ' · up ' + seconds(h.uptime_seconds);
    if (metrics.ok) showMetrics(parseMetrics(await metrics.text()));
  } catch (e) {
    $('health').dataset.ready = 'false';
    $('health').textContent = 'Cannot reach kokorod (' + e.message + ')';
  }
}

function schedulePolls() {
  setTimeout(async () => {
    if (!document.hidden) await poll();
    schedulePolls();
  }, POLL_MS);
}

// ---- start ---------------------------------------------------------------------------

async function start() {
  $('key-form').addEventListener('submit', useKey);
  $('speak-form').addEventListener('submit', onSpeak);
  $('compare-form').addEventListener('submit', onCompare);
  $('stop').addEventListener('click', () => {
    stopAudio();
    $('result').dataset.state = 'stopped';
  });
  $('replay-a').addEventListener('click', () => replay('a'));
  $('replay-b').addEventListener('click', () => replay('b'));
  $('voice').addEventListener('change', () => { $('voice-spec').value = $('voice').value; });
  $('mix').addEventListener('toggle', onMixToggle);
  $('mix-add').addEventListener('click', () => addMixRow($('voice').value, 1));
  $('text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      $('speak-form').requestSubmit();
    }
  });
  $('example').addEventListener('change', () => {
    const tag = $('example').value;
    if (!tag) return;
    $('text').value = EXAMPLES[tag];
    const voice = state.voices.find((v) => v.language === tag);
    if (voice) {
      $('voice').value = voice.name;
      $('voice-spec').value = voice.name;
    }
  });
  drawChart();
  await poll();
  try {
    await loadVoices();
  } catch (e) {
    if (e.status !== 401) showError($('result'), e);
  }
  schedulePolls();
}

start();
