"""Turn pasted text, uploaded files and web pages into canonical article text.

Every claim offset in the project is a Python ``str`` index (a Unicode code point) into the
``text`` produced here, so this module is the single place where the text is shaped:

* NFC, ``\\n`` line endings, no control characters, no trailing spaces on a line;
* blocks (headings, paragraphs, quotes, list items) joined by exactly one blank line;
* ``blocks`` records where each block sits, so ``text[start:end]`` is the block's text.

The module is deliberately free of Django imports: the services layer calls it, the tests and
the benchmark use it without a configured project.
"""

from __future__ import annotations

import codecs
import datetime
import html as html_lib
import ipaddress
import json
import logging
import re
import socket
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import charset_normalizer
import trafilatura
import urllib3
from dateutil import parser as date_parser
from lxml import etree
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

try:  # certifi ships with trafilatura; the system store is the fallback
    import certifi

    _CA_BUNDLE: str | None = certifi.where()
except ImportError:  # pragma: no cover
    _CA_BUNDLE = None

logger = logging.getLogger(__name__)

USER_AGENT = "factcheck-annotator/0.1"
TITLE_MAX_CHARS = 200
BLOCK_KINDS = ("heading", "paragraph", "quote", "list_item")


class IngestError(Exception):
    """Bad input; message is shown to the user as is."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return f"IngestError({self.message!r}, code={self.code!r}, status={self.status})"


@dataclass
class LoadedArticle:
    text: str
    blocks: list[dict] = field(default_factory=list)
    title: str = ""
    author: str = ""
    publisher: str = ""
    published_at: datetime.date | None = None
    language: str = ""
    url: str = ""
    source_kind: str = "text"
    # True when the date was only inferred (URL, copyright line, text), not declared by the page
    published_at_guessed: bool = False
    # hyperlinks over `text`: [{"start", "end", "href"}], code points, end exclusive, in order
    links: list[dict] = field(default_factory=list)
    # the page's own address (<link rel="canonical"> or og:url), when it names one
    canonical_url: str = ""
    # share of the main text that is link text, and the number of links (pages only)
    link_share: float = 0.0
    link_count: int = 0
    has_password_field: bool = False
    from_html: bool = False

    @property
    def word_count(self) -> int:
        return count_words(self.text)


# --------------------------------------------------------------------------------------------
# Text normalisation and block assembly
# --------------------------------------------------------------------------------------------

# Characters Python (and browsers) treat as line or paragraph breaks; mapping them keeps the
# frontend's idea of a "line" identical to ours.
_BREAKS = str.maketrans(
    {"\x0b": "\n", "\x85": "\n", "\u2028": "\n", "\x0c": "\n\n", "\u2029": "\n\n"}
)
# C0/C1 controls except tab and newline; they are invisible, break JSON/XML exports and
# would shift offsets between what the user sees and what is stored.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_MANY_NEWLINES_RE = re.compile(r"\n{3,}")
_TRAILING_SPACE_RE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_LEADING_RE = re.compile(r"^[\s\ufeff]+")


def normalise_text(raw: str) -> str:
    """Canonical form of a piece of text.

    Line endings become ``\\n``, the text is NFC, control characters (except tab and newline)
    are dropped, each line loses its trailing whitespace, runs of blank lines become one blank
    line and the whole text is stripped. Everything else (non-breaking spaces, zero-width
    joiners, emoji, tabs inside a line) is kept as typed: it is the user's text.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_BREAKS)
    text = _CONTROL_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE_RE.sub("", text)
    text = _MANY_NEWLINES_RE.sub("\n\n", text)
    # a leading byte-order mark is an encoding artefact, not content
    return _LEADING_RE.sub("", text).rstrip()


def _clean_block(raw: str) -> str:
    # A blank line inside a block would read as a block separator, so it is folded.
    return re.sub(r"\n{2,}", "\n", normalise_text(raw))


def _assemble(parts: Iterable[tuple[str, int, str]]) -> tuple[str, list[dict]]:
    """Join (kind, level, text) blocks with one blank line and record their ranges."""
    chunks: list[str] = []
    blocks: list[dict] = []
    position = 0
    for kind, level, raw in parts:
        chunk = _clean_block(raw)
        if not chunk:
            continue
        if chunks:
            position += 2  # the "\n\n" separator
        blocks.append(
            {"kind": kind, "start": position, "end": position + len(chunk), "level": level}
        )
        chunks.append(chunk)
        position += len(chunk)
    return "\n\n".join(chunks), blocks


# Hyperlinks travel through the text pipeline as pairs of private-use code points around the
# link text: LINK_OPEN + n opens link n, LINK_CLOSE + n closes it. Whitespace, block splitting
# and normalisation then treat links like any other text, and _assemble_marked turns the marks
# into offsets of the final text. Pages that already contain such code points get no links.
LINK_OPEN = 0xF0000
LINK_CLOSE = 0x100000
_LINK_LIMIT = 0xFFFD
_MARK_RE = re.compile("[\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_SPACE_INTO_OPEN_RE = re.compile("([\U000f0000-\U000ffffd])(\\s+)")
_SPACE_BEFORE_CLOSE_RE = re.compile("(\\s+)([\U00100000-\U0010fffd])")


def link_open(index: int) -> str:
    return chr(LINK_OPEN + index)


def link_close(index: int) -> str:
    return chr(LINK_CLOSE + index)


def has_link_marks(value: str) -> bool:
    return bool(_MARK_RE.search(value))


def strip_link_marks(value: str) -> str:
    return _MARK_RE.sub("", value)


def _spaces_outside_marks(value: str) -> str:
    """Move white space out of link marks, so marks never keep two spaces apart."""
    previous = None
    while previous != value:
        previous = value
        value = _SPACE_INTO_OPEN_RE.sub(r"\2\1", value)
        value = _SPACE_BEFORE_CLOSE_RE.sub(r"\2\1", value)
    return value


def _unmark(chunk: str, offset: int, spans: list[tuple[int, int, int]]) -> str:
    """Remove the link marks of one block, appending (start, end, link index) to `spans`."""
    if not has_link_marks(chunk):
        return chunk
    out: list[str] = []
    position = offset
    opened: dict[int, int] = {}
    for character in chunk:
        code = ord(character)
        if LINK_OPEN <= code <= LINK_OPEN + _LINK_LIMIT:
            opened[code - LINK_OPEN] = position
        elif LINK_CLOSE <= code <= LINK_CLOSE + _LINK_LIMIT:
            index = code - LINK_CLOSE
            if index in opened:
                spans.append((opened.pop(index), position, index))
        else:
            out.append(character)
            position += 1
    for index, start in opened.items():  # a link cut by a block break ends with its block
        spans.append((start, position, index))
    return "".join(out)


def _assemble_marked(
    parts: Iterable[tuple[str, int, str]],
) -> tuple[str, list[dict], list[tuple[int, int, int]]]:
    """`_assemble`, also giving the spans (start, end, link index) of marked link text."""
    chunks: list[str] = []
    blocks: list[dict] = []
    spans: list[tuple[int, int, int]] = []
    position = 0
    for kind, level, raw in parts:
        chunk = _clean_block(_spaces_outside_marks(raw))
        if not strip_link_marks(chunk).strip():
            continue
        if chunks:
            position += 2  # the "\n\n" separator
        chunk = _unmark(chunk, position, spans)
        blocks.append(
            {"kind": kind, "start": position, "end": position + len(chunk), "level": level}
        )
        chunks.append(chunk)
        position += len(chunk)
    return "\n\n".join(chunks), blocks, spans


LINK_SCHEMES = ("http", "https", "mailto")


def clean_href(href: str, base: str = "") -> str:
    """An absolute http(s) or mailto address, or "" for anything else (javascript:, data:…).

    Relative addresses are resolved against `base` (the page's address) when there is one.
    """
    href = "".join(character for character in href.strip() if character >= " ")
    if not href or len(href) > 2000 or href.startswith("#"):
        return ""
    scheme = urlsplit(href).scheme.lower() if ":" in href else ""
    if not scheme and base:
        try:
            href = urljoin(base, href)
        except ValueError:
            return ""
        scheme = urlsplit(href).scheme.lower()
    if scheme not in LINK_SCHEMES:
        return ""
    try:
        parts = urlsplit(href)
    except ValueError:
        return ""
    if scheme == "mailto":
        return href if len(href) > len("mailto:") else ""
    if not parts.hostname or any(character.isspace() for character in href):
        return ""
    return href


def link_spans(spans: Iterable[tuple[int, int, int]], hrefs: list[str], text: str) -> list[dict]:
    """Spans with their address, sorted; empty, unsafe and overlapping links are dropped."""
    links: list[dict] = []
    for start, end, index in sorted(spans):
        href = hrefs[index] if 0 <= index < len(hrefs) else ""
        if not href:
            continue
        # trim white space the link text began or ended with
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end or (links and start < links[-1]["end"]):
            continue
        links.append({"start": start, "end": end, "href": href})
    return links


def clean_links(value: Any, text_length: int) -> list[dict]:
    """Stored or imported link spans, checked: in range, ordered, not overlapping, safe.

    Raises ValueError naming the first problem.
    """
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError("links must be a list of {start, end, href}.")
    cleaned: list[dict] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"start", "end", "href"}:
            raise ValueError(f"links[{index}] must have exactly start, end and href.")
        start, end, href = item["start"], item["end"], item["href"]
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
            raise ValueError(f"links[{index}]: start and end must be integers.")
        if not 0 <= start < end <= text_length:
            raise ValueError(f"links[{index}]: {start}–{end} is not a range of the text.")
        if not isinstance(href, str) or clean_href(href) != href.strip() or not href.strip():
            raise ValueError(f"links[{index}]: only http, https and mailto addresses are kept.")
        if cleaned and start < cleaned[-1]["end"]:
            raise ValueError(f"links[{index}] overlaps the link before it (or is out of order).")
        cleaned.append({"start": start, "end": end, "href": href.strip()})
    return cleaned


