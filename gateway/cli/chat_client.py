"""``parley chat``: talk to the assistant as a debtor, through the whole gateway path.

Each line goes in as an inbound message (``POST /v1/messages/inbound``), is routed, answered
by Rasa in the worker, and the replies are read back from the conversation once the
policy layer and the channel provider have dealt with them.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

import aiohttp

from gateway.errors import ConfigError

FINAL = frozenset({"sent", "delivered", "blocked", "failed", "deferred", "undelivered"})
# An inbound message in these states has not been dealt with yet.
WAITING = frozenset({"received", "pending"})
POLL_SECONDS = 0.25


class ChatSession:
    """One debtor's side of a conversation, against a running gateway."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, out: TextIO) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._out = out
        self._shown: set[str] = set()

    async def _get(self, path: str) -> Any:
        async with self._http.get(self._base + path) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return await response.json()

    async def address_of(self, account_ref: str, channel: str) -> str:
        """The account's address on the channel: the debtor writes from there."""
        account = await self._get(f"/v1/accounts/{account_ref}")
        if account is None:
            raise ConfigError(f"no account {account_ref!r}")
        for contact in account["contacts"]:
            if contact["channel"] == channel:
                return str(contact["address"])
        raise ConfigError(f"account {account_ref!r} has no {channel} contact point")

    async def say(self, channel: str, address: str, text: str, wait: float) -> None:
        """Send one line and print every reply it produces (or why one was not sent)."""
        body = {"channel": channel, "address": address, "text": text}
        async with self._http.post(self._base + "/v1/messages/inbound", json=body) as response:
            response.raise_for_status()
            sent = await response.json()
        deadline = asyncio.get_running_loop().time() + wait
        while asyncio.get_running_loop().time() < deadline:
            thread = await self._get(f"/v1/conversations/{sent['conversation_id']}")
            if self._show(thread, sent["message_id"]):
                return
            await asyncio.sleep(POLL_SECONDS)
        self._print("(no answer yet: it will be sent when the assistant is back)")

    def _show(self, thread: dict[str, Any], message_id: str) -> bool:
        """Print new replies; True once the message is dealt with and every reply settled.

        Replies are stored in the same transaction that marks the message answered, so an
        answered message with settled replies has nothing more coming.
        """
        messages = thread["messages"]
        ours = next(m for m in messages if m["id"] == message_id)
        after = messages[messages.index(ours) + 1 :]
        for message in after:
            if message["direction"] != "outbound" or message["status"] not in FINAL:
                continue
            if message["id"] in self._shown:
                continue
            self._shown.add(message["id"])
            if message["status"] in {"sent", "delivered"}:
                self._print(f"bot> {message['body']}")
            else:
                self._print(f"(not sent, {message['status']}: {message['error_code']})")
        replies_settled = all(m["status"] in FINAL for m in after if m["direction"] == "outbound")
        settled = replies_settled and ours["status"] not in WAITING
        if settled and thread["state"] in {"escalated", "agent"}:
            self._print(f"(a team member will answer: {thread['escalation_reason']})")
        return settled

    def _print(self, line: str) -> None:
        print(line, file=self._out, flush=True)


async def chat(
    base_url: str,
    token: str,
    account_ref: str,
    channel: str,
    *,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    wait: float = 60.0,
) -> int:
    """Read lines from ``stdin`` until end of input, printing the assistant's replies."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        session = ChatSession(http, base_url, out)
        address = await session.address_of(account_ref, channel)
        print(
            f"parley chat: you are {address} on {channel} (account {account_ref}); "
            "type a message, Ctrl-D to leave",
            file=out,
            flush=True,
        )
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, stdin.readline):
            if text := line.strip():
                await session.say(channel, address, text, wait)
    return 0
