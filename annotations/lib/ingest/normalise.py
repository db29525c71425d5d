"""The canonical text every reader produces: normalisation, blocks joined by one blank line,
link marks, words, language, whether a page looks like an article, and plain text.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

USER_AGENT = "factcheck-annotator/0.1"


TITLE_MAX_CHARS = 200


BLOCK_KINDS = ("heading", "paragraph", "quote", "list_item")


# An article of more blocks than this is refused before its costly steps (the services pass
# settings.FACTCHECK_MAX_BLOCKS); a person could not annotate it, and it would hold the
# server for many seconds.
MAX_BLOCKS = 20_000


# Quotes and lists nested deeper than this are read as if they were this deep.
MAX_NESTING = 16


class IngestError(Exception):
    """Bad input; message is shown to the user as is."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return f"IngestError({self.message!r}, code={self.code!r}, status={self.status})"


def check_block_count(count: int, max_blocks: int) -> None:
    """Refuse an article of more than `max_blocks` blocks (422 `too_many_blocks`)."""
    if count > max_blocks:
        raise IngestError(
            f"The article has more than {max_blocks:,} paragraphs, headings, list items and "
            "quotes, which is more than can be annotated here. Split it into several articles.",
            code="too_many_blocks",
            status=422,
        )


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


def load_text(raw: str, *, title: str = "", max_blocks: int = MAX_BLOCKS) -> LoadedArticle:
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
    check_block_count(len(parts), max_blocks)
    text, blocks = _assemble(parts)
    return LoadedArticle(
        text=text,
        blocks=blocks,
        title=title,
        language=detect_language(text),
        source_kind="text",
    )