# --------------------------------------------------------------------------------------------
# Words, language, and whether a page looks like an article
# --------------------------------------------------------------------------------------------

# Scripts written without spaces between words: each character is counted as half a word,
# about the length of a word in Chinese and Japanese.
_UNSPACED_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
_WORD_RE = re.compile(r"\w+")


def count_words(text: str) -> int:
    unspaced = len(_UNSPACED_RE.findall(text))
    return len(_WORD_RE.findall(_UNSPACED_RE.sub(" ", text))) + (unspaced + 1) // 2


_detector_ready = False


def detect_language(text: str) -> str:
    """The language of `text` as an ISO 639-1 code, or "" when unsure or too short.

    langdetect (a pure-Python port of Google's language-detection, 55 languages) is seeded so
    the same text always gives the same answer; its profiles load once, on first use.
    """
    global _detector_ready
    sample = " ".join(text[:6000].split())
    if sum(character.isalpha() for character in sample) < 40:
        return ""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    if not _detector_ready:
        DetectorFactory.seed = 0
        _detector_ready = True
    try:
        ranked = detect_langs(sample)
    except LangDetectException:  # no feature it knows (digits, symbols only)
        return ""
    if not ranked or ranked[0].prob < 0.9:
        return ""
    return str(ranked[0].lang).split("-")[0].lower()


MIN_ARTICLE_WORDS = 40
LOGIN_PAGE_MAX_WORDS = 100
_LOGIN_WORDS_RE = re.compile(
    r"\b(log ?in|sign ?in|anmelden|connexion|iniciar sesi[oó]n|accedi|entrar|войти)\b",
    re.IGNORECASE,
)
LISTING_MIN_LINKS = 8
LISTING_LINK_SHARE = 0.5
_LISTING_TITLE_RE = re.compile(r"^\s*(index of\b|directory listing\b|listing of\b)", re.IGNORECASE)


def article_doubts(article: LoadedArticle) -> list[str]:
    """Why a loaded web page may not be an article (empty when it looks like one).

    Only pages are judged: pasted plain text and Markdown are taken as the user gave them.
    The rules, each a sentence the user reads:
    * fewer than MIN_ARTICLE_WORDS words of main text;
    * a password field on a page with little text (a login or paywall form);
    * a directory listing ("Index of /…") or a text that is mostly link labels.
    """
    if not article.from_html:
        return []
    reasons: list[str] = []
    words = article.word_count
    if words < MIN_ARTICLE_WORDS:
        reasons.append(
            f"Only {words} word{'s' if words != 1 else ''} of text were found; an article has "
            f"at least {MIN_ARTICLE_WORDS}."
        )
    if article.has_password_field and (
        words < LOGIN_PAGE_MAX_WORDS or _LOGIN_WORDS_RE.search(article.title or "")
    ):
        reasons.append(
            "The page asks for a password and has little text: it looks like a login form."
        )
    if _LISTING_TITLE_RE.match(article.title or ""):
        reasons.append(
            f"The page is titled “{article.title[:80]}”: it looks like a directory listing."
        )
    elif article.link_count >= LISTING_MIN_LINKS and article.link_share >= LISTING_LINK_SHARE:
        reasons.append(
            f"{round(article.link_share * 100)}% of the text is links ({article.link_count} "
            "links): it looks like an index or a list of pages, not an article."
        )
    return reasons


# --------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------


def load_text(raw: str, *, title: str = "") -> LoadedArticle:
    """Plain text: every paragraph (separated by blank lines) is a block.

    Without a title the first line becomes the title when it is short; if more text follows,
    that line is kept in the text as its own heading block (separated by a blank line so the
    block structure stays regular). A text that is a single line stays a paragraph.
    """
    text = normalise_text(raw)
    if not text:
        raise IngestError(
            "The text is empty: paste the article text or upload a file.", code="empty"
        )
    paragraphs = text.split("\n\n")
    parts: list[tuple[str, int, str]] = []
    title = " ".join(title.split())
    if not title:
        first_line, _, rest = paragraphs[0].partition("\n")
        if len(first_line.strip()) <= TITLE_MAX_CHARS:
            title = first_line.strip()
            if rest or len(paragraphs) > 1:
                parts.append(("heading", 1, first_line))
                paragraphs = [rest, *paragraphs[1:]] if rest else paragraphs[1:]
    parts.extend(("paragraph", 0, paragraph) for paragraph in paragraphs)
    text, blocks = _assemble(parts)
    return LoadedArticle(
        text=text,
        blocks=blocks,
        title=title,
        language=detect_language(text),
        source_kind="text",
    )


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

