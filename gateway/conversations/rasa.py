"""Rasa's REST channel: one debtor message in, the assistant's text replies out."""

from __future__ import annotations

from typing import Any

import aiohttp


class AssistantUnavailable(Exception):
    """Rasa could not be reached or failed; the message stays pending and is retried."""


class RasaClient:
    """Talks to ``POST /webhooks/rest/webhook``; the sender id is the conversation id."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self._parse_url = base_url.rstrip("/") + "/model/parse"
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def turn(self, sender: str, text: str, metadata: dict[str, Any]) -> list[str]:
        """Send one message; returns the texts the assistant answered with, in order."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            async with self._session.post(self._url, json=body, timeout=self._timeout) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"Rasa answered HTTP {response.status}")
                answer = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise AssistantUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(answer, list):
            raise AssistantUnavailable("Rasa answered something other than a list of messages")
        return [str(item["text"]) for item in answer if isinstance(item, dict) and item.get("text")]

    async def parse(self, text: str) -> tuple[str | None, float]:
        """The intent Rasa's NLU reads in ``text`` and its confidence (no dialogue turn)."""
        try:
            async with self._session.post(
                self._parse_url, json={"text": text}, timeout=self._timeout
            ) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"Rasa answered HTTP {response.status}")
                answer = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise AssistantUnavailable(f"{type(exc).__name__}: {exc}") from exc
        intent = answer.get("intent") if isinstance(answer, dict) else None
        if not isinstance(intent, dict) or not intent.get("name"):
            return None, 0.0
        return str(intent["name"]), float(intent.get("confidence") or 0.0)
