"""What the fake Gemini API accepts: models, voices and request shapes, as documented.

Each check returns None when the request is acceptable, else (HTTP status, message)
in the words the real API uses for that refusal. The lists here are the fake's own
(they model the service), so a test can compare them with storybuild's catalog.
"""

from __future__ import annotations

from typing import Any

TEXT_MODELS = ("gemini-3.8-flash", "gemini-3.5-flash-lite")
IMAGE_MODELS = ("gemini-3.1-flash-image", "gemini-nano-banana-2.1", "gemini-3-pro-image",
                "gemini-3.1-flash-lite-image")
TTS_MODELS = ("gemini-3.8-flash-tts", "gemini-3.8-flash-lite-tts")
VIDEO_MODELS = ("veo-3.1-generate-preview", "veo-3.1-lite-generate-001", "veo-2.0-generate-001")
ALL_MODELS = TEXT_MODELS + IMAGE_MODELS + TTS_MODELS + VIDEO_MODELS

# The 30 prebuilt voices of the Gemini TTS models.
VOICES = ("Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
          "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi",
          "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi",
          "Vindemiatrix", "Sadachbia", "Sadaltager", "Sulafat")

# About 1 MP per aspect ratio, as the image models answer at image_size "1K".
IMAGE_SIZES = {"1:1": (1024, 1024), "2:3": (832, 1248), "3:2": (1248, 832), "3:4": (864, 1184),
               "4:3": (1184, 864), "4:5": (896, 1152), "5:4": (1152, 896), "9:16": (768, 1344),
               "16:9": (1344, 768), "21:9": (1536, 672)}
VIDEO_ASPECTS = ("16:9", "9:16")
MAX_REFERENCES = 14
MAX_INLINE_BYTES = 7 * 1024 * 1024

BODY_FIELDS = {"contents", "generation_config", "system_instruction", "safety_settings", "tools", "tool_config",
               "cached_content", "labels"}
CONFIG_FIELDS = {"temperature", "top_p", "top_k", "candidate_count", "max_output_tokens", "stop_sequences",
                 "response_mime_type", "response_schema", "response_json_schema", "response_modalities", "seed",
                 "speech_config", "image_config", "thinking_config", "presence_penalty", "frequency_penalty",
                 "response_logprobs", "logprobs", "media_resolution"}
NESTED_FIELDS = {"image_config": {"aspect_ratio", "image_size", "output_mime_type"},
                 "speech_config": {"voice_config", "multi_speaker_voice_config", "language_code"}}
PART_FIELDS = {"text", "inline_data", "file_data", "speech_metadata", "thought", "thought_signature"}
SAMPLING = ("temperature", "top_p", "top_k")

Refusal = tuple[int, str]


def model_kind(model: str) -> str | None:
    """"text", "image", "tts", "video", or None for a model the service does not have."""
    for kind, models in (("text", TEXT_MODELS), ("image", IMAGE_MODELS), ("tts", TTS_MODELS),
                         ("video", VIDEO_MODELS)):
        if model in models:
            return kind
    return None


def not_found(model: str, version: str, method: str) -> Refusal:
    return 404, (f"models/{model} is not found for API version {version}, or is not supported for {method}. "
                 "Call ListModels to see the list of available models and their supported methods.")


def check_generate(model: str, kind: str | None, body: dict[str, Any]) -> Refusal | None:
    """The refusal for a generateContent request (snake-cased body), or None."""
    unknown = set(body) - BODY_FIELDS
    if unknown:
        return _unknown_name(sorted(unknown)[0], "")
    config = body.get("generation_config") or {}
    unknown = set(config) - CONFIG_FIELDS
    if unknown:
        return _unknown_name(sorted(unknown)[0], "generation_config")
    for name, allowed in NESTED_FIELDS.items():
        extra = set(config.get(name) or {}) - allowed
        if extra:
            return _unknown_name(sorted(extra)[0], f"generation_config.{name}")
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            extra = set(part) - PART_FIELDS
            if extra:
                return _unknown_name(sorted(extra)[0], "contents[0].parts[0]")
    modalities = [str(m).upper() for m in config.get("response_modalities") or []]
    checks = {"text": _check_text, "image": _check_image, "tts": _check_tts}
    return checks[kind](model, body, config, modalities) if kind in checks else None


def _unknown_name(name: str, where: str) -> Refusal:
    at = f" at '{where}'" if where else ""
    return 400, f'Invalid JSON payload received. Unknown name "{name}"{at}: Cannot find field.'


def _modalities_refusal() -> Refusal:
    return 400, "The requested combination of response modalities is not supported by the model."


def _check_text(model: str, body: dict, config: dict, modalities: list[str]) -> Refusal | None:
    if any(m != "TEXT" for m in modalities):
        return _modalities_refusal()
    if "speech_config" in config or "image_config" in config:
        return 400, f"speech_config and image_config are not supported for models/{model}."
    if "response_schema" in config and "response_json_schema" in config:
        return 400, "response_schema and response_json_schema cannot both be set."
    return None


