"""Drives `POST /v1/audio/stream` (LiteTTS's progressive endpoint) with Python's own
HTTP client (http.client, as LiteTTS's examples use plain HTTP): every format comes
back chunked whatever `stream`/`stream_format` the body says, the first bytes arrive
before the server has produced all of the audio, errors have OpenAI's shape. Each
body is saved to OUT_DIR/<format> for the Rust side to decode.

Usage: litetts_stream.py BASE_URL OUT_DIR

Exit 0 when every check passes, 1 on a failed check. Prints one line per check.
"""

import http.client
import json
import os
import sys
import urllib.parse

BASE, OUT = sys.argv[1], sys.argv[2]
URL = urllib.parse.urlsplit(BASE)
SENTENCE = "Kokoro speaks through the stream endpoint."
LONG = " ".join(
    f"This is sentence number {n} of a long text, read aloud while the rest is still being synthesized."
    for n in range(1, 7)
)
TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg; codecs=opus", "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm"}


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def connect():
    return http.client.HTTPConnection(URL.hostname, URL.port, timeout=600)


def post(body):
    conn = connect()
    conn.request("POST", "/v1/audio/stream", json.dumps(body), {"Content-Type": "application/json"})
    return conn, conn.getresponse()


def audio_produced():
    """Seconds of HTTP audio the server has produced, from /metrics."""
    conn = connect()
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    for line in text.splitlines():
        if line.startswith('kokorod_audio_seconds_total{protocol="http"} '):
            return float(line.split()[-1])
    return 0.0


# Every format streams, whatever the body says about streaming.
for fmt, extra in [
    ("pcm", {}),
    ("wav", {"stream": False}),
    ("mp3", {"stream_format": "sse"}),
    ("flac", {"stream": False, "stream_format": "audio"}),
    ("opus", {"stream": True}),
]:
    conn, resp = post({"model": "kokoro", "input": SENTENCE, "voice": "af_heart", "response_format": fmt, **extra})
    data = resp.read()
    conn.close()
    check(resp.status == 200, f"{fmt}: status {resp.status}: {data[:300]!r}")
    check(resp.getheader("Transfer-Encoding") == "chunked", f"{fmt} {extra}: not chunked: {resp.getheaders()}")
    check(resp.getheader("Content-Length") is None, f"{fmt}: has a Content-Length")
    check(resp.getheader("Content-Type") == TYPES[fmt], f"{fmt}: Content-Type {resp.getheader('Content-Type')}")
    check(len(data) > 1000, f"{fmt}: {len(data)} bytes")
    with open(os.path.join(OUT, fmt), "wb") as f:
        f.write(data)
    print(f"{fmt} {extra}: chunked, {len(data)} bytes: ok")

# The first bytes arrive while the rest is still being spoken: audio the server had
# produced when they reached us is less than what it produced by the end (an order of
# events, not a timing).
before = audio_produced()
conn, resp = post({"model": "tts-1", "input": LONG, "voice": "af_heart", "response_format": "wav", "stream": False})
check(resp.status == 200 and resp.getheader("Transfer-Encoding") == "chunked", f"long: {resp.status} {resp.getheaders()}")
first = resp.read1(65536)
check(len(first) > 0, "long: no first chunk")
at_first = audio_produced()
rest = resp.read()
conn.close()
at_end = audio_produced()
check(at_first < at_end, f"long: all audio ({at_end - before:.1f} s) was produced before the first bytes arrived ({at_first - before:.1f} s)")
with open(os.path.join(OUT, "long.wav"), "wb") as f:
    f.write(first + rest)
print(f"long: {len(first)} bytes first, audio produced then {at_first - before:.1f} s of {at_end - before:.1f} s: ok")

# Errors before any audio: OpenAI's shape and status.
conn, resp = post({"model": "kokoro", "input": "Hello.", "voice": "zz_nobody"})
body = json.loads(resp.read())
conn.close()
check(resp.status == 400 and body["error"]["code"] == "unknown_voice", f"unknown voice: {resp.status} {body}")
conn, resp = post({"model": "kokoro", "input": "Hello.", "response_format": "aac"})
body = json.loads(resp.read())
conn.close()
check(resp.status == 400 and body["error"]["code"] == "unsupported_response_format", f"aac: {resp.status} {body}")
print("errors: ok")
