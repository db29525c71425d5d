"""HTML to canonical text: the main text extracted (boilerplate dropped), with its title, author,
publisher, date, language, canonical address and links placed in the text.
"""

from __future__ import annotations

import datetime
import html as html_lib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from dateutil import parser as date_parser
from lxml import etree

from annotations.lib.ingest.decode import decode_html_bytes
from annotations.lib.ingest.normalise import (
    MAX_BLOCKS,
    IngestError,
    LoadedArticle,
    _assemble,
    check_block_count,
    clean_href,
    detect_language,
    link_spans,
    strip_link_marks,
)

logger = logging.getLogger(__name__)


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


# elements each of which can become a block of the extracted text
_BLOCK_TAGS = (
    "p", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dd", "dt",
)  # fmt: skip


def read_html(
    html: str | bytes,
    *,
    url: str = "",
    title: str = "",
    declared_charset: str = "",
    max_blocks: int = MAX_BLOCKS,
) -> LoadedArticle:
    """A web page's article text; a page of more than `max_blocks` paragraphs, list items,
    headings, quotes or table rows is refused before the extractor runs (its cost grows with
    them). libxml2 reads at most 256 levels of nesting, which bounds the recursion below."""
    if isinstance(html, bytes):
        if not html.strip():
            raise IngestError("The HTML is empty.", code="empty")
        html = decode_html_bytes(html, declared_charset)
    source = _XML_DECLARATION_RE.sub("", html.lstrip("\ufeff"), count=1)
    if not source.strip():
        raise IngestError("The HTML is empty.", code="empty")
    if not _DOCUMENT_TAG_RE.search(source[:65536]):
        # trafilatura expects a whole document and rejects a bare fragment
        source = f"<html><body>{source}</body></html>"
    tree = trafilatura.load_html(source)
    if tree is None:
        raise IngestError("The HTML could not be read.", code="no_article_text", status=422)
    check_block_count(sum(1 for _element in tree.iter(*_BLOCK_TAGS)), max_blocks)

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
    check_block_count(len(parts), max_blocks)
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
        except (ValueError, RecursionError):  # broken JSON-LD is common: read dates as text
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
    return decode_html_bytes(data)


def load_html(
    html: str | bytes, *, url: str = "", title: str = "", max_blocks: int = MAX_BLOCKS
) -> LoadedArticle:
    """Article text and metadata of a web page, with navigation and other boilerplate dropped."""
    return read_html(html, url=url, title=title, max_blocks=max_blocks)
