"""The SendGrid emulator's Mail Send API: what it accepts, what it refuses with which field,
and the failures it plays on demand (throttling, errors, a lost or late answer)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from sendgrid_emulator import (
    DEFAULT_API_KEY,
    MAX_BODY_BYTES,
    SendGridEmulator,
)
from sendgrid_emulator_harness import (  # noqa: F401 - fixtures
    DEBTOR,
    DISCONNECTS,
    TEXT_PLAIN,
    UNAUTHORIZED,
    X_MESSAGE_ID,
    emulator_fixture,
    helper_mail,
    send,
    session_fixture,
)


async def test_mail_helper_json_is_accepted_and_recorded(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emulator.base_url)
    body = helper_mail()
    status, headers, answer = await send(session, emulator, body)
    assert (status, answer) == (202, b"")
    assert X_MESSAGE_ID.fullmatch(headers["X-Message-Id"])
    (mail,) = emulator.sent
    assert mail.x_message_id == headers["X-Message-Id"]
    assert mail.json == body
    assert mail.to == [DEBTOR]
    assert mail.subject == "Your payment plan"
    assert mail.text == "Your next payment is due on Friday."
    assert mail.html == "<p>Your next payment is due on <b>Friday</b>.</p>"
    assert mail.headers == {"X-Parley-Message": "msg-42"}
    assert mail.custom_args == {"parley_message_id": "msg-42", "tenant": "acme"}
    assert mail.reply_to == "replies@parse.parley.example"
    assert (mail.from_email, mail.from_name) == ("notices@parley.example", "Parley Notices")
    assert mail.message_id == f"<{mail.x_message_id}@geopod-ismtpd-1>"
    (request,) = emulator.requests
    assert (request.status, request.authorized) == (202, True)
    assert request.x_message_id == mail.x_message_id
    assert request.json() == body
    assert request.headers["Authorization"] == f"Bearer {DEFAULT_API_KEY}"

    await send(session, emulator, helper_mail())
    assert emulator.sent[0].x_message_id != emulator.sent[1].x_message_id


@pytest.mark.parametrize(
    "authorization", [None, "Bearer SG.wrong-key", f"Basic {DEFAULT_API_KEY}", DEFAULT_API_KEY]
)
async def test_bad_credentials_are_401(
    emulator: SendGridEmulator, session: aiohttp.ClientSession, authorization: str | None
) -> None:
    status, _, answer = await send(session, emulator, helper_mail(), authorization=authorization)
    assert (status, json.loads(answer)) == (401, UNAUTHORIZED)
    assert emulator.sent == []
    (request,) = emulator.requests
    assert (request.status, request.authorized, request.answer) == (401, False, UNAUTHORIZED)


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A change to a mail: set the value at a dotted ``path`` (list indexes as numbers)."""

    def change(mail: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = mail
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda mail: mail.pop(name)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_drop("from"), "from.email"),
        (_set("from.email", "notices at parley"), "from.email"),
        (_drop("personalizations"), "personalizations"),
        (_set("personalizations", []), "personalizations"),
        (_set("personalizations", [{"to": [{"email": DEBTOR}]}] * 1001), "personalizations"),
        (_set("personalizations.0.to", []), "personalizations.0.to"),
        (_set("personalizations.0.to.0.email", "debtor@"), "personalizations.0.to.0.email"),
        (_set("personalizations.0.cc", [{"email": DEBTOR}]), "personalizations.0"),
        (_drop("subject"), "subject"),
        (_drop("content"), "content"),
        (_set("content", []), "content"),
        (_set("content.0.value", ""), "content.0.value"),
        (_set("content", [{"type": "text/html", "value": "x"}, TEXT_PLAIN]), "content"),
        (_set("custom_args.attempt", 1), "custom_args"),
        (_set("custom_args.blob", "x" * 10_001), "custom_args"),
        (_set("headers.Reply-To", "other@example.com"), "headers"),
        (_set("headers.x-sg-id", "forged"), "headers"),
        (_set("headers.X-Retry", 2), "headers"),
        (_set("reply_to.email", "nobody"), "reply_to.email"),
    ],
)
async def test_invalid_mail_is_400_naming_the_field(
    emulator: SendGridEmulator,
    session: aiohttp.ClientSession,
    change: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    mail = helper_mail()
    change(mail)
    status, _, answer = await send(session, emulator, mail)
    assert status == 400
    (error,) = json.loads(answer)["errors"]
    assert error["field"] == field
    assert error["message"]
    assert error["help"].startswith("http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/")
    assert emulator.sent == []
    assert emulator.requests[-1].status == 400


async def test_a_template_needs_no_subject_or_content(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    mail = helper_mail()
    del mail["subject"], mail["content"]
    mail["template_id"] = "d-0123456789abcdef0123456789abcdef"
    status, _, _ = await send(session, emulator, mail)
    assert status == 202
    assert (emulator.sent[0].subject, emulator.sent[0].text) == (None, None)


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"mail"', b"\xff"])
async def test_bad_json_is_400(
    emulator: SendGridEmulator, session: aiohttp.ClientSession, body: bytes
) -> None:
    status, _, answer = await send(session, emulator, body)
    assert status == 400
    assert json.loads(answer) == {
        "errors": [{"message": "Bad Request", "field": None, "help": None}]
    }
    assert emulator.requests[-1].body == body


async def test_a_body_that_is_not_json_typed_is_400(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    status, _, answer = await send(session, emulator, helper_mail(), content_type="text/plain")
    assert status == 400
    (error,) = json.loads(answer)["errors"]
    assert error["message"] == "Content-Type should be application/json."
    assert emulator.sent == []


async def test_over_30_mb_is_413(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    mail = helper_mail()
    mail["content"][0]["value"] = "x" * (MAX_BODY_BYTES + 1)
    status, _, answer = await send(session, emulator, mail, patience=60)
    assert status == 413
    (error,) = json.loads(answer)["errors"]
    assert error["field"] is None
    assert error["message"]
    assert emulator.sent == []
    assert (emulator.requests[-1].status, emulator.requests[-1].body) == (413, b"")


# -- injected failures ----------------------------------------------------------------------------


async def test_fail_next_429_carries_retry_after(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.fail_next(429, times=2, retry_after=7)
    for _ in range(2):
        status, headers, answer = await send(session, emulator, helper_mail())
        assert status == 429
        assert headers["Retry-After"] == "7"
        assert headers["X-RateLimit-Remaining"] == "0"
        assert json.loads(answer)["errors"][0]["message"] == "too many requests"
    assert emulator.sent == []
    status, _, _ = await send(session, emulator, helper_mail())
    assert status == 202
    assert [r.status for r in emulator.requests] == [429, 429, 202]
    assert len(emulator.sent) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 413, 500, 502, 503])
async def test_fail_next_answers_with_the_status(
    emulator: SendGridEmulator, session: aiohttp.ClientSession, status: int
) -> None:
    emulator.fail_next(status)
    answered, headers, answer = await send(session, emulator, helper_mail())
    assert answered == status
    assert "Retry-After" not in headers
    (error,) = json.loads(answer)["errors"]
    assert set(error) == {"message", "field", "help"}
    assert error["message"]
    assert emulator.sent == []


async def test_reset_forgets_failures(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.fail_next(500, times=3)
    emulator.lose_next_answer()
    emulator.reset()
    status, _, _ = await send(session, emulator, helper_mail())
    assert status == 202


async def test_lose_next_answer_keeps_the_mail_and_drops_the_connection(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.fail_next(503)
    emulator.lose_next_answer()
    status, _, _ = await send(session, emulator, helper_mail())
    assert status == 503
    with pytest.raises(DISCONNECTS):
        await send(session, emulator, helper_mail())
    (mail,) = emulator.sent
    lost = emulator.requests[-1]
    assert (lost.status, lost.x_message_id) == (None, mail.x_message_id)
    status, _, _ = await send(session, emulator, helper_mail())
    assert status == 202
    assert len(emulator.sent) == 2


async def test_lost_answer_waits_for_a_valid_mail(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.lose_next_answer()
    invalid = helper_mail()
    del invalid["from"]
    status, _, _ = await send(session, emulator, invalid)
    assert status == 400
    with pytest.raises(DISCONNECTS):
        await send(session, emulator, helper_mail())
    assert len(emulator.sent) == 1


async def test_delay_next_times_the_client_out_while_the_mail_is_sent(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.delay_next(5)
    with pytest.raises(TimeoutError):
        await send(session, emulator, helper_mail(), patience=0.2)
    (mail,) = emulator.sent
    assert emulator.requests[-1].x_message_id == mail.x_message_id

    emulator.delay_next(0.3)
    started = time.monotonic()
    status, headers, _ = await send(session, emulator, helper_mail())
    assert time.monotonic() - started >= 0.3
    assert (status, headers["X-Message-Id"]) == (202, emulator.sent[1].x_message_id)


# -- Event Webhook --------------------------------------------------------------------------------
