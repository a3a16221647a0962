"""The words of an email body: HTML as plain text, and the new reply without what it quotes.

``mailparser_reply`` finds reply headers ("On ... wrote:") and signatures; it is guarded where
it cuts too much (see ``reply_only``), since a debt collector must not lose "please stop emailing
me" because it looked like a disclaimer, nor act on its own quoted text ("reply STOP", amounts,
dates) as if the consumer had written it. Pure: no I/O, used by the email channels' webhooks.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from mailparser_reply.parser import EmailMessage  # type: ignore[import-untyped]

__all__ = ["REPLY_LANGUAGES", "html_to_text", "reply_only"]

# The languages whose reply headers ("On ... wrote:", "El ... escribió:") are recognised.
REPLY_LANGUAGES = ("en", "es")

# The reply parser's regexes are superlinear (see _wrap): it reads the top of the text only,
# where a reply's new words are, with long lines wrapped at an invisible separator.
_REPLY_WINDOW = 16_000
_LINE = 100
_WRAP = "\u2063"
_MAX_BODY_CHARS = 64_000
_MAX_HTML_CHARS = 1_000_000
_SENT_FROM = re.compile(r"(?:sent from my|get outlook for|enviado desde mi)\b", re.IGNORECASE)
_CLOSING = re.compile(
    r"(?:best regards|kind regards|regards|thanks|thank you|best|all the best|cheers|saludos|"
    r"atentamente|gracias|un saludo|cordialmente|muchas gracias)\s*[,.!]?",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"(?:On|El|Le|Am|Il|Op)\s", re.IGNORECASE)
_RULE = re.compile(r"[-_=*]{2,}")
_BLOCK_TAGS = (
    "p div li tr h1 h2 h3 h4 h5 h6 blockquote hr table ul ol pre section article header footer "
    "address dl dt dd center form"
)
_PARAGRAPH_TAGS = "p h1 h2 h3 h4 h5 h6 ul ol table blockquote pre"  # a blank line after these


class _TextExtractor(HTMLParser):
    """An HTML body as plain text: blocks on their own lines, blockquotes as "> " lines."""

    _SKIP = frozenset({"script", "style", "title", "template"})
    _BLOCK = frozenset(_BLOCK_TAGS.split())
    _PARAGRAPH = frozenset(_PARAGRAPH_TAGS.split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._skip = 0
        self._quote = 0

    def _newline(self, *, force: bool = False) -> None:
        text = " ".join("".join(self._line).split())
        if text or force:
            self.lines.append("> " * self._quote + text)
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self._newline(force=True)
        elif tag in self._BLOCK:
            self._newline()
            if tag == "blockquote":
                self._quote += 1
            if tag == "li":
                self._line.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self._newline()
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
            if tag in self._PARAGRAPH:
                self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._line.append(data)

    def text(self) -> str:
        """What was fed so far, as lines of text."""
        self._newline()
        return "\n".join(self.lines)


def _defuse(html: str) -> str:
    """``html`` without comments, declarations or processing instructions, and with every "<"
    that does not open a complete tag escaped; in linear time.

    Python 3.11's HTMLParser goes quadratic on unclosed constructs ("<a <a <a ...", "<!--" many
    times) and raises AssertionError on some ("<![x"): none of those reach it.
    """
    out: list[str] = []
    pos, gt = 0, 0
    lt = html.find("<")
    while lt >= 0:
        out.append(html[pos:lt])
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            if end < 0:  # an unclosed comment hides the rest
                return "".join(out)
            pos = end + 3
            lt = html.find("<", pos)
            continue
        if 0 <= gt <= lt:  # gt < 0 once no ">" is left: never searched again
            gt = html.find(">", lt + 1)
        nxt = html.find("<", lt + 1)
        if gt < 0 or 0 <= nxt < gt:
            out.append("&lt;")
            pos = lt + 1
        else:
            if not html.startswith(("<!", "<?"), lt):
                out.append(html[lt : gt + 1])
            pos = gt + 1
        lt = nxt
    out.append(html[pos:])
    return "".join(out)


def html_to_text(html: str) -> str:
    """The text a reader sees in an HTML body: blocks on lines, quotes as "> " lines."""
    safe = _defuse(html[:_MAX_HTML_CHARS])
    extractor = _TextExtractor()
    try:
        extractor.feed(safe)
        extractor.close()
    except (AssertionError, ValueError):  # the stdlib parser's own surprises: tags stripped
        return unescape(re.sub(r"<[^>]*>", " ", safe))
    return extractor.text()


def _tidy(text: str) -> str:
    """Unix line breaks, lines stripped, runs of blank lines made one (the reply parser's
    regexes backtrack badly on long runs of blank lines)."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def _is_signature(block: str) -> bool:
    """Whether a block the library calls a signature starts like one: "--", a rule, "Sent from
    my ...", or a closing ("Thanks,") alone on its line. It also takes "Thanks, but I can't pay
    until May." for a signature, which would lose the consumer's words."""
    first = block.strip().split("\n", 1)[0].lstrip("> ").strip()
    return bool(
        first.startswith(("--", "__")) or _SENT_FROM.match(first) or _CLOSING.fullmatch(first)
    )


