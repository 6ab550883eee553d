"""Turning text into pixels in any script.

A `Typeface` is a fallback chain of fonts: an optional user font first, then the fonts
that install with storybuild's own dependencies (Noto Sans for Latin, Greek and
Cyrillic; Noto Sans Arabic and Hebrew; Noto Sans CJK; Noto Sans for a dozen Indic and
South-East Asian scripts; Noto Sans Symbols; monochrome Noto Emoji). Nothing is read
from the system and nothing is downloaded, so text renders the same on every machine.

Invariants:
- Every character is drawn with the first font of the chain whose cmap has it, except
  that spaces, punctuation, digits and marks stay in the font of the character before
  them when that font has them (so an Arabic or Japanese sentence is one shaped run).
- No missing-glyph box is ever drawn: a character no font has (an emoji newer than the
  emoji font, a script without a bundled font) is left out of the pixels;
  `missing_glyphs` names the ones that are not emoji so a caller can warn.
- Right-to-left text (Arabic, Hebrew) is laid out line by line in visual order (a
  simplified Unicode bidi algorithm: strong letters, numbers, neutrals between them)
  and shaped: by libraqm when Pillow's raqm works here, else by arabic-reshaper
  (presentation forms) with the letters reversed in code.
- Vertical placement uses the first font of the chain, so lines in any script share
  one baseline grid.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PIL import ImageDraw, ImageFont, features

from storybuild.errors import ProviderError

_BUNDLED = (
    ("manimgx_fonts", "NotoSans[wght].ttf"),
    ("manimgx_fonts", "NotoSansArabic[wght].ttf"),
    ("manimgx_fonts", "NotoSansHebrew[wght].ttf"),
    ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),  # face 0: Japanese glyph forms
    *(("manimgx_fonts", f"NotoSans{script}[wght].ttf") for script in (
        "Armenian", "Bengali", "Devanagari", "Ethiopic", "Georgian", "Gujarati", "Gurmukhi", "Kannada",
        "Khmer", "Lao", "Malayalam", "Myanmar", "Oriya", "Sinhala", "Tamil", "Telugu", "Thai",
    )),  # fmt: skip
    ("manimgx_fonts", "NotoSansSymbols[wght].ttf"),
    ("manimgx_fonts", "NotoEmoji[wght].ttf"),
)
_MIRRORED = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹"))
# Kinsoku: CJK lines never start with closing punctuation or small kana, never end on an opener.
_NO_LINE_START = set("、。，．・：；？！ー」』）】〕〉》〙〗ゝゞぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々,.!?;:)]}%”’…")
_NO_LINE_END = set("「『（【〔〈《〘〖([{“‘")


@dataclass(frozen=True)
class Face:
    """One font file of the chain; `index` picks a face in a collection (.ttc/.otc)."""

    path: str
    index: int = 0


@dataclass(frozen=True)
class Run:
    """A piece of one line drawn with one font in one direction. `text` is in logical
    (typing) order; runs of a line are listed left to right as they appear on screen."""

    text: str
    face: Face
    rtl: bool


def bundled_faces() -> tuple[Face, ...]:
    """The fonts shipped by storybuild's dependencies, in fallback order."""
    return tuple(Face(str(resources.files(package) / name)) for package, name in _BUNDLED)


@functools.lru_cache(maxsize=None)
def coverage(face: Face) -> frozenset[int]:
    """The code points `face` maps to a glyph (its cmap); read once, shared by threads."""
    from fontTools.ttLib import TTFont

    if not Path(face.path).is_file():
        raise ProviderError(f"cannot read font {face.path}: no such file")
    try:
        with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
            return frozenset(font.getBestCmap() or ())
    except Exception as exc:  # fontTools raises many types for a file that is not a font
        raise ProviderError(f"cannot read font {face.path}: not a TrueType or OpenType font") from exc


