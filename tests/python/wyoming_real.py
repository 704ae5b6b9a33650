"""The reference Wyoming client (PyPI `wyoming`) against kokorod with the real model.
Usage: wyoming_real.py TCP_URI UNIX_URI. Prints "<uri>: ok" per URI; exits 1 on failure."""
import asyncio, struct, sys

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.info import Describe, Info
from wyoming.tts import (Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped,
                         SynthesizeTextFormat, SynthesizeVoice)


def rms(pcm: bytes) -> float:
    n = len(pcm) // 2
    if n == 0:
        return 0.0
    s = struct.unpack(f"<{n}h", pcm[: n * 2])
    return (sum(x * x for x in s) / n) ** 0.5 / 32768


async def read_answer(client):
    """Events up to and including the first audio-stop; returns (starts, pcm)."""
    starts, pcm = [], b""
    while True:
        ev = await asyncio.wait_for(client.read_event(), 60)
        assert ev is not None, "connection closed"
        if AudioStart.is_type(ev.type):
            starts.append(AudioStart.from_event(ev))
        elif AudioChunk.is_type(ev.type):
            pcm += AudioChunk.from_event(ev).audio
        elif AudioStop.is_type(ev.type):
            return starts, pcm
        elif Error.is_type(ev.type):
            raise AssertionError(f"error: {Error.from_event(ev).text}")


async def check(uri: str):
    async with AsyncClient.from_uri(uri) as c:
        await c.write_event(Describe().event())
        ev = await asyncio.wait_for(c.read_event(), 10)
        info = Info.from_event(ev)
        prog = info.tts[0]
        assert prog.installed and prog.supports_synthesize_streaming, prog
        langs = {l for v in prog.voices for l in v.languages}
        assert "en-US" in langs or "en-us" in langs, langs

        # One synthesize: exactly one start/stop pair, real audio of plausible length.
        await c.write_event(Synthesize(text="The front door is locked.").event())
        starts, pcm = await read_answer(c)
        assert len(starts) == 1 and (starts[0].rate, starts[0].width, starts[0].channels) == (24000, 2, 1), starts
        secs = len(pcm) / 2 / 24000
        assert 0.8 < secs < 5, secs
        assert rms(pcm) > 0.02, rms(pcm)

        # Streaming: sentence by sentence, the compatibility synthesize ignored.
        await c.write_event(SynthesizeStart(voice=SynthesizeVoice(name="bf_emma")).event())
        for part in ["The kitchen light", "s are on. The doo", "r is locked."]:
            await c.write_event(SynthesizeChunk(text=part).event())
        await c.write_event(Synthesize(text="The kitchen lights are on. The door is locked.").event())
        await c.write_event(SynthesizeStop().event())
        pairs, stopped = 0, False
        while not stopped:
            ev = await asyncio.wait_for(c.read_event(), 60)
            assert ev is not None
            if AudioStart.is_type(ev.type):
                pairs += 1
            elif SynthesizeStopped.is_type(ev.type):
                stopped = True
            elif Error.is_type(ev.type):
                raise AssertionError(Error.from_event(ev).text)
        assert pairs == 2, f"{pairs} start/stop pairs for two sentences"

        # SSML: a 600 ms break makes the answer longer than the same words without it.
        await c.write_event(Synthesize(text="Lights on. Door locked.").event())
        _, plain = await read_answer(c)
        ssml = '<speak>Lights on.<break time="600ms"/>Door locked.</speak>'
        await c.write_event(Synthesize(text=ssml, text_format=SynthesizeTextFormat.SSML).event())
        starts, marked = await read_answer(c)
        assert len(starts) == 1 and rms(marked) > 0.02
        assert len(marked) - len(plain) >= 2 * 24000 * 0.5, (len(plain), len(marked))
        await c.write_event(Synthesize(text="<speak><unclosed>", text_format=SynthesizeTextFormat.SSML).event())
        ev = await asyncio.wait_for(c.read_event(), 10)
        assert Error.is_type(ev.type) and Error.from_event(ev).code == "bad-ssml", ev
        # A refusal closes the connection.
        assert await asyncio.wait_for(c.read_event(), 10) is None

    async with AsyncClient.from_uri(uri) as c:
        # Unknown voice: an error, then the connection closes.
        await c.write_event(Synthesize(text="Hi.", voice=SynthesizeVoice(name="xx_nobody")).event())
        ev = await asyncio.wait_for(c.read_event(), 10)
        assert Error.is_type(ev.type), ev
        assert Error.from_event(ev).code == "unknown-voice"
        assert await asyncio.wait_for(c.read_event(), 10) is None
    print(f"{uri}: ok")


async def main():
    for uri in sys.argv[1:]:
        await check(uri)


try:
    asyncio.run(main())
except AssertionError as e:
    print(f"FAILED: {e}", file=sys.stderr)
    raise