_FENCE_RE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_ATX_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_THEMATIC_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE_RE = re.compile(r"^ {0,3}> ?(.*)$")
_ITEM_RE = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|$)")
_REFDEF_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+(?:\s+[\"'(].*[\"')])?\s*$")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FRONT_MATTER_TITLE_RE = re.compile(r"^title\s*:\s*(.+?)\s*$", re.IGNORECASE)


@dataclass
class _ListLevel:
    marker_indent: int
    content_indent: int


def _indent_width(prefix: str) -> int:
    return len(prefix.expandtabs(4))


def _starts_block(line: str) -> bool:
    # Lines that interrupt a paragraph or a lazy continuation.
    return bool(
        _ATX_RE.match(line)
        or _THEMATIC_RE.match(line)
        or _QUOTE_RE.match(line)
        or _ITEM_RE.match(line)
        or _FENCE_RE.match(line)
    )


def _numbered_not_one(item: re.Match[str]) -> bool:
    marker = item.group(2)
    return marker[0].isdigit() and int(marker[:-1]) != 1


def _split_front_matter(lines: list[str]) -> tuple[str, list[str]]:
    """Drop YAML front matter (static-site Markdown) and keep its title."""
    if not lines or lines[0].strip() != "---":
        return "", lines
    for index in range(1, min(len(lines), 60)):
        if lines[index].strip() in ("---", "..."):
            front = lines[1:index]
            if not all(
                ":" in line or not line.strip() or line.startswith((" ", "-")) for line in front
            ):
                return "", lines
            title = ""
            for line in front:
                match = _FRONT_MATTER_TITLE_RE.match(line)
                if match:
                    title = match.group(1).strip().strip("\"'")
                    break
            return title, lines[index + 1 :]
    return "", lines


def _parse_markdown_lines(lines: list[str]) -> list[tuple[str, int, str, bool]]:
    """Line-based Markdown block parser: (kind, level, source text, is_code)."""
    blocks: list[tuple[str, int, str, bool]] = []
    paragraph: list[str] = []
    paragraph_kind, paragraph_level = "paragraph", 0
    lists: list[_ListLevel] = []
    after_blank = False

    def flush() -> None:
        nonlocal paragraph, paragraph_kind, paragraph_level
        if paragraph:
            blocks.append((paragraph_kind, paragraph_level, "\n".join(paragraph), False))
        paragraph, paragraph_kind, paragraph_level = [], "paragraph", 0

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()

        fence = _FENCE_RE.match(line)
        if fence:
            flush()
            marker = fence.group(2)
            body: list[str] = []
            index += 1
            while index < len(lines):
                closing = lines[index].strip()
                if closing.startswith(marker[0] * len(marker)) and not closing.strip(marker[0]):
                    break
                body.append(lines[index])
                index += 1
            index += 1
            kind, level = ("list_item", len(lists)) if lists else ("paragraph", 0)
            blocks.append((kind, level, "\n".join(body), True))
            after_blank = False
            continue

        if not stripped:
            flush()
            after_blank = True
            index += 1
            continue

        if lists and after_blank and not _ITEM_RE.match(line):
            # After a blank line only an indented line continues the list.
            indent = _indent_width(line[: len(line) - len(line.lstrip())])
            while lists and indent <= lists[-1].marker_indent:
                lists.pop()
            if lists:
                paragraph_kind, paragraph_level = "list_item", len(lists)
                paragraph.append(stripped)
                after_blank = False
                index += 1
                continue
        after_blank = False

        heading = _ATX_RE.match(line)
        if heading:
            flush()
            lists.clear()
            blocks.append(("heading", len(heading.group(1)), heading.group(2) or "", False))
            index += 1
            continue

        setext = _SETEXT_RE.match(line)
        if setext and paragraph and paragraph_kind == "paragraph" and not lists:
            level = 1 if setext.group(1).startswith("=") else 2
            blocks.append(("heading", level, "\n".join(paragraph), False))
            paragraph = []
            index += 1
            continue

        if _THEMATIC_RE.match(line):
            flush()
            lists.clear()
            index += 1
            continue

        if _QUOTE_RE.match(line):
            flush()
            lists.clear()
            inner: list[str] = []
            while index < len(lines):
                quoted = _QUOTE_RE.match(lines[index])
                if quoted:
                    inner.append(quoted.group(1))
                elif lines[index].strip() and inner and inner[-1].strip():
                    if _starts_block(lines[index]):
                        break
                    inner.append(lines[index])  # lazy continuation of the quoted paragraph
                else:
                    break
                index += 1
            for _kind, _level, text, is_code in _parse_markdown_lines(inner):
                blocks.append(("quote", 0, text, is_code))
            continue

        item = _ITEM_RE.match(line)
        if item and paragraph and paragraph_kind == "paragraph" and _numbered_not_one(item):
            # as in CommonMark, only "1." may interrupt a paragraph: "2019. The year" is prose
            item = None
        if item:
            flush()
            marker_indent = _indent_width(item.group(1))
            while lists and marker_indent <= lists[-1].marker_indent:
                lists.pop()
            content = item.group(3) or ""
            content_indent = marker_indent + len(item.group(2)) + 1
            lists.append(_ListLevel(marker_indent, content_indent))
            paragraph_kind, paragraph_level = "list_item", len(lists)
            paragraph = [content.strip()]
            index += 1
            continue

        if _REFDEF_RE.match(line):
            index += 1
            continue

        if _TABLE_RULE_RE.match(line) and "|" in line and paragraph:
            index += 1
            continue

        if not paragraph:
            if lists:
                lists.clear()
            paragraph_kind, paragraph_level = "paragraph", 0
        paragraph.append(stripped)
        index += 1

    flush()
    return blocks


_CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_AUTOLINK_RE = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_BREAK_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_LINK_TARGET = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
_IMAGE_RE = re.compile(r"!\[[^\]]*\](?:" + _LINK_TARGET + r"|\[[^\]]*\])")
_LINK_RE = re.compile(r"\[([^\]]*)\]" + _LINK_TARGET)
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[([^\]]*)\]")
_REFDEF_TARGET_RE = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?")
_EMPHASIS_RES = [
    re.compile(r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*", re.DOTALL),
    re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL),
    re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", re.DOTALL),
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.DOTALL),
    re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*", re.DOTALL),
    re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)", re.DOTALL),
]
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HARD_BREAK_RE = re.compile(r"\\$", re.MULTILINE)


def _link_destination(match: re.Match[str]) -> str:
    """The address of an inline link `[text](address "title")`."""
    target = match.group(0)[len(match.group(1)) + 3 : -1].strip()
    if target.startswith("<"):
        return target[1:].split(">", 1)[0]
    return target.split()[0] if target else ""


def _markdown_inline(
    source: str, hrefs: list[str] | None = None, references: dict[str, str] | None = None
) -> str:
    """Drop inline Markdown markup, keeping the words a reader sees.

    With `hrefs`, the text of each link is wrapped in link marks and its address appended to
    `hrefs` ("" for one that cannot be kept); `references` resolves `[text][label]` links.
    """

    def linked(label: str, href: str) -> str:
        if hrefs is None:
            return label
        hrefs.append(clean_href(href))
        index = len(hrefs) - 1
        return link_open(index) + label + link_close(index)

    def autolink(match: re.Match[str]) -> str:
        target = match.group(1)
        href = target if ":" in target else f"mailto:{target}"
        return park(linked(target, href))

    def reference(match: re.Match[str]) -> str:
        label = (match.group(2) or match.group(1)).strip().lower()
        return linked(match.group(1), (references or {}).get(label, ""))

    # Code spans and escaped characters are literal: park them behind NUL placeholders
    # (normalise_text has already removed every real NUL from the input).
    protected: list[str] = []

    def park(value: str) -> str:
        protected.append(value)
        return f"\x00{len(protected) - 1}\x00"

    def code_span(match: re.Match[str]) -> str:
        content = match.group(2).replace("\n", " ")
        if content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        return park(content)

    text = _CODE_SPAN_RE.sub(code_span, source)
    text = _ESCAPE_RE.sub(lambda m: park(m.group(1)), text)
    text = _AUTOLINK_RE.sub(autolink, text)
    text = _HTML_COMMENT_RE.sub("", text)
    text = _HTML_BREAK_RE.sub("\n", text)
    text = _HTML_TAG_RE.sub("", text)
    text = _IMAGE_RE.sub("", text)
    for _ in range(3):  # links can wrap emphasis and vice versa
        text = _LINK_RE.sub(lambda m: linked(m.group(1), _link_destination(m)), text)
        text = _REF_LINK_RE.sub(reference, text)
        for pattern in _EMPHASIS_RES:
            text = pattern.sub(lambda m: m.group(1), text)
    text = _ENTITY_RE.sub(lambda m: html_lib.unescape(m.group(0)), text)
    text = _HARD_BREAK_RE.sub("", text)
    text = re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], text)


def _table_row(line: str) -> str:
    if "|" not in line:
        return line
    cells = line.strip()
    cells = cells.removeprefix("|").removesuffix("|")
    # tab-separated, like an HTML table row (and like a table copied from a browser)
    return "\t".join(cell.strip() for cell in re.split(r"(?<!\\)\|", cells))