@functools.lru_cache(maxsize=None)
def raqm_works() -> bool:
    """Whether Pillow's libraqm is present and really shapes: Pillow's wheels load
    FriBiDi from the system at run time, so `features.check` alone is not proof.
    The probe: Arabic beh twice, joined, is narrower than two isolated behs."""
    if not features.check_feature("raqm"):
        return False
    try:
        font = ImageFont.truetype(bundled_faces()[1].path, 40, layout_engine=ImageFont.Layout.RAQM)
        return abs(font.getlength("بب", direction="rtl") - 2 * font.getlength("ب", direction="rtl")) > 1
    except (OSError, ValueError, KeyError):
        return False


_local = threading.local()  # FreeType faces are not safe to share between threads


def pil_font(face: Face, size: float) -> ImageFont.FreeTypeFont:
    """The Pillow font for `face` at `size` px, cached per thread and layout engine."""
    engine = ImageFont.Layout.RAQM if raqm_works() else ImageFont.Layout.BASIC
    cache = getattr(_local, "fonts", None)
    if cache is None:
        cache = _local.fonts = {}
    key = (face, size, engine)
    if key not in cache:
        try:
            cache[key] = ImageFont.truetype(face.path, size, index=face.index, layout_engine=engine)
        except OSError as exc:
            raise ProviderError(f"cannot read font {face.path}: not a TrueType or OpenType font") from exc
    return cache[key]


class Typeface:
    """A font fallback chain: `font_path` (a TTF/OTF/TTC chosen by the user) first when
    given, then the bundled fonts. Immutable; safe to share between threads."""

    def __init__(self, font_path: str | Path | None = None):
        user = (Face(str(Path(font_path).resolve())),) if font_path else ()
        self.chain: tuple[Face, ...] = user + bundled_faces()
        if user:
            coverage(user[0])  # a broken user font fails here, with its path named

    def measure(self, text: str, size: float) -> float:
        """Advance width in px of `text` drawn on one line at `size` px."""
        return sum(self._run_width(run, size) for run in self.runs(text))

    def line_height(self, size: float) -> int:
        """Distance between baselines: the first font's ascent + descent at `size`."""
        ascent, descent = pil_font(self.chain[0], size).getmetrics()
        return ascent + descent

    def draw(
        self, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: float, fill,
        *, stroke_width: int = 0, stroke_fill=None, anchor: str = "la",
    ) -> None:
        """Draw `text` as one line. `anchor` is two letters as in Pillow: horizontal
        l/m/r, vertical a (ascender, also t), m (middle), s (baseline), d (descender,
        also b), all measured on the first font. Outlines of every run are drawn before
        any fill so a run's outline never covers its neighbour's letters."""
        runs = self.runs(text)
        widths = [self._run_width(run, size) for run in runs]
        x = xy[0] - sum(widths) * {"l": 0.0, "m": 0.5, "r": 1.0}[anchor[0]]
        ascent, descent = pil_font(self.chain[0], size).getmetrics()
        drop = {"a": ascent, "t": ascent, "m": (ascent - descent) / 2, "s": 0, "d": -descent, "b": -descent}
        baseline = xy[1] + drop[anchor[1]]
        passes = [(stroke_fill, stroke_width), (fill, 0)] if stroke_width else [(fill, 0)]
        for ink, stroke in passes:
            left = x
            for run, width in zip(runs, widths):
                text_, options = self._layout(run)
                draw.text((left, baseline), text_, font=pil_font(run.face, size), fill=ink, anchor="ls",
                          stroke_width=stroke, stroke_fill=ink, **options)  # fmt: skip
                left += width

    def wrap(self, text: str, size: float, max_width: float) -> list[str]:
        """Greedy line breaking by rendered width: at spaces, and between CJK characters
        (never before closing punctuation or after an opening bracket). A piece wider
        than max_width gets a line of its own; no character is dropped. Lines are NFC."""
        lines: list[str] = []
        for piece, after_space in _break_units(unicodedata.normalize("NFC", text)):
            if not lines:
                lines.append(piece)
                continue
            candidate = lines[-1] + (" " if after_space else "") + piece
            if self.measure(candidate, size) <= max_width:
                lines[-1] = candidate
            else:
                lines.append(piece)
        return lines or [""]

    def missing_glyphs(self, text: str) -> set[str]:
        """Characters of `text` that no font in the chain has, other than emoji,
        whitespace and invisible format characters (those are never reported)."""
        return {
            char for char in unicodedata.normalize("NFC", text)
            if self._pick(char, None) is None and not _silent(char)
        }  # fmt: skip

    @functools.lru_cache(maxsize=4096)
    def runs(self, text: str) -> tuple[Run, ...]:
        """`text` (one line) split into runs of one font and direction, left to right
        as drawn. Characters no font has are left out; control characters too."""
        text = unicodedata.normalize("NFC", text)
        faces, kept = [], []
        for char in text:
            face = self._pick(char, faces[-1] if faces else None)
            if face is not None and unicodedata.category(char) != "Cc":
                faces.append(face)
                kept.append(char)
        levels = _bidi_levels(kept)
        return tuple(_group(kept, faces, levels, _visual_order(levels)))

    def _pick(self, char: str, previous: Face | None) -> Face | None:
        point = ord(char)
        # Neutrals stay with the previous font, except the emoji font, whose space is an emoji wide.
        sticky = previous is not None and previous != self.chain[-1]
        if sticky and not unicodedata.category(char).startswith("L") and point in coverage(previous):
            return previous
        return next((face for face in self.chain if point in coverage(face)), None)

    def _run_width(self, run: Run, size: float) -> float:
        text, options = self._layout(run)
        return pil_font(run.face, size).getlength(text, **options)

    @staticmethod
    def _layout(run: Run) -> tuple[str, dict]:
        """Text and Pillow options that draw `run` left to right on screen."""
        if raqm_works():
            return run.text, {"direction": "rtl" if run.rtl else "ltr"}
        if not run.rtl:
            return run.text, {}
        import arabic_reshaper

        shaped = arabic_reshaper.reshape(run.text)
        return "".join(_MIRRORED.get(char, char) for char in reversed(shaped)), {}


