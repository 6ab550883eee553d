"""When each narration word is spoken, and when each caption page is shown.

Three sources, best first: word times from the narrator (`words.json` next to the
voice, e.g. piper's real clause boundaries), an energy aligner on the real audio
(pauses found in the WAV, words shared between the speech stretches by their
length, pauses snapped to punctuation), and a character-count estimate over the
whole narration only when the audio has no speech the aligner can find.
Everything here is pure except `read_wav_mono`.
"""

from __future__ import annotations

import json
import math
import re
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

WINDOW = 0.01  # seconds per energy window
MIN_PAUSE = 0.07  # seconds of quiet that count as a pause between words
MIN_SPEECH = 0.03  # seconds: shorter bursts are clicks, not speech
QUIET = 0.06  # fraction of the loudest window's level below which a window is quiet
# Costs of the aligner's grouping (see align): a mismatch of MISMATCH_SCALE seconds
# (plus 30% of the group's expected time: speech rate varies) between a group's
# speech and its length costs 1; a cut after an unpunctuated word costs more the
# longer its pause (people pause at punctuation); skipping a pause inside a group
# costs more the longer it is.
MISMATCH_SCALE = 0.25
UNPUNCTUATED_CUT = 0.8
SKIP_PAUSE = 0.3
SKIP_PER_SECOND = 3.0
MAX_RUNS = 6  # stretches per group
MAX_GROUP = 30  # words per group
MIN_PAGE_SECONDS = 1.0  # each page at least this long where the speech allows
WORDS_FORMAT = 1  # version of words.json

_PUNCTUATION = re.compile(r"[,;:.!?\u2014\u2026]['\"\u2019\u201d)]*$")


@dataclass(frozen=True)
class WordTime:
    """A word and when it is spoken, in seconds from the start of the voice.
    Invariant: 0 <= start <= end; in a list, starts never decrease."""

    word: str
    start: float
    end: float


def estimate(words: Sequence[str], start: float, end: float) -> list[WordTime]:
    """Words spread over [start, end] in proportion to their length (+1 for the space)."""
    weights = [len(word) + 1 for word in words]
    total = sum(weights) or 1
    out, done = [], 0
    for word, weight in zip(words, weights):
        a = start + (end - start) * done / total
        done += weight
        out.append(WordTime(word, float(a), float(start + (end - start) * done / total)))
    return out


