"""Interop helper for tests/fake/wyoming_codec_python.rs, driving the reference `wyoming` library.

  emit   write events made by the reference library to stdout (the Rust test decodes them)
  check  read events from stdin with the reference readers (asyncio and blocking), parse
         them with the reference `from_event` methods, print a JSON summary to stdout
"""

import asyncio
import dataclasses
import io
import json
import sys

try:
    import wyoming
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.error import Error
    from wyoming.event import Event, async_read_event, read_event, write_event
    from wyoming.info import Attribution, Describe, Info, TtsProgram, TtsVoice, TtsVoiceSpeaker
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


def emit() -> None:
    out = sys.stdout.buffer
    attribution = Attribution(name="Someone", url="https://example.org/voices")
    events = [
        Describe().event(),
        Synthesize(
            text="Hello, wörld! ✓ 你好",
            voice=SynthesizeVoice(name="af_heart", speaker="0"),
            text_format=SynthesizeTextFormat.SSML,
        ).event(),
        # Larger than the 64 KiB header limit: the reference puts data in a block too.
        Synthesize(text="Long. " * 20000).event(),
        SynthesizeStart(voice=SynthesizeVoice(language="en-GB"), context={"conversation": 7}).event(),
        SynthesizeChunk(text="Hello ").event(),
        SynthesizeStop().event(),
        SynthesizeStopped().event(),
        AudioStart(rate=22050, width=2, channels=1, timestamp=0).event(),
        AudioChunk(rate=22050, width=2, channels=1, audio=bytes(range(256)) * 4, timestamp=123).event(),
        AudioChunk(rate=22050, width=2, channels=1, audio=b"").event(),
        AudioStop().event(),
        Error(text="boom", code="oops").event(),
        Ping().event(),
        Pong(text="pong text").event(),
        Info(
            tts=[
                TtsProgram(
                    name="piper",
                    attribution=attribution,
                    installed=True,
                    description="Piper",
                    version="1.2.3",
                    voices=[
                        TtsVoice(
                            name="en_US-joe-medium",
                            attribution=attribution,
                            installed=True,
                            description=None,
                            version=None,
                            languages=["en_US"],
                            speakers=[TtsVoiceSpeaker(name="joe")],
                        )
                    ],
                    supports_synthesize_streaming=True,
                )
            ]
        ).event(),
        Event(type="select-program", data={"name": "kokorod"}),
    ]
    for event in events:
        write_event(event, out)

    # Inline data, as older library versions wrote it; the reader must still accept it.
    out.write(b'{"type": "synthesize", "data": {"text": "inline only"}}\n')
    # Inline data merged under a block: the block wins for keys in both.
    block = json.dumps({"text": "from block"}).encode()
    header = {"type": "synthesize", "data": {"text": "from header", "voice": {"name": "bf_emma"}},
              "data_length": len(block)}
    out.write(json.dumps(header).encode() + b"\n" + block)
    out.flush()


def summarize(event: Event) -> dict:
    """Parse one event with the reference `from_event` and make it JSON-friendly."""
    if Info.is_type(event.type):
        parsed = Info.from_event(event)
        return {"type": event.type, "tts": [dataclasses.asdict(p) for p in parsed.tts]}
    if AudioChunk.is_type(event.type):
        chunk = AudioChunk.from_event(event)
        return {"type": event.type, "rate": chunk.rate, "width": chunk.width, "channels": chunk.channels,
                "timestamp": chunk.timestamp, "audio_hex": chunk.audio.hex(), "samples": chunk.samples}
    for cls in (AudioStart, AudioStop, Error, Ping, Pong, SynthesizeStopped, Describe):
        if cls.is_type(event.type):
            return {"type": event.type, **dataclasses.asdict(cls.from_event(event))}
    return {"type": event.type, "data": event.data, "payload_len": len(event.payload or b"")}


async def read_all_async(data: bytes) -> list:
    # Same reader and default 64 KiB line limit as the reference AsyncClient (Home Assistant).
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    events = []
    while (event := await async_read_event(reader)) is not None:
        events.append(summarize(event))
    return events


def read_all_blocking(data: bytes) -> list:
    stream = io.BytesIO(data)
    events = []
    while (event := read_event(stream)) is not None:
        events.append(summarize(event))
    return events


def check() -> None:
    data = sys.stdin.buffer.read()
    via_async = asyncio.run(read_all_async(data))
    via_blocking = read_all_blocking(data)
    json.dump({"version": wyoming.__version__, "async": via_async, "blocking": via_blocking}, sys.stdout)


if __name__ == "__main__":
    {"emit": emit, "check": check}[sys.argv[1]]()