def _silent(char: str) -> bool:
    """Characters whose absence from the pixels needs no warning."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Mn") or _is_emoji(char)


def _is_emoji(char: str) -> bool:
    point = ord(char)
    return (
        0x1F000 <= point <= 0x1FAFF or 0x2600 <= point <= 0x27BF or 0x2300 <= point <= 0x23FF
        or 0x2B00 <= point <= 0x2BFF or 0xE0020 <= point <= 0xE007F or point in (0x200D, 0x20E3, 0xFE0F)
    )  # fmt: skip


def _direction(char: str) -> str:
    """L (left-to-right letter), R (right-to-left letter), N (number) or O (other)."""
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL"):
        return "R"
    return {"L": "L", "EN": "N", "AN": "N"}.get(kind, "O")


def _bidi_levels(chars: list[str]) -> list[int]:
    """Embedding levels per character (0, 1 or 2), after the Unicode bidi rules for a
    paragraph without explicit embeddings: the first strong letter sets the base
    direction; numbers after a left-to-right letter are left-to-right, others sit at
    level 2; marks follow their base; a neutral between two equal directions takes it,
    else the base direction."""
    kinds = [_direction(char) for char in chars]
    for i, char in enumerate(chars):  # W1: a mark takes the kind of what it marks
        if i and unicodedata.category(char).startswith("M"):
            kinds[i] = kinds[i - 1]
    base = next((kind for kind in kinds if kind in "LR"), "L")
    strong, previous = [], base
    for kind in kinds:  # numbers act as L after an L letter, else as R (W7, N1)
        if kind in "LR":
            previous = kind
        strong.append(("L" if previous == "L" else "R") if kind == "N" else kind)
    before, previous = [], base
    for kind in strong:
        before.append(previous)
        previous = kind if kind in "LR" else previous
    resolved, following = list(strong), base
    for i in range(len(strong) - 1, -1, -1):
        if strong[i] in "LR":
            following = strong[i]
        else:
            resolved[i] = before[i] if before[i] == following else base
    levels = {"L": 0, "R": 1} if base == "L" else {"L": 2, "R": 1}
    return [2 if kind == "N" and res == "R" else levels[res] for kind, res in zip(kinds, resolved)]


def _visual_order(levels: list[int]) -> list[int]:
    """Logical indices in screen order: from the highest level down to 1, reverse every
    maximal sequence at that level or higher (rule L2)."""
    order = list(range(len(levels)))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = reversed(order[i:j])
            i = j
    return order


def _group(chars: list[str], faces: list[Face], levels: list[int], order: list[int]) -> list[Run]:
    """Screen-ordered indices joined into runs of one face and level whose characters
    are neighbours in logical order (descending on screen for right-to-left)."""
    runs: list[tuple[Face, int, list[int]]] = []
    for index in order:
        step = -1 if levels[index] % 2 else 1
        if runs and runs[-1][0] == faces[index] and runs[-1][1] == levels[index] and runs[-1][2][-1] + step == index:
            runs[-1][2].append(index)
        else:
            runs.append((faces[index], levels[index], [index]))
    return [Run("".join(chars[i] for i in sorted(indices)), face, level % 2 == 1) for face, level, indices in runs]


def _is_cjk(char: str) -> bool:
    """Han, kana and CJK punctuation: scripts written without spaces between words."""
    point = ord(char)
    return (
        0x2E80 <= point <= 0x303F or 0x3040 <= point <= 0x30FF or 0x31F0 <= point <= 0x31FF
        or 0x3400 <= point <= 0x4DBF or 0x4E00 <= point <= 0x9FFF or 0xF900 <= point <= 0xFAFF
        or 0xFF00 <= point <= 0xFF60 or 0x20000 <= point <= 0x3FFFF
    )  # fmt: skip


def _break_units(text: str):
    """(piece, follows_a_space) pairs: the words of `text`, CJK words cut between
    characters wherever a line may break."""
    for number, word in enumerate(text.split()):
        start = 0
        for i in range(1, len(word)):
            before, after = word[i - 1], word[i]
            if (_is_cjk(before) or _is_cjk(after)) and after not in _NO_LINE_START and before not in _NO_LINE_END:
                yield word[start:i], start == 0 and number > 0
                start = i
        yield word[start:], start == 0 and number > 0


@functools.lru_cache(maxsize=16)
def typeface(font_path: str | Path | None = None) -> Typeface:
    """The shared Typeface for `font_path` (None: the bundled fonts only)."""
    return Typeface(font_path)


def measure(text: str, size: float, font_path: str | Path | None = None) -> float:
    """Advance width in px of one line of `text` at `size` px (see Typeface.measure)."""
    return typeface(font_path).measure(text, size)


def line_height(size: float, font_path: str | Path | None = None) -> int:
    """Baseline-to-baseline distance at `size` px (see Typeface.line_height)."""
    return typeface(font_path).line_height(size)


def draw(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: float, fill,
    stroke_width: int = 0, stroke_fill=None, anchor: str = "la", font_path: str | Path | None = None,
) -> None:
    """Draw one line of `text` at xy (see Typeface.draw for anchors and invariants)."""
    typeface(font_path).draw(draw, xy, text, size, fill, stroke_width=stroke_width,
                             stroke_fill=stroke_fill, anchor=anchor)  # fmt: skip


def wrap(text: str, size: float, max_width: float, font_path: str | Path | None = None) -> list[str]:
    """Lines of `text` at most max_width px wide where breaking allows (see Typeface.wrap)."""
    return typeface(font_path).wrap(text, size, max_width)


def missing_glyphs(text: str, font_path: str | Path | None = None) -> set[str]:
    """Characters no font of the chain has, emoji aside (see Typeface.missing_glyphs)."""
    return typeface(font_path).missing_glyphs(text)
