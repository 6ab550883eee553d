"""Subtitle cues for the final video, as SubRip (.srt) and WebVTT (.vtt) text.

A scene's narration is shown while it is spoken: from the scene's first frame plus
LEAD_IN to that plus the voice's duration. Scene starts come from the clips' frame
counts (the same integers that place the audio), so subtitles cannot drift from
the picture. Lines never exceed 42 characters and are balanced; a scene's cue has
more than two lines only when its narration needs them, unless `split_long` asks
for consecutive two-line cues timed in proportion to their length (what subtitle
style guides prefer).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from storybuild.timeline import LEAD_IN

LINE_CHARS = 42
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    """One subtitle. Invariant: 0 <= start < end (seconds), text is one line of words
    (line breaks are decided when formatting)."""

    start: float
    end: float
    text: str


def scene_cues(
    voice_seconds: list[float], frames: list[int], fps: int, texts: list[str], *, split_long: bool = False
) -> list[Cue]:
    """Cues for every scene, in order: one per scene with non-empty text. Scene i
    starts at sum(frames[:i]) / fps; its cue spans [start + LEAD_IN, start + LEAD_IN +
    voice_seconds[i]], clamped to the scene's end. With split_long, narration longer
    than two lines becomes several consecutive cues over the same span."""
    if not (len(voice_seconds) == len(frames) == len(texts)):
        raise ValueError("voice_seconds, frames and texts must have one entry per scene")
    cues: list[Cue] = []
    first_frame = 0
    for voice, count, text in zip(voice_seconds, frames, texts):
        scene_start, scene_end = first_frame / fps, (first_frame + count) / fps
        first_frame += count
        start = scene_start + LEAD_IN
        end = min(start + voice, scene_end)
        words = " ".join(text.split())
        if words and end > start:
            cues.extend(_timed_chunks(start, end, split_text(words) if split_long else [words]))
    return cues


def timeline_cues(spans: list[tuple[float, float, str]]) -> list[Cue]:
    """Cues for narrations spoken over (start, end) seconds of the film, in order: each
    split into pieces of at most two subtitle lines, timed in proportion to length."""
    cues: list[Cue] = []
    for start, end, text in spans:
        words = " ".join(text.split())
        if words and end > start:
            cues.extend(_timed_chunks(start, end, split_text(words)))
    return cues


def _timed_chunks(start: float, end: float, chunks: list[str]) -> list[Cue]:
    """Share [start, end] between chunks in proportion to their length; contiguous."""
    total = sum(len(chunk) for chunk in chunks)
    bounds, done = [start], 0
    for chunk in chunks[:-1]:
        done += len(chunk)
        bounds.append(start + (end - start) * done / total)
    bounds.append(end)  # exactly `end`, whatever the float arithmetic above did
    return [Cue(bounds[i], bounds[i + 1], chunk) for i, chunk in enumerate(chunks)]


def split_text(text: str) -> list[str]:
    """Split text into pieces that each fit in MAX_LINES lines of LINE_CHARS, of
    similar length (a 3-line narration becomes two ~1.5-line cues, not 2 + 1)."""
    lines = textwrap.wrap(text, LINE_CHARS, break_long_words=False)
    if len(lines) <= MAX_LINES:
        return [text]
    count = math.ceil(len(lines) / MAX_LINES)
    target = len(text) / count
    chunks: list[list[str]] = [[]]
    for word in text.split():
        current = " ".join(chunks[-1] + [word])
        if chunks[-1] and len(current) > target and len(chunks) < count:
            chunks.append([])
        chunks[-1].append(word)
    pieces = [" ".join(chunk) for chunk in chunks]
    if all(len(wrap_lines(piece)) <= MAX_LINES for piece in pieces):
        return pieces
    # Balanced split did not fit: fall back to greedy pairs of wrapped lines.
    return [" ".join(lines[i : i + MAX_LINES]) for i in range(0, len(lines), MAX_LINES)]


def wrap_lines(text: str) -> list[str]:
    """Lines for one cue, each at most LINE_CHARS (a longer single word excepted), as
    few as possible and balanced: two lines split at a space near the middle,
    preferably after punctuation; three or more wrapped at the narrowest width that
    needs no extra line."""
    if len(text) <= LINE_CHARS:
        return [text]
    spaces = [i for i, char in enumerate(text) if char == " "]
    fitting = [i for i in spaces if i <= LINE_CHARS and len(text) - i - 1 <= LINE_CHARS]
    if fitting:
        # A break after punctuation reads as a pause, worth a little imbalance.
        middle = min(fitting, key=lambda i: abs(len(text) / 2 - i) - (8 if text[i - 1] in ",.;:!?" else 0))
        return [text[:middle], text[middle + 1 :]]
    lines = textwrap.wrap(text, LINE_CHARS, break_long_words=False) or [text]
    for width in range(math.ceil(len(text) / len(lines)), LINE_CHARS):
        balanced = textwrap.wrap(text, width, break_long_words=False)
        if len(balanced) == len(lines):
            return balanced
    return lines


def to_srt(cues: list[Cue]) -> str:
    """SubRip text: blocks numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, blank line
    between blocks. Cue text never contains a blank line (that would end the block)."""
    blocks = []
    for index, cue in enumerate(cues, start=1):
        times = f"{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}"
        blocks.append(f"{index}\n{times}\n" + "\n".join(wrap_lines(cue.text)) + "\n")
    return "\n".join(blocks)


def to_vtt(cues: list[Cue]) -> str:
    """WebVTT text: `WEBVTT` header, `HH:MM:SS.mmm --> HH:MM:SS.mmm`, with &, < and >
    escaped (they start entities and tags in WebVTT cue text)."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        times = f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}"
        lines = [_vtt_escape(line) for line in wrap_lines(cue.text)]
        blocks.append(f"{times}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