def load_markdown(raw: str, *, title: str = "") -> LoadedArticle:
    """Markdown: headings, list items and quotes become blocks; markup characters are dropped.

    Links (`[text](url)`, `[text][label]`, `<url>`) become link spans over their text.
    """
    text = normalise_text(raw)
    if not text:
        raise IngestError("The Markdown text is empty.", code="empty")
    marked = has_link_marks(text)  # private-use text that would read as marks: no links
    front_title, lines = _split_front_matter(text.split("\n"))
    references: dict[str, str] = {}
    for line in lines:
        definition = _REFDEF_TARGET_RE.match(line)
        if definition:
            references.setdefault(definition.group(1).strip().lower(), definition.group(2))
    hrefs: list[str] | None = None if marked else []
    parts: list[tuple[str, int, str]] = []
    first_heading = ""
    for kind, level, source, is_code in _parse_markdown_lines(lines):
        if is_code:
            content = source
        else:
            rows = [
                _table_row(line) if line.lstrip().startswith("|") else line
                for line in source.split("\n")
            ]
            content = _markdown_inline("\n".join(rows), hrefs, references)
        if kind == "heading" and not first_heading and content.strip():
            first_heading = " ".join(strip_link_marks(content).split())
        parts.append((kind, level, content))
    if marked:
        text, blocks = _assemble(parts)
        spans: list[tuple[int, int, int]] = []
    else:
        text, blocks, spans = _assemble_marked(parts)
    if not text:
        raise IngestError("The Markdown file has no text once the markup is removed.", code="empty")
    title = " ".join(title.split()) or front_title or first_heading
    return LoadedArticle(
        text=text,
        blocks=blocks,
        title=title[:500],
        language=detect_language(text),
        links=link_spans(spans, hrefs or [], text),
        source_kind="markdown",
    )


# --------------------------------------------------------------------------------------------
# Decoding bytes
# --------------------------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Magic numbers of formats people rename to .txt by mistake (PDF, Office, images, archives).
# Only long, distinctive ones: a text may well start with "MZ" or "ID3"; other binary formats
# are caught by their NUL and control bytes.
_BINARY_SIGNATURES = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\x7fELF",
    b"{\\rtf",
    b"SQLite format 3\x00",
)
# HTML, per the WHATWG encoding standard, treats these labels as windows-1252; browsers do
# the same, and a page saying iso-8859-1 almost always contains cp1252 quotes.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _looks_binary(data: bytes) -> bool:
    if _bom_encoding(data):
        return False  # UTF-16/32 text legitimately contains NUL bytes
    if data.startswith(_BINARY_SIGNATURES):
        return True
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    # Text has almost no C0 control bytes besides tab, newlines, form feed and escape.
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > len(sample) * 0.05