def _drop_quotes(text: str) -> str:
    """Without "> " lines, and without the attribution line(s) introducing a trailing quote
    (the library misses Spanish Gmail's "El ... escribió:" and keeps all quoted lines)."""
    lines = text.split("\n")
    end = len(lines)
    while end and (not lines[end - 1] or lines[end - 1].startswith(">")):
        end -= 1
    if any(line.startswith(">") for line in lines[end:]) and end and lines[end - 1].endswith(":"):
        end -= 1
        # Gmail wraps a long attribution: "On Tue, ... Acme <" / "notices@acme.example> wrote:"
        above = lines[end - 1] if end else ""
        if _ATTRIBUTION_START.match(above) and not _ATTRIBUTION_START.match(lines[end]):
            end -= 1
    kept = [line for line in lines[:end] if not line.startswith(">")]
    while kept and (not kept[-1] or _RULE.fullmatch(kept[-1])):  # Outlook's "____" rule
        kept.pop()
    return "\n".join(kept)


def _wrap(text: str) -> str:
    """Long lines cut into pieces for the reply parser, each piece ending in ``_WRAP``.

    Its "On ... wrote:" regex is quadratic in the length of a line starting with "On"; pieces of
    ``_LINE`` characters keep that bounded, and a wrapped attribution still matches (the regex
    spans one line break). ``_unwrap`` joins the pieces again.
    """
    lines = []
    for line in text.split("\n"):
        while len(line) > _LINE:
            cut = line.rfind(" ", _LINE // 2, _LINE) + 1 or _LINE
            lines.append(line[:cut] + _WRAP)
            line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


def reply_only(text: str) -> str:
    """The new words of an email body; the whole (tidied) text when nothing would be left.

    ``mailparser_reply`` finds the reply headers and the signature, within the first
    ``_REPLY_WINDOW`` characters (where a reply's new words are). Its disclaimer removal is not
    applied: it deletes any sentence starting "Warning:" or "Important notice:" that mentions
    mail ("Warning: do not email me again"), wherever it stands.
    """
    text = _tidy(text.replace(_WRAP, ""))[:_MAX_BODY_CHARS]
    wrapped = _wrap(text)
    message = EmailMessage(
        text=wrapped[:_REPLY_WINDOW], languages=list(REPLY_LANGUAGES), keep_hyphen_lists=True
    ).read()
    reply = message.replies[0]
    body: str = reply.content
    found = len(message.replies) > 1 or bool(reply.headers)
    if reply.headers:
        body = body.replace(reply.headers, "", 1)
    signature: str = reply.signatures
    if signature and _is_signature(signature):
        found = True
        cut = body.rfind(signature)
        body = body[:cut] if cut >= 0 else body
    if not found and len(wrapped) > _REPLY_WINDOW:  # nothing to cut in the window: keep it all
        body = text
    body = body.replace(_WRAP + "\n", "").replace(_WRAP, "")
    return _tidy(_drop_quotes(_tidy(body))) or text
