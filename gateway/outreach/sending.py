"""Sending an outreach: when its send is due, its message is rendered for the account as it is
then, and the send core takes it from there (decision, provider, status)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import clock
from gateway.db.tables import accounts, messages, outreach
from gateway.errors import TemplateError
from gateway.ids import new_id
from gateway.messages.send import Sender
from gateway.messages.statuses import OutboundStatus
from gateway.outreach import progress
from gateway.outreach.composing import compose
from gateway.outreach.rendering import TemplateLibrary
from gateway.outreach.rulesets import ruleset_for
from gateway.outreach.snapshots import load_snapshots
from gateway.outreach.statuses import FINAL, OutreachStatus
from gateway.portal.links import attach_message, mint_link
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain


@dataclass(frozen=True, slots=True)
class OutreachSender:
    """Turns a due outreach into its message and hands it to the send core."""

    sender: Sender
    templates: TemplateLibrary

    async def send(self, outreach_id: str, *, job_try: int = 1) -> str:
        """The arq job behind every outreach send; returns what happened."""
        now = clock.utcnow()
        async with self.sender.engine.begin() as conn:
            row = await _lock(conn, outreach_id)
            if row is None:
                return "missing"
            message_id = await conn.scalar(
                select(messages.c.id)
                .where(messages.c.outreach_id == outreach_id)
                .order_by(messages.c.created_at.desc())
                .limit(1)
            )
            if message_id is None:
                if row.status in FINAL:
                    return f"already {row.status}"
                deferred = row.status == OutreachStatus.DEFERRED and row.not_before is not None
                if deferred and row.not_before > now:
                    return "not yet due"  # an older job of a deferral that was moved later
                message_id = await self._render(conn, row, now)
                if message_id is None:
                    return "failed"
                # Decided in the transaction that recorded it: one transaction fewer.
                prepared = await self.sender.prepare(conn, message_id)
            else:
                prepared = None
        if prepared is None:  # sent, deferred or retried before: the send core takes it
            return await self.sender.send(message_id, job_try=job_try)
        return await self.sender.hand_over(prepared, job_try=job_try)

    async def _render(self, conn: AsyncConnection, row: Any, now: datetime) -> str | None:
        """Record the outreach's message as queued; None when the template cannot render."""
        settings = self.sender.settings
        channel = row.resolved_channel
        snapshots = await load_snapshots(
            conn, now=now, ids=[row.account_id], ruleset_override=settings.ruleset, channel=channel
        )
        account = next(iter(snapshots.values()))
        message_id = new_id("msg")
        link = None
        if self.templates.needs_portal_link(channel, row.template):
            # One link per message: revoking or locking it touches no other message's link.
            link = await mint_link(
                conn,
                account_id=row.account_id,
                account_ref=row.account_ref,
                settings=settings,
                now=now,
            )
        try:
            if row.address is None:
                raise TemplateError("the outreach has no contact point to send to")
            composed = compose(
                self.templates,
                account,
                channel,
                row.template,
                row.variables,
                row.purpose,
                ruleset_for(account.collector_type, settings.ruleset),
                settings,
                now,
                message_id,
                portal_url=link.url if link is not None else None,
            )
        except TemplateError as exc:
            await progress.fail_unrendered(conn, row.id, now, exc.code, exc.message)
            entry = AuditEntry(
                account_chain(row.account_ref),
                "outreach.failed",
                now,
                {"code": exc.code, "message": exc.message},
                row.id,
            )
            await audit.append(conn, [entry])
            return None
        await conn.execute(
            messages.insert().values(
                id=message_id,
                outreach_id=row.id,
                account_id=row.account_id,
                channel=channel,
                direction="outbound",
                address=row.address,
                subject=composed.rendered.subject,
                body=composed.rendered.body,
                html=composed.rendered.html,
                kind=composed.message.kind,
                threatens_legal_action=composed.message.threatens_legal_action,
                provider=self.sender.providers[channel].name,
                purpose=row.purpose,
                status=OutboundStatus.QUEUED,
                created_at=now,
                updated_at=now,
            )
        )
        if link is not None:
            await attach_message(conn, link.id, message_id)
        return message_id


async def _lock(conn: AsyncConnection, outreach_id: str) -> Any:
    # The account ref comes along: every audit row of the send is chained under it.
    query = (
        select(outreach, accounts.c.account_ref)
        .join(accounts, accounts.c.id == outreach.c.account_id)
        .where(outreach.c.id == outreach_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=outreach)
    return (await conn.execute(query)).first()