def _python_codec(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        if encoding == "cp1252":
            # cp1252 leaves five bytes undefined; latin-1 maps them and everything else alike
            return data.decode("latin-1")
        return None


def _guess_decode(data: bytes) -> str | None:
    """charset-normalizer's best guess, only when it is confident."""
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is None or best.percent_chaos > 15:
        return None
    return _try_decode(data, best.encoding)


def _decode_text_bytes(data: bytes, declared: str = "") -> str:
    """Bytes of a text or Markdown document to str: BOM, UTF-8, declared charset, guess."""
    bom = _bom_encoding(data)
    if bom:
        decoded = _try_decode(data, bom)
        if decoded is not None:
            return decoded
    decoded = _try_decode(data, "utf-8")
    if decoded is not None:
        return decoded
    codec = _python_codec(declared)
    if codec:
        decoded = _try_decode(data, codec)
        if decoded is not None:
            return decoded
    decoded = _guess_decode(data)
    if decoded is None:
        raise IngestError(
            "The file's characters could not be decoded. Save it as UTF-8 and upload it again.",
            code="undecodable",
        )
    return decoded


def _decode_html_bytes(data: bytes, declared: str = "") -> str:
    """HTML bytes to str.

    Valid UTF-8 wins over any declaration: text in a legacy 8-bit charset essentially never
    forms valid multi-byte UTF-8, while pages that are UTF-8 but declare iso-8859-1 are common.
    """
    bom = _bom_encoding(data)
    if bom:
        decoded = _try_decode(data, bom)
        if decoded is not None:
            return decoded
    decoded = _try_decode(data, "utf-8")
    if decoded is not None:
        return decoded
    candidates = [declared]
    match = _META_CHARSET_RE.search(data[:16384])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for label in candidates:
        codec = _python_codec(label or "")
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            decoded = _try_decode(data, codec)
            if decoded is not None:
                return decoded
    decoded = _guess_decode(data)
    if decoded is not None:
        return decoded
    # A page that is UTF-8 apart from a few broken bytes is still worth reading.
    decoded = data.decode("utf-8", errors="replace")
    if decoded.count("\ufffd") <= max(10, len(decoded) // 1000):
        return decoded
    raise IngestError(
        "The page's characters could not be decoded (unknown character set).", code="undecodable"
    )


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DOCUMENT_TAG_RE = re.compile(r"<(?:html|body|head)[\s>/]", re.IGNORECASE)
_LANGUAGE_RE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$", re.IGNORECASE)
# trafilatura output elements that only change how text looks, not where blocks start
_INLINE_TAGS = {"hi", "ref", "del", "span", "abbr", "sub", "sup", "b", "i", "em", "strong", "a"}
_LINE_BREAK = object()
_CELL_BREAK = object()
_BLOCK_BREAK = object()


class _BlockWriter:
    """Flattens trafilatura's XML body into (kind, level, text) blocks."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, int, str]] = []
        self._parts: list[Any] = []
        self._kind = "paragraph"
        self._level = 0

    def _flush(self) -> None:
        lines: list[str] = []
        cells: list[str] = []
        current: list[str] = []
        for part in [*self._parts, _BLOCK_BREAK]:
            if isinstance(part, str):
                current.append(part)
                continue
            # HTML source whitespace carries no meaning; only <br> (lb) breaks a line
            cells.append(" ".join("".join(current).split()))
            current = []
            if part is _CELL_BREAK:
                continue
            line = "\t".join(cells).strip()  # table cells are tab-separated, as browsers copy
            cells = []
            if line:
                lines.append(line)
            if part is _BLOCK_BREAK and lines:
                self.blocks.append((self._kind, self._level, "\n".join(lines)))
                lines = []
        self._parts = []

    def _open(self, kind: str, level: int) -> None:
        self._flush()
        self._kind, self._level = kind, level

    def _add(self, value: str | None) -> None:
        if not value:
            return
        inner = value.strip()
        if "\n" not in inner:
            self._parts.append(value)
            return
        # trafilatura's main extractor normalises whitespace, so a newline inside a text node
        # comes from its baseline fallback, which joins separate source blocks with "\n"
        if value[0].isspace():
            self._parts.append(" ")
        for index, piece in enumerate(inner.split("\n")):
            if index:
                self._parts.append(_BLOCK_BREAK)
            self._parts.append(piece)
        self._parts.append(" " if value[-1].isspace() else "")

    def write(self, body: etree._Element) -> list[tuple[str, int, str]]:
        self._add(body.text)
        for child in body:
            self._visit(child, "paragraph", 0, 0, in_cell=False)
            self._open("paragraph", 0)
            self._add(child.tail)
        self._flush()
        return self.blocks

    def _children(
        self, element: etree._Element, kind: str, level: int, depth: int, in_cell: bool
    ) -> None:
        for child in element:
            self._visit(child, kind, level, depth, in_cell=in_cell)
            self._add(child.tail)

    def _visit(
        self, element: etree._Element, kind: str, level: int, depth: int, *, in_cell: bool
    ) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag == "graphic":
            return
        if tag == "lb":
            self._parts.append(" " if in_cell else _LINE_BREAK)
            return
        if tag in _INLINE_TAGS or (in_cell and tag not in ("cell",)):
            if in_cell and tag not in _INLINE_TAGS:
                self._add(" ")  # block content of a table cell stays on the row's line
            self._add(element.text)
            self._children(element, kind, level, depth, in_cell)
            return
        if tag == "cell":
            if element.getprevious() is not None:
                self._parts.append(_CELL_BREAK)
            self._add(element.text)
            self._children(element, kind, level, depth, True)
            return
        if tag == "list":
            self._open(kind, level)
            self._add(element.text)
            for child in element:
                self._visit(child, kind, level, depth + 1, in_cell=False)
                self._open(kind, level)
                self._add(child.tail)
            self._open(kind, level)
            return
        if tag == "head":
            rend = element.get("rend", "")
            new_kind = "heading"
            new_level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
        elif tag == "item":
            new_kind, new_level = "list_item", max(depth, 1)
        elif tag == "quote":
            new_kind, new_level = "quote", 0
        elif kind in ("quote", "list_item"):
            # paragraphs (and other blocks) nested in a quote or list item keep its kind
            new_kind, new_level = kind, level
        else:
            new_kind, new_level = "paragraph", 0
        self._open(new_kind, new_level)
        self._add(element.text)
        for child in element:
            self._visit(child, new_kind, new_level, depth, in_cell=False)
            if child.tag in ("list", "quote", "p", "head", "table", "row", "item", "code", "div"):
                self._open(new_kind, new_level)  # text after a nested block is a new block
            self._add(child.tail)
        self._open(kind, level)


def _document_language(tree: Any) -> str:
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        tree.get("xml:lang"),  # XHTML read by the HTML parser keeps the prefix
        *tree.xpath(
            "//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
            "='content-language']/@content"
        ),
        *tree.xpath("//meta[@property='og:locale']/@content"),
        *tree.xpath("//meta[@name='language' or @name='Language']/@content"),
    ]
    for candidate in candidates:
        match = _LANGUAGE_RE.match((candidate or "").strip().split(",")[0].strip())
        if match:
            return match.group(1).lower()
    return ""


def _meta_description(tree: Any) -> str:
    for query in (
        "//meta[@property='og:description']/@content",
        "//meta[@name='description']/@content",
        "//meta[@name='twitter:description']/@content",
    ):
        for value in tree.xpath(query):
            text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", value)).split())
            if len(text) >= 40:
                return text
    return ""


def _visible_text(tree: Any) -> str:
    body = tree.find("body")
    if body is None:
        body = tree
    texts: list[str] = []
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in ("script", "style", "noscript", "template") and element.text:
            texts.append(element.text)
        if element.tail and element is not body:
            texts.append(element.tail)
    # joined without a separator: inline tags split words ("nach <em>NDR</em>-Recherchen")
    return " ".join("".join(texts).split())


def _rescue_lead(parts: list[tuple[str, int, str]], tree: Any) -> list[tuple[str, int, str]]:
    """Put back a visible lead paragraph the extractor dropped.

    News sites style their standfirst differently from the body (a bare-text div, bold
    teaser), and trafilatura sometimes classes it as boilerplate. The lead nearly always
    equals the page's meta description, so when that sentence is visible in the page but
    absent from the extraction it is restored before the first paragraph. Only text that is
    actually shown on the page is added, never the meta tag alone.
    """
    description = _meta_description(tree)
    if not description:
        return parts
    extracted = strip_link_marks(" ".join(" ".join(text for _kind, _level, text in parts).split()))
    if description in extracted:
        return parts
    if description not in strip_link_marks(_visible_text(tree)):
        return parts
    position = 0
    while position < len(parts) and parts[position][0] == "heading":
        position += 1
    return [*parts[:position], ("paragraph", 0, description), *parts[position:]]


_FLOW_NEIGHBOURS = {"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol"}
_INLINE_HTML = {"a", "b", "strong", "i", "em", "span", "br", "sup", "sub", "abbr", "time", "u"}


def _drop_noscript(tree: Any) -> None:
    # <noscript> holds tracking pixels and "enable JavaScript" notices, which the fallback
    # extractors would otherwise present as the article of a script-rendered page
    for element in list(tree.iter("noscript")):
        element.drop_tree()


def _only_link_text(text: str, tree: Any) -> bool:
    """True when a short extraction is nothing but link labels (menus of an empty page)."""
    if len(text) > 600:
        return False  # an article is never this short and still all links
    remainder = " ".join(text.split())
    labels = {
        " ".join(strip_link_marks(anchor.text_content()).split()) for anchor in tree.iter("a")
    }
    for label in sorted(labels, key=len, reverse=True):
        if label:
            remainder = remainder.replace(label, " ")
    return not any(character.isalnum() for character in remainder)


def _promote_text_divs(tree: Any) -> None:
    """Turn bare-text <div>s inside a run of paragraphs into <p>/<h3> before extraction.

    Some sites write subheadings as ``<div class="subheadline">`` between the ``<p>``s of the
    article; trafilatura only trusts real block elements there and drops them. A div that holds
    only inline content and sits between paragraphs is part of the text flow, not a widget.
    """
    for div in list(tree.iter("div")):
        if any(child.tag not in _INLINE_HTML for child in div if isinstance(child.tag, str)):
            continue
        text = " ".join("".join(div.itertext()).split())
        if not text or len(text) > 1000:
            continue
        before, after = div.getprevious(), div.getnext()
        neighbours = [node.tag for node in (before, after) if node is not None]
        if len(neighbours) < 2 or "p" not in neighbours:
            continue
        if not all(tag in _FLOW_NEIGHBOURS for tag in neighbours):
            continue
        hint = f"{div.get('class', '')} {div.get('id', '')}".lower()
        div.tag = "h3" if ("head" in hint or "title" in hint) and len(text) < 200 else "p"


# names extractors report when a page has no real byline
_AUTHOR_PLACEHOLDERS = {"No Author", "Admin", "Administrator", "Unknown", "Anonymous", "Staff"}


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _date_params(extensive: bool) -> dict[str, Any]:
    return {
        "original_date": True,
        "extensive_search": extensive,
        "max_date": datetime.date.today().isoformat(),
        "outputformat": "%Y-%m-%d",
    }


def _has_text(element: Any) -> bool:
    return element is not None and bool("".join(element.itertext()).strip())


def _extract_document(tree: Any, url: str) -> Any:
    """Run trafilatura, from its widest settings down to its last-resort baseline."""
    common: dict[str, Any] = {
        "url": url or None,
        "with_metadata": True,
        "include_comments": False,
        "include_tables": True,
        "include_formatting": True,
        "include_images": False,
        "include_links": False,
        "deduplicate": False,
        "author_blacklist": _AUTHOR_PLACEHOLDERS,
        # htmldate's extensive search wakes dateparser, which costs seconds on first use; the
        # fast search finds the date on nearly every news page, the slow one runs only if not
        "date_extraction_params": _date_params(extensive=False),
    }
    # recall first (a missing sentence cannot be annotated, extra boilerplate can be ignored),
    # then the balanced cascade, which escalates differently on non-article layouts
    for options in ({"favor_recall": True}, {}):
        try:
            document = trafilatura.bare_extraction(tree, **common, **options)
        except Exception:  # the extractor must not turn a bad page into a server error
            logger.exception("trafilatura failed on %s", url or "uploaded HTML")
            continue
        if document is not None and _has_text(document.body):
            return document
    try:
        body, _text, _length = trafilatura.baseline(tree)
        if not _has_text(body):
            return None
        document = trafilatura.extract_metadata(
            tree, url or None, _date_params(extensive=False), author_blacklist=_AUTHOR_PLACEHOLDERS
        )
    except Exception:
        logger.exception("trafilatura baseline failed on %s", url or "uploaded HTML")
        return None
    document.body = body
    return document


_TITLE_SEPARATOR_RE = re.compile(r"(\s+[|–—·:»]{1,2}\s+|\s+-\s+|\s*\|\s*)")


def _clean_title(title: str, publisher: str, hostname: str) -> str:
    """Drop the site name that pages append to <title> ("Story | The Japan Times")."""
    title = " ".join(title.split())
    pieces = _TITLE_SEPARATOR_RE.split(title)
    if len(pieces) < 3:
        return title
    host = hostname.lower().removeprefix("www.")
    names = {name.lower() for name in (publisher, host, host.split(".")[0]) if len(name) >= 2}

    def is_site(piece: str) -> bool:
        piece = piece.strip().lower()
        if not any(character.isalpha() for character in piece):
            return True  # a date or page number
        if len(piece) < 2 or len(piece.split()) > 4:
            return False
        squeezed = piece.replace(" ", "")  # "La Stampa" is lastampa.it
        return any(
            piece in name or squeezed in name or (len(name) >= 4 and name in piece)
            for name in names
        )

    # pieces alternate text, separator, text...; trim site names from both ends only
    while len(pieces) >= 3 and is_site(pieces[-1]):
        pieces = pieces[:-2]
    while len(pieces) >= 3 and is_site(pieces[0]):
        pieces = pieces[2:]
    return "".join(pieces).strip() or title


def _load_html(
    html: str | bytes, *, url: str = "", title: str = "", declared_charset: str = ""
) -> LoadedArticle:
    if isinstance(html, bytes):
        if not html.strip():
            raise IngestError("The HTML is empty.", code="empty")
        html = _decode_html_bytes(html, declared_charset)
    source = _XML_DECLARATION_RE.sub("", html.lstrip("\ufeff"), count=1)
    if not source.strip():
        raise IngestError("The HTML is empty.", code="empty")
    if not _DOCUMENT_TAG_RE.search(source[:65536]):
        # trafilatura expects a whole document and rejects a bare fragment
        source = f"<html><body>{source}</body></html>"
    tree = trafilatura.load_html(source)
    if tree is None:
        raise IngestError("The HTML could not be read.", code="no_article_text", status=422)

    language = _document_language(tree)
    canonical = canonical_url(tree)
    declared_dates = _declared_dates(tree)
    has_password = bool(tree.xpath("//input[translate(@type,'PASSWORD','password')='password']"))
    _drop_noscript(tree)
    _promote_text_divs(tree)
    page_links = _page_links(tree, url or canonical)
    document = _extract_document(tree, url)
    if document is None:
        raise IngestError(
            "No article text was found on this page. If the article is there, copy its text "
            "and paste it instead.",
            code="no_article_text",
            status=422,
        )
    parts = _BlockWriter().write(document.body)
    parts = _rescue_lead(parts, tree)
    text, blocks = _assemble(parts)
    if not text or _only_link_text(text, tree):
        raise IngestError(
            "No article text was found on this page. If the article is there, copy its text "
            "and paste it instead.",
            code="no_article_text",
            status=422,
        )

    published, guessed = _publication_date(document, tree, url, declared_dates)
    spans = _place_links(page_links, text)
    hrefs = [link.href for link in page_links]
    link_chars = sum(end - start for start, end, _index in spans)
    return LoadedArticle(
        text=text,
        blocks=blocks,
        title=" ".join(title.split())[:500]
        or _clean_title(
            strip_link_marks(document.title or ""),
            strip_link_marks(document.sitename or ""),
            getattr(document, "hostname", "") or "",
        )[:500],
        author=" ".join(strip_link_marks(document.author or "").split())[:300],
        publisher=" ".join(strip_link_marks(document.sitename or "").split())[:300],
        published_at=published,
        published_at_guessed=guessed,
        language=(document.language or language or detect_language(text))[:16],
        url=url or canonical,
        canonical_url=canonical,
        links=link_spans(spans, hrefs, text),
        link_share=link_chars / max(1, len(text)),
        link_count=len(spans),
        has_password_field=has_password,
        from_html=True,
        source_kind="html",
    )


def _http_address(value: str) -> str:
    """`value` when it is an absolute http(s) address with a host, else ""."""
    value = value.strip()
    if not value or len(value) > 2000 or any(character.isspace() for character in value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return value


def canonical_url(tree: Any) -> str:
    """The page's own address: <link rel="canonical">, else og:url (absolute http(s) only)."""
    candidates = [
        *tree.xpath(
            "//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONICAL', "
            "'canonical')), ' '), ' canonical ')]/@href"
        ),
        *tree.xpath("//meta[@property='og:url' or @name='og:url']/@content"),
    ]
    for candidate in candidates:
        address = _http_address(candidate)
        if address:
            return address
    return ""


_LINK_BLOCKS = {
    "p",
    "li",
    "dd",
    "dt",
    "td",
    "th",
    "blockquote",
    "figcaption",
    "pre",
    "caption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "div",
    "section",
    "article",
    "body",
}
_CONTEXT_CHARS = 24
_SENTINEL = "\U0010fffd"  # a private-use character marks where a link starts in its block


@dataclass
class _PageLink:
    href: str  # "" when the address cannot be kept (javascript:, relative without a base)
    label: str  # the link text, white space collapsed
    before: str  # up to _CONTEXT_CHARS of its block's text just before it
    after: str  # and just after it


def _collapse(value: str) -> str:
    return re.sub(r"\s+", " ", value)


def _page_links(tree: Any, base: str) -> list[_PageLink]:
    """Every <a href> with text, in document order, with the text around it in its block.

    The extractor drops the markup, so the links are found again in the extracted text by
    their label and its context (_place_links); a link whose surroundings were dropped as
    boilerplate is simply not found.
    """
    bases = tree.xpath("//base/@href")
    if not base and bases:
        base = _http_address(bases[0])
    found: list[_PageLink] = []
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        label = " ".join(anchor.text_content().split())
        if href is None or not label:
            continue
        block = anchor.getparent()
        while block is not None and block.tag not in _LINK_BLOCKS:
            block = block.getparent()
        before = after = ""
        if block is not None:
            saved = anchor.text
            anchor.text = _SENTINEL + (saved or "")
            content = block.text_content()
            anchor.text = saved
            cut = content.find(_SENTINEL)
            if cut >= 0:
                inner = len(anchor.text_content())
                before = _collapse(content[:cut]).lstrip()[-_CONTEXT_CHARS:]
                after = _collapse(content[cut + 1 + inner :]).rstrip()[:_CONTEXT_CHARS]
        found.append(_PageLink(clean_href(href, base), label, before, after))
    return found


def _place_links(links: list[_PageLink], text: str) -> list[tuple[int, int, int]]:
    """(start, end, index) of each page link found in the extracted text by its context."""
    flat = re.sub(r"\s", " ", text)  # same length: offsets stay those of `text`
    spans: list[tuple[int, int, int]] = []
    cursor = 0
    for index, link in enumerate(links):
        start = -1
        for needle, lead in (
            (link.before + link.label + link.after, len(link.before)),
            (link.before + link.label, len(link.before)),
            (link.label + link.after, 0),
        ):
            if len(needle) - len(link.label) < 3 and len(link.label) < 40:
                continue  # too little context to be sure which occurrence this is
            position = flat.find(needle, cursor)
            if position < 0:
                position = flat.find(needle)
            if position >= 0:
                start = position + lead
                break
        if start < 0:
            continue
        spans.append((start, start + len(link.label), index))
        cursor = start + len(link.label)
    return spans


# Meta names (lower case) whose content is the date a page was published.
_PUBLISHED_META = {
    "article:published_time",
    "article:published",
    "og:published_time",
    "og:pubdate",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "datepublished",
    "datecreated",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "parsely-pub-date",
    "article.published",
    "citation_publication_date",
}
_JSON_LD_DATE_RE = re.compile(r'"(?:datePublished|dateCreated)"\s*:\s*"([^"]{6,40})"')
_ISO_DATE_RE = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})")


