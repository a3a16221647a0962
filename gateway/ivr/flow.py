"""The IVR's steps: verify, then a menu; each answer moves the call one step.

A call's position (``calls.step``) lives in the database, so any gateway replica can take the
next webhook. The caller is verified per call on the call's voice conversation, which also
carries the attempts limit across calls and the handoff to agents. The flow answers with neutral
prompts (``channels.voice``); the channel renders them. It makes no network call: what the caller
said was read by Rasa before the transaction began (``gateway.ivr.speech``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import CallInput, CallReport
from channels.voice import Ask, Hangup, Prompt, TakeMessage, Transfer, VoiceReply
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.capture import capture
from gateway.conversations.handoff import hand_off
from gateway.conversations.store import HUMAN_STATES, current_conversation, load_conversation
from gateway.conversations.verification import verify_identity
from gateway.db.tables import conversations
from gateway.ivr import prompts
from gateway.ivr.calls import account_for, claim_call, lock_call, update_call
from gateway.ivr.keypad import keypad_amount, keypad_birth_date, keypad_date
from gateway.ivr.menu import HINTS, MENU_INTENTS, STOP_CHOICES, confirmation, menu_choice
from gateway.ivr.promise import problem_with, readback
from gateway.normalize import format_amount

MAX_REPROMPTS = 2
ENDED = frozenset({"message", "voicemail_left", "done", "agent", "start"})
ONE_KEY_STEPS = frozenset({"menu", "confirm"})


@dataclass(slots=True)
class Answer:
    """What the caller hears next, and what to start once the transaction commits."""

    reply: VoiceReply
    after: AfterCommit = field(default_factory=AfterCommit)


@dataclass(slots=True)
class Ivr:
    """One webhook's worth of IVR work, inside the caller's transaction."""

    conn: AsyncConnection
    settings: Settings
    now: datetime

    @staticmethod
    def goodbye() -> VoiceReply:
        """What a webhook that cannot belong to any call step gets."""
        return VoiceReply(None, Hangup(prompts.GOODBYE))

    @staticmethod
    def apology() -> VoiceReply:
        """What the caller hears when a step fails: nothing of it was kept."""
        return VoiceReply(None, Hangup(prompts.FAILED))

    async def start(self, report: CallReport) -> Answer:
        """The first webhook of a call: the debtor called us, or answered our call."""
        account_id = await account_for(self.conn, report.message_id, report.address)
        call = await claim_call(self.conn, report, account_id, status="in-progress")
        # An AMD verdict, when there is one, is kept (a status callback may have brought it).
        seen = {"answered_by": report.answered_by} if report.answered_by else {}
        if report.machine:
            # A machine gets the limited-content message and nothing more (12 CFR 1006.2(j)).
            await self._set(call.id, step="voicemail_left", **seen)
            settings = self.settings
            message = prompts.limited_content(
                settings.voice_contact_name, settings.voice_business_name, settings.collector_phone
            )
            return self._answer(call.id, Hangup(message))
        if account_id is None:
            await self._set(call.id, step="message", **seen)
            return self._answer(call.id, TakeMessage(prompts.UNKNOWN_CALLER))
        conversation_id, state, _ = await current_conversation(
            self.conn,
            account_id=account_id,
            channel="voice",
            address=report.address,
            now=self.now,
            idle_limit=timedelta(minutes=self.settings.conversation_timeout_minutes),
        )
        # Whoever picked up this time proves who they are again.
        await self.conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(verified_at=None, updated_at=self.now)
        )
        if state in HUMAN_STATES:
            await self._set(call.id, conversation_id=conversation_id, **seen)
            return await self._to_agent(call.id, conversation_id, reason=None)
        await self._set(call.id, step="verify", conversation_id=conversation_id, **seen)
        return self._ask(call.id, "verify", prompts.greeting(self.settings.bot_verification_fact))

    async def advance(
        self, call_id: str, step: str, heard: CallInput, intent: str | None = None
    ) -> Answer:
        """The caller answered the prompt of ``step`` (or said nothing): act on it, say what
        comes next. ``intent`` is what Rasa read in the speech, if anything. An answer to an
        earlier step (Twilio retrying a webhook) only repeats the current question, so nothing
        is recorded twice."""
        call = await lock_call(self.conn, call_id)
        if call.step in ENDED:
            return self._answer(call.id, Hangup(prompts.GOODBYE))
        conversation = await load_conversation(self.conn, call.conversation_id, lock=True)
        if conversation.state in HUMAN_STATES and call.step != "verify":
            return await self._to_agent(call.id, conversation.id, reason=None)
        if call.step != "verify" and conversation.verified_at is None:
            await self._set(call.id, step="verify", retries=0)
            return self._ask(
                call.id, "verify", prompts.greeting(self.settings.bot_verification_fact)
            )
        if step != call.step:
            return self._ask(call.id, call.step, self._step_text(call.step))
        if heard.empty:
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        if call.step == "verify":
            return await self._verify(call, conversation, heard, intent)
        if call.step == "menu":
            return await self._menu(call, conversation, heard, intent)
        if call.step == "confirm":
            return await self._confirm(call, conversation, confirmation(heard, intent))
        return await self._amount_or_date(call, conversation, heard)

    async def recorded(self, call_id: str) -> Answer:
        """The caller finished a message (``<Record>``'s action)."""
        await self._set(call_id, step="done")
        return self._answer(call_id, Hangup(prompts.MESSAGE_SAVED))

    async def _verify(
        self, call: Any, conversation: Any, heard: CallInput, intent: str | None
    ) -> Answer:
        value = keypad_birth_date(heard.digits) if heard.digits else heard.speech
        outcome, after, updates = await verify_identity(
            self.conn, conversation, value, self.settings, self.now
        )
        if outcome == "verified":
            await self._set(call.id, step="menu", retries=0)
            text = f"{prompts.mini_miranda(self.settings.collector_name)} {prompts.MENU}"
            return self._ask(call.id, "menu", text)
        if outcome == "mismatch":
            fact = self.settings.bot_verification_fact
            return self._ask(call.id, "verify", prompts.verify_again(fact))
        if outcome == "unparsed":
            # "Wrong number" or "stop calling" before any check: honoured for whoever answered.
            said = MENU_INTENTS.get(intent or "") if heard.speech else None
            if said in STOP_CHOICES:
                return await self._stop_calls(call, conversation, said)
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        answer = await self._to_agent(call.id, conversation.id, reason=None)
        answer.after.add(AfterCommit(updates=updates)).escalation(conversation, after)
        return answer

    async def _menu(
        self, call: Any, conversation: Any, heard: CallInput, intent: str | None
    ) -> Answer:
        choice = menu_choice(heard, intent)
        if choice is None:
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        await self._set(call.id, retries=0)
        if choice == "promise":
            await self._set(call.id, step="amount", data={})
            return self._ask(call.id, "amount", prompts.ASK_AMOUNT)
        if choice == "balance":
            display = format_amount(Decimal(conversation.balance_amount), conversation.currency)
            text = f"{prompts.balance(display, conversation.creditor)} {prompts.MENU}"
            return self._ask(call.id, "menu", text)
        if choice == "agent":
            return await self._to_agent(call.id, conversation.id, reason="caller_request")
        if choice == "message":
            await self._set(call.id, step="message")
            return self._answer(call.id, TakeMessage(prompts.LEAVE_MESSAGE))
        if choice in STOP_CHOICES:
            return await self._stop_calls(call, conversation, choice)
        raw = {"reason": heard.speech or "stated by phone"} if choice == "dispute" else {}
        captured = await self._capture(conversation, choice, raw)
        after = await load_conversation(self.conn, conversation.id)
        said = prompts.dispute_recorded() if choice == "dispute" else prompts.HARDSHIP
        if after.state in HUMAN_STATES:
            answer = await self._to_agent(call.id, conversation.id, reason=None, said=said)
        else:
            answer = self._ask(call.id, "menu", f"{said} {prompts.MENU}")
        answer.after.add(captured).escalation(conversation, after)
        return answer

    async def _stop_calls(self, call: Any, conversation: Any, kind: str) -> Answer:
        """An opt-out or a wrong party: recorded (no more calls to this number), then goodbye."""
        captured = await self._capture(conversation, kind, {})
        await self._set(call.id, step="done")
        text = prompts.OPT_OUT if kind == "opt_out" else prompts.WRONG_PARTY
        after = await load_conversation(self.conn, conversation.id)
        return Answer(VoiceReply(call.id, Hangup(text)), captured.escalation(conversation, after))

    async def _amount_or_date(self, call: Any, conversation: Any, heard: CallInput) -> Answer:
        settings = self.settings
        if call.step == "amount":
            text = keypad_amount(heard.digits) if heard.digits else heard.speech
            problem = problem_with(conversation, settings, amount=text)
            if problem is not None:
                return await self._missed(call, problem, step_text=prompts.ASK_AMOUNT)
            await self._set(call.id, step="date", retries=0, data={"amount": text})
            return self._ask(call.id, "date", prompts.ASK_DATE)
        text = keypad_date(heard.digits) if heard.digits else heard.speech
        problem = problem_with(conversation, settings, when=text)
        if problem is not None:
            return await self._missed(call, problem, step_text=prompts.ASK_DATE)
        data = {**(call.data or {}), "date": text}
        await self._set(call.id, step="confirm", retries=0, data=data)
        amount, when = readback(conversation, settings, data)
        return self._ask(call.id, "confirm", prompts.confirm_promise(amount, when))

    async def _confirm(self, call: Any, conversation: Any, said: str | None) -> Answer:
        if said is None:
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        if said == "no":
            await self._set(call.id, step="amount", retries=0, data={})
            return self._ask(call.id, "amount", prompts.ASK_AMOUNT)
        data = call.data or {}
        captured = await self._capture(conversation, "promise_to_pay", data)
        amount, when = readback(conversation, self.settings, data)
        await self._set(call.id, step="menu", retries=0, data={})
        answer = self._ask(
            call.id, "menu", f"{prompts.promise_recorded(amount, when)} {prompts.MENU}"
        )
        answer.after.add(captured)
        return answer

    async def _missed(self, call: Any, said: str, *, step_text: str | None = None) -> Answer:
        """No input or a bad one: ask again twice, then a person or a voicemail box."""
        if call.retries >= MAX_REPROMPTS:
            if call.conversation_id is None:
                await self._set(call.id, step="message")
                return self._answer(call.id, TakeMessage(prompts.LEAVE_MESSAGE))
            conversation = await load_conversation(self.conn, call.conversation_id)
            answer = await self._to_agent(call.id, conversation.id, reason="ivr_no_input")
            after = await load_conversation(self.conn, conversation.id)
            answer.after.escalation(conversation, after)
            return answer
        await self._set(call.id, retries=call.retries + 1)
        again = step_text or self._step_text(call.step)
        return self._ask(call.id, call.step, f"{said} {again}")

    def _step_text(self, step: str) -> str:
        return prompts.step_text(step, self.settings.bot_verification_fact)

    async def _to_agent(
        self, call_id: str, conversation_id: str, *, reason: str | None, said: str = ""
    ) -> Answer:
        """Hand the conversation to a person; connect the call if there is somewhere to dial."""
        updates: list[int] = []
        if reason is not None:
            conversation = await load_conversation(self.conn, conversation_id, lock=True)
            updates = await hand_off(self.conn, conversation, reason=reason, now=self.now)
        target = self.settings.voice_agent_dial
        prompt: Prompt
        if target:
            await self._set(call_id, step="agent")
            prompt = Transfer(f"{said} {prompts.TRANSFER}".strip(), target)
        else:
            await self._set(call_id, step="message")
            prompt = TakeMessage(f"{said} {prompts.NO_AGENT} {prompts.LEAVE_MESSAGE}".strip())
        return Answer(VoiceReply(call_id, prompt), AfterCommit(updates=updates))

    async def _capture(self, conversation: Any, kind: str, raw: dict[str, Any]) -> AfterCommit:
        captured = await capture(
            self.conn, conversation, kind, raw, self.settings, self.now, source="ivr"
        )
        return captured.after

    def _ask(self, call_id: str, step: str, text: str) -> Answer:
        digits = 1 if step in ONE_KEY_STEPS else None
        hints = HINTS if step == "menu" else None
        return self._answer(call_id, Ask(text, step, num_digits=digits, hints=hints))

    @staticmethod
    def _answer(call_id: str, prompt: Prompt) -> Answer:
        return Answer(VoiceReply(call_id, prompt))

    async def _set(self, call_id: str, **values: Any) -> None:
        await update_call(self.conn, call_id, self.now, **values)