def _check_image(model: str, body: dict, config: dict, modalities: list[str]) -> Refusal | None:
    if "IMAGE" not in modalities or "AUDIO" in modalities:
        return _modalities_refusal()
    if "speech_config" in config:
        return 400, f"speech_config is not supported for models/{model}."
    image_config = config.get("image_config") or {}
    aspect = image_config.get("aspect_ratio")
    if aspect is not None and aspect not in IMAGE_SIZES:
        return 400, f"Unsupported aspect ratio: {aspect}. Supported values: {', '.join(IMAGE_SIZES)}."
    if image_config.get("image_size") not in (None, "1K", "2K", "4K"):
        return 400, f"Unsupported image size: {image_config['image_size']}."
    inline = [p["inline_data"] for c in body.get("contents") or [] for p in c.get("parts") or []
              if "inline_data" in p]
    if len(inline) > MAX_REFERENCES:
        return 400, f"Too many images: at most {MAX_REFERENCES} images are allowed per request."
    if any(len(str(blob.get("data", ""))) * 3 // 4 > MAX_INLINE_BYTES for blob in inline):
        return 400, "Request payload size exceeds the limit: an inline image is larger than 7 MB."
    return None


def _check_tts(model: str, body: dict, config: dict, modalities: list[str]) -> Refusal | None:
    if "system_instruction" in body:
        return 400, f"Developer instruction is not enabled for models/{model}"
    for name in SAMPLING:
        if name in config:
            return 400, f"{name} is not supported for models/{model}."
    if modalities != ["AUDIO"]:
        return _modalities_refusal()
    parts = [p for c in body.get("contents") or [] for p in c.get("parts") or []]
    if not parts or any(set(p) - {"text", "speech_metadata"} for p in parts):
        return 400, f"models/{model} accepts only text parts."
    speech = config.get("speech_config") or {}
    single, multi = speech.get("voice_config"), speech.get("multi_speaker_voice_config")
    if single and multi:
        return 400, "speech_config: voice_config and multi_speaker_voice_config are mutually exclusive."
    if multi:
        return _check_speakers(multi, parts)
    if any((p.get("speech_metadata") or {}).get("speaker") for p in parts):
        return 400, "speech_metadata.speaker requires speech_config.multi_speaker_voice_config."
    return _check_voice(((single or {}).get("prebuilt_voice_config") or {}).get("voice_name"))


def _check_voice(name: Any) -> Refusal | None:
    if name is None or name in VOICES:
        return None
    return 400, f"Voice name {name} is not supported. Please use one of the prebuilt voices."


def _two_speakers(count: int) -> str:
    return ("multi_speaker_voice_config needs exactly two speaker_voice_configs with distinct speakers, "
            f"got {count}.")


def _check_speakers(multi: dict, parts: list[dict]) -> Refusal | None:
    configs = multi.get("speaker_voice_configs") or []
    if len(configs) != 2:
        return 400, _two_speakers(len(configs))
    speakers = [c.get("speaker") for c in configs]
    if not all(speakers) or speakers[0] == speakers[1]:
        return 400, _two_speakers(len(configs))
    for config in configs:
        refusal = _check_voice(((config.get("voice_config") or {}).get("prebuilt_voice_config") or {})
                               .get("voice_name"))
        if refusal:
            return refusal
    text = "\n".join(p.get("text", "") for p in parts)
    tagged = {(p.get("speech_metadata") or {}).get("speaker") for p in parts} - {None}
    if tagged - set(speakers):
        return 400, f"speech_metadata.speaker {sorted(tagged - set(speakers))[0]} is not a configured speaker."
    if not tagged and not all(f"{s}:" in text for s in speakers):
        return 400, "The text must name every configured speaker."
    return None


def check_video(model: str, body: dict[str, Any]) -> Refusal | None:
    """The refusal for a predictLongRunning request (snake-cased body), or None."""
    instances = body.get("instances")
    if not isinstance(instances, list) or len(instances) != 1:
        return 400, "instances must hold exactly one instance."
    instance = instances[0]
    if set(instance) - {"prompt", "image", "last_frame", "video", "reference_images"}:
        return _unknown_name(sorted(set(instance) - {"prompt", "image"})[0], "instances[0]")
    image = instance.get("image") or {}
    if image and not (image.get("bytes_base64_encoded") and image.get("mime_type")):
        return 400, "instances[0].image needs bytesBase64Encoded and mimeType."
    if not instance.get("prompt") and not image:
        return 400, "A prompt or an image is required."
    parameters = body.get("parameters") or {}
    aspect = parameters.get("aspect_ratio")
    if aspect is not None and aspect not in VIDEO_ASPECTS:
        return 400, f"Unsupported aspect ratio: {aspect}. Supported values: 16:9, 9:16."
    if parameters.get("duration_seconds") not in (None, 4, 5, 6, 8):
        return 400, f"Unsupported duration: {parameters['duration_seconds']} seconds."
    return None
