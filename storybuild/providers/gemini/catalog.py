"""What storybuild knows about the Gemini models without asking: ids, voices, prices.

Plain constants (no SDK import), read by the provider registry for planning, the
story schema, cost estimates and `storybuild providers`. Prices are list prices in US
dollars as published for the paid tier on 2026-11-26 (rounded; check the pricing
page before a large batch); a story's `pricing:` block overrides them.
"""

from __future__ import annotations

KEY_ENVS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")  # precedence order, like the SDK

TEXT_MODELS = ("gemini-3.8-flash", "gemini-3.5-flash-lite")
IMAGE_MODELS = ("gemini-3.1-flash-image", "gemini-nano-banana-2.1", "gemini-3-pro-image",
                "gemini-3.1-flash-lite-image")
VOICE_MODELS = ("gemini-3.8-flash-tts", "gemini-3.8-flash-lite-tts")
ANIMATION_MODELS = ("veo-3.1-generate-preview", "veo-3.1-lite-generate-001", "veo-2.0-generate-001")

# The 30 prebuilt voices of the TTS models (speech_config.voice_config.prebuilt_voice_config).
VOICES = ("Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
          "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi",
          "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi",
          "Vindemiatrix", "Sadachbia", "Sadaltager", "Sulafat")

# model -> {unit: US dollars}; units: per_image, per_second (of speech or video), per_1k_tokens.
PRICES = {
    "gemini-3.8-flash": {"per_1k_tokens": 0.0025},
    "gemini-3.5-flash-lite": {"per_1k_tokens": 0.0004},
    "gemini-3.1-flash-image": {"per_image": 0.039},
    "gemini-nano-banana-2.1": {"per_image": 0.039},
    "gemini-3-pro-image": {"per_image": 0.134},
    "gemini-3.1-flash-lite-image": {"per_image": 0.02},
    "gemini-3.8-flash-tts": {"per_second": 0.00025},
    "gemini-3.8-flash-lite-tts": {"per_second": 0.0001},
    "veo-3.1-generate-preview": {"per_second": 0.40},
    "veo-3.1-lite-generate-001": {"per_second": 0.05},
    "veo-2.0-generate-001": {"per_second": 0.35},
}
