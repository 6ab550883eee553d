"""A clip's burned-in captions: pages laid out in the safe area, timed from their
words, drawn as a few RGBA images that ffmpeg overlays for exact frame ranges.

Text is measured and drawn only through `measure` and `draw_text`, so the font code
can be replaced (today Pillow's built-in font at any size). The overlay is one small
canvas (the safe area's width, two lines high) at a fixed place; each state of the
captions (a page, or a page with one word highlighted, or nothing) is one image
shown from its start frame to its end frame by the concat demuxer.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from storybuild import captions, typeset
from storybuild.caption_timing import WordTime, page_times

SIZES = {"small": 0.045, "medium": 0.055, "large": 0.07}  # of the frame's short side
SMALLEST = 8  # pixels: the smallest legible size; `validate` warns about lines wider than this
LINE_SPACING = 1.25
BAND_ALPHA = 120
LABEL_COLOR = "#9fd8ff"  # a dialogue speaker's name: light blue, apart from the words and the highlight


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels. Invariant: left < right, top < bottom."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left


@dataclass(frozen=True)
class Layout:
    """Where captions go in a width x height frame: the safe area, the font size in
    pixels, and the widest a line may be (the safe area less the band's padding)."""

    safe: Box
    size: int
    max_text_width: float
    position: str
    font: str | None = None  # the project's caption font (a path), first in the font chain


@dataclass(frozen=True)
class State:
    """What the captions show from `start` to `end` (frames, end exclusive): `image`
    (RGBA, the canvas size) or nothing (None). Invariant: 0 <= start < end."""

    start: int
    end: int
    image: Any


@dataclass(frozen=True)
class Overlay:
    """A clip's captions: states covering frames [0, frames) in order, without gaps,
    every image of size `size`, drawn with its top-left corner at (x, y)."""

    x: int
    y: int
    size: tuple[int, int]
    states: tuple[State, ...]


@functools.lru_cache(maxsize=8192)  # pagination measures the same phrases many times
def measure(text: str, size: int, font: str | None = None) -> float:
    """Width in pixels of `text` drawn at `size`, in any script (the one place caption
    text is measured: typeset's font chain, `font` first, the letters draw_text uses)."""
    return float(typeset.measure(text, size, Path(font) if font else None))


def draw_text(draw: Any, xy: tuple[float, float], text: str, size: int, fill: str, font: str | None = None) -> None:
    """Draw `text` with its left end at x and its middle at y, outlined in black so it
    reads on any picture (the one place caption text is drawn)."""
    typeset.draw(draw, xy, text, size, fill, stroke_width=max(2, size // 12), stroke_fill=(0, 0, 0, 255),
                 anchor="lm", font_path=Path(font) if font else None)


def safe_area(width: int, height: int) -> Box:
    """Where captions may be drawn: in portrait (9:16) clear of the top 8%, the
    bottom 15% and the right 12% where platforms put their buttons, 5% from the left;
    otherwise a 5% title-safe margin all round."""
    if height > width * 1.2:
        return Box(round(width * 0.05), round(height * 0.08), round(width * 0.88), round(height * 0.85))
    return Box(round(width * 0.05), round(height * 0.05), round(width * 0.95), round(height * 0.95))


def font_size(style: Mapping[str, Any], width: int, height: int) -> int:
    """`style["size"]`: small | medium | large (a share of the short side) or pixels."""
    size = style.get("size", "medium")
    if isinstance(size, str):
        return max(SMALLEST, round(min(width, height) * SIZES[size]))
    return max(SMALLEST, int(size))


def layout(style: Mapping[str, Any], width: int, height: int, font: Path | str | None = None) -> Layout:
    """The Layout for a style at a frame size, drawn in `font` (a path) when given."""
    safe, size = safe_area(width, height), font_size(style, width, height)
    return Layout(safe, size, safe.width - 2 * _pad_x(size), style.get("position", "bottom"),
                  str(font) if font else None)


def _pad_x(size: int) -> int:
    return round(size * 0.5)


def _pad_y(size: int) -> int:
    return round(size * 0.3)


def pages_for(text: str, lay: Layout, names: Sequence[str] = (), speaker: str = "") -> list[captions.Page]:
    """The narration's (or one dialogue line's) pages for this layout: lines fit
    LINE_CHARS and the pixel width, with the `speaker`'s label in front."""
    return captions.paginate(text, measure=lambda line: measure(line, lay.size, lay.font),
                             max_width=lay.max_text_width, names=names, speaker=speaker)


def shown_lines(page: captions.Page) -> list[str]:
    """The page's lines as drawn: a dialogue page's first line after its speaker's label."""
    lines = list(page.lines)
    if page.speaker:
        lines[0] = f"{captions.label(page.speaker)} {lines[0]}"
    return lines


def page_size(page: captions.Page, lay: Layout) -> int:
    """The layout's font size, or smaller until the page's widest line fits (even
    below SMALLEST: a caption is never cut)."""
    size = lay.size
    while size > 1 and max(measure(line, size, lay.font) for line in shown_lines(page)) > lay.max_text_width:
        size -= 1
    return size


def too_wide(text: str, lay: Layout, names: Sequence[str] = (), speaker: str = "") -> list[str]:
    """Lines of the narration's (or a dialogue line's) pages that do not fit the safe
    area even at SMALLEST, as drawn: with the speaker's label (they are drawn whole,
    smaller still; `validate` warns about them)."""
    return [line for page in pages_for(text, lay, names, speaker) for line in shown_lines(page)
            if measure(line, SMALLEST, lay.font) > lay.max_text_width]


def timed_pages(pages: Sequence[captions.Page], timings: Sequence[WordTime], speech_end: float,
                limit: float) -> list[tuple[float, float, captions.Page]]:
    """(start, end, page) in seconds from the voice's start (see page_times)."""
    if not pages:
        return []
    spans = page_times([page.first for page in pages], timings, speech_end, limit)
    return [(start, end, page) for (start, end), page in zip(spans, pages)]


def overlay(timed: Sequence[tuple[float, float, captions.Page]], timings: Sequence[WordTime], lay: Layout,
            style: Mapping[str, Any], *, fps: int, frames: int, offset: float) -> Overlay:
    """The clip's caption states: nothing until the first page, each page for its
    frames (with `highlight`, one state per word, the spoken word coloured), nothing
    after the last. `offset` is where the voice starts in the clip (LEAD_IN)."""
    canvas = (lay.safe.width, round(2 * lay.size * LINE_SPACING + 2 * _pad_y(lay.size)))
    top = {"top": lay.safe.top, "center": (lay.safe.top + lay.safe.bottom - canvas[1]) // 2}.get(
        lay.position, lay.safe.bottom - canvas[1])
    spans: list[tuple[int, int, Any]] = []
    cache: dict = {}
    for start, end, page in timed:
        first, last = _frame(start + offset, fps, frames), _frame(end + offset, fps, frames)
        if last <= first:
            continue
        if not style.get("highlight"):
            spans.append((first, last, _draw(page, lay, style, canvas, None, cache)))
            continue
        word_starts = [_frame(timings[page.first + i].start + offset, fps, frames) for i in range(len(page.words))]
        bounds = [first] + [min(max(f, first), last) for f in word_starts[1:]] + [last]
        for index in range(len(page.words)):
            if bounds[index + 1] > bounds[index]:
                spans.append((bounds[index], bounds[index + 1], _draw(page, lay, style, canvas, index, cache)))
    return Overlay(lay.safe.left, top, canvas, tuple(_fill_gaps(spans, frames)))


def _frame(seconds: float, fps: int, frames: int) -> int:
    return min(frames, max(0, round(seconds * fps)))


def _fill_gaps(spans: list[tuple[int, int, Any]], frames: int) -> list[State]:
    """States covering [0, frames): blanks between and around the spans."""
    states, at = [], 0
    for start, end, image in spans:
        start = max(start, at)
        if start > at:
            states.append(State(at, start, None))
        if end > start:
            states.append(State(start, end, image))
            at = end
    if at < frames:
        states.append(State(at, frames, None))
    return states


def _draw(page: captions.Page, lay: Layout, style: Mapping[str, Any], canvas: tuple[int, int],
          highlighted: int | None, cache: dict):
    """The page on a transparent canvas over a soft translucent band; word number
    `highlighted` (in the page) redrawn in the highlight colour over the plain page."""
    from PIL import ImageDraw

    if cache.get("page") is not page:  # states come page by page: keep the last page drawn
        cache.update(page=page, drawn=_draw_plain(page, lay, style, canvas))
    plain, places = cache["drawn"]
    if highlighted is None or _right_to_left(page.text):
        return plain  # a right-to-left line is laid out by the shaper: word places are not ours
    image = plain.copy()
    at, y, size = places[highlighted]
    draw_text(ImageDraw.Draw(image), (at, y), page.words[highlighted], size, style["highlight"], lay.font)
    return image


def _right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def _draw_plain(page: captions.Page, lay: Layout, style: Mapping[str, Any], canvas: tuple[int, int]):
    """(image, [(x, y, size) of each word]): the page in its colour over the band."""
    from PIL import Image, ImageDraw, ImageFilter

    size = page_size(page, lay)
    line_height = round(size * LINE_SPACING)
    block_width = max(measure(line, size, lay.font) for line in shown_lines(page))
    block_height = line_height * len(page.lines)
    pad_x, pad_y = _pad_x(size), _pad_y(size)
    top = {"top": pad_y, "center": (canvas[1] - block_height) // 2}.get(lay.position, canvas[1] - pad_y - block_height)
    left = (canvas[0] - block_width) / 2
    band = Image.new("L", canvas, 0)
    box = (left - pad_x, top - pad_y, left + block_width + pad_x, top + block_height + pad_y)
    ImageDraw.Draw(band).rounded_rectangle(box, radius=size * 0.5, fill=BAND_ALPHA)
    # A soft edge looks less like a UI box; the blur stays inside the canvas.
    band = band.filter(ImageFilter.GaussianBlur(max(1, pad_y // 2)))
    image = Image.new("RGBA", canvas, (0, 0, 0, 0))
    image.putalpha(band)
    draw, places = ImageDraw.Draw(image), []
    for row, (line, shown) in enumerate(zip(page.lines, shown_lines(page))):
        y = top + row * line_height + line_height / 2
        x = (canvas[0] - measure(shown, size, lay.font)) / 2
        if shown != line:  # the speaker's label, in its own colour, where reading starts
            label = captions.label(page.speaker)
            if _right_to_left(line):  # read from the right: the name goes at the right end
                draw_text(draw, (x + measure(shown, size, lay.font) - measure(label, size, lay.font), y), label,
                          size, LABEL_COLOR, lay.font)
            else:
                draw_text(draw, (x, y), label, size, LABEL_COLOR, lay.font)
                x += measure(shown, size, lay.font) - measure(line, size, lay.font)
        words = captions.tokens(line)
        for position in range(len(words)):  # where each word starts: the line up to it, less the word
            places.append((x + measure(captions.join(words[: position + 1]), size, lay.font)
                           - measure(words[position], size, lay.font), y, size))
        draw_text(draw, (x, y), line, size, style.get("color", "#ffffff"), lay.font)
    return image, places


def write_concat(track: Overlay, folder: Path, fps: int) -> Path:
    """An ffconcat list showing each state's image for its frames, written with the
    images into `folder`. Each change is placed half a frame early, so the frame it
    starts on picks it up whatever the rounding of timestamps. The list names the
    images by plain relative names, which the demuxer resolves against the list's
    folder: the project's path (which may hold a newline or a quote) never appears in it."""
    from PIL import Image

    blank = folder / "blank.png"
    Image.new("RGBA", track.size, (0, 0, 0, 0)).save(blank)
    lines, path = ["ffconcat version 1.0"], blank
    for index, state in enumerate(track.states):
        path = blank
        if state.image is not None:
            path = folder / f"caption-{index:04d}.png"
            state.image.save(path, compress_level=1)
        begin = 0.0 if index == 0 else (state.start - 0.5) / fps
        finish = (state.end - 0.5) / fps
        lines += [f"file {path.name}", f"duration {finish - begin:.6f}"]
    lines.append(f"file {path.name}")  # the demuxer needs an entry after the last duration
    listing = folder / "captions.ffconcat"
    listing.write_text("\n".join(lines) + "\n", "utf-8")
    return listing
