"""A client that behaves like Home Assistant's Wyoming TTS provider.

The request and the reading loop are those of Home Assistant's
`homeassistant/components/wyoming/tts.py` (2024.3 and later): one `synthesize`
with a voice only when one was picked, then events until `audio-stop` or the end
of the stream; `error` is never looked at. Its voice languages are collected the
way that provider builds `supported_languages`.

Usage: ha_wyoming_tts.py HOST PORT CASES_JSON. Prints one JSON line per case:
{"case", "outcome": "wav" | "none" | "hang", "frames"}. "hang" means no end within
the guard (Home Assistant would wait for the server's idle timeout).
"""

import asyncio
import io
import json
import sys
import wave

try:
    from wyoming.audio import AudioChunk, AudioStop
    from wyoming.client import AsyncTcpClient
    from wyoming.info import Describe, Info
    from wyoming.tts import Synthesize, SynthesizeVoice
except ImportError as e:
    print(f"the `wyoming` package is missing: {e}", file=sys.stderr)
    sys.exit(3)

# A hang guard, far below the server's 300 s idle timeout: reaching it is the failure.
GUARD = 60


async def get_tts_audio(host, port, message, voice_name):
    """Home Assistant's WyomingTtsProvider.async_get_tts_audio, minus the entity."""
    try:
        async with AsyncTcpClient(host, port) as client:
            voice = None
            if voice_name is not None:
                voice = SynthesizeVoice(name=voice_name, speaker=None)
            await client.write_event(Synthesize(text=message, voice=voice).event())
            with io.BytesIO() as wav_io:
                wav_writer = None
                while True:
                    event = await client.read_event()
                    if event is None:
                        return (None, None)
                    if AudioStop.is_type(event.type):
                        break
                    if AudioChunk.is_type(event.type):
                        chunk = AudioChunk.from_event(event)
                        if wav_writer is None:
                            wav_writer = wave.open(wav_io, "wb")
                            wav_writer.setframerate(chunk.rate)
                            wav_writer.setsampwidth(chunk.width)
                            wav_writer.setnchannels(chunk.channels)
                        wav_writer.writeframes(chunk.audio)
                if wav_writer is not None:
                    wav_writer.close()
                data = wav_io.getvalue()
    except OSError:
        return (None, None)
    return ("wav", data)


def frames(data):
    if not data:
        return 0
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnframes()


async def supported_languages(host, port):
    """The provider's `supported_languages`, built from `describe` as it does."""
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Describe().event())
        while True:
            event = await client.read_event()
            if Info.is_type(event.type):
                break
    tts = next(t for t in Info.from_event(event).tts if t.installed)
    languages = set()
    for voice in tts.voices:
        if voice.installed:
            languages.update(voice.languages)
    return sorted(languages)


async def main():
    host, port, cases = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    print(json.dumps({"languages": await supported_languages(host, port)}), flush=True)
    for case in cases:
        try:
            ext, data = await asyncio.wait_for(
                get_tts_audio(host, port, case["text"], case.get("voice")), GUARD
            )
            outcome = "wav" if ext == "wav" else "none"
            n = frames(data) if ext == "wav" else 0
        except asyncio.TimeoutError:
            outcome, n = "hang", 0
        print(json.dumps({"case": case["case"], "outcome": outcome, "frames": n}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
