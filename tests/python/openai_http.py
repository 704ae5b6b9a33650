"""Drives kokorod's HTTP API with the official `openai` client (and raw HTTP for what
that client cannot send), decodes every answer with ffmpeg, and reads /metrics with
`prometheus_client`'s parser.

Usage: openai_http.py BASE_URL API_KEY MAX_TEXT_CHARS

Exit 0 when every check passes, 1 on a failed check, 3 when a package or ffmpeg is
missing. Prints one line per check group.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

try:
    import openai
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
    from prometheus_client.parser import text_string_to_metric_families
except ImportError as error:
    print(f"python package missing ({error}): pip install openai==3.57.0 prometheus_client==0.26.0", file=sys.stderr)
    sys.exit(3)

if not shutil.which("ffprobe") or not shutil.which("ffmpeg"):
    print("ffmpeg/ffprobe missing: apt-get install ffmpeg", file=sys.stderr)
    sys.exit(3)

BASE, KEY, MAX_CHARS = sys.argv[1], sys.argv[2], int(sys.argv[3])
SENTENCE = "The quick brown fox jumps over the lazy dog. Kokoro speaks through the OpenAI client."
LONG = " ".join(
    f"This is sentence number {n} of a long text, read aloud while the rest is still being synthesized."
    for n in range(1, 9)
)
client = openai.OpenAI(base_url=f"{BASE}/v1", api_key=KEY, max_retries=0, timeout=600)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def decode(data, fmt):
    """(codec, sample rate, seconds) of encoded audio, decoded by ffmpeg."""
    with tempfile.NamedTemporaryFile(suffix="." + fmt) as f:
        f.write(data)
        f.flush()
        raw_in = ["-f", "s16le", "-ar", "24000", "-ac", "1"] if fmt == "pcm" else []
        probe = subprocess.run(
            ["ffprobe", "-v", "error", *raw_in, "-show_entries", "stream=codec_name,sample_rate,channels", "-of", "json", f.name],
            capture_output=True, text=True, check=True,
        )
        stream = json.loads(probe.stdout)["streams"][0]
        rate = int(stream["sample_rate"])
        check(int(stream["channels"]) == 1, f"{fmt}: {stream['channels']} channels")
        dec = subprocess.run(["ffmpeg", "-v", "error", *raw_in, "-i", f.name, "-f", "s16le", "-ac", "1", "-"], capture_output=True, check=True)
        check(not dec.stderr.strip(), f"{fmt}: ffmpeg complained: {dec.stderr[:300]!r}")
        return stream["codec_name"], rate, len(dec.stdout) / 2 / rate


def raw(method, path, body=None, headers=None):
    """(status, parsed JSON or text) of a request the openai client cannot make."""
    h = {"Authorization": f"Bearer {KEY}", **(headers or {})}
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            status, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    if "json" in ctype:
        return status, json.loads(data)
    return status, data.decode("utf-8", "replace")


def metrics():
    """/metrics in the Prometheus text format, by family (the parser names counters without `_total`)."""
    status, text = raw("GET", "/metrics", headers={"Authorization": ""})
    check(status == 200, f"/metrics: {status}")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    check(all(f.type != "unknown" for f in families.values()), f"untyped families: {[f.name for f in families.values() if f.type == 'unknown']}")
    return families


def sample(families, family, name, **labels):
    for s in families[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0.0


def openai_error(status, code, message_has, call):
    try:
        call()
    except openai.APIStatusError as e:
        check(e.status_code == status, f"{code}: status {e.status_code}, wanted {status}: {e.body}")
        err = e.body if isinstance(e.body, dict) and "code" in e.body else (e.body or {}).get("error", e.body)
        check(err.get("code") == code, f"{code}: body {e.body}")
        check(message_has in err.get("message", ""), f"{code}: message {err.get('message')!r} lacks {message_has!r}")
        check(err.get("type"), f"{code}: no type in {e.body}")
        return
    raise AssertionError(f"{code}: no error raised")


def raw_error(status, code, *args, **kwargs):
    got, body = raw(*args, **kwargs)
    check(got == status, f"{code}: status {got}, wanted {status}: {body}")
    check(isinstance(body, dict) and set(body) == {"error"}, f"{code}: not OpenAI's error shape: {body}")
    err = body["error"]
    check(err["code"] == code and err["message"] and err["type"], f"{code}: {err}")
    assert_serving()


def assert_serving():
    status, body = raw("GET", "/health")
    check(status == 200 and body["ready"] is True, f"/health after an error: {status} {body}")


before = metrics()

# Every format, through client.audio.speech.create, decodes to the same audio.
durations = {}
for fmt in ["pcm", "wav", "mp3", "flac", "opus"]:
    resp = client.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE, response_format=fmt)
    data = resp.read()
    codec, rate, secs = decode(data, fmt)
    if fmt == "opus":
        # Opus decoders always output 48 kHz; the stream records its 24 kHz input.
        check(data[:4] == b"OggS" and data[28:36] == b"OpusHead", "opus: not Ogg Opus")
        check(int.from_bytes(data[40:44], "little") == 24000, "opus: OpusHead input rate is not 24000")
    else:
        check(rate == 24000, f"{fmt}: {rate} Hz")
    check(2.0 < secs < 15.0, f"{fmt}: implausible duration {secs:.2f} s")
    durations[fmt] = secs
    print(f"{fmt}: {codec}, {rate} Hz, {secs:.2f} s, {len(data)} bytes")
for fmt, secs in durations.items():
    # Same text, same voice: the codecs only add padding (mp3 ~50 ms).
    check(abs(secs - durations["pcm"]) < 0.2, f"{fmt}: {secs:.2f} s vs pcm {durations['pcm']:.2f} s")

# Buffered (stream: false) WAV has an exact header; Kokoro voice names and mixes work.
status, _ = raw("POST", "/v1/audio/speech", json.dumps({"model": "kokoro", "input": "Hello there.", "voice": "af_heart(2)+bf_emma(1)", "response_format": "wav", "stream": False}).encode(), {"Content-Type": "application/json"})
check(status == 200, f"mix: {status}")
resp = client.audio.speech.create(model="tts-1-hd", voice="bf_emma", input="Cheerio.", response_format="wav", extra_body={"stream": False})
data = resp.read()
check(int.from_bytes(data[40:44], "little") == len(data) - 44, "stream=false wav: header length is not exact")
print("voices and buffered wav: ok")

# Streaming: the first bytes arrive while the rest of the text is still being spoken.
# Order of events, not timings: audio the server has produced when the first chunk
# reached us is less than what it has produced by the end.
pieces = []
produced_before = sample(metrics(), "kokorod_audio_seconds", "kokorod_audio_seconds_total", protocol="http")
with client.audio.speech.with_streaming_response.create(model="tts-1", voice="af_heart", input=LONG, response_format="mp3") as resp:
    chunks = resp.iter_bytes()
    pieces.append(next(chunks))
    produced_at_first = sample(metrics(), "kokorod_audio_seconds", "kokorod_audio_seconds_total", protocol="http")
    for c in chunks:
        pieces.append(c)
produced_at_end = sample(metrics(), "kokorod_audio_seconds", "kokorod_audio_seconds_total", protocol="http")
codec, rate, secs = decode(b"".join(pieces), "mp3")
check(rate == 24000 and secs > 20, f"streamed: {rate} Hz, {secs:.1f} s")
check(produced_at_first < produced_at_end, f"streamed: all audio ({produced_at_end:.1f} s) was produced before the first bytes arrived ({produced_at_first:.1f} s)")
print(f"streaming: {len(pieces)} chunks, {secs:.1f} s; audio produced when the first chunk arrived: {produced_at_first - produced_before:.1f} s of {produced_at_end - produced_before:.1f} s: ok")

# Errors: OpenAI's shape and status, and the server keeps serving.
raw_error(400, "invalid_json", "POST", "/v1/audio/speech", b"{not json", {"Content-Type": "application/json"})
JSON = {"Content-Type": "application/json"}
raw_error(400, "missing_input", "POST", "/v1/audio/speech", json.dumps({"model": "tts-1", "voice": "alloy"}).encode(), JSON)
raw_error(413, "request_too_large", "POST", "/v1/audio/speech", b'{"input": "' + b"a" * (MAX_CHARS * 6 + 70 * 1024) + b'"}', JSON)
# A body sent as a form (what a web page can send without a preflight) is not read.
raw_error(415, "unsupported_media_type", "POST", "/v1/audio/speech", json.dumps({"input": "hi", "voice": "alloy"}).encode())
raw_error(404, "not_found", "GET", "/v1/nothing-here")
openai_error(400, "unknown_voice", "zz_nobody", lambda: client.audio.speech.create(model="tts-1", voice="zz_nobody", input="Hi.").read())
openai_error(400, "unsupported_response_format", "mp3, opus, flac, wav, pcm", lambda: client.audio.speech.create(model="tts-1", voice="alloy", input="Hi.", response_format="aac").read())
openai_error(413, "input_too_long", str(MAX_CHARS), lambda: client.audio.speech.create(model="tts-1", voice="alloy", input="word " * (MAX_CHARS // 5 + 1)).read())
openai_error(404, "model_not_found", "gpt-4o-mini-tts-x", lambda: client.audio.speech.create(model="gpt-4o-mini-tts-x", voice="alloy", input="Hi.").read())
openai_error(400, "unsupported_speed", "0.5 to 2.0", lambda: client.audio.speech.create(model="tts-1", voice="alloy", input="Hi.", speed=3.0).read())
openai_error(400, "invalid_speed", "0.25 and 4.0", lambda: client.audio.speech.create(model="tts-1", voice="alloy", input="Hi.", speed=4.5).read())
openai_error(400, "empty_input", "empty", lambda: client.audio.speech.create(model="tts-1", voice="alloy", input="   ").read())
wrong = openai.OpenAI(base_url=f"{BASE}/v1", api_key="not-the-key", max_retries=0)
openai_error(401, "invalid_api_key", "Incorrect API key", lambda: wrong.audio.speech.create(model="tts-1", voice="alloy", input="Hi.").read())
raw_error(401, "invalid_api_key", "GET", "/v1/models", headers={"Authorization": ""})
assert_serving()
resp = client.audio.speech.create(model="tts-1", voice="nova", input="Still here.", response_format="wav")
check(decode(resp.read(), "wav")[2] > 0.3, "no audio after the errors")
print("errors: ok")

# Lists.
status, voices = raw("GET", "/v1/audio/voices")
check(status == 200 and any(v["name"] == "af_heart" and v["language"] == "en-US" and v["gender"] == "female" and v["grade"] for v in voices["voices"]), f"voices: {status}")
check({a["name"] for a in voices["openai_aliases"]} >= {"alloy", "echo", "fable", "onyx", "nova", "shimmer"}, "voices: aliases")
check(raw("GET", "/v1/voices")[1] == voices, "/v1/voices differs")
models = client.models.list()
check({m.id for m in models.data} == {"kokoro", "tts-1", "tts-1-hd"}, f"models: {models}")
status, health = raw("GET", "/health", headers={"Authorization": ""})
check(status == 200 and health["ready"] and health["voices"] >= 11 and "queue_depth" in health and health["uptime_seconds"] > 0, f"health: {health}")
print("lists and health: ok")

# Metrics moved.
after = metrics()
for family in ["kokorod_requests", "kokorod_errors", "kokorod_audio_seconds", "kokorod_time_to_first_audio_seconds", "kokorod_real_time_factor", "kokorod_open_connections", "kokorod_queue_depth", "kokorod_inferences_preempted", "kokorod_cache_hits", "kokorod_cache_misses", "kokorod_uptime_seconds"]:
    check(family in after, f"metrics: no {family} in {sorted(after)}")
reqs = lambda f: sample(f, "kokorod_requests", "kokorod_requests_total", protocol="http", endpoint="speech")
check(reqs(after) >= reqs(before) + 15, f"requests: {reqs(before)} -> {reqs(after)}")
check(sample(after, "kokorod_errors", "kokorod_errors_total", protocol="http", endpoint="speech", code="unknown_voice") == 1, "errors by code")
check(sample(after, "kokorod_errors", "kokorod_errors_total", protocol="http", endpoint="models", code="invalid_api_key") == 1, "auth errors")
check(sample(after, "kokorod_time_to_first_audio_seconds", "kokorod_time_to_first_audio_seconds_count", protocol="http") >= 8, "first-audio histogram")
check(sample(after, "kokorod_real_time_factor", "kokorod_real_time_factor_count", protocol="http") >= 8, "rtf histogram")
check(sample(after, "kokorod_open_connections", "kokorod_open_connections", protocol="http") >= 1, "open connections")
# OpenMetrics when asked for it (as Prometheus does), checked by the strict parser.
status, om = raw("GET", "/metrics", headers={"Authorization": "", "Accept": "application/openmetrics-text; version=1.0.0"})
om_families = {f.name: f for f in parse_openmetrics(om)}
check(status == 200 and om_families["kokorod_requests"].type == "counter", "openmetrics")
check(sample(om_families, "kokorod_requests", "kokorod_requests_total", protocol="http", endpoint="speech") == reqs(after), "openmetrics and prometheus text disagree")
print("metrics: ok")
