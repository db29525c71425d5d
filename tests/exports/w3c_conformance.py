"""The W3C Web Annotation conformance assertions, evaluated as the official runner does.

The suite lives beside the project (../shared/data/w3c/web-annotation-tests, never copied in).
Like its runner (run_wpt_model_tests.py), this loads definitions/*.json into a referencing
Registry keyed by each file's "id", then validates the instance against every assertion a
.test file lists with a draft-04 validator and a FormatChecker; an assertion passes when the
outcome equals its "expectedResult" (default "valid"). Failures of assertions whose
"assertionType" is "may" or "should" are reported but do not count, as in the runner.

Stricter than the runner where it could hide a problem: an assertion file that is missing is a
failure (the runner prints MISSING and passes), and the WPT JSONtest forms the runner skips —
a nested list (any one passing is enough) and an inline object (a schema, or a group with its
own "assertions" and "compareWith": "and"/"or") — are evaluated rather than skipped.
`selector_failures` is the runner's extra per-selector check: draft-04 ignores "$ref"
siblings, so annotationMusts accepts any object with a "source" without looking at its
selectors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

W3C_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "w3c"
SUITE = W3C_DIR / "web-annotation-tests"
RUNNER = W3C_DIR / "run_wpt_model_tests.py"

ANNOTATION_MUSTS = "annotations/annotationMusts.test"
PAGE_MUSTS = "collections/pages/pageMusts.test"
COLLECTION_MUSTS = "collections/collectionMusts.test"

requires_suite = pytest.mark.skipif(
    not (SUITE / "definitions").is_dir(),
    reason=f"the W3C conformance suite is not at {SUITE}",
)

SELECTOR_DEFINITIONS = [
    "fragmentSelectorTypeValidIfPresent",
    "cssSelectorTypeValidIfPresent",
    "xpathSelectorTypeValidIfPresent",
    "textQuoteSelectorTypeValidIfPresent",
    "textPositionSelectorTypeValidIfPresent",
    "dataPositionSelectorTypeValidIfPresent",
    "svgSelectorTypeValidIfPresent",
    "rangeSelectorTypeValidIfPresent",
    "refinedByDefined",
]


@dataclass(frozen=True)
class Outcome:
    assertion: str
    passed: bool
    severity: str  # must / should / may
    message: str

    @property
    def counts(self) -> bool:
        """A failure that makes the instance non-conformant."""
        return not self.passed and self.severity not in ("may", "should")


@cache
def _registry():  # noqa: ANN202 - referencing.Registry, imported lazily
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    resources = []
    for file in sorted((SUITE / "definitions").glob("*.json")):
        schema = json.loads(file.read_text(encoding="utf-8"))
        resources.append((schema.get("id", file.name), Resource(schema, specification=DRAFT4)))
    return Registry().with_resources(resources)


def _validator(schema: dict[str, Any]):  # noqa: ANN202
    from jsonschema import Draft4Validator, FormatChecker

    return Draft4Validator(schema, registry=_registry(), format_checker=FormatChecker())


@cache
def _schema(relative: str) -> dict[str, Any]:
    return json.loads((SUITE / relative).read_text(encoding="utf-8"))


def _run_schema(name: str, schema: dict[str, Any], instance: Any) -> Outcome:
    errors = list(_validator(schema).iter_errors(instance))
    expected_valid = schema.get("expectedResult", "valid") == "valid"
    passed = (not errors) == expected_valid
    message = ""
    if not passed:
        message = schema.get("errorMessage") or (errors[0].message if errors else "valid")
        if errors:
            message += f" [{errors[0].message[:200]}]"
    return Outcome(name, passed, schema.get("assertionType", "must"), message)


def _run(assertion: Any, instance: Any) -> list[Outcome]:
    if isinstance(assertion, str):
        if not (SUITE / assertion).is_file():
            return [Outcome(assertion, False, "must", "assertion file missing")]
        return [_run_schema(assertion, _schema(assertion), instance)]
    if isinstance(assertion, list):  # a nested list: an "or" group
        return [_group(str(assertion)[:60], assertion, "or", instance)]
    if isinstance(assertion, dict) and "assertions" in assertion:
        compare = assertion.get("compareWith", "and")
        return [_group(assertion.get("title", "group"), assertion["assertions"], compare, instance)]
    if isinstance(assertion, dict):  # an inline assertion schema
        return [_run_schema(assertion.get("title", "inline"), assertion, instance)]
    raise TypeError(f"Unknown assertion form: {assertion!r}")


def _group(name: str, members: list[Any], compare: str, instance: Any) -> Outcome:
    outcomes = [outcome for member in members for outcome in _run(member, instance)]
    ok = [not outcome.counts for outcome in outcomes]
    passed = any(ok) if compare == "or" else all(ok)
    messages = "; ".join(outcome.message for outcome in outcomes if outcome.counts)
    return Outcome(name, passed, "must", "" if passed else messages)


def evaluate(test_file: str, instance: Any) -> list[Outcome]:
    """Every assertion of a .test file (relative to the suite) against `instance`."""
    test = _schema(test_file)
    return [outcome for assertion in test["assertions"] for outcome in _run(assertion, instance)]


def selector_failures(annotation: Any) -> list[tuple[dict[str, Any], str]]:
    """Selectors of the annotation's targets that break their type's definition."""
    targets = annotation.get("target", []) if isinstance(annotation, dict) else []
    targets = targets if isinstance(targets, list) else [targets]
    failures = []
    for target in targets:
        if not isinstance(target, dict):
            continue
        for selector in _selectors(target.get("selector", [])):
            for definition in SELECTOR_DEFINITIONS:
                ref = {"$ref": f"specificResource.json#/definitions/{definition}"}
                if not _validator(ref).is_valid(selector):
                    failures.append((selector, definition))
    return failures


def _selectors(selector: Any):  # noqa: ANN202 - a generator of dicts
    if isinstance(selector, list):
        for item in selector:
            yield from _selectors(item)
    elif isinstance(selector, dict):
        yield selector
        if "refinedBy" in selector:
            yield from _selectors(selector["refinedBy"])
        for key in ("startSelector", "endSelector"):
            if key in selector:
                yield from _selectors(selector[key])


def failures(test_file: str, instance: Any) -> list[Outcome]:
    """The must-failures of one .test file (empty when the instance conforms)."""
    return [outcome for outcome in evaluate(test_file, instance) if outcome.counts]


def assert_conforms(test_file: str, instance: Any) -> int:
    """Fail the test on any must-failure; return the number of assertions evaluated."""
    outcomes = evaluate(test_file, instance)
    failed = [outcome for outcome in outcomes if outcome.counts]
    if test_file == ANNOTATION_MUSTS:
        failed += [
            Outcome(f"selector {definition}", False, "must", json.dumps(selector)[:200])
            for selector, definition in selector_failures(instance)
        ]
    assert not failed, f"{test_file}: {len(failed)} failed\n" + "\n".join(
        f"  {outcome.assertion}: {outcome.message}" for outcome in failed
    )
    return len(outcomes)
