"""A persona's avatar: an abstract face drawn as SVG from its traits. Pure Python.

Deterministic: the same traits and seed give the same bytes. What shows what:

- colours: the hue from the primary DISC style (red D, amber I, green S, blue C; without DISC, from
  openness), shifted a little by openness; saturation from extraversion; the background is
  lighter the calmer the person (low neuroticism);
- the face's shape from the primary style (D square, I round, S soft oval, C hexagon; without
  DISC, from the strongest Big Five domain);
- eyes larger with openness; brows tilt with neuroticism; the smile widens with agreeableness
  and extraversion; cheeks glow with extraversion;
- the ring of dots: orderly with high conscientiousness, scattered (by the seed) otherwise.

The SVG has no scripts, no external references and no event attributes; text is escaped.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from personas.paths import get_path

SIZE = 200
STYLE_HUES = {"d": 4.0, "i": 38.0, "s": 140.0, "c": 212.0}
BIG_FIVE_SHAPES = {
    "openness": "circle",
    "extraversion": "circle",
    "conscientiousness": "square",
    "agreeableness": "oval",
    "neuroticism": "hexagon",
}
STYLE_SHAPES = {"d": "square", "i": "circle", "s": "oval", "c": "hexagon"}


def _score(traits: Mapping[str, Any], path: str) -> float:
    value = get_path(traits, f"{path}.score", None)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return 50.0
    return min(100.0, max(0.0, float(value)))


def _has(traits: Mapping[str, Any], path: str) -> bool:
    value = get_path(traits, f"{path}.score", None)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hex(hue: float, saturation: float, lightness: float) -> str:
    r, g, b = colorsys.hls_to_rgb((hue % 360) / 360.0, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _f(value: float) -> str:
    """A coordinate: one decimal, no trailing zero, no "-0"."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _primary_style(traits: Mapping[str, Any]) -> str | None:
    style = get_path(traits, "disc.primary_style", None)
    if isinstance(style, str) and style in STYLE_HUES:
        return style
    known = {s: _score(traits, f"disc.{s}") for s in "disc" if _has(traits, f"disc.{s}")}
    if not known:
        return None
    return max("disc", key=lambda s: (known.get(s, -1.0), -"disc".index(s)))


def _shape(traits: Mapping[str, Any], style: str | None) -> str:
    if style:
        return STYLE_SHAPES[style]
    domains = [d for d in BIG_FIVE_SHAPES if _has(traits, f"big_five.{d}")]
    if not domains:
        return "circle"
    strongest = max(
        domains, key=lambda d: (abs(_score(traits, f"big_five.{d}") - 50), -list(BIG_FIVE_SHAPES).index(d))
    )
    return BIG_FIVE_SHAPES[strongest]


def _face(shape: str, fill: str, stroke: str) -> str:
    cx, cy = 100, 104
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="3"'
    if shape == "square":
        return f'<rect x="46" y="50" width="108" height="108" rx="18" {common}/>'
    if shape == "oval":
        return f'<ellipse cx="{cx}" cy="{cy}" rx="58" ry="52" {common}/>'
    if shape == "hexagon":
        points = " ".join(
            f"{_f(cx + 58 * math.cos(math.radians(60 * k + 30)))},{_f(cy + 58 * math.sin(math.radians(60 * k + 30)))}"
            for k in range(6)
        )
        return f'<polygon points="{points}" {common}/>'
    return f'<circle cx="{cx}" cy="{cy}" r="56" {common}/>'


def avatar_svg(traits: Mapping[str, Any] | None, seed: str, *, title: str = "Persona avatar") -> str:
    """The avatar of a persona with these mindscape ``traits``; ``seed`` varies small details."""
    traits = traits if isinstance(traits, Mapping) else {}
    digest = hashlib.sha256(seed.encode("utf-8")).digest()

    openness = _score(traits, "big_five.openness")
    conscientiousness = _score(traits, "big_five.conscientiousness")
    extraversion = _score(traits, "big_five.extraversion")
    agreeableness = _score(traits, "big_five.agreeableness")
    neuroticism = _score(traits, "big_five.neuroticism")
    style = _primary_style(traits)

    base_hue = STYLE_HUES[style] if style else 180.0 + openness * 1.4
    hue = base_hue + (openness - 50) * 0.3 + (digest[0] / 255.0 - 0.5) * 8
    saturation = 0.35 + extraversion / 100.0 * 0.4
    background = _hex(hue, saturation * 0.6, 0.93 - neuroticism / 100.0 * 0.18)
    ring = _hex(hue + 24, saturation, 0.55)
    face_fill = _hex(hue, saturation * 0.55, 0.78)
    outline = _hex(hue, saturation, 0.32)
    ink = _hex(hue, 0.35, 0.18)
    cheek = _hex(hue - 30, 0.7, 0.62)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{SIZE}" height="{SIZE}" rx="28" fill="{background}"/>',
    ]

    # The ring of dots: orderly when conscientious, scattered by the seed otherwise.
    dots = 12 + digest[1] % 7
    order = conscientiousness / 100.0
    for k in range(dots):
        jitter = (digest[(k + 2) % 32] / 255.0 - 0.5) * (1 - order)
        angle = 2 * math.pi * (k / dots) + jitter * 1.2
        radius = 84 + jitter * 16
        size = 2.5 + (digest[(k + 7) % 32] % 3) * (1 - order) + order * 1.0
        x, y = 100 + radius * math.cos(angle), 100 + radius * math.sin(angle)
        parts.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(size)}" fill="{ring}" opacity="0.8"/>')

    parts.append(_face(_shape(traits, style), face_fill, outline))

    # Cheeks.
    cheek_opacity = 0.1 + extraversion / 100.0 * 0.5
    for x in (70, 130):
        parts.append(f'<circle cx="{x}" cy="124" r="9" fill="{cheek}" opacity="{cheek_opacity:.2f}"/>')

    # Eyes and brows.
    eye = 5.0 + openness / 100.0 * 5.0
    tilt = max(0.0, neuroticism - 40) / 60.0 * 7.0 - 1.5  # inner ends rise when worried
    for x, side in ((78, 1), (122, -1)):
        parts.append(
            f'<circle cx="{x}" cy="96" r="{_f(eye)}" fill="#ffffff" stroke="{ink}" stroke-width="2"/>'
        )
        parts.append(f'<circle cx="{x + side * 1.5:g}" cy="97" r="{_f(eye * 0.5)}" fill="{ink}"/>')
        inner_y, outer_y = 80 - tilt, 80 + tilt * 0.3
        x_inner, x_outer = x + side * 10, x - side * 10
        parts.append(
            f'<path d="M{_f(x_outer)} {_f(outer_y)} L{_f(x_inner)} {_f(inner_y)}" stroke="{ink}" '
            f'stroke-width="3" stroke-linecap="round" fill="none"/>'
        )

    # Mouth: a curve that smiles more with agreeableness and extraversion.
    warmth = (agreeableness + extraversion) / 200.0  # 0..1
    width = 18 + warmth * 14
    curve = -8 + warmth * 30
    parts.append(
        f'<path d="M{_f(100 - width)} 130 Q100 {_f(130 + curve)} {_f(100 + width)} 130" stroke="{ink}" '
        f'stroke-width="3.5" stroke-linecap="round" fill="none"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
