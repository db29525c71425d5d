#!/usr/bin/env python
"""CPU time of hostile article input: what ingestion spends before it answers (an article or a
clear refusal), per input.

  deep-quotes-md   Markdown of 50,000 nested quotes ("> > > ... words")
  deep-quotes-12k  Markdown of 12,000 nested quotes without spaces (">>>> ... words")
  stair-md         900 quote lines, each one level deeper than the last
  paragraphs-html  a pasted HTML article of 60,000 paragraphs
  paragraphs-md    Markdown of 60,000 paragraphs
  unclosed-md      one Markdown paragraph of 250,000 unclosed "**" (1 MB)
  brackets-md      one Markdown paragraph of 1,000,000 "["

Each case runs in its own process (a stalled case is stopped at --timeout seconds and reported
as such). Pure ingestion: no database. CPU seconds are the process's user + system time.

    .venv/bin/python benchmarks/bench_hostile_input.py [--timeout 120]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _support import PYTHON, ROOT

CASES = {
    "deep-quotes-md": ("markdown", "'Title\\n\\n' + '> ' * 50_000 + 'the deepest words'"),
    "deep-quotes-12k": ("markdown", "'>' * 12_000 + ' deep'"),
    "stair-md": ("markdown", "'\\n'.join('> ' * i + 'x' for i in range(1, 900))"),
    "paragraphs-html": (
        "html",
        "'<html><body><article>' + ''.join(f'<p>Paragraph number {i} says something.</p>' "
        "for i in range(60_000)) + '</article></body></html>'",
    ),
    "paragraphs-md": (
        "markdown",
        "'\\n\\n'.join(f'Paragraph {i} says *something* here.' for i in range(60_000))",
    ),
    "unclosed-md": ("markdown", "'**a ' * 250_000"),
    "brackets-md": ("markdown", "'[' * 1_000_000"),
}

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from annotations.lib import ingest
source = {expression}
load = ingest.load_markdown if {kind!r} == "markdown" else ingest.load_html
start = time.process_time()
try:
    article = load(source)
    outcome = f"article of {{len(article.blocks)}} blocks"
except ingest.IngestError as error:
    outcome = f"refused {{error.status}} {{error.code}}"
except BaseException as error:  # what a server would have answered with a 500
    outcome = f"500: {{type(error).__name__}}"
print(json.dumps({{"cpu": time.process_time() - start, "outcome": outcome}}))
"""


def run_case(kind: str, expression: str, timeout: float) -> dict:
    code = CHILD.format(root=str(ROOT), expression=expression, kind=kind)
    try:
        done = subprocess.run(
            [PYTHON, "-c", code], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"cpu": timeout, "outcome": f"stopped after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"cpu": float("nan"), "outcome": "crashed: " + done.stderr.strip()[-200:]}
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    print(f"{'case':<18} {'CPU s':>8}  outcome")
    for name, (kind, expression) in CASES.items():
        result = run_case(kind, expression, args.timeout)
        print(f"{name:<18} {result['cpu']:>8.2f}  {result['outcome']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
