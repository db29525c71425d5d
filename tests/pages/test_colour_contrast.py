"""The claim-number chips (`.claim-ref`, before each highlight) reach WCAG's 4.5:1 contrast.

Computed from the stylesheet itself: the chip's text colour, its background (the verdict's
colour mixed towards black, `color-mix(in srgb, …)`, which mixes the sRGB values), and every
verdict colour of the default scale — plus white, the lightest colour a team could choose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()


def channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = (channel(round(v)) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def rule(selector: str) -> str:
    found = re.search(rf"(?m)^{re.escape(selector)} \{{(.*?)\}}", CSS, re.S)
    assert found, f"no {selector} rule in app.css"
    return found.group(1)


def verdict_colours() -> dict[str, str]:
    return dict(re.findall(r"--verdict-([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def chip_background(colour: str) -> tuple[float, float, float]:
    background = re.search(
        r"background:\s*color-mix\(in srgb, var\(--c\) (\d+)%, black\)", rule(".claim-ref")
    )
    assert background, "the chip's background is no longer a mix of the verdict colour"
    share = int(background.group(1)) / 100
    return tuple(share * v for v in rgb(colour))  # black contributes nothing


def chip_text() -> tuple[int, int, int]:
    return rgb(re.search(r"(?m)^\s*color:\s*(#[0-9a-fA-F]{3,6})", rule(".claim-ref")).group(1))


def test_the_stylesheet_has_the_default_verdict_colours():
    assert {"true", "mostly-true", "half-true", "mostly-false", "false"} <= set(verdict_colours())


@pytest.mark.parametrize("name", sorted(verdict_colours()))
def test_a_claim_number_chip_reaches_4_5_to_1_on_every_default_verdict(name):
    ratio = contrast(chip_text(), chip_background(verdict_colours()[name]))
    assert ratio >= 4.5, f"{name}: {ratio:.2f}:1"


@pytest.mark.parametrize("colour", ["#ffffff", "#fde047", "#a3e635", "#67e8f9"])
def test_a_claim_number_chip_reaches_4_5_to_1_on_any_colour_a_team_picks(colour):
    """Team admins choose their ratings' colours: the lightest there is still works."""
    assert contrast(chip_text(), chip_background(colour)) >= 4.5


def test_the_contrast_function_agrees_with_wcag_examples():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast(rgb("#767676"), (255, 255, 255)), 2) == 4.54
