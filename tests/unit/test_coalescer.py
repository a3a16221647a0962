"""Single requests share transactions when they arrive together, and each gets its answer."""

from __future__ import annotations

import asyncio

import pytest

from gateway.api.schemas import OutreachIn
from gateway.errors import NotFound
from gateway.outreach.coalescer import Coalescer
from gateway.outreach.intake import IntakeOutcome, IntakeRequest

BODY = OutreachIn(account_ref="A", channel="sms", template="t", purpose="collection")


def request(key: str) -> IntakeRequest:
    return IntakeRequest(key, BODY, "hash")


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail

    async def __call__(self, requests: list[IntakeRequest]) -> IntakeOutcome:
        self.batches.append([r.key for r in requests])
        await asyncio.sleep(0.01)  # a transaction takes time; others arrive meanwhile
        if self.fail:
            raise RuntimeError("database down")
        answers: list[dict[str, object] | NotFound] = [
            NotFound("nope") if r.key == "bad" else {"key": r.key} for r in requests
        ]
        return IntakeOutcome(answers=answers)  # type: ignore[arg-type]


async def test_concurrent_requests_share_transactions_and_keep_their_answers() -> None:
    accept = Recorder()
    coalescer = Coalescer(accept, max_items=50, lanes=2)
    keys = [f"k{i}" for i in range(200)] + ["bad"]
    answers = await asyncio.gather(*(coalescer.submit(request(k)) for k in keys))
    assert [a["key"] for a in answers[:-1]] == keys[:-1]  # type: ignore[index]
    assert isinstance(answers[-1], NotFound)
    assert sorted(k for batch in accept.batches for k in batch) == sorted(keys)
    assert len(accept.batches) < len(keys) / 10
    assert max(len(b) for b in accept.batches) <= 50


async def test_an_idle_coalescer_does_not_wait() -> None:
    accept = Recorder()
    coalescer = Coalescer(accept)
    assert await coalescer.submit(request("only")) == {"key": "only"}
    assert accept.batches == [["only"]]


async def test_a_failed_transaction_fails_every_request_in_it() -> None:
    coalescer = Coalescer(Recorder(fail=True))
    results = await asyncio.gather(
        *(coalescer.submit(request(f"k{i}")) for i in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    with pytest.raises(RuntimeError):
        await coalescer.submit(request("after"))  # the lanes were given back
