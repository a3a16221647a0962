"""Inbound keywords: the STOP family and free-text revocations, re-grants, help requests."""

import pytest

from policies import Keyword, classify_keyword, says_wrong_party

OPT_OUT = [
    # The STOP family, exactly, in any case, with whitespace and punctuation.
    "STOP",
    "stop",
    "Stop.",
    " STOP ",
    "stop!",
    "STOP!!!",
    "\tstop\n",
    "STOPALL",
    "Stop all",
    "UNSUBSCRIBE",
    "Cancel",
    "END",
    "quit",
    "REVOKE",
    "OPTOUT",
    "opt out",
    "Opt-Out",
    "OPT OUT.",
    "\u201cSTOP\u201d",
    "stop \U0001f621",
    "STOP STOP STOP",
    "Stop please",
    "please stop",
    "pls stop",
    "STOP NOW",
    "stop it",
    "Stop. Thank you",
    "ok stop",
    "Alto",
    "BAJA",
    # Free-text revocations.
    "please stop texting me",
    "Please stop texting me!",
    "stop calling me",
    "Stop calling me at work",
    "STOP TEXTING ME!!!",
    "stop txting me",
    "Stop sending me messages",
    "quit calling",
    "cease contacting me",
    "don't contact me",
    "Don\u2019t text me anymore",
    "do not text me again",
    "Do NOT call me",
    "dont call me",
    "please don't call.",
    "don't call me back",
    "Never contact me again",
    "no more texts",
    "No more calls please",
    "remove me from your list",
    "Take me off your list",
    "remove my number from your system",
    "unsubscribe me",
    "Please unsubscribe me from these",
    "put me on your do not call list",
    "I revoke my consent",
    "leave me alone",
    "Wrong number",
    "you have the wrong person",
    "I told you to stop",
    "I asked you to stop already",
    "I can't pay, stop",
    "Can't pay right now. Stop",
    "Stop. I'll pay Friday",
    "when will this stop",
    "Just stop",
    "opt me out",
    "I want to opt-out",
    # Fail-safe: revokes the channel it arrived on, even though it asks for another one.
    "Don't text me, call me",
]

NONE = [
    "",
    "   ",
    "!!!",
    "\U0001f44d",
    "Ok thanks",
    "Hello?",
    "Who is this?",
    "I will pay when the calls stop being so early",
    "can I stop the late fees?",
    "How do I stop the interest from growing",
    "I can't stop thinking about it",
    "stopping by the bank today",
    "I'm at the bus stop",
    "cancel my payment plan",
    "Can I cancel the payment scheduled for Friday?",
    "the end of the month",
    "I get paid at the end of the week",
    "end of story",
    "I quit my job last month",
    "yes I got it",
    "Yes, I can pay $50",
    "I need help paying",
    "Can you help me set up a plan?",
    "more info about my balance please?",
    "You never call me back",
    "I don't text much, call me",
    "Why don't you call me tomorrow",
    "Call me at 5",
    "Text me the link",
    "when does the plan start",
    "I'll start paying next week",
    "Start date?",
]


@pytest.mark.parametrize("text", OPT_OUT)
def test_opt_out(text: str) -> None:
    assert classify_keyword(text) is Keyword.OPT_OUT


@pytest.mark.parametrize("text", NONE)
def test_ordinary_messages_are_not_keywords(text: str) -> None:
    assert classify_keyword(text) is Keyword.NONE


@pytest.mark.parametrize(
    "text", ["START", "start", "Yes", "YES!", "yes please", "UNSTOP", "Un-stop", " start. "]
)
def test_opt_in(text: str) -> None:
    assert classify_keyword(text) is Keyword.OPT_IN


@pytest.mark.parametrize("text", ["HELP", "help", "Help!", "help me", "INFO", "info?", "more info"])
def test_help(text: str) -> None:
    assert classify_keyword(text) is Keyword.HELP


@pytest.mark.parametrize(
    "text",
    ["Yes, stop", "START STOP", "help stop", "Help! Stop texting me", "yes. unsubscribe"],
)
def test_opt_out_wins_over_everything(text: str) -> None:
    assert classify_keyword(text) is Keyword.OPT_OUT


def test_values_are_stable_strings() -> None:
    assert [k.value for k in Keyword] == ["opt_out", "opt_in", "help", "none"]


def test_non_text_is_rejected() -> None:
    with pytest.raises(TypeError):
        classify_keyword(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "wrong_party"),
    [
        ("wrong number", True),
        ("You have the WRONG person, I'm not Dana", True),
        ("this is the wrong  number, stop", True),
        ("stop texting me", False),
        ("STOP", False),
        ("I paid the wrong amount", False),
    ],
)
def test_wrong_party_is_told_apart_from_other_opt_outs(text: str, wrong_party: bool) -> None:
    assert says_wrong_party(text) is wrong_party
    if wrong_party:
        assert classify_keyword(text) is Keyword.OPT_OUT
