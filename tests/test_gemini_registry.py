"""Providers own their facts: credentials, models, voices and prices live in the registry;
the schema and the core read them from there, and no core module imports a provider."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from fakegemini import fake_gemini  # noqa: F401 - a fixture
from fakegemini_rules import ALL_MODELS, VOICES as SERVICE_VOICES
from storybuild import pricing, providers, report
from storybuild.errors import InputError
from storybuild.plan import STALE, Decision
from storybuild.project import validate_document
from storybuild.providers.gemini import catalog
from storybuild.step import Step

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schemas" / "story.schema.json").read_text(encoding="utf-8"))


def test_the_schemas_provider_and_voice_names_are_the_registrys():
    for kind in providers.KINDS:
        assert SCHEMA["$defs"][f"{kind}Provider"]["properties"]["provider"]["enum"] == providers.names(kind)
    voices = [v for e in providers.entries() if e.kind == "voice" for v in e.voices or ()]
    assert SCHEMA["$defs"]["voiceProvider"]["properties"]["voice"]["examples"] == list(dict.fromkeys(voices))
    for entry in providers.entries():
        declared = SCHEMA["$defs"][f"{entry.kind}Provider"]["properties"]
        assert set(entry.options) <= set(declared), entry


def test_the_catalog_matches_the_service():
    known = [m for e in providers.entries() for m in e.models if e.name == "gemini"]
    assert sorted(known) == sorted(ALL_MODELS)
    assert catalog.VOICES == SERVICE_VOICES and len(catalog.VOICES) == 30
    assert set(catalog.PRICES) == set(ALL_MODELS)


def test_no_core_module_imports_a_provider_module():
    offenders = []
    for path in (ROOT / "storybuild").rglob("*.py"):
        if "providers" in path.relative_to(ROOT / "storybuild").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            offenders += [(path.name, n) for n in names if n.startswith("storybuild.providers.gemini")]
    assert offenders == []


def paid_step(step_id: str, model: str, **params) -> Decision:
    kind = step_id.split("/")[0]
    step = Step(step_id, kind, "gemini", 1, model, params, paid=True, cpu="none")
    return Decision(step, STALE, ("never built",), None)


def test_credentials_come_from_the_registry_entry():
    decisions = [paid_step("image/a", "gemini-3.1-flash-image"), paid_step("voice/a", "gemini-3.8-flash-tts", text="Hi")]
    with pytest.raises(InputError) as caught:
        report.check_credentials(decisions, environ={})
    assert str(caught.value) == ("2 step(s) call the Gemini API but no API key is set: image/a, voice/a. "
                                 "Set GEMINI_API_KEY (or GOOGLE_API_KEY), or choose offline providers in story.yaml")
    report.check_credentials(decisions, environ={"GOOGLE_API_KEY": "k"})


def test_estimates_use_the_story_price_first_and_say_when_a_model_has_none():
    tables = {("gemini", "image"): catalog.PRICES, ("gemini", "voice"): catalog.PRICES}
    steps = [paid_step(f"image/{i}", "gemini-3-pro-image").step for i in range(3)]
    steps.append(paid_step("voice/a", "gemini-3.8-flash-tts", text="one two three four five").step)
    steps.append(paid_step("image/x", "my-own-image-model").step)
    found = pricing.estimate(steps, tables, {"gemini-3.8-flash-tts": {"per_second": 0.01}})
    assert pricing.cost_text(found).splitlines() == [
        "paid: 3 calls to gemini gemini-3-pro-image: 3 images at $0.134/image = $0.40",
        "paid: 1 call to gemini gemini-3.8-flash-tts: 2.3 s at $0.01/s = $0.02",
        "paid: 1 call to gemini my-own-image-model: no price known; set one under `pricing:` in story.yaml",
        "estimated cost: $0.43 (without the unpriced models)"]
    with pytest.raises(InputError) as caught:
        pricing.check_budget(found, 100)
    assert str(caught.value) == ("cannot check --max-cost: no price is known for my-own-image-model; "
                                 "set one under `pricing:` in story.yaml")


def test_the_pricing_block_is_checked_by_the_schema():
    story = {"version": 1, "title": "T", "style": "S", "scenes": [{"id": "a", "image": "i", "narration": "n."}],
             "pricing": {"gemini-3.1-flash-image": {"per_picture": 0.04}}}
    (problem,) = validate_document(story, source="s")
    assert problem == ('s: pricing["gemini-3.1-flash-image"].per_picture: unknown field '
                       "(expected one of: per_image, per_second, per_1k_tokens)")


# -- storybuild providers [--check] -------------------------------------------------------

def test_providers_lists_models_voices_and_prices_and_check_flags_a_retired_model(fake_gemini, tmp_path):
    from conftest import run_cli, write_story
    from fakegemini import DUMMY_KEY

    listed = run_cli("providers", check=True).stdout.splitlines()
    assert "image     gemini     (paid; key: GEMINI_API_KEY (or GOOGLE_API_KEY))" in listed
    assert "  gemini-3.1-flash-image       $0.039/image, default" in listed
    assert any(line.startswith("  voices: Zephyr, Puck, Charon, Kore,") for line in listed)

    write_story(tmp_path, {"version": 1, "title": "T", "style": "S",
                           "providers": {"image": {"provider": "gemini"},
                                         "voice": {"provider": "gemini", "model": "gemini-3.8-flash-lite-tts"}},
                           "scenes": [{"id": "a", "image": "i", "narration": "n."}]})
    fake_gemini.configure(models=tuple(m for m in ALL_MODELS if m != "gemini-3.1-flash-image"))
    checked = run_cli("providers", "--check", str(tmp_path), env={"GEMINI_API_KEY": DUMMY_KEY})
    assert checked.returncode == 1
    assert checked.stderr.splitlines() == [
        "image gemini model gemini-3.1-flash-image: the Gemini API does not offer it (ListModels); "
        "choose another model in story.yaml"]
    assert "  gemini-3.8-flash-lite-tts    $0.0001/s, used by the story" in checked.stdout.splitlines()
    assert [call.kind for call in fake_gemini.requests] == ["list"]

    fake_gemini.configure(models=ALL_MODELS)
    fine = run_cli("providers", "--check", str(tmp_path), env={"GEMINI_API_KEY": DUMMY_KEY}, check=True)
    assert fine.stdout.splitlines()[-1] == "every checked model is offered"
    no_key = run_cli("providers", "--check", str(tmp_path))
    assert (no_key.returncode, no_key.stderr.strip()) == (
        2, "Error: --check asks the Gemini API which models exist: set GEMINI_API_KEY (or GOOGLE_API_KEY)")
