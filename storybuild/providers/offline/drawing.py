"""Small drawing helpers shared by the storyboard frames: fonts, colors, text fitting.

Text goes through storybuild.typeset's font chain (fonts installed with storybuild's
dependencies), so any script is drawn, frames render identically on every machine and
nothing is read from the system. All text the storyboard draws (the `annotate` card,
character sheets) goes through the helpers here.
"""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass
from typing import Sequence

from PIL import ImageDraw

from storybuild import typeset

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Font:
    """A text size in px: every face of typeset's chain at that size (per-thread
    caching of the FreeType faces is typeset's job)."""

    size: int


def font(size: int) -> Font:
    """The storyboard font at `size` px (at least 8)."""
    return Font(max(8, int(size)))


def text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], line: str, face: Font, fill: Sequence[int],
    anchor: str = "la", stroke_width: int = 0, stroke_fill: Sequence[int] | None = None,
) -> None:
    """Draw one line in any script (see typeset.draw for anchors)."""
    typeset.draw(draw, xy, line, face.size, tuple(fill), stroke_width=stroke_width,
                 stroke_fill=tuple(stroke_fill) if stroke_fill else None, anchor=anchor)  # fmt: skip


def stable_int(*parts: object) -> int:
    """A 64-bit integer from `parts` that is the same in every process (unlike hash())."""
    text = "\x1f".join(repr(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def hls(hue: float, lightness: float, saturation: float, alpha: int | None = None) -> RGB | RGBA:
    """An RGB(A) tuple from hue in degrees and lightness/saturation in 0..1."""
    r, g, b = colorsys.hls_to_rgb((hue % 360) / 360, _unit(lightness), _unit(saturation))
    rgb = (round(r * 255), round(g * 255), round(b * 255))
    return rgb if alpha is None else (*rgb, alpha)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))


def mix(a: Sequence[int], b: Sequence[int], t: float) -> RGB:
    """Linear blend of two colors, t=0 gives a, t=1 gives b."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a[:3], b[:3]))  # type: ignore[return-value]


def text_width(text: str, face: Font) -> float:
    return typeset.measure(text, face.size)


def line_height(face: Font) -> int:
    """Distance between baselines: the font's ascent + descent (which already include
    about 20% of air above the capitals)."""
    return typeset.line_height(face.size)


def wrap(text: str, face: Font, width: float, max_lines: int) -> list[str]:
    """Greedy wrap to `width` px (at spaces, and between CJK characters); at most
    `max_lines` lines, the last one ending in an ellipsis when the text did not fit.
    Words wider than a line are cut."""
    if not text.split() or max_lines < 1:
        return []
    lines = [_cut(line, face, width) for line in typeset.wrap(text, face.size, width)]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = ellipsize(lines[-1] + " …", face, width)
    return lines


def _cut(word: str, face: Font, width: float) -> str:
    while len(word) > 1 and text_width(word, face) > width:
        word = word[:-1]
    return word


def ellipsize(text: str, face: Font, width: float) -> str:
    """`text` shortened at a word boundary with a trailing "…" so it fits `width` px."""
    if text_width(text, face) <= width:
        return text
    words = text.replace(" …", "").split()
    while words:
        candidate = " ".join(words).rstrip(",.;:") + "…"
        if text_width(candidate, face) <= width:
            return candidate
        words.pop()
    return _cut(text, face, width - text_width("…", face)) + "…"


def fit_paragraph(text: str, width: float, height: float, largest: int, smallest: int) -> tuple[Font, list[str]]:
    """The largest font size in [smallest, largest] at which `text` wraps into the box;
    at the smallest size the text is cut with an ellipsis instead."""
    size = largest
    while True:
        face = font(size)
        max_lines = max(1, int(height // line_height(face)))
        lines = wrap(text, face, width, max_lines)
        if size <= smallest or not lines[-1].endswith("…"):
            return face, lines
        size = max(smallest, int(size * 0.9))


def draw_lines(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    lines: Sequence[str],
    face: Font,
    fill: Sequence[int],
    bold: bool = False,
) -> float:
    """Draw lines top-down from xy; returns the y just below the last line.
    Bold is faked with a thin stroke of the same color (the default font has one weight)."""
    x, y = xy
    stroke = max(1, face.size // 30) if bold and face.size >= 18 else 0  # a stroke smudges small text
    for line in lines:
        text(draw, (x, y), line, face, fill, stroke_width=stroke, stroke_fill=fill)
        y += line_height(face)
    return y


def character_hue(character_id: str, name: str) -> float:
    """A character's own hue (its sheet background): fixed per character."""
    return stable_int("character", character_id, name) % 360
