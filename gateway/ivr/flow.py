"""The IVR's steps: verify, then a menu; each answer moves the call one step.

A call's position (``calls.step``) lives in the database, so any gateway replica can take the
next webhook. The caller is verified per call on the call's voice conversation, which also
carries the attempts limit across calls and the handoff to agents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from twilio.twiml.voice_response import VoiceResponse

from gateway.config import Settings
from gateway.conversations.capture import Captured, capture
from gateway.conversations.handoff import hand_off
from gateway.conversations.inbound import find_sender
from gateway.conversations.rasa import AssistantUnavailable, RasaClient
from gateway.conversations.store import HUMAN_STATES, current_conversation, load_conversation
from gateway.conversations.verification import terms_for, verify_identity
from gateway.db.tables import calls, conversations
from gateway.errors import ValidationFailed
from gateway.ivr import prompts, twiml
from gateway.ivr.calls import account_of_message, claim_call
from gateway.ivr.keypad import keypad_amount, keypad_birth_date, keypad_date
from gateway.normalize import (
    NormalizedPayment,
    format_amount,
    format_date,
    normalize_payment,
)

log = logging.getLogger("parley.ivr")
GATHER_PATH = "/webhooks/twilio/voice/gather"
RECORDING_PATH = "/webhooks/twilio/voice/recording"
MAX_REPROMPTS = 2
MENU_KEYS = {
    "1": "promise",
    "2": "dispute",
    "3": "hardship",
    "4": "balance",
    "0": "agent",
    "9": "message",
}
# Rasa intents heard at the menu, as the menu choice they mean.
MENU_INTENTS = {
    "promise_to_pay": "promise",
    "request_payment_plan": "promise",
    "dispute_debt": "dispute",
    "request_validation": "dispute",
    "report_hardship": "hardship",
    "ask_balance": "balance",
    "request_agent": "agent",
    "callback_request": "message",
    "opt_out": "opt_out",
    "wrong_person": "wrong_party",
}
STOP_CHOICES = frozenset({"opt_out", "wrong_party"})
YES = {"affirm"}
NO = {"deny"}


@dataclass(frozen=True, slots=True)
class CallInput:
    """What Twilio reported the caller did: keys pressed, words said, or nothing."""

    digits: str = ""
    speech: str = ""
    confidence: float = 0.0

    @property
    def empty(self) -> bool:
        """Nothing pressed and nothing said (the Gather timed out)."""
        return not self.digits and not self.speech


@dataclass(slots=True)
class Answer:
    """The TwiML for Twilio, and what to start once the transaction commits."""

    twiml: VoiceResponse
    updates: list[int] = field(default_factory=list)
    sends: list[str] = field(default_factory=list)
    before: Any = None
    after: Any = None


@dataclass(slots=True)
class Ivr:
    """One webhook's worth of IVR work, inside the caller's transaction."""

    conn: AsyncConnection
    settings: Settings
    rasa: RasaClient
    now: datetime

    @staticmethod
    def goodbye() -> VoiceResponse:
        """What a webhook that cannot belong to any call step gets."""
        return twiml.say_and_hang_up(prompts.GOODBYE)

    @staticmethod
    def apology() -> VoiceResponse:
        """What the caller hears when a step fails: nothing of it was kept."""
        return twiml.say_and_hang_up(prompts.FAILED)

    # -- starting a call -------------------------------------------------------------------------

    async def start(
        self,
        *,
        call_sid: str,
        direction: str,
        caller: str,
        called: str,
        answered_by: str | None,
        message_id: str | None,
    ) -> Answer:
        """The first webhook of a call: the debtor called us, or answered our call."""
        outbound = direction.startswith("outbound")
        address = called if outbound else caller
        account_id = await self._account_for(message_id, address)
        call = await claim_call(
            self.conn,
            call_sid=call_sid,
            direction=direction,
            address=address,
            account_id=account_id,
            message_id=message_id,
            status="in-progress",
            at=self.now,
        )
        # An AMD verdict, when there is one, is kept (a status callback may have brought it).
        seen = {"answered_by": answered_by} if answered_by else {}
        if answered_by and (answered_by.startswith("machine") or answered_by == "fax"):
            # A machine gets the limited-content message and nothing more (12 CFR 1006.2(j)).
            await self._set(call.id, step="voicemail_left", **seen)
            settings = self.settings
            message = prompts.limited_content(
                settings.voice_contact_name, settings.voice_business_name, settings.collector_phone
            )
            return Answer(twiml.say_and_hang_up(message))
        if account_id is None:
            await self._set(call.id, step="message", **seen)
            return Answer(twiml.record(prompts.UNKNOWN_CALLER, *self._record_urls(call.id)))
        conversation_id, state, _ = await current_conversation(
            self.conn,
            account_id=account_id,
            channel="voice",
            address=address,
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
        greeting = prompts.greeting(self.settings.bot_verification_fact)
        return Answer(self._ask(call.id, "verify", greeting))

    # -- each answer -----------------------------------------------------------------------------

    async def advance(self, call_id: str, step: str, heard: CallInput) -> Answer:
        """The caller answered the prompt of ``step`` (or said nothing): act on it, say what
        comes next. An answer to an earlier step (Twilio retrying a webhook) only repeats the
        current question, so nothing is recorded twice."""
        call = await self._load(call_id)
        if call.step in {"message", "voicemail_left", "done", "agent", "start"}:
            return Answer(twiml.say_and_hang_up(prompts.GOODBYE))
        conversation = await load_conversation(self.conn, call.conversation_id, lock=True)
        if conversation.state in HUMAN_STATES and call.step != "verify":
            return await self._to_agent(call.id, conversation.id, reason=None)
        if call.step != "verify" and conversation.verified_at is None:
            await self._set(call.id, step="verify", retries=0)
            greeting = prompts.greeting(self.settings.bot_verification_fact)
            return Answer(self._ask(call.id, "verify", greeting))
        if step != call.step:
            digits = 1 if call.step in {"menu", "confirm"} else None
            return Answer(self._ask(call.id, call.step, self._step_text(call.step), digits))
        if heard.empty:
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        handler = {
            "verify": self._verify,
            "menu": self._menu,
            "amount": self._amount,
            "date": self._date,
            "confirm": self._confirm,
        }[call.step]
        return await handler(call, conversation, heard)

    async def recorded(self, call_id: str) -> Answer:
        """The caller finished a message (``<Record>``'s action)."""
        await self._set(call_id, step="done")
        return Answer(twiml.say_and_hang_up(prompts.MESSAGE_SAVED))

    async def _verify(self, call: Any, conversation: Any, heard: CallInput) -> Answer:
        value = keypad_birth_date(heard.digits) if heard.digits else heard.speech
        outcome, after, updates = await verify_identity(
            self.conn, conversation, value, self.settings, self.now
        )
        fact = self.settings.bot_verification_fact
        if outcome == "verified":
            await self._set(call.id, step="menu", retries=0)
            text = f"{prompts.mini_miranda(self.settings.collector_name)} {prompts.MENU}"
            return Answer(self._ask(call.id, "menu", text, num_digits=1))
        if outcome == "mismatch":
            return Answer(self._ask(call.id, "verify", prompts.verify_again(fact)))
        if outcome == "unparsed":
            # "Wrong number" or "stop calling" before any check: honoured for whoever answered.
            said = await self._intent(heard) if heard.speech else None
            if said in STOP_CHOICES:
                return await self._stop_calls(call, conversation, said)
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        answer = await self._to_agent(call.id, conversation.id, reason=None)
        answer.updates, answer.before, answer.after = updates, conversation, after
        return answer

    async def _menu(self, call: Any, conversation: Any, heard: CallInput) -> Answer:
        choice = MENU_KEYS.get(heard.digits) if heard.digits else await self._intent(heard)
        if choice is None:
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        await self._set(call.id, retries=0)
        if choice == "promise":
            await self._set(call.id, step="amount", data={})
            return Answer(self._ask(call.id, "amount", prompts.ASK_AMOUNT))
        if choice == "balance":
            display = format_amount(Decimal(conversation.balance_amount), conversation.currency)
            text = f"{prompts.balance(display, conversation.creditor)} {prompts.MENU}"
            return Answer(self._ask(call.id, "menu", text, num_digits=1))
        if choice == "agent":
            return await self._to_agent(call.id, conversation.id, reason="caller_request")
        if choice == "message":
            await self._set(call.id, step="message")
            return Answer(twiml.record(prompts.LEAVE_MESSAGE, *self._record_urls(call.id)))
        if choice in STOP_CHOICES:
            return await self._stop_calls(call, conversation, choice)
        raw = {"reason": heard.speech or "stated by phone"} if choice == "dispute" else {}
        captured = await self._capture(call, conversation, choice, raw)
        after = await load_conversation(self.conn, conversation.id)
        said = prompts.dispute_recorded() if choice == "dispute" else prompts.HARDSHIP
        if after.state in HUMAN_STATES:
            answer = await self._to_agent(call.id, conversation.id, reason=None, said=said)
        else:
            answer = Answer(self._ask(call.id, "menu", f"{said} {prompts.MENU}", num_digits=1))
        answer.updates, answer.sends = captured.updates, captured.sends
        answer.before, answer.after = conversation, after
        return answer

    async def _stop_calls(self, call: Any, conversation: Any, kind: str) -> Answer:
        """An opt-out or a wrong party: recorded (no more calls to this number), then goodbye."""
        captured = await self._capture(call, conversation, kind, {})
        await self._set(call.id, step="done")
        text = prompts.OPT_OUT if kind == "opt_out" else prompts.WRONG_PARTY
        answer = Answer(twiml.say_and_hang_up(text), captured.updates, captured.sends)
        answer.before = conversation
        answer.after = await load_conversation(self.conn, conversation.id)
        return answer

    async def _amount(self, call: Any, conversation: Any, heard: CallInput) -> Answer:
        text = keypad_amount(heard.digits) if heard.digits else heard.speech
        problem = self._check(conversation, amount=text)
        if problem is not None:
            return await self._missed(call, problem, step_text=prompts.ASK_AMOUNT)
        await self._set(call.id, step="date", retries=0, data={"amount": text})
        return Answer(self._ask(call.id, "date", prompts.ASK_DATE))

    async def _date(self, call: Any, conversation: Any, heard: CallInput) -> Answer:
        text = keypad_date(heard.digits) if heard.digits else heard.speech
        problem = self._check(conversation, when=text)
        if problem is not None:
            return await self._missed(call, problem, step_text=prompts.ASK_DATE)
        data = {**(call.data or {}), "date": text}
        await self._set(call.id, step="confirm", retries=0, data=data)
        amount, when = self._readback(conversation, data)
        return Answer(self._ask(call.id, "confirm", prompts.confirm_promise(amount, when), 1))

    async def _confirm(self, call: Any, conversation: Any, heard: CallInput) -> Answer:
        if heard.digits:
            said = {"1": "yes", "2": "no"}.get(heard.digits)
        else:
            intent = await self._raw_intent(heard)
            said = "yes" if intent in YES else "no" if intent in NO else None
        if said is None:
            return await self._missed(call, prompts.NOT_UNDERSTOOD)
        if said == "no":
            await self._set(call.id, step="amount", retries=0, data={})
            return Answer(self._ask(call.id, "amount", prompts.ASK_AMOUNT))
        data = call.data or {}
        captured = await self._capture(call, conversation, "promise_to_pay", data)
        amount, when = self._readback(conversation, data)
        await self._set(call.id, step="menu", retries=0, data={})
        text = f"{prompts.promise_recorded(amount, when)} {prompts.MENU}"
        answer = Answer(self._ask(call.id, "menu", text, num_digits=1))
        answer.updates, answer.sends = captured.updates, captured.sends
        return answer

    # -- helpers ---------------------------------------------------------------------------------

    async def _missed(self, call: Any, said: str, *, step_text: str | None = None) -> Answer:
        """No input or a bad one: ask again twice, then a person or a voicemail box."""
        if call.retries >= MAX_REPROMPTS:
            if call.conversation_id is None:
                await self._set(call.id, step="message")
                return Answer(twiml.record(prompts.LEAVE_MESSAGE, *self._record_urls(call.id)))
            conversation = await load_conversation(self.conn, call.conversation_id)
            answer = await self._to_agent(call.id, conversation.id, reason="ivr_no_input")
            answer.before = conversation
            answer.after = await load_conversation(self.conn, conversation.id)
            return answer
        await self._set(call.id, retries=call.retries + 1)
        again = step_text or self._step_text(call.step)
        digits = 1 if call.step in {"menu", "confirm"} else None
        return Answer(self._ask(call.id, call.step, f"{said} {again}", num_digits=digits))

    def _step_text(self, step: str) -> str:
        return {
            "verify": prompts.VERIFY_FACT[self.settings.bot_verification_fact].capitalize() + ".",
            "menu": prompts.MENU,
            "amount": prompts.ASK_AMOUNT,
            "date": prompts.ASK_DATE,
            "confirm": "To confirm your promise, press 1. To change it, press 2.",
        }[step]

    async def _to_agent(
        self, call_id: str, conversation_id: str, *, reason: str | None, said: str = ""
    ) -> Answer:
        """Hand the conversation to a person; connect the call if there is somewhere to dial."""
        updates: list[int] = []
        if reason is not None:
            conversation = await load_conversation(self.conn, conversation_id, lock=True)
            updates = await hand_off(self.conn, conversation, reason=reason, now=self.now)
        target = self.settings.voice_agent_dial
        if target:
            await self._set(call_id, step="agent")
            return Answer(twiml.dial(f"{said} {prompts.TRANSFER}".strip(), target), updates)
        await self._set(call_id, step="message")
        text = f"{said} {prompts.NO_AGENT} {prompts.LEAVE_MESSAGE}".strip()
        return Answer(twiml.record(text, *self._record_urls(call_id)), updates)

    async def _capture(
        self, call: Any, conversation: Any, kind: str, raw: dict[str, Any]
    ) -> Captured:
        return await capture(
            self.conn,
            conversation,
            kind,
            raw,
            self.settings,
            self.now,
            source="ivr",
        )

    def _check(
        self, conversation: Any, *, amount: str | None = None, when: str | None = None
    ) -> str | None:
        """The sentence saying what is wrong with an amount or date, or None if acceptable."""
        if amount is None and when is None:
            return prompts.NOT_UNDERSTOOD
        result = self._normalized(conversation, amount, when)
        return result.errors[0].message if result.errors else None

    def _readback(self, conversation: Any, data: dict[str, Any]) -> tuple[str, str]:
        result = self._normalized(conversation, data.get("amount"), data.get("date"))
        if result.amount is None or result.date is None:
            raise ValidationFailed("the promise on this call is incomplete", code="ivr_state")
        terms = terms_for(conversation, self.settings)
        return format_amount(result.amount, terms.currency), format_date(result.date, terms.today)

    def _normalized(
        self, conversation: Any, amount: str | None, when: str | None
    ) -> NormalizedPayment:
        terms = terms_for(conversation, self.settings)
        return normalize_payment(
            amount,
            when,
            today=terms.today,
            balance=terms.balance,
            currency=terms.currency,
            horizon_days=terms.horizon_days,
        )

    async def _intent(self, heard: CallInput) -> str | None:
        intent = await self._raw_intent(heard)
        return MENU_INTENTS.get(intent) if intent else None

    async def _raw_intent(self, heard: CallInput) -> str | None:
        """Rasa's reading of what the caller said; None when unsure or Rasa is away."""
        if heard.confidence < self.settings.voice_speech_min_confidence:
            return None
        try:
            intent, confidence = await self.rasa.parse(heard.speech)
        except AssistantUnavailable as exc:
            log.warning("Rasa could not read speech in the IVR: %s", exc)
            return None
        return intent if confidence >= self.settings.voice_speech_min_confidence else None

    def _ask(
        self, call_id: str, step: str, text: str, num_digits: int | None = None
    ) -> VoiceResponse:
        action = self._url(GATHER_PATH, call=call_id, step=step)
        hints = "promise, dispute, hardship, balance, agent" if step == "menu" else None
        return twiml.ask(text, action, num_digits=num_digits, hints=hints)

    def _record_urls(self, call_id: str) -> tuple[str, str]:
        return (
            self._url(GATHER_PATH, call=call_id, step="recorded"),
            self._url(RECORDING_PATH, call=call_id),
        )

    def _url(self, path: str, **query: str) -> str:
        return self.settings.public_endpoint(f"{path}?{urlencode(query)}")

    async def _account_for(self, message_id: str | None, address: str) -> int | None:
        account_id = await account_of_message(self.conn, message_id)
        if account_id is not None:
            return account_id
        sender = await find_sender(self.conn, "voice", address)
        return int(sender.id) if sender is not None else None

    async def _load(self, call_id: str) -> Any:
        query = select(calls).where(calls.c.id == call_id)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        if row is None:
            raise ValidationFailed(f"no call {call_id!r}", code="unknown_call")
        return row

    async def _set(self, call_id: str, **values: Any) -> None:
        await self.conn.execute(
            update(calls).where(calls.c.id == call_id).values(updated_at=self.now, **values)
        )
