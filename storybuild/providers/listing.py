"""`storybuild providers`: what each provider offers (models, voices, prices, keys), and
with `--check`, which of the models a story would use the service no longer offers.

The text is made from the registry alone (pure); the check asks each paid provider's
`list_models` hook (ListModels for Gemini), which needs the provider's key.
"""

from __future__ import annotations

import importlib
from typing import Iterable, Mapping

from storybuild.errors import InputError
from storybuild.providers import ProviderInfo, entries

CHECKERS = {"gemini": "storybuild.providers.gemini.models_check:available_models"}


def listing(chosen: Mapping[str, str] | None = None) -> str:
    """Every provider: kind, name, paid or offline, key variables, then one line per
    model (price, default, and `chosen` marks the models the story uses) and voices."""
    chosen = chosen or {}
    lines = []
    for entry in entries():
        how = f"paid; key: {entry.key_hint}" if entry.paid else "offline"
        lines.append(f"{entry.kind:<9} {entry.name:<10} ({how})")
        for model in _models(entry, chosen):
            notes = [_price(entry, model)]
            notes += ["default"] if model == entry.default_model else []
            notes += ["used by the story"] if chosen.get(entry.kind) == model and entry.name == chosen.get(
                f"{entry.kind}:provider") else []
            lines.append(f"  {model:<28} {', '.join(n for n in notes if n)}".rstrip())
        if entry.voices:
            lines.append(f"  voices: {', '.join(entry.voices)}")
    return "\n".join(lines)


def _models(entry: ProviderInfo, chosen: Mapping[str, str]) -> list[str]:
    models = list(entry.models)
    own = chosen.get(entry.kind) if chosen.get(f"{entry.kind}:provider") == entry.name else None
    return models + [own] if own and own not in models else models


def _price(entry: ProviderInfo, model: str) -> str:
    from storybuild.pricing import UNIT_WORDS, price_for

    unit, usd = price_for(model, entry.prices, {})
    return "" if unit is None or usd is None else f"${usd:g}/{UNIT_WORDS.get(unit, (unit,))[0]}"


def missing_models(chosen: Mapping[str, str], environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per model the story would use (or, without a story, per known model of a
    paid provider) that the service does not list. Raises InputError without a key."""
    problems = []
    for name, group in _by_service(chosen).items():
        first = group[0][0]
        if not first.has_key(environ):
            raise InputError(f"--check asks {first.service} which models exist: set {first.key_hint}")
        from storybuild.providers import check_installed

        check_installed(first.kind, first.name)
        module, attribute = CHECKERS[name].split(":")
        available = set(getattr(importlib.import_module(module), attribute)())
        for entry, model in group:
            if model not in available:
                problems.append(f"{entry.kind} {entry.name} model {model}: {first.service} does not offer it "
                                "(ListModels); choose another model in story.yaml")
    return problems


def _by_service(chosen: Mapping[str, str]) -> dict[str, list[tuple[ProviderInfo, str]]]:
    """(entry, model) pairs to check, grouped by provider name (one ListModels each)."""
    groups: dict[str, list[tuple[ProviderInfo, str]]] = {}
    for entry in entries():
        if entry.name not in CHECKERS:
            continue
        if chosen:
            if chosen.get(f"{entry.kind}:provider") != entry.name:
                continue
            models: Iterable[str] = [chosen.get(entry.kind) or entry.default_model or ""]
        else:
            models = entry.models
        groups.setdefault(entry.name, []).extend((entry, m) for m in models if m)
    return groups


def chosen_models(project) -> dict[str, str]:
    """kind -> model and "kind:provider" -> provider name, for the story's choices."""
    from storybuild import providers

    chosen: dict[str, str] = {}
    for kind in providers.KINDS:
        choice = getattr(project.providers, kind, None)
        if choice is None:
            continue
        chosen[f"{kind}:provider"] = choice.name
        model = providers.info(kind, choice.name).model_for(choice)
        if model:
            chosen[kind] = model
    return chosen
