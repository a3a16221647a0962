"""Email sent through SendGrid (the SDK's Mail helper, posted to the emulator): what a mail
carries, SendGrid's refusals and retries, and a lost answer that is never sent twice."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import EMAIL
from sendgrid_fixtures import EmailWorld
from sendgrid_helpers import accept_email, email_point, new_account, rows
from sqlalchemy import select
from twilio_sms_helpers import (
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    outreach_view,
)

from gateway.config import load_settings
from gateway.db.tables import messages
from gateway.errors import ConfigError
from gateway.records.unsubscribe import unsubscribe_url


async def test_an_email_goes_out_with_its_parts_headers_and_our_id(
    email: EmailWorld,
) -> None:
    await new_account(email.client)
    answer = await accept_email(email.client)
    await email.drain()
    (mail,) = email.sendgrid.sent
    (message,) = await rows(email.settings, select(messages))
    assert mail.to == [EMAIL]
    assert mail.subject == "Your Acme Bank account"
    assert mail.from_email == "collections@parley.example.com"
    assert mail.from_name == email.settings.collector_name
    assert mail.custom_args == {"parley_message_id": message.id}
    assert mail.text == message.body
    assert mail.html == message.html
    assert "Dana Debtor" in (mail.html or "")
    link = unsubscribe_url(email.settings, message.id)
    assert mail.text.endswith(link)
    assert f'href="{link}"' in (mail.html or "")
    assert mail.headers["List-Unsubscribe"] == f"<{link}>"
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(mail.json["personalizations"]) == 1
    assert message.provider == "sendgrid"
    assert message.provider_id == mail.x_message_id
    view = await outreach_view(email.client, answer["id"])
    assert view["status"] == "sent"


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_throttling_and_server_errors_are_retried(
    email: EmailWorld,
    status: int,
) -> None:
    await new_account(email.client)
    email.sendgrid.fail_next(status, times=2, retry_after=1 if status == 429 else None)
    answer = await accept_email(email.client)
    await email.drain()
    assert len(email.sendgrid.sent) == 1
    assert [r.status for r in email.sendgrid.requests] == [status, status, 202]
    view = await outreach_view(email.client, answer["id"])
    assert view["status"] == "sent"
    assert [s["status"] for s in view["timeline"]].count("retrying") == 2


@pytest.mark.parametrize("status", [400, 401, 403, 413])
async def test_a_refusal_fails_with_sendgrids_error_recorded(
    email: EmailWorld,
    status: int,
) -> None:
    await new_account(email.client)
    email.sendgrid.fail_next(status)
    answer = await accept_email(email.client)
    await email.drain()
    assert len(email.sendgrid.requests) == 1
    assert email.sendgrid.sent == []
    (message,) = await rows(email.settings, select(messages))
    assert message.status == "failed"
    assert message.error_code == f"sendgrid_{status}"
    assert message.error_message
    assert (await outreach_view(email.client, answer["id"]))["status"] == "failed"
    point = await email_point(email.settings)
    assert (point.consent, point.valid) == ("granted", True)


async def test_a_wrong_api_key_is_refused_and_not_retried(
    email: EmailWorld,
    gateway: Any,
    redis: Any,
) -> None:
    from pydantic import SecretStr
    from shared import Drainer

    wrong = email.settings.model_copy(update={"sendgrid_api_key": SecretStr("SG.wrong")})
    client = await gateway(wrong)
    await new_account(client)
    await accept_email(client)
    await Drainer(wrong, redis)()
    (message,) = await rows(wrong, select(messages))
    assert (message.status, message.error_code) == ("failed", "sendgrid_401")
    assert "authorization grant is invalid" in message.error_message
    assert len(email.sendgrid.requests) == 1


@pytest.mark.parametrize("loss", ["disconnect", "timeout"])
async def test_a_lost_answer_is_never_sent_again(
    email: EmailWorld,
    loss: str,
) -> None:
    await new_account(email.client)
    if loss == "disconnect":
        email.sendgrid.lose_next_answer()
    else:
        email.sendgrid.delay_next(email.settings.sendgrid_timeout_seconds + 1)
    answer = await accept_email(email.client)
    await email.drain()
    # SendGrid got it once; with no way to ask it, the message waits for a person.
    assert len(email.sendgrid.sent) == 1
    assert len(email.sendgrid.requests) == 1
    (message,) = await rows(email.settings, select(messages))
    assert message.status == "unknown"
    view = await outreach_view(email.client, answer["id"])
    assert view["timeline"][-1]["status"] == "unknown"
    assert "cannot say" in view["timeline"][-1]["detail"]["reason"]


def test_settings_refuse_sendgrid_without_what_it_needs() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(provider_email="sendgrid")
    for name in (
        "PARLEY_SENDGRID_API_KEY",
        "PARLEY_SENDGRID_FROM",
        "PARLEY_PUBLIC_URL",
        "PARLEY_SENDGRID_WEBHOOK_PUBLIC_KEY",
    ):
        assert name in raised.value.message
    with pytest.raises(ConfigError, match="not a sms provider"):
        load_settings(provider_sms="sendgrid")
