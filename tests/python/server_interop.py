"""Drives a running kokorod server with the reference client library `wyoming` 1.10.x.

Usage: server_interop.py EXPECTATIONS_JSON URI...

EXPECTATIONS_JSON gives the texts to send and the exact sample counts the test
server's fake speech produces for them. Exit 0 when every check passes on every
URI, 1 on a failed check, 3 when the `wyoming` package is missing.
"""

import asyncio
import json
import sys

try:
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncClient
    from wyoming.error import Error
    from wyoming.info import Describe, Info
    from wyoming.ping import Ping, Pong
    from wyoming.tts import (
        Synthesize,
        SynthesizeChunk,
        SynthesizeStart,
        SynthesizeStop,
        SynthesizeStopped,
        SynthesizeTextFormat,
        SynthesizeVoice,
    )
except ImportError as error:
    print(f"python package `wyoming` is missing ({error}): pip install wyoming==1.10.2", file=sys.stderr)
    sys.exit(3)

TIMEOUT = 20


def check(condition, message):
    if not condition:
        raise AssertionError(message)


async def read(client):
    event = await client.read_event()
    check(event is not None, "connection closed unexpectedly")
    return event


async def read_audio(client, first=None):
    """Reads one start/chunks/stop answer; returns the PCM bytes."""
    event = first or await read(client)
    check(AudioStart.is_type(event.type), f"expected audio-start, got {event.type}")
    start = AudioStart.from_event(event)
    check((start.rate, start.width, start.channels) == (24000, 2, 1), f"format {start}")
    pcm = b""
    while True:
        event = await read(client)
        if AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            check((chunk.rate, chunk.width, chunk.channels) == (24000, 2, 1), f"chunk format {chunk}")
            pcm += chunk.audio
        elif AudioStop.is_type(event.type):
            AudioStop.from_event(event)
            return pcm
        else:
            raise AssertionError(f"unexpected {event.type} inside audio")


def non_silent(pcm):
    samples = memoryview(pcm).cast("h")
    return max(abs(s) for s in samples) > 1000


async def check_uri(uri, expect):
    async with AsyncClient.from_uri(uri, connect_timeout=TIMEOUT, read_timeout=TIMEOUT) as client:
        # describe → info, parsed by the reference parser.
        await client.write_event(Describe().event())
        event = await read(client)
        check(Info.is_type(event.type), f"expected info, got {event.type}")
        info = Info.from_event(event)
        check(len(info.tts) == 1, f"tts programs: {info.tts}")
        program = info.tts[0]
        check(program.name == "kokorod" and program.installed, f"program {program}")
        check(program.supports_synthesize_streaming, "streaming not advertised")
        check(program.attribution.name == "hexgrad/Kokoro-82M", f"attribution {program.attribution}")
        check(program.version, "no version")
        languages = {voice.name: voice.languages for voice in program.voices}
        check(languages.get("af_heart") == ["en-US", "en"], f"voices {languages}")
        check(languages.get("bf_emma") == ["en-GB", "en"], f"voices {languages}")
        check(all(voice.installed and voice.description for voice in program.voices), "voice fields")

        # ping → pong.
        await client.write_event(Ping(text="hello").event())
        event = await read(client)
        check(Pong.is_type(event.type) and Pong.from_event(event).text == "hello", f"pong: {event}")

        # synthesize → exactly one start/stop pair, then nothing more.
        single = expect["single"]
        await client.write_event(Synthesize(text=single["text"], voice=SynthesizeVoice(name="af_heart")).event())
        pcm = await read_audio(client)
        check(len(pcm) == 2 * single["samples"], f"single: {len(pcm)} bytes, expected {2 * single['samples']}")
        check(non_silent(pcm), "single: silent audio")
        await client.write_event(Ping(text="after").event())
        event = await read(client)
        check(Pong.is_type(event.type), f"a second start/stop pair or stray event: {event.type}")

        # Streaming: start → chunks → (compat synthesize) → stop → one pair per sentence → stopped.
        stream = expect["stream"]
        await client.write_event(SynthesizeStart(voice=SynthesizeVoice(name="bf_emma")).event())
        for piece in stream["chunks"]:
            await client.write_event(SynthesizeChunk(text=piece).event())
        await client.write_event(
            Synthesize(text="".join(stream["chunks"]), voice=SynthesizeVoice(name="bf_emma")).event()
        )
        await client.write_event(SynthesizeStop().event())
        sizes = []
        while True:
            event = await read(client)
            if SynthesizeStopped.is_type(event.type):
                break
            pcm = await read_audio(client, first=event)
            check(non_silent(pcm), "stream: silent sentence")
            sizes.append(len(pcm) // 2)
        check(sizes == stream["sentence_samples"], f"stream: sentence samples {sizes}, expected {stream['sentence_samples']}")

        # SSML.
        ssml = expect["ssml"]
        await client.write_event(Synthesize(text=ssml["text"], text_format=SynthesizeTextFormat.SSML).event())
        pcm = await read_audio(client)
        check(len(pcm) == 2 * ssml["samples"], f"ssml: {len(pcm)} bytes")

        # Unknown voice → error; the connection stays usable.
        await client.write_event(Synthesize(text="Hello.", voice=SynthesizeVoice(name="xx_nobody")).event())
        event = await read(client)
        check(Error.is_type(event.type), f"unknown voice: expected error, got {event.type}")
        error = Error.from_event(event)
        check(error.code == "unknown-voice" and "xx_nobody" in error.text, f"error {error}")
        # ...and then the connection is closed (clients that ignore `error` need that).
        event = await asyncio.wait_for(client.read_event(), 10)
        check(event is None, f"after error: {event}")


async def main():
    expect = json.loads(sys.argv[1])
    for uri in sys.argv[2:]:
        try:
            await check_uri(uri, expect)
        except AssertionError as failure:
            print(f"{uri}: {failure}", file=sys.stderr)
            sys.exit(1)
        print(f"{uri}: ok")


if __name__ == "__main__":
    asyncio.run(main())
