"""SIDE EFFECTS: what running one step of each kind does.

An action gets the step, the files of its inputs (dep id -> output name -> path) and
a scratch folder; it returns output name -> file path inside that folder. The executor
moves those files into the store. Actions never see keys or the store.
"""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from typing import Callable, Iterable, Mapping

from storybuild import providers
from storybuild.atomic import write_atomic
from storybuild.errors import ProviderError
from storybuild.graph import PROVIDER_KINDS, Step
from storybuild.model import Project

Inputs = Mapping[str, Mapping[str, Path]]


class ProviderPool:
    """Creates each provider once per render and shares it between workers, so
    expensive setup (a loaded TTS voice, an HTTP client) happens once, and lets it go
    as soon as no step needs it, so its memory is not held through composition."""

    def __init__(self, project: Project):
        self._project = project
        self._made: dict[str, object] = {}
        self._lock = threading.Lock()

    def get(self, kind: str):
        with self._lock:
            if kind not in self._made:
                self._made[kind] = providers.create(kind, getattr(self._project.providers, kind))
            return self._made[kind]

    def release_unneeded(self, remaining: Iterable[Step]) -> None:
        """Close the providers that none of the `remaining` steps will use."""
        needed = {PROVIDER_KINDS.get(step.kind) for step in remaining}
        with self._lock:
            idle = [kind for kind in self._made if kind not in needed]
            released = [self._made.pop(kind) for kind in idle]
        for provider in released:
            close = getattr(provider, "close", None)
            if close is not None:
                close()


def run_action(step: Step, inputs: Inputs, workdir: Path, pool: ProviderPool) -> dict[str, Path]:
    """Run `step` and return its output files (all inside `workdir`)."""
    outputs = _ACTIONS[step.kind](step, inputs, workdir, pool)
    _check_outputs(step, outputs)
    return outputs


def _character(step: Step, inputs: Inputs, workdir: Path, pool: ProviderPool) -> dict[str, Path]:
    from storybuild.providers.base import CharacterInfo, CharacterSheetRequest

    params = dict(step.params)
    params["character"] = CharacterInfo(**params["character"])
    out = workdir / "sheet.png"
    pool.get("image").draw_character_sheet(CharacterSheetRequest(**params), out)
    return {"sheet.png": out}


def _image(step: Step, inputs: Inputs, workdir: Path, pool: ProviderPool) -> dict[str, Path]:
    from storybuild.providers.base import SceneImageRequest

    references = {dep.split("/", 1)[1]: files["sheet.png"] for dep, files in inputs.items()
                  if dep.startswith("character/")}
    out = workdir / "image.png"
    pool.get("image").draw_scene(SceneImageRequest.from_params(step.params), references, out)
    return {"image.png": out}


def _voice(step: Step, inputs: Inputs, workdir: Path, pool: ProviderPool) -> dict[str, Path]:
    from storybuild.providers.base import NarrationRequest

    out = workdir / "voice.wav"
    pool.get("voice").narrate(NarrationRequest(**step.params), out)
    return {"voice.wav": out}


def _clip(step: Step, inputs: Inputs, workdir: Path, pool: ProviderPool) -> dict[str, Path]:
    from storybuild import compose, media

    p = step.params
    voice = inputs[f"voice/{step.scene}"]["voice.wav"]
    frames = compose.clip_frame_count(media.wav_duration(voice), p["duration_floor"], p["fps"])
    out = workdir / "clip.mp4"
    compose.render_clip(inputs[f"image/{step.scene}"]["image.png"], out, width=p["width"], height=p["height"],
                        fps=p["fps"], frames=frames, caption=p["caption"], motion=p["motion"],
                        motion_seed=p["motion_seed"], motion_strength=p["motion_strength"])
    return {"clip.mp4": out}


def _video(step: Step, inputs: Inputs, workdir: Path, pool: ProviderPool) -> dict[str, Path]:
    from storybuild import captions, compose, media

    p = step.params
    fps = p["fps"]
    scenes = p["scenes"]
    voices = [inputs[f"voice/{s['id']}"]["voice.wav"] for s in scenes]
    seconds = [media.wav_duration(v) for v in voices]
    frames = [compose.clip_frame_count(sec, s["duration_floor"], fps) for sec, s in zip(seconds, scenes)]
    clips = [inputs[f"clip/{s['id']}"]["clip.mp4"] for s in scenes]
    out = workdir / "video.mp4"
    music = p["music"]
    compose.assemble_video(clips, voices, frames, out, fps=fps, sample_rate=p["sample_rate"],
                           music=Path(step.sources["music"]) if music else None,
                           music_volume=music["volume"] if music else 0.0)
    # Sidecar captions follow subtitle practice (at most two lines on screen), so a long
    # narration becomes consecutive cues; the burned-in caption shows it whole.
    cues = captions.scene_cues(seconds, frames, fps, [s["narration"] for s in scenes], split_long=True)
    srt, vtt = workdir / "captions.srt", workdir / "captions.vtt"
    write_atomic(srt, captions.to_srt(cues).encode("utf-8"))
    write_atomic(vtt, captions.to_vtt(cues).encode("utf-8"))
    return {"video.mp4": out, "captions.srt": srt, "captions.vtt": vtt}


_ACTIONS: dict[str, Callable[[Step, Inputs, Path, ProviderPool], dict[str, Path]]] = {
    "character": _character,
    "image": _image,
    "voice": _voice,
    "clip": _clip,
    "video": _video,
}


def _check_outputs(step: Step, outputs: Mapping[str, Path]) -> None:
    """Refuse to store empty or unreadable results: a broken artifact in the store
    would be "fresh" forever."""
    for name, path in outputs.items():
        if not path.is_file() or path.stat().st_size == 0:
            raise ProviderError(f"{step.id}: the provider wrote no {name}")
        if name.endswith(".wav"):
            _check_wav(step, path)
        elif name.endswith(".png"):
            _check_png(step, path)


def _check_wav(step: Step, path: Path) -> None:
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnframes() == 0:
                raise ProviderError(f"{step.id}: the narration audio is empty")
    except (wave.Error, EOFError) as error:
        raise ProviderError(f"{step.id}: the narration is not a valid WAV file ({error})") from None


def _check_png(step: Step, path: Path) -> None:
    with open(path, "rb") as handle:
        if handle.read(8) != b"\x89PNG\r\n\x1a\n":
            raise ProviderError(f"{step.id}: the image is not a PNG file")