def _date_of(value: str) -> datetime.date | None:
    """The calendar date a metadata value names, as written (its own time zone)."""
    value = (value or "").strip()
    match = _ISO_DATE_RE.match(value)
    try:
        if match:
            found = datetime.date(*(int(group) for group in match.groups()))
        else:
            found = date_parser.parse(value, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None
    today = datetime.date.today()
    return found if datetime.date(1990, 1, 1) <= found <= today + datetime.timedelta(1) else None


def _json_ld_dates(value: Any, found: list[str]) -> None:
    if isinstance(value, dict):
        for key in ("datePublished", "dateCreated"):
            if isinstance(value.get(key), str):
                found.append(value[key])
        for item in value.values():
            _json_ld_dates(item, found)
    elif isinstance(value, list):
        for item in value:
            _json_ld_dates(item, found)


def _declared_dates(tree: Any) -> list[datetime.date]:
    """Publication dates the page states: JSON-LD, meta tags, itemprop, <time>; best first."""
    values: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            _json_ld_dates(json.loads(script.text or ""), values)
        except ValueError:  # broken JSON-LD is common: read its dates as text
            values.extend(_JSON_LD_DATE_RE.findall(script.text or ""))
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _PUBLISHED_META and meta.get("content"):
            values.append(meta.get("content"))
    for element in tree.xpath("//*[@itemprop='datePublished']"):
        values.append(element.get("content") or element.get("datetime") or element.text_content())
    values.extend(tree.xpath("//time[@pubdate]/@datetime"))
    values.extend(tree.xpath("//article//time/@datetime")[:1])
    values.extend(tree.xpath("//time/@datetime")[:1])
    dates: list[datetime.date] = []
    for value in values:
        found = _date_of(value)
        if found is not None and found not in dates:
            dates.append(found)
    return dates


def _publication_date(
    document: Any, tree: Any, url: str, declared: list[datetime.date]
) -> tuple[datetime.date | None, bool]:
    """(date, guessed): the extractor's date when the page declares it, else the page's first
    declared date; a date found only elsewhere (the address, a copyright line, the text) is
    returned as a guess."""
    found = _parse_date(document.date)
    if found is not None and found in declared:
        return found, False
    if declared:
        return declared[0], False
    if found is None:
        try:
            from htmldate import find_date

            found = _parse_date(find_date(tree, url=url or None, **_date_params(True)))
        except Exception:  # a missing date is not worth failing the import
            logger.debug("date search failed for %s", url, exc_info=True)
    return found, found is not None


def decode_html(data: bytes) -> str:
    """An uploaded page's bytes as text, decoded as its import would decode them."""
    return _decode_html_bytes(data)


def load_html(html: str | bytes, *, url: str = "", title: str = "") -> LoadedArticle:
    """Article text and metadata of a web page, with navigation and other boilerplate dropped."""
    return _load_html(html, url=url, title=title)


# --------------------------------------------------------------------------------------------
# Uploaded files
# --------------------------------------------------------------------------------------------

_FILE_KINDS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}
_CONTENT_TYPE_KINDS = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
_ALLOWED = "upload .txt, .md or .html"


