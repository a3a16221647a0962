"""The IVR's pure parts: keypad entries, call outcomes, what a voicemail may say, TwiML shapes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gateway.ivr import prompts, twiml
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
    ("status", "answered_by", "outbound", "verified", "outcome"),
    [
        ("completed", "human", True, False, "conversation"),
        ("completed", None, True, False, "conversation"),
        ("completed", "unknown", True, False, "conversation"),
        ("completed", "machine_start", True, False, "voicemail"),
        ("completed", "machine_end_beep", True, True, "voicemail"),
        ("completed", "fax", True, False, "voicemail"),
        ("completed", None, False, True, "conversation"),
        ("completed", None, False, False, "delivered"),
        ("no-answer", None, True, False, "no_answer"),
        ("busy", None, True, False, "busy"),
        ("failed", None, True, False, "failed"),
        ("canceled", None, True, False, "failed"),
    ],
)
def test_call_outcome(
    status: str, answered_by: str | None, outbound: bool, verified: bool, outcome: str
) -> None:
    assert call_outcome(status, answered_by, outbound=outbound, verified=verified) == outcome


def test_the_limited_content_message_has_only_what_1006_2_j_allows() -> None:
    said = prompts.limited_content("Alex Morgan", "Parley Services", "+1 (800) 555-0100")
    assert "Alex Morgan" in said and "Parley Services" in said and "call me back" in said
    assert "1 8 0 0 5 5 5 0 1 0 0" in said
    for forbidden in ("debt", "collect", "balance", "owe", "account", "payment"):
        assert forbidden not in said.lower()


def test_nothing_before_verification_names_the_debt() -> None:
    for fact in prompts.VERIFY_FACT:
        for text in (prompts.greeting(fact), prompts.verify_again(fact)):
            assert "debt" not in text.lower() and "collect" not in text.lower()
    for text in (prompts.UNKNOWN_CALLER, prompts.NOT_UNDERSTOOD, prompts.LEAVE_MESSAGE):
        assert "debt" not in text.lower()


def parse(document: object) -> ET.Element:
    return ET.fromstring(str(document))  # noqa: S314 - our own TwiML


def test_ask_gathers_keys_and_speech_then_redirects_back_on_silence() -> None:
    root = parse(twiml.ask("Press 1.", "https://p.example/g?call=c1&step=menu", num_digits=1))
    gather, redirect = list(root)
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["action"] == redirect.text == "https://p.example/g?call=c1&step=menu"
    assert [say.text for say in gather] == ["Press 1."]


def test_record_reports_the_recording_to_its_callback() -> None:
    root = parse(twiml.record("Leave a message.", "https://p.example/a", "https://p.example/r"))
    record = root.find("Record")
    assert record is not None
    assert record.attrib["recordingStatusCallback"] == "https://p.example/r"
    assert record.attrib["action"] == "https://p.example/a"
    assert root[-1].tag == "Hangup"


@pytest.mark.parametrize(
    ("target", "tag", "text"),
    [("+13125550999", "Number", "+13125550999"), ("queue:collections", "Queue", "collections")],
)
def test_dial_a_number_or_a_queue(target: str, tag: str, text: str) -> None:
    dial = parse(twiml.dial("Hold on.", target)).find("Dial")
    assert dial is not None
    (child,) = list(dial)
    assert (child.tag, child.text) == (tag, text)
