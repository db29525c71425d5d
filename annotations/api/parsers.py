"""Request parsers: JSON that the database can store."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _has_lone_surrogate(value: Any) -> bool:
    """JSON may spell a lone UTF-16 surrogate (\\ud800), which no database can store."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class StrictJSONParser(parsers.JSONParser):
    """DRF's JSON parser (NaN and Infinity already refused) that also refuses lone surrogates,
    so that bad text is a 400 here rather than a database error later."""

    def parse(self, stream, media_type=None, parser_context=None):  # noqa: ANN001, ANN201
        data = super().parse(stream, media_type, parser_context)
        if _has_lone_surrogate(data):
            raise ParseError("JSON parse error - the text contains an unpaired surrogate.")
        return data
