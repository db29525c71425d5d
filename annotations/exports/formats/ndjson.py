"""NDJSON export: one claim per line, the same claim object as in our JSON export.

Each line is a complete JSON object followed by "\\n" (https://github.com/ndjson/ndjson-spec);
UTF-8, nothing escaped that need not be. Pure: no Django import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from annotations.exports.formats.ourjson import dumps


def line(claim: Mapping[str, Any]) -> str:
    # json.dumps escapes the line separators \n and \r inside strings, so a line is a claim.
    return dumps(claim) + "\n"


def document(claims: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for claim in claims:
        yield line(claim)
