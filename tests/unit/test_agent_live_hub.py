"""The fan-out of agent events on one replica: a console that stops reading is dropped without
holding up the others."""

from __future__ import annotations

import asyncio

from gateway.agents.live import QUEUE_SIZE, SLOW_CONSUMER, LiveHub


class FakeSocket:
    """Takes events as a websocket does; a stuck one never finishes a send."""

    def __init__(self, stuck: bool = False) -> None:
        self.stuck = stuck
        self.sent: list[str] = []
        self.closed = False
        self.close_code: int | None = None

    async def send_str(self, payload: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(payload)

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        self.closed, self.close_code = True, code


async def test_a_stuck_console_is_dropped_and_the_others_get_every_event() -> None:
    hub = LiveHub()
    quick, stuck = FakeSocket(), FakeSocket(stuck=True)
    writers = [asyncio.create_task(hub.serve(ws)) for ws in (quick, stuck)]  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    for n in range(QUEUE_SIZE + 2):
        hub.broadcast(f"event {n}")
        for _ in range(10):  # time enough for the quick one to send it; the stuck one cannot
            await asyncio.sleep(0)
    assert quick.sent == [f"event {n}" for n in range(QUEUE_SIZE + 2)]
    assert list(hub.sockets) == [quick]
    writers[1].cancel()
    await asyncio.gather(*writers[1:], return_exceptions=True)
    assert (stuck.closed, stuck.close_code) == (True, SLOW_CONSUMER)
    await hub.close()  # shutting down: its handler then ends, and with it the writer
    writers[0].cancel()
    await asyncio.gather(*writers, return_exceptions=True)
    assert (quick.closed, quick.sent[-1]) == (True, f"event {QUEUE_SIZE + 1}")
