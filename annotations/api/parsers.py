"""Request parsers: JSON that the database can store."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# No body the API takes needs more; Python's JSON reader recurses per level and fails (a 500)
# somewhere near a thousand.
MAX_JSON_DEPTH = 64


_JSON_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


_NOT_A_BRACKET_RE = re.compile(r"[^\[\]{}]+")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays and objects in `text` nest more than `limit` deep (strings skipped),
    counted in one pass without recursion, before the JSON reader sees the text."""
    depth = 0
    for bracket in _NOT_A_BRACKET_RE.sub("", _JSON_STRING_RE.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _has_lone_surrogate(value: Any) -> bool:
    """JSON may spell a lone UTF-16 surrogate (\\ud800), which no database can store."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class StrictJSONParser(parsers.JSONParser):
    """DRF's JSON parser (NaN and Infinity already refused) that also refuses lone surrogates,
    so that bad text is a 400 here rather than a database error later, and nesting deeper than
    MAX_JSON_DEPTH, so that it is a 400 rather than a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):  # noqa: ANN001, ANN201
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if json_depth_exceeds(text, MAX_JSON_DEPTH):
            raise ParseError(
                f"JSON parse error - the body nests arrays and objects more than "
                f"{MAX_JSON_DEPTH} levels deep."
            )
        try:
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if _has_lone_surrogate(data):
            raise ParseError("JSON parse error - the text contains an unpaired surrogate.")
        return data