def speech_stretches(samples: Sequence[float], rate: int) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of speech: windows louder than QUIET of
    the loudest, separated by at least MIN_PAUSE of quiet; clicks dropped."""
    import numpy as np

    data = np.asarray(samples, dtype=np.float64)
    size = max(1, round(WINDOW * rate))
    count = len(data) // size
    if count == 0:
        return []
    level = np.sqrt(np.mean(data[: count * size].reshape(count, size) ** 2, axis=1))
    loud = level > QUIET * (level.max() or 1.0)
    stretches: list[list[int]] = []
    gap = math.ceil(MIN_PAUSE / WINDOW)
    for index in np.flatnonzero(loud):
        if stretches and index - stretches[-1][1] <= gap:
            stretches[-1][1] = index + 1
        else:
            stretches.append([index, index + 1])
    shortest = MIN_SPEECH / WINDOW
    return [(a * size / rate, b * size / rate) for a, b in stretches if b - a >= shortest]


def align(words: Sequence[str], stretches: Sequence[tuple[float, float]]) -> list[WordTime]:
    """Word times from speech stretches: words are cut into groups, one group per run
    of stretches, choosing the cuts (dynamic programming) so each group's speaking
    time matches its length in characters, cuts fall after punctuation, and long
    pauses are kept between groups rather than inside one. Within a group words are
    spread over its speech by length. Returns [] without words or stretches."""
    if not words or not stretches:
        return []
    chars = [0]
    for word in words:
        chars.append(chars[-1] + len(word) + 1)
    spoken = [0.0]
    for a, b in stretches:
        spoken.append(spoken[-1] + b - a)
    per_char = spoken[-1] / chars[-1]
    pauses = [stretches[j + 1][0] - stretches[j][1] for j in range(len(stretches) - 1)]
    count, runs = len(words), len(stretches)
    best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {(0, 0): (0.0, None)}
    for k0 in range(count):
        for j0 in range(runs):
            if (k0, j0) not in best:
                continue
            base = best[(k0, j0)][0]
            for j1 in range(j0 + 1, min(runs, j0 + MAX_RUNS) + 1):
                skipped = sum(SKIP_PAUSE + SKIP_PER_SECOND * pause for pause in pauses[j0:j1 - 1])
                for k1 in range(k0 + 1, min(count, k0 + MAX_GROUP) + 1):
                    if (k1 == count) != (j1 == runs):
                        continue  # the last group takes the last words and the last stretch
                    expected = per_char * (chars[k1] - chars[k0])
                    error = (spoken[j1] - spoken[j0] - expected) / (MISMATCH_SCALE + 0.3 * expected)
                    cut = 0.0 if k1 == count or _PUNCTUATION.search(words[k1 - 1]) \
                        else UNPUNCTUATED_CUT * (1 + pauses[j1 - 1] / 0.1)
                    total = base + error * error + cut + skipped
                    if total < best.get((k1, j1), (math.inf, None))[0]:
                        best[(k1, j1)] = (total, (k0, j0))
    if (count, runs) not in best:
        return _spread(words, stretches)
    groups, state = [], (count, runs)
    while state != (0, 0):
        previous = best[state][1]
        groups.append((words[previous[0]:state[0]], stretches[previous[1]:state[1]]))
        state = previous
    return [timed for group, spans in reversed(groups) for timed in _spread(group, spans)]


def _spread(words: Sequence[str], stretches: Sequence[tuple[float, float]]) -> list[WordTime]:
    """Words laid over the speaking time of `stretches` by length: a word starting
    exactly at a pause starts when the speech resumes."""
    speaking = sum(b - a for a, b in stretches)

    def clock(offset: float, starting: bool) -> float:
        for a, b in stretches:
            if offset < b - a - 1e-9 or (not starting and offset <= b - a + 1e-9):
                return a + offset
            offset -= b - a
        return stretches[-1][1]

    out = []
    for timed in estimate(words, 0.0, speaking):
        start = clock(timed.start, True)
        out.append(WordTime(timed.word, float(start), float(max(start, clock(timed.end, False)))))
    return out


def align_audio(words: Sequence[str], samples: Sequence[float], rate: int) -> list[WordTime]:
    """Word times for `words` spoken in `samples` (mono): the aligner, else the estimate."""
    timed = align(words, speech_stretches(samples, rate))
    return timed or estimate(words, 0.0, len(samples) / rate)


def word_timings(words: Sequence[str], wav: Path, words_file: Path | None) -> tuple[list[WordTime], str]:
    """(timings of `words` in the voice `wav`, their source): "narrator" when
    `words_file` (the voice step's words.json) matches the words, else "aligner" on
    the audio, else "estimate" (no speech found, or audio the aligner cannot read)."""
    if words_file is not None:
        parsed = parse_words_json(Path(words_file).read_bytes(), words)
        if parsed is not None:
            return parsed, "narrator"
    try:
        samples, rate = read_wav_mono(wav)
    except (ValueError, wave.Error, EOFError):
        from storybuild.media import wav_duration

        return estimate(words, 0.0, wav_duration(wav)), "estimate"
    timed = align(words, speech_stretches(samples, rate))
    return (timed, "aligner") if timed else (estimate(words, 0.0, len(samples) / rate), "estimate")


def read_wav_mono(path: Path):
    """(float samples of channel 0 in [-1, 1], sample rate) of a 16-bit PCM WAV."""
    import numpy as np

    with wave.open(str(path), "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * width}-bit")
    return np.frombuffer(raw, dtype="<i2")[::channels].astype(np.float64) / 32768.0, rate


def words_json(timings: Sequence[WordTime], source: str) -> bytes:
    """The words.json a voice step stores next to voice.wav."""
    words = [[t.word, round(t.start, 4), round(t.end, 4)] for t in timings]
    return json.dumps({"format": WORDS_FORMAT, "source": source, "words": words}).encode("utf-8")


def parse_words_json(data: bytes, words: Sequence[str]) -> list[WordTime] | None:
    """The timings in a words.json, or None when they do not match `words` exactly
    (another text, an unknown format, times going backwards)."""
    try:
        document = json.loads(data)
        timed = [WordTime(str(w), float(a), float(b)) for w, a, b in document["words"]]
    except (ValueError, KeyError, TypeError):
        return None
    if document.get("format") != WORDS_FORMAT or [t.word for t in timed] != list(words):
        return None
    if any(t.start < 0 or t.end < t.start for t in timed) or any(
            b.start < a.start for a, b in zip(timed, timed[1:])):
        return None
    return timed


def page_times(firsts: Sequence[int], timings: Sequence[WordTime], speech_end: float,
               limit: float | None = None) -> list[tuple[float, float]]:
    """(start, end) of each page, given the index of each page's first word. A page
    shows from its first word's start to the next page's start, the last one until
    the speech ends. A page shorter than MIN_PAGE_SECONDS keeps the screen longer by
    delaying the next page, but never past that page's own last word; the last page
    may run on to `limit` (the clip's end) to reach the minimum."""
    starts = [timings[first].start for first in firsts]
    lasts = [timings[nxt - 1].start for nxt in list(firsts[1:]) + [len(timings)]]
    for index in range(1, len(starts)):
        wanted = max(starts[index], starts[index - 1] + MIN_PAGE_SECONDS)
        starts[index] = max(starts[index], min(wanted, lasts[index]))
    end = max(speech_end, starts[-1])
    if end - starts[-1] < MIN_PAGE_SECONDS:
        end = max(end, min(starts[-1] + MIN_PAGE_SECONDS, limit if limit is not None else end))
    return list(zip(starts, starts[1:] + [end]))
