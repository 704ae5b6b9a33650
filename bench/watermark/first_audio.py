"""First audio and whole answer of plain Wyoming `synthesize` requests, alternating
between daemons (e.g. one with the watermark, one with --no-watermark), each text new
(a round number in it) so no cache answers. Runs in the test venv (`wyoming`).

Usage: first_audio.py ROUNDS NAME=PORT [NAME=PORT ...]
Prints per daemon the mean and median first audio and whole answer in ms."""
import asyncio
import statistics
import sys
import time

from wyoming.audio import AudioChunk, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize

TEXTS = [
    "The weather today number {n} is sunny and warm with a light breeze.",
    "Turning on the kitchen lights for the {n}th time.",
    "Your next meeting, number {n}, starts at half past three in the small room.",
]


async def once(port: int, text: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    first = None
    async with AsyncTcpClient("127.0.0.1", port) as c:
        await c.write_event(Synthesize(text=text).event())
        while True:
            ev = await c.read_event()
            if ev is None:
                raise RuntimeError("connection closed")
            if AudioChunk.is_type(ev.type) and first is None:
                first = time.perf_counter() - t0
            if AudioStop.is_type(ev.type):
                return first * 1e3, (time.perf_counter() - t0) * 1e3


async def main() -> None:
    rounds = int(sys.argv[1])
    daemons = [(a.split("=")[0], int(a.split("=")[1])) for a in sys.argv[2:]]
    res = {name: ([], []) for name, _ in daemons}
    for r in range(rounds):
        for i, t in enumerate(TEXTS):
            for name, port in daemons:
                f, w = await once(port, t.format(n=r * 10 + i + 1))
                res[name][0].append(f)
                res[name][1].append(w)
    print(f"{'daemon':<14} {'n':>3} {'first mean':>10} {'median':>8} {'whole mean':>10} {'median':>8}")
    for name, (f, w) in res.items():
        print(f"{name:<14} {len(f):>3} {statistics.mean(f):>10.0f} {statistics.median(f):>8.0f} "
              f"{statistics.mean(w):>10.0f} {statistics.median(w):>8.0f}")


asyncio.run(main())
