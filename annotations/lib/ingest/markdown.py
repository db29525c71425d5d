"""Markdown to canonical text: block structure (headings, quotes, lists, tables, code) and inline
markup reduced to its words, links kept as link spans.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass

from annotations.lib.ingest.normalise import (
    MAX_BLOCKS,
    MAX_NESTING,
    IngestError,
    LoadedArticle,
    _assemble,
    _assemble_marked,
    check_block_count,
    clean_href,
    detect_language,
    has_link_marks,
    link_close,
    link_open,
    link_spans,
    normalise_text,
    strip_link_marks,
)

# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

_FENCE_RE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


_ATX_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


_THEMATIC_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


_QUOTE_RE = re.compile(r"^ {0,3}> ?(.*)$")


_QUOTE_MARKERS_RE = re.compile(r"^(?: {0,3}> ?)+")


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


def _parse_markdown_lines(lines: list[str], depth: int = 0) -> list[tuple[str, int, str, bool]]:
    """Line-based Markdown block parser: (kind, level, source text, is_code).

    `depth` is the number of quotes around `lines`. Quotes nested deeper than MAX_NESTING are
    read as one quote at that depth (their inner markers dropped), and list levels stop at
    MAX_NESTING, so hostile nesting costs neither recursion nor time.
    """
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
            kind, level = ("list_item", min(len(lists), MAX_NESTING)) if lists else ("paragraph", 0)
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
                paragraph_kind, paragraph_level = "list_item", min(len(lists), MAX_NESTING)
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
            if depth + 1 >= MAX_NESTING:
                inner = [_QUOTE_MARKERS_RE.sub("", quoted_line) for quoted_line in inner]
            for _kind, _level, text, is_code in _parse_markdown_lines(inner, depth + 1):
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
            paragraph_kind, paragraph_level = "list_item", min(len(lists), MAX_NESTING)
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


_IMAGE_RE = re.compile(r"!\[[^\[\]]*\](?:" + _LINK_TARGET + r"|\[[^\[\]]*\])")


_LINK_RE = re.compile(r"\[([^\[\]]*)\]" + _LINK_TARGET)


_REF_LINK_RE = re.compile(r"\[([^\[\]]+)\]\[([^\[\]]*)\]")


_REFDEF_TARGET_RE = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?")


# Each emphasis pattern with the closing delimiter its lazy body runs to. An opening
# delimiter with no closing one after it would scan to the end of the block, for every such
# opener (quadratic on "**a **a **a ..."), so a pattern is only applied up to the end of the
# last closing delimiter: every match ends there or before, and nothing after it can match.
_EMPHASIS_RES = [
    (re.compile(r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*", re.DOTALL), re.compile(r"(?<=\S)\*\*\*")),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL), re.compile(r"(?<=\S)\*\*")),
    (
        re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", re.DOTALL),
        re.compile(r"(?<=\S)__(?!\w)"),
    ),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.DOTALL), re.compile(r"(?<=\S)~~")),
    (re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*", re.DOTALL), re.compile(r"(?<=[^\s*])\*")),
    (
        re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)", re.DOTALL),
        re.compile(r"(?<=[^\s_])_(?!\w)"),
    ),
]


_COMMENT_CLOSE_RE = re.compile(r"-->")


def _sub_before_last(
    pattern: re.Pattern[str], closer: re.Pattern[str], replace: Callable, text: str
) -> str:
    """`pattern.sub(replace, text)`, applied only up to the end of `closer`'s last match."""
    end = 0
    for match in closer.finditer(text):
        end = match.end()
    if not end:
        return text
    return pattern.sub(replace, text[:end]) + text[end:]


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
    text = _sub_before_last(_HTML_COMMENT_RE, _COMMENT_CLOSE_RE, lambda _m: "", text)
    text = _HTML_BREAK_RE.sub("\n", text)
    text = _HTML_TAG_RE.sub("", text)
    text = _IMAGE_RE.sub("", text)
    for _ in range(3):  # links can wrap emphasis and vice versa
        text = _LINK_RE.sub(lambda m: linked(m.group(1), _link_destination(m)), text)
        text = _REF_LINK_RE.sub(reference, text)
        for pattern, closer in _EMPHASIS_RES:
            text = _sub_before_last(pattern, closer, lambda m: m.group(1), text)
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


def load_markdown(raw: str, *, title: str = "", max_blocks: int = MAX_BLOCKS) -> LoadedArticle:
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
    parsed = _parse_markdown_lines(lines)
    check_block_count(len(parsed), max_blocks)  # before the costly inline markup
    for kind, level, source, is_code in parsed:
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
