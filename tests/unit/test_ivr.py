"""The IVR's pure parts: keypad entries, call outcomes, what a voicemail may say, and the TwiML
its neutral prompts become."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from channels.events import CallStatus
from channels.twilio_twiml import CallbackUrls, render
from channels.voice import Ask, Hangup, Prompt, TakeMessage, Transfer, VoiceReply
from gateway.ivr import prompts
from gateway.ivr.call_status import call_outcome
from gateway.ivr.keypad import keypad_amount, keypad_birth_date, keypad_date


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("50", "$50"),
        ("050", "$50"),
        ("50*5", "$50.50"),
        ("50*05", "$50.05"),
        ("1234*99", "$1234.99"),
        ("", None),
        ("*50", None),
        ("50*", "$50"),
        ("50*123", None),
        ("5*0*1", None),
        ("abc", None),
    ],
)
def test_keypad_amount(digits: str, expected: str | None) -> None:
    assert keypad_amount(digits) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("1215", "12/15"), ("0301", "03/01"), ("315", None), ("12155", None), ("12a5", None)],
)
def test_keypad_date(digits: str, expected: str | None) -> None:
    assert keypad_date(digits) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("03141985", "03/14/1985"), ("60601", "60601"), ("March 14 1985", "March 14 1985")],
)
def test_keypad_birth_date(digits: str, expected: str) -> None:
    assert keypad_birth_date(digits) == expected


@pytest.mark.parametrize(
    ("status", "machine", "outbound", "verified", "outcome"),
    [
        (CallStatus.COMPLETED, False, True, False, "conversation"),
        (CallStatus.COMPLETED, None, True, False, "conversation"),
        (CallStatus.COMPLETED, True, True, False, "voicemail"),
        (CallStatus.COMPLETED, True, True, True, "voicemail"),
        (CallStatus.COMPLETED, None, False, True, "conversation"),
        (CallStatus.COMPLETED, None, False, False, "delivered"),
        (CallStatus.NO_ANSWER, None, True, False, "no_answer"),
        (CallStatus.BUSY, None, True, False, "busy"),
        (CallStatus.FAILED, None, True, False, "failed"),
    ],
)
def test_call_outcome(
    status: CallStatus, machine: bool | None, outbound: bool, verified: bool, outcome: str
) -> None:
    assert call_outcome(status, machine, outbound=outbound, verified=verified) == outcome


def test_the_limited_content_message_has_only_what_1006_2_j_allows() -> None:
    said = prompts.limited_content("Alex Morgan", "Parley Services", "+1 (800) 555-0100")
    assert "Alex Morgan" in said
    assert "Parley Services" in said
    assert "call me back" in said
    assert "1 8 0 0 5 5 5 0 1 0 0" in said
    for forbidden in ("debt", "collect", "balance", "owe", "account", "payment"):
        assert forbidden not in said.lower()


def test_nothing_before_verification_names_the_debt() -> None:
    for fact in prompts.VERIFY_FACT:
        for text in (prompts.greeting(fact), prompts.verify_again(fact)):
            assert "debt" not in text.lower()
            assert "collect" not in text.lower()
    for text in (prompts.UNKNOWN_CALLER, prompts.NOT_UNDERSTOOD, prompts.LEAVE_MESSAGE):
        assert "debt" not in text.lower()


URLS = CallbackUrls(gather="https://p.example/g", recording="https://p.example/r")


def parse(prompt: Prompt, call_id: str = "c1") -> ET.Element:
    return ET.fromstring(render(VoiceReply(call_id, prompt), URLS))  # noqa: S314 - our own TwiML


def test_ask_gathers_keys_and_speech_then_redirects_back_on_silence() -> None:
    root = parse(Ask("Press 1.", "menu", num_digits=1))
    gather, redirect = list(root)
    assert gather.tag == "Gather"
    assert redirect.tag == "Redirect"
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["action"] == redirect.text == "https://p.example/g?call=c1&step=menu"
    assert [say.text for say in gather] == ["Press 1."]


def test_taking_a_message_reports_the_recording_to_its_callback() -> None:
    root = parse(TakeMessage("Leave a message."))
    record = root.find("Record")
    assert record is not None
    assert record.attrib["recordingStatusCallback"] == "https://p.example/r?call=c1"
    assert record.attrib["action"] == "https://p.example/g?call=c1&step=recorded"
    assert root[-1].tag == "Hangup"


def test_hanging_up_says_goodbye_first() -> None:
    say, hangup = list(parse(Hangup("Goodbye.")))
    assert (say.tag, say.text, hangup.tag) == ("Say", "Goodbye.", "Hangup")


@pytest.mark.parametrize(
    ("target", "tag", "text"),
    [("+13125550999", "Number", "+13125550999"), ("queue:collections", "Queue", "collections")],
)
def test_dial_a_number_or_a_queue(target: str, tag: str, text: str) -> None:
    dial = parse(Transfer("Hold on.", target)).find("Dial")
    assert dial is not None
    (child,) = list(dial)
    assert (child.tag, child.text) == (tag, text)