def _split_name(name: str) -> tuple[str, str, str]:
    """(display name, stem, lower-case extension) of an uploaded file's name."""
    display = re.split(r"[\\/]", name.strip())[-1] or "The file"
    stem, dot, extension = display.rpartition(".")
    if not dot or not stem:
        return display, display, ""
    return display, stem, "." + extension.lower()


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def load_file(name: str, data: bytes, *, max_bytes: int, content_type: str = "") -> LoadedArticle:
    """An uploaded file, by extension: .txt/.text, .md/.markdown, .html/.htm/.xhtml."""
    display, stem, extension = _split_name(name)
    kind = _FILE_KINDS.get(extension)
    if kind is None and not extension:
        kind = _CONTENT_TYPE_KINDS.get(content_type.split(";")[0].strip().lower())
    if kind is None:
        raise IngestError(
            f"{display} is not a supported type: {_ALLOWED}.", code="unsupported_type", status=415
        )
    if len(data) > max_bytes:
        raise IngestError(
            f"{display} is larger than the {_size_text(max_bytes)} limit: upload a smaller "
            "file or paste the article text.",
            code="too_large",
            status=413,
        )
    if not data:
        raise IngestError(f"The file {display} is empty.", code="empty")
    if _looks_binary(data):
        raise IngestError(
            f"{display} does not contain text (it looks like a binary file such as an image, "
            f"PDF or Word document): {_ALLOWED}.",
            code="binary",
            status=415,
        )
    if kind == "html":
        if not data.strip():
            raise IngestError(f"The file {display} contains only blank space.", code="empty")
        article = _load_html(data)
        article.title = article.title or stem
    else:
        decoded = _decode_text_bytes(data)
        if not normalise_text(decoded):
            raise IngestError(f"The file {display} contains only blank space.", code="empty")
        article = load_markdown(decoded) if kind == "markdown" else load_text(decoded)
        article.title = article.title or stem
    return article


# --------------------------------------------------------------------------------------------
# Fetching a URL
# --------------------------------------------------------------------------------------------


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses hidden inside an IPv6 one (mapped, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    # IPv4-compatible form ::a.b.c.d (deprecated, still routed by some stacks)
    if int(address) >> 32 == 0 and int(address) > 1:
        found.append(ipaddress.IPv4Address(int(address)))
    return found


def _address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address must not be fetched from (a key of _PROBLEM_TEXT), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        # judge an IPv4 address smuggled inside IPv6 by what it really points at
        for inner in _embedded_ipv4(address):
            problem = _address_problem(inner)
            if problem:
                return problem
        if address in _NAT64:
            return None  # DNS64 networks reach every public IPv4 site through this prefix
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_link_local:
        return "link-local"
    if address.is_loopback:
        return "loopback"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "private"  # e.g. 100.64.0.0/10, shared carrier-grade NAT space
    return None


# The unspecified address reaches this machine on Linux and multicast cannot serve a page;
# link-local is where cloud metadata services live (169.254.169.254). None of them is ever a
# news site, so they stay refused even when private networks are allowed.
_ALWAYS_REFUSED = {"unspecified", "multicast", "link-local"}
_PROBLEM_TEXT = {
    "unspecified": "the unspecified address (it stands for this server)",
    "multicast": "a multicast address",
    "link-local": "a link-local address (used by cloud metadata services)",
    "loopback": "a loopback address (this server itself)",
    "private": "a private-network address",
    "reserved": "a reserved address",
}


def resolve_public_address(host: str, port: int, *, allow_private: bool) -> str:
    """Resolve `host` and return one address to connect to, refusing internal targets.

    Every address the name resolves to is checked, not only the first: a name that also points
    into the private network is refused as a whole. The caller must connect to the returned
    address (not resolve the name again), or DNS rebinding could swap in another address.
    """
    bare = host.strip("[]")
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise IngestError(
            f"The server {host} could not be found. Check the address for typos.",
            code="unreachable",
            status=502,
        ) from error
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if text not in addresses:
            addresses.append(text)
    # IPv4 first: a dual-stack name with a broken IPv6 route is common, the reverse is rare
    addresses.sort(key=lambda text: ":" in text)
    if not addresses:
        raise IngestError(
            f"The server {host} could not be found. Check the address for typos.",
            code="unreachable",
            status=502,
        )
    for text in addresses:
        problem = _address_problem(ipaddress.ip_address(text))
        if problem is None or (allow_private and problem not in _ALWAYS_REFUSED):
            continue
        where = f"The address {text}" if bare == text else f"{host} resolves to {text}, which"
        if problem in _ALWAYS_REFUSED:
            raise IngestError(
                f"{where} is {_PROBLEM_TEXT[problem]}; pages cannot be imported from there.",
                code="forbidden_address",
            )
        raise IngestError(
            f"{where} is {_PROBLEM_TEXT[problem]}; importing from private networks is "
            "switched off. Use a public address, or upload the page as a file.",
            code="forbidden_address",
        )
    return addresses[0]


@dataclass
class _Target:
    url: str
    scheme: str
    host: str  # IDNA (ASCII) host name or IP literal without brackets
    port: int
    request_path: str
    host_header: str


def _parse_target(url: str, *, redirected_from: str = "") -> _Target:
    def bad(reason: str) -> IngestError:
        if redirected_from:
            return IngestError(
                f"{redirected_from} redirected to {url[:200]}, {reason}.", code="bad_url"
            )
        return IngestError(f"{url[:200] or 'The address'}: {reason}.", code="bad_url")

    if not url:
        raise IngestError("Give the address (URL) of the page to import.", code="bad_url")
    if any(character.isspace() for character in url):
        url = url.strip().replace(" ", "%20")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise bad("this is not a valid web address") from error
    scheme = parts.scheme.lower()
    if not scheme and not redirected_from:
        raise bad("start the address with https:// or http://")
    if scheme not in ("http", "https"):
        raise bad("only http:// and https:// addresses can be imported")
    if parts.username is not None or parts.password is not None:
        raise bad("addresses with a user name or password are not supported")
    hostname = parts.hostname or ""
    if not hostname:
        raise bad("the address has no host name")
    try:
        ipaddress.ip_address(hostname)
        ascii_host = hostname
    except ValueError:
        try:
            ascii_host = hostname.encode("idna").decode("ascii").lower()
        except UnicodeError as error:
            raise bad("the host name is not valid") from error
    port = port or (443 if scheme == "https" else 80)
    default_port = 443 if scheme == "https" else 80
    shown_host = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    host_header = shown_host if port == default_port else f"{shown_host}:{port}"
    # Non-ASCII or spaces in path/query are percent-encoded; existing escapes are kept.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    request_path = path + (f"?{query}" if query else "")
    clean_url = urlunsplit((scheme, host_header, path, query, ""))
    return _Target(clean_url, scheme, ascii_host, port, request_path, host_header)


def _pool(target: _Target, address: str, connect_timeout: float, read_timeout: float) -> Any:
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    if target.scheme == "https":
        is_ip = True
        try:
            ipaddress.ip_address(target.host)
        except ValueError:
            is_ip = False
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=_CA_BUNDLE,
            # connect to the checked address, but speak TLS to (and verify) the real name
            server_hostname=None if is_ip else target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        address, target.port, timeout=timeout, retries=False, maxsize=1
    )


