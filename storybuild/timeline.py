"""PURE: where every piece of the film sits, in frames and audio samples.

The film is a row of *items* (the title card, each scene, the end card) with a
*seam* before, between and after them. A seam with a transition is its own short
video segment: it borrows the last frames of the item on its left and the first
frames of the item on its right; at the very start and end, the black side's share
is frames of its own (the fade in and the fade out). Every item keeps its full length, so
transitions never change when a narration is heard; they only change which frames
of that time show a blend.

Both the clip steps (how many frames to render) and the video step (where each
segment and each voice goes) compute their numbers here from the same integers, so
picture and sound cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

LEAD_IN = 0.3  # seconds of silence before the narration in each scene
TAIL = 0.7  # seconds after the narration before the next scene
LINE_GAP = 0.35  # seconds between two lines of a dialogue: a turn in conversation



def seam_frames(kind: str, seconds: float, fps: int) -> int:
    """Frames of a seam's own segment: none for a cut."""
    return 0 if kind == "cut" else max(1, round(seconds * fps))


def split_seam(frames: int, left_black: bool, right_black: bool) -> tuple[int, int]:
    """(frames taken from the left item's end, frames taken from the right item's start).
    Every item gives the same share to a seam wherever it stands, so reordering scenes
    does not change their clips: a fade from or to black shows black for the share the
    missing neighbour would have given (those frames belong to no item)."""
    tail, head = frames // 2, frames - frames // 2
    return (0 if left_black else tail), (0 if right_black else head)


@dataclass(frozen=True)
class ItemTiming:
    """One item's place in time. Invariant: head + tail < frames, so the item's own
    segment (`body`) has at least one frame; `voice_at` is the narration's start in
    seconds from the item's first frame (None for a card, which has no voice)."""

    frames: int
    head: int
    tail: int
    voice_at: float | None = None

    @property
    def body(self) -> int:
        return self.frames - self.head - self.tail


def scene_timing(voice_seconds: float, floor: float | None, head: int, tail: int, fps: int) -> ItemTiming:
    """A scene lasts lead-in + narration + tail (at least `floor` seconds). The narration
    starts after the seam entering it and ends before the seam leaving it, so a word is
    never spoken over a blend. The epsilon keeps float noise (3.0000000000000004 * 24)
    from adding a frame."""
    lead = max(LEAD_IN, head / fps)
    after = max(TAIL, tail / fps)
    frames = math.ceil((lead + voice_seconds + after) * fps - 1e-9)
    if floor:
        frames = max(frames, math.ceil(floor * fps - 1e-9))
    return ItemTiming(max(frames, head + tail + 1), head, tail, lead)


def line_starts(line_seconds: Sequence[float], sample_rate: int) -> list[int]:
    """Where each line of a dialogue starts, in samples from the first line's start:
    each line's length rounded to whole samples once, then LINE_GAP, so the clip
    (which reads the lines' lengths) and the soundtrack agree to the sample."""
    gap, starts, at = round(LINE_GAP * sample_rate), [], 0
    for seconds in line_seconds:
        starts.append(at)
        at += round(seconds * sample_rate) + gap
    return starts


def speech_seconds(line_seconds: Sequence[float], sample_rate: int) -> float:
    """How long a dialogue's speech lasts: from its first line's start to its last line's end."""
    if not line_seconds:
        return 0.0
    return (line_starts(line_seconds, sample_rate)[-1] + round(line_seconds[-1] * sample_rate)) / sample_rate


def card_timing(seconds: float, head: int, tail: int, fps: int) -> ItemTiming:
    return ItemTiming(max(round(seconds * fps), head + tail + 1), head, tail)


def sample_bounds(frame_bounds: Sequence[int], fps: int, sample_rate: int) -> list[int]:
    """The sample at each frame boundary: rounded from the exact time, so rounding never
    accumulates and the last equals round(total_frames / fps * sample_rate)."""
    return [round(frame * sample_rate / fps) for frame in frame_bounds]


@dataclass(frozen=True)
class Segment:
    """One file of the final join: `step` made it, it is `frames` long."""

    step: str
    frames: int


@dataclass(frozen=True)
class Voice:
    """A narration or dialogue line placed in the soundtrack: `step`'s audio starts at `start` (samples)
    and may run for at most `length` samples (to the end of its scene)."""

    step: str
    start: int
    length: int


@dataclass(frozen=True)
class Cut:
    """The whole film laid out. Invariant: segments' frames sum to `frames`, and
    `item_starts[i]` is the first frame of item i (cards included)."""

    segments: tuple[Segment, ...]
    voices: tuple[Voice, ...]
    frames: int
    samples: int
    item_starts: tuple[int, ...]
    timings: tuple[ItemTiming, ...]


def lay_out(plan: Sequence[Mapping], voice_seconds: Mapping[str, float], fps: int, sample_rate: int) -> Cut:
    """Lay out the video step's timeline params (see kinds/video.py: alternating seams
    and items, starting and ending with a seam) given each voice's length in seconds.
    Items follow each other without gaps; a seam's segment covers the tail of the item
    before it and the head of the item after it."""
    segments: list[Segment] = []
    voices: list[Voice] = []
    starts: list[int] = []
    timings: list[ItemTiming] = []
    frame = 0
    for entry in plan:
        if entry["role"] == "seam":
            if entry["frames"]:
                segments.append(Segment(entry["step"], entry["frames"]))
            frame += entry.get("black", 0)  # the fades' frames that belong to no item
            continue
        timing = item_timing(entry, voice_seconds, fps, sample_rate)
        starts.append(frame)
        timings.append(timing)
        segments.append(Segment(entry["step"], timing.body))
        if timing.voice_at is not None:
            first, end = sample_bounds([frame, frame + timing.frames], fps, sample_rate)
            start = first + round(timing.voice_at * sample_rate)
            voices += _place(entry, voice_seconds, start, end, sample_rate)
        frame += timing.frames
    if sum(segment.frames for segment in segments) != frame:
        raise ValueError("the seams of the timeline do not match the items they join")
    return Cut(tuple(segments), tuple(voices), frame, round(frame * sample_rate / fps), tuple(starts), tuple(timings))


def item_timing(entry: Mapping, voice_seconds: Mapping[str, float], fps: int, sample_rate: int) -> ItemTiming:
    """The timing of one item entry of the timeline params."""
    if entry.get("voice"):
        return scene_timing(voice_seconds[entry["voice"]], entry.get("floor"), entry["head"], entry["tail"], fps)
    if entry.get("voices"):
        seconds = speech_seconds([voice_seconds[step] for step in entry["voices"]], sample_rate)
        return scene_timing(seconds, entry.get("floor"), entry["head"], entry["tail"], fps)
    return card_timing(entry["seconds"], entry["head"], entry["tail"], fps)


def _place(entry: Mapping, voice_seconds: Mapping[str, float], start: int, end: int, sample_rate: int) -> list[Voice]:
    """The voices of one scene entry, the speech starting at sample `start`. Every
    line is its own voice, so the soundtrack sees each one as speech; each may run
    until the next line starts, the last one to `end` (the scene's end)."""
    if entry.get("voice"):
        return [Voice(entry["voice"], start, end - start)]
    steps = entry["voices"]
    starts = [start + offset for offset in line_starts([voice_seconds[step] for step in steps], sample_rate)]
    return [Voice(step, first, limit - first) for step, first, limit in zip(steps, starts, starts[1:] + [end])]