def _header_text(value: str) -> str:
    # http.client decodes header bytes as latin-1; servers send UTF-8 in Location headers
    try:
        return value.encode("latin-1").decode("utf-8").strip()
    except UnicodeError:
        return value.strip()


def _content_type(header: str) -> tuple[str, str]:
    message = Message()
    message["content-type"] = header or ""
    mime = message.get_content_type() if header else ""
    return mime.lower(), (message.get_param("charset") or "").strip()  # type: ignore[union-attr]


def _read_body(response: Any, url: str, max_bytes: int, deadline: float) -> bytes:
    too_large = IngestError(
        f"The page at {url[:200]} is larger than the {_size_text(max_bytes)} limit; "
        "copy the article text and paste it instead.",
        code="too_large",
        status=413,
    )
    length = response.headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise too_large
    body = bytearray()
    for chunk in response.stream(65536, decode_content=True):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise too_large
        if time.monotonic() > deadline:
            raise IngestError(
                f"The server at {url[:200]} is sending the page too slowly; try again later.",
                code="timeout",
                status=504,
            )
    return bytes(body)


def _network_error(error: Exception, target: _Target) -> IngestError:
    where = target.host_header
    if isinstance(error, ProtocolError) and error.args and isinstance(error.args[-1], Exception):
        error = error.args[-1]  # urllib3 wraps socket errors met while reading the body
    if isinstance(error, NameResolutionError):
        return IngestError(
            f"The server {where} could not be found. Check the address for typos.",
            code="unreachable",
            status=502,
        )
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it is told apart first
    if isinstance(error, ConnectTimeoutError) and not isinstance(error, NewConnectionError):
        return IngestError(
            f"{where} did not answer in time (connection timed out). Try again later.",
            code="timeout",
            status=504,
        )
    if isinstance(error, ReadTimeoutError | TimeoutError):
        return IngestError(
            f"{where} stopped answering (timed out while waiting for the page). Try again later.",
            code="timeout",
            status=504,
        )
    if isinstance(error, SSLError):
        return IngestError(
            f"The secure connection to {where} failed (certificate or TLS problem).",
            code="unreachable",
            status=502,
        )
    detail = "connection refused" if "refused" in str(error).lower() else "connection failed"
    return IngestError(
        f"Could not connect to {where} ({detail}). Check the address or try again later.",
        code="unreachable",
        status=502,
    )


def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = 5 * 1024 * 1024,
    connect_timeout: float = 5,
    read_timeout: float = 15,
    max_redirects: int = 5,
) -> LoadedArticle:
    """Download a web page and load it (HTML, plain text or Markdown).

    Guards against server-side request forgery: only http(s), every hop's address is resolved
    once, checked, and connected to directly; redirects are followed by hand so each target
    passes the same checks.
    """
    target = _parse_target(url.strip())
    # read_timeout bounds each wait for data; this bounds a server that trickles bytes forever
    deadline = time.monotonic() + connect_timeout + 4 * read_timeout
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1",
        "Accept-Encoding": "gzip, deflate",
    }
    redirects = 0
    while True:
        try:
            address = resolve_public_address(target.host, target.port, allow_private=allow_private)
        except IngestError as error:
            if redirects:
                # say where the address came from: the user typed a different one
                error.message = f"{url[:200]} redirected to {target.url[:200]}. {error.message}"
                error.args = (error.message,)
            raise
        pool = _pool(target, address, connect_timeout, read_timeout)
        response = None
        try:
            response = pool.urlopen(
                "GET",
                target.request_path,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            status = response.status
            if 300 <= status < 400 and status != 304 and response.headers.get("Location"):
                redirects += 1
                if redirects > max_redirects:
                    raise IngestError(
                        f"{url[:200]} redirected more than {max_redirects} times; "
                        "open it in a browser and import the final address.",
                        code="too_many_redirects",
                        status=502,
                    )
                location = urljoin(target.url, _header_text(response.headers["Location"]))
                target = _parse_target(location, redirected_from=target.url)
                continue
            if status >= 300:
                reason = getattr(response, "reason", "") or ""
                raise IngestError(
                    f"The server answered {status}{f' {reason}' if reason else ''} for "
                    f"{target.url[:200]}; check the address.",
                    code="http_error",
                    status=502,
                )
            mime, charset = _content_type(response.headers.get("Content-Type", ""))
            if mime and mime not in _CONTENT_TYPE_KINDS:
                # refuse before downloading an image or a PDF
                raise _unsupported_page(target.url, mime)
            body = _read_body(response, target.url, max_bytes, deadline)
        except (HTTPError, OSError) as error:
            raise _network_error(error, target) from error
        finally:
            if response is not None:
                response.close()  # never drain an unread body: it may be huge or endless
            pool.close()
        break

    return _load_fetched(body, mime, charset, target.url)


def _unsupported_page(url: str, mime: str) -> IngestError:
    return IngestError(
        f"The page at {url[:200]} is {mime or 'of unknown type'}, not a web page or text; "
        "only HTML, plain text and Markdown pages can be imported.",
        code="unsupported_type",
        status=415,
    )


def _load_fetched(body: bytes, mime: str, charset: str, url: str) -> LoadedArticle:
    if not body.strip():
        raise IngestError(f"The page at {url[:200]} is empty.", code="empty")
    kind = _CONTENT_TYPE_KINDS.get(mime)
    if not mime:
        # No Content-Type: accept what plainly is a web page.
        kind = (
            "html" if re.search(rb"<(?:!doctype|html|body)", body[:2048], re.IGNORECASE) else None
        )
    if kind is None:
        raise _unsupported_page(url, mime)
    if kind == "html":
        article = _load_html(body, url=url, declared_charset=charset)
    else:
        if _looks_binary(body):
            raise IngestError(
                f"The page at {url[:200]} does not contain text.", code="binary", status=415
            )
        decoded = _decode_text_bytes(body, charset)
        article = load_markdown(decoded) if kind == "markdown" else load_text(decoded)
    article.url = url
    article.source_kind = "url"
    return article
